/**
 * Lead scoring as configuration: fit rules (who the lead is), behaviour rules (what the lead does), decay,
 * and the thresholds that turn a total into a temperature and a lifecycle stage. Marketing ops keep their
 * values in `config/scoring.ts`; this schema validates them at synth and at start-up so a typo fails with a
 * message naming the field (e.g. `behaviour.rules.3.cap.per`).
 *
 * Patterns are deliberately NOT regular expressions: a rule's URL is a glob with `*` only, and keywords are
 * plain text, so no configuration can cause catastrophic backtracking (ReDoS) on attacker-supplied URLs.
 */
import { z } from 'zod';
import { LEAD_ATTRIBUTES } from '#domain/lead/types';
import { isValidTimeZone } from '#domain/nurture/calendar';
import {
  type BehaviourRule,
  CAP_PERIODS,
  type DecayConfig,
  type FitRule,
  type ScoringConfig,
} from '#domain/scoring/config';

/** Rule ids key the persisted cap/once state and the timeline's explanations, so they must be stable slugs. */
const ruleId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
  message: 'must be a slug: lowercase letters, digits, "-" or "_", at most 64 characters',
});

const points = z.number().min(-1000).max(1000);

/** What people see for a rule (the console's score breakdown and timeline), in marketing ops' words; else its id. */
const ruleLabel = z.string().trim().min(1).max(80).optional();

/**
 * A URL path pattern. Without `*` it matches the path itself and everything below it (`/pricing` matches
 * `/pricing`, `/pricing/` and `/pricing/enterprise`, not `/pricing-old`); with `*` the whole path must match
 * and `*` stands for any run of characters (`*\/pricing*` also matches `/ja/pricing`). Case-insensitive.
 */
const urlPattern = z
  .string()
  .min(1)
  .max(200)
  .refine((p) => (p.startsWith('/') || p.startsWith('*')) && !/\s/.test(p), {
    message: 'must be a URL path such as "/pricing" or a glob such as "*/pricing*" (no spaces, no regex)',
  });

const propertyValue = z.union([z.string().max(200), z.number(), z.boolean()]);

export type { BehaviourRule, CapPeriod, DecayConfig, FitRule, ScoringConfig } from '#domain/scoring/config';
export { CAP_PERIODS };

export const behaviourRuleSchema = z
  .object({
    id: ruleId,
    label: ruleLabel,
    /** Event type, e.g. `page_view`, `form_submitted`, `email_click`. */
    type: z.string().min(1).max(64),
    /** Only events whose URL path matches one of these patterns. */
    url: z.union([urlPattern, z.array(urlPattern).min(1).max(50)]).optional(),
    /** Only events whose properties equal these values (a list means "any of"); compared as text. */
    properties: z
      .record(z.string().min(1).max(64), z.union([propertyValue, z.array(propertyValue).min(1).max(50)]))
      .optional(),
    /** Points per matching event; negative points lower the score (e.g. a careers-page visit). */
    points,
    /** At most this many points (in absolute value) per period, periods counted in `timeZone`. */
    cap: z
      .object({ points: z.number().positive().max(100_000), per: z.enum(CAP_PERIODS) })
      .strict()
      .optional(),
    /** Count once per lead ever (a repeat refreshes the points' age, it adds nothing). */
    once: z.boolean().default(false),
  })
  .strict()
  .refine((rule) => !(rule.once && rule.cap), {
    message: 'a once-only rule cannot also have a cap',
    path: ['cap'],
  }) satisfies z.ZodType<BehaviourRule>;

export const decaySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z
    .object({
      kind: z.literal('half-life'),
      /** Behaviour points lose half their value every `days` days. */
      days: z.number().positive().max(3650),
      /**
       * `continuous` decays by the millisecond; `day` / `week` decay in whole steps at local midnight
       * (Monday for `week`) in `timeZone`, so a score does not change during the day and is easy to explain.
       */
      step: z.enum(['continuous', 'day', 'week']).default('continuous'),
    })
    .strict(),
]) satisfies z.ZodType<DecayConfig>;

const keywords = z.array(z.string().trim().min(1).max(100)).max(200);

const otherwise = z.number().min(-1000).max(1000).optional();

export const fitRuleSchema = z.discriminatedUnion('kind', [
  z
    .object({
      id: ruleId,
      label: ruleLabel,
      /** Company size from the `employees` attribute ("120", "100-499", "1000+", "1,000名以上", …). */
      kind: z.literal('employees'),
      /** First matching tier wins; a tier matches when the lead's whole range lies within [min, max]. */
      tiers: z
        .array(
          z
            .object({ min: z.number().min(0).optional(), max: z.number().min(0).optional(), points })
            .strict()
            .refine((t) => t.min === undefined || t.max === undefined || t.min <= t.max, {
              message: 'min must not exceed max',
              path: ['max'],
            }),
        )
        .min(1),
      /** Points when the attribute is present but no tier matches (or it cannot be read as a size). */
      otherwise,
    })
    .strict(),
  z
    .object({
      id: ruleId,
      label: ruleLabel,
      /** Keywords found in a text attribute: title (部長, Director, …), industry, department, prefecture. */
      kind: z.literal('keywords'),
      /** Any text attribute but the e-mail address, which has its own rule kind. */
      attribute: z.enum(LEAD_ATTRIBUTES).refine((a) => a !== 'email', {
        message: 'use an emailDomain rule for the e-mail address',
      }),
      /**
       * First tier with a matching keyword wins. Matching is case-insensitive after Unicode NFKC (so full-width
       * letters match); Latin keywords must stand as words ("CTO" does not match "Director"), Japanese
       * keywords match anywhere ("部長" matches "営業部部長").
       */
      tiers: z.array(z.object({ keywords, points }).strict()).min(1),
      otherwise,
    })
    .strict(),
  z
    .object({
      id: ruleId,
      label: ruleLabel,
      /** The e-mail address's domain: free mail and competitors negative, company domains positive. */
      kind: z.literal('emailDomain'),
      /** First tier listing the domain (or a parent domain: `example.co.jp` covers `mail.example.co.jp`) wins. */
      tiers: z
        .array(
          z
            .object({
              domains: z.array(
                z
                  .string()
                  .trim()
                  .toLowerCase()
                  .regex(/^[a-z0-9.-]+\.[a-z0-9-]+$/, { message: 'must be a domain such as gmail.com' }),
              ),
              points,
            })
            .strict(),
        )
        .min(1),
      /** Points for any other domain (a company address). */
      otherwise,
    })
    .strict(),
]) satisfies z.ZodType<FitRule>;

const uniqueIds = (rules: { id: string }[], ctx: z.RefinementCtx, field: string): void => {
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    if (seen.has(rule.id)) {
      ctx.addIssue({ code: 'custom', message: `duplicate rule id "${rule.id}"`, path: [field, i, 'id'] });
    }
    seen.add(rule.id);
  });
};

export const scoringConfigSchema = z
  .object({
    /** IANA zone in which cap periods (day/week/month) and decay steps are counted. */
    timeZone: z
      .string()
      .refine(isValidTimeZone, { message: 'must be an IANA time zone such as Asia/Tokyo' })
      .default('Asia/Tokyo'),
    fit: z
      .object({
        /** Fit is clamped to [min, max] after the rules are added up. */
        min: z.number().default(-30),
        max: z.number().default(30),
        /** Grade from fit: A at `A` or more, B at `B`, C at `C`, otherwise D. */
        grades: z
          .object({ A: z.number().default(25), B: z.number().default(15), C: z.number().default(5) })
          .strict()
          .refine((g) => g.A >= g.B && g.B >= g.C, { message: 'grades must satisfy A >= B >= C' })
          .prefault({}),
        rules: z.array(fitRuleSchema).max(100).default([]),
      })
      .strict()
      .superRefine((fit, ctx) => {
        if (fit.min > fit.max)
          ctx.addIssue({ code: 'custom', message: 'min must not exceed max', path: ['min'] });
        uniqueIds(fit.rules, ctx, 'rules');
      })
      .prefault({}),
    behaviour: z
      .object({
        /** First matching rule wins, so list specific rules (e.g. `/pricing` views) before general ones. */
        rules: z.array(behaviourRuleSchema).max(200).default([]),
        decay: decaySchema.default({ kind: 'none' }),
        /**
         * How late (after the lead's newest scored event) an event may arrive and still count against a capped
         * rule. Older cap periods are pruned to keep the lead item small; a capped event older than this earns 0.
         */
        lateEventWindowDays: z.number().int().min(1).max(90).default(7),
      })
      .strict()
      .superRefine((behaviour, ctx) => uniqueIds(behaviour.rules, ctx, 'rules'))
      .prefault({}),
    /** Temperature from the total (fit + decayed behaviour): hot at `hot` or more, warm at `warm`, else cold. */
    temperature: z
      .object({ warm: z.number().default(40), hot: z.number().default(80) })
      .strict()
      .refine((t) => t.warm < t.hot, { message: 'warm must be below hot', path: ['warm'] })
      .prefault({}),
    /**
     * Automatic stage moves from the total: a subscriber becomes a lead at `lead`, a lead becomes an MQL at
     * `mql`. Moves are forward only; SAL and later are sales actions.
     */
    stages: z
      .object({ lead: z.number().default(0), mql: z.number().default(50) })
      .strict()
      .refine((s) => s.lead <= s.mql, { message: 'lead must not exceed mql', path: ['lead'] })
      .prefault({}),
  })
  .strict() satisfies z.ZodType<ScoringConfig>;

export type ScoringConfigInput = z.input<typeof scoringConfigSchema>;
