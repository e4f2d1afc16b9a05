/**
 * Fit score: how well a lead matches the ideal customer, from its attributes alone (company size,
 * title/authority, industry, e-mail domain). Pure and order-free: each rule picks its first matching tier,
 * rules add up, and the sum is clamped to [fit.min, fit.max].
 */

import type { Grade, LeadAttributes } from '#domain/lead/types';
import type { FitRule, ScoringConfig } from '#domain/scoring/config';

export interface FitResult {
  fit: number;
  grade: Grade;
  /** Rule id → points, for every rule that gave points (before clamping, so ops can see why). */
  breakdown: Record<string, number>;
}

/** A company size as a range of employees; `max` is Infinity for "1000+". */
export interface EmployeeRange {
  min: number;
  max: number;
}

// Attribute values come from forms: bound the work done on them.
const MAX_TEXT = 500;

const normalize = (text: string): string => text.slice(0, MAX_TEXT).normalize('NFKC').toLowerCase();

/**
 * Reads a company size leniently: "120", "100-499", "100〜499名", "1000+", "1,000名以上", "1万人以上",
 * "10名未満", "~50", "5k". Returns null when there is no number in it.
 */
export function parseEmployees(raw: string): EmployeeRange | null {
  let s = normalize(raw).replace(/[,\s]/g, '');
  // Japanese and SI multipliers: 1万 = 10,000, 5千 = 5,000, 5k = 5,000. The Japanese words in these
  // patterns are \u escapes (万 4E07, 千 5343, 未満 672A 6E80, 以下 4EE5 4E0B, まで 307E 3067, 〜 301C,
  // 以上 4EE5 4E0A, 超 8D85): a bundle stays ASCII (see "pure ASCII" in test/infra/bundling.test.ts).
  s = s.replace(/(\d+(?:\.\d+)?)(\u4E07|\u5343|k)/g, (_m, n: string, unit: string) =>
    String(Math.round(Number(n) * (unit === '万' ? 10_000 : 1_000))),
  );
  const numbers = [...s.matchAll(/\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
  const [first, second] = numbers;
  if (first === undefined) return null;
  if (second !== undefined) return { min: Math.min(first, second), max: Math.max(first, second) };
  // "Fewer than 10" is at most 9; "up to 50" (以下, まで, ~50) is at most 50.
  if (/\u672A\u6E80|under|less|below|fewer|</.test(s))
    return { min: 0, max: Number.isInteger(first) ? first - 1 : first };
  if (/\u4EE5\u4E0B|\u307E\u3067/.test(s) || /^[~\u301C]/.test(s)) return { min: 0, max: first };
  const andMore = /\u4EE5\u4E0A|\u8D85|\+|over|more|above|[~\u301C]$/.test(s);
  return andMore ? { min: first, max: Number.POSITIVE_INFINITY } : { min: first, max: first };
}

const isLatinWordChar = (c: string | undefined): boolean => c !== undefined && /[a-z0-9]/.test(c);

/**
 * Whether `keyword` occurs in `text`, case-insensitively after NFKC. A keyword that starts (ends) with a Latin
 * letter or digit must not be glued to another one there, so "CTO" does not match "Director" and "Head" does
 * not match "Headquarters"; Japanese has no spaces, so "部長" matches inside "営業部部長".
 */
export function containsKeyword(text: string, keyword: string): boolean {
  const haystack = normalize(text);
  const needle = normalize(keyword).trim();
  if (needle === '') return false;
  const guardStart = isLatinWordChar(needle[0]);
  const guardEnd = isLatinWordChar(needle[needle.length - 1]);
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + 1)) {
    const startOk = !guardStart || !isLatinWordChar(haystack[i - 1]);
    const endOk = !guardEnd || !isLatinWordChar(haystack[i + needle.length]);
    if (startOk && endOk) return true;
  }
  return false;
}

/** The domain of an e-mail address, lower-cased, or null. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf('@');
  if (at < 0) return null;
  const domain = email
    .slice(at + 1)
    .trim()
    .toLowerCase()
    .replace(/\.$/, '');
  return domain === '' ? null : domain;
}

const domainListed = (domain: string, listed: string): boolean =>
  domain === listed || domain.endsWith(`.${listed}`);

/** Points a rule gives, or null when it does not apply (attribute missing, nothing matched, no `otherwise`). */
function rulePoints(rule: FitRule, attributes: LeadAttributes): number | null {
  switch (rule.kind) {
    case 'employees': {
      const raw = attributes.employees?.trim();
      if (!raw) return null;
      const range = parseEmployees(raw);
      // The whole range must fit the tier: "100-499" is a 100+ company but not yet a 300+ one, and
      // "300名以下" says too little to call the company tiny.
      const tier = range
        ? rule.tiers.find(
            (t) => range.min >= (t.min ?? 0) && range.max <= (t.max ?? Number.POSITIVE_INFINITY),
          )
        : undefined;
      return tier?.points ?? rule.otherwise ?? null;
    }
    case 'keywords': {
      const raw = attributes[rule.attribute]?.trim();
      if (!raw) return null;
      const tier = rule.tiers.find((t) => t.keywords.some((k) => containsKeyword(raw, k)));
      return tier?.points ?? rule.otherwise ?? null;
    }
    case 'emailDomain': {
      const domain = attributes.email ? emailDomain(attributes.email) : null;
      if (!domain) return null;
      const tier = rule.tiers.find((t) => t.domains.some((d) => domainListed(domain, d)));
      return tier?.points ?? rule.otherwise ?? null;
    }
  }
}

export function gradeFor(fit: number, config: ScoringConfig): Grade {
  const { A, B, C } = config.fit.grades;
  if (fit >= A) return 'A';
  if (fit >= B) return 'B';
  if (fit >= C) return 'C';
  return 'D';
}

/** Fit score, grade and per-rule breakdown for a lead's attributes. */
export function computeFit(attributes: LeadAttributes, config: ScoringConfig): FitResult {
  const breakdown: Record<string, number> = {};
  let sum = 0;
  for (const rule of config.fit.rules) {
    const points = rulePoints(rule, attributes);
    if (points === null) continue;
    breakdown[rule.id] = points;
    sum += points;
  }
  const fit = Math.min(config.fit.max, Math.max(config.fit.min, sum));
  return { fit, grade: gradeFor(fit, config), breakdown };
}
