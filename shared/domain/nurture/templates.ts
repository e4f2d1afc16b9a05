/**
 * Email template rendering: a deliberately tiny Mustache-like language.
 *
 *   {{lead.firstName}}                  value, HTML-escaped in the HTML part
 *   {{lead.lastName | "ご担当者"}}      fallback when the value is missing or blank
 *   {{{confirmUrl}}}                    URL slot: only an http(s) URL is output (normalized and
 *                                       attribute-safe); anything else renders as the fallback / ""
 *
 * Why so small: templates are edited by marketing ops and rendered with lead-supplied values, so
 * there is no logic, no partials, no prototype lookups, and escaping is on by default.
 * Variables whose name ends in "Url" are always treated as URL slots (a `javascript:` link can
 * not slip through `href="{{x}}"`, which escaping alone would allow).
 */
import type { LeadAttributes } from '#domain/lead/types';

export type Locale = 'ja' | 'en';
export type TemplateKind = 'marketing' | 'transactional';

export interface TemplateVariant {
  subject: string;
  html: string;
  text?: string;
}

/** The shape renderTemplate needs; `TemplateConfig` from `#config/templates` satisfies it. */
export interface RenderableTemplate {
  id: string;
  kind: TemplateKind;
  defaultLocale: Locale;
  locales: Partial<Record<Locale, TemplateVariant>>;
}

export interface MailSender {
  /** Sender's (company's) name shown in the footer, e.g. 「株式会社サンプル」. */
  name: string;
  /** Postal address; Japanese law (特定電子メール法) requires it in marketing mail. */
  postalAddress: string;
  /**
   * Where complaints and questions reach the sender (an e-mail address, telephone number or URL): the same
   * law requires one in marketing mail besides the unsubscribe link.
   */
  contact?: string | undefined;
}

export interface TemplateVars {
  lead?: LeadAttributes;
  owner?: { name?: string; email?: string; phone?: string; title?: string };
  unsubscribeUrl?: string;
  /** Any other variable, e.g. downloadUrl, confirmUrl, webinar.title. */
  [name: string]: unknown;
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
  /** The locale actually used (falls back to the template's default locale). */
  locale: Locale;
}

export class TemplateSyntaxError extends Error {
  override name = 'TemplateSyntaxError';
}

export class TemplateRenderError extends Error {
  override name = 'TemplateRenderError';
}

/** Longest subject we emit, in characters (Japanese mail clients show ~30–40; SES allows more). */
export const MAX_SUBJECT_LENGTH = 150;

type Token =
  | { type: 'text'; value: string }
  | { type: 'var'; path: string[]; fallback: string | undefined; url: boolean };

const TAG = /\{\{\{([^{}]*)\}\}\}|\{\{([^{}]*)\}\}/g;
const PATH_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FALLBACK = /^(?:"([^"]*)"|'([^']*)')$/;

function parseTag(inner: string, triple: boolean): Token {
  const pipe = inner.indexOf('|');
  const pathPart = (pipe === -1 ? inner : inner.slice(0, pipe)).trim();
  const path = pathPart.split('.');
  if (!path.every((s) => PATH_SEGMENT.test(s))) {
    throw new TemplateSyntaxError(`invalid variable "${pathPart}" in {{${inner}}}`);
  }
  let fallback: string | undefined;
  if (pipe !== -1) {
    const m = FALLBACK.exec(inner.slice(pipe + 1).trim());
    if (!m) throw new TemplateSyntaxError(`fallback must be a quoted string in {{${inner}}}`);
    fallback = m[1] ?? m[2] ?? '';
  }
  const last = path[path.length - 1] ?? '';
  return { type: 'var', path, fallback, url: triple || /Url$|URL$/.test(last) };
}

/** Splits a template source into tokens; throws TemplateSyntaxError on a malformed tag. */
export function parseTemplate(source: string): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  for (const m of source.matchAll(TAG)) {
    const index = m.index ?? 0;
    if (index > last) tokens.push({ type: 'text', value: source.slice(last, index) });
    tokens.push(m[1] !== undefined ? parseTag(m[1], true) : parseTag(m[2] ?? '', false));
    last = index + m[0].length;
  }
  const rest = source.slice(last);
  if (rest.includes('{{') || rest.includes('}}')) {
    throw new TemplateSyntaxError(`unbalanced braces near "${rest.slice(0, 30)}"`);
  }
  for (const t of tokens) {
    if (t.type === 'text' && (t.value.includes('{{') || t.value.includes('}}'))) {
      throw new TemplateSyntaxError(`unbalanced braces near "${t.value.slice(0, 30)}"`);
    }
  }
  if (rest) tokens.push({ type: 'text', value: rest });
  return tokens;
}

/** Per-mail values every mail gets without configuration: the lead's and owner's fields, the salutation. */
const BUILT_IN_ROOTS = new Set(['lead', 'owner', 'salutation']);

/**
 * Variables a template needs from its caller: used without a fallback and not built in (e.g. `downloadUrl`,
 * `caseStudyUrl`). Config validation checks that whoever sends the template supplies them, so no mail goes
 * out with an empty link.
 */
export function requiredVariables(template: Pick<RenderableTemplate, 'locales'>): string[] {
  const names = new Set<string>();
  for (const variant of Object.values(template.locales)) {
    for (const source of [variant?.subject, variant?.html, variant?.text]) {
      for (const token of source ? parseTemplate(source) : []) {
        const root = token.type === 'var' ? token.path[0] : undefined;
        if (token.type === 'var' && token.fallback === undefined && root && !BUILT_IN_ROOTS.has(root))
          names.add(token.path.join('.'));
      }
    }
  }
  return [...names].sort();
}

/** Returns a syntax problem as a message, or undefined when the source parses. */
export function templateSyntaxError(source: string): string | undefined {
  try {
    parseTemplate(source);
    return undefined;
  } catch (e) {
    if (e instanceof TemplateSyntaxError) return e.message;
    throw e;
  }
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** The normalized URL when `value` is an absolute http(s) URL, else undefined. */
export function safeHttpUrl(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
}

function lookup(vars: TemplateVars, path: string[]): string | undefined {
  let cur: unknown = vars;
  for (const segment of path) {
    // Own properties only: no "__proto__" or "constructor" reaching into prototypes.
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, segment)) return undefined;
    cur = (cur as Record<string, unknown>)[segment];
  }
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'number' && Number.isFinite(cur)) return String(cur);
  if (typeof cur === 'boolean') return String(cur);
  return undefined;
}

type Context = 'html' | 'text';

function renderTokens(tokens: Token[], vars: TemplateVars, context: Context): string {
  let out = '';
  for (const t of tokens) {
    if (t.type === 'text') {
      out += t.value;
      continue;
    }
    let value = lookup(vars, t.path);
    if (value !== undefined && t.url) value = safeHttpUrl(value.trim());
    if (value === undefined || value.trim() === '') value = t.fallback ?? '';
    out += context === 'html' ? escapeHtml(value) : value;
  }
  return out;
}

/** Renders one template string: HTML-escaped for 'html', verbatim for 'text'. */
export function renderString(source: string, vars: TemplateVars, context: Context): string {
  return renderTokens(parseTemplate(source), vars, context);
}

/** Subjects are header values: no CR/LF (header injection), single spaces, bounded length. */
export function sanitizeSubject(subject: string, maxLength = MAX_SUBJECT_LENGTH): string {
  const flat = subject
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = Array.from(flat); // by code point, so a surrogate pair is never cut in half
  return chars.length <= maxLength ? flat : `${chars.slice(0, maxLength - 1).join('')}…`;
}

/**
 * The Japanese business salutation: 「{company} {lastName}様」, 「{lastName}様」,
 * 「{company} ご担当者様」 or 「ご担当者様」 when nothing is known.
 */
export function japaneseSalutation(lead: LeadAttributes | undefined): string {
  const company = lead?.company?.trim() ?? '';
  const lastName = lead?.lastName?.trim() ?? '';
  const person = lastName ? `${lastName}様` : 'ご担当者様';
  return company ? `${company} ${person}` : person;
}

/** A name written in kanji or kana: family name first, whatever the mail's language. */
const CJK_NAME = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/**
 * English salutation name: "Taro Yamada" (Latin script, given name first), "山田 太郎" (a name in kanji or
 * kana stays family name first, as Japanese is always written), or "Sir or Madam" when nothing is known.
 */
export function englishSalutation(lead: LeadAttributes | undefined): string {
  const first = lead?.firstName?.trim();
  const last = lead?.lastName?.trim();
  const familyFirst = CJK_NAME.test(`${first ?? ''}${last ?? ''}`);
  const name = (familyFirst ? [last, first] : [first, last]).filter(Boolean).join(' ');
  return name || 'Sir or Madam';
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/** A readable text/plain alternative of rendered HTML (links kept as "label (url)"). */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<(head|style|script)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(
      /<a\b[^>]*?\bhref\s*=\s*(["'])(.*?)\1[^>]*>([\s\S]*?)<\/a\s*>/gi,
      (_m, _q, href: string, label) => {
        const url = decodeEntities(href);
        const plain = decodeEntities(String(label).replace(/<[^>]*>/g, '')).trim();
        return !plain || plain === url ? url : `${plain} (${url})`;
      },
    )
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '\n・')
    .replace(/<\/(p|div|h[1-6]|tr|table|ul|ol|blockquote)\s*>/gi, '\n\n')
    .replace(/<(p|div|h[1-6]|tr|table|ul|ol|blockquote|hr)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(text)
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const FOOTER_TEXT: Record<Locale, { unsubscribe: string; notice: string; contact: string }> = {
  ja: {
    notice: 'このメールは、弊社からの情報提供に同意いただいた方にお送りしています。',
    unsubscribe: '配信停止はこちら',
    contact: 'お問い合わせ先',
  },
  en: {
    notice: 'You are receiving this email because you agreed to hear from us.',
    unsubscribe: 'Unsubscribe',
    contact: 'Contact',
  },
};

/**
 * The footer every marketing mail carries: sender's name, postal address, where to send complaints and
 * questions (when the sender names it) and an unsubscribe link (required for marketing mail in Japan by
 * 特定電子メール法, and expected by mailbox providers everywhere).
 */
export function renderMarketingFooter(
  sender: MailSender,
  unsubscribeUrl: string,
  locale: Locale = 'ja',
): { html: string; text: string } {
  const url = safeHttpUrl(unsubscribeUrl);
  if (!url) throw new TemplateRenderError('marketing footer needs an http(s) unsubscribeUrl');
  if (!sender.name.trim() || !sender.postalAddress.trim()) {
    throw new TemplateRenderError('marketing footer needs the sender name and postal address');
  }
  const words = FOOTER_TEXT[locale];
  const contact = sender.contact?.trim() ? `${words.contact}: ${sender.contact.trim()}` : undefined;
  const html =
    '<hr style="border:none;border-top:1px solid #ddd;margin:24px 0 12px">' +
    '<p style="font-size:12px;color:#666;line-height:1.6">' +
    `${escapeHtml(words.notice)}<br>` +
    `${escapeHtml(sender.name)}<br>${escapeHtml(sender.postalAddress)}<br>` +
    (contact ? `${escapeHtml(contact)}<br>` : '') +
    `<a href="${escapeHtml(url)}">${escapeHtml(words.unsubscribe)}</a></p>`;
  const text = [
    `--`,
    words.notice,
    sender.name,
    sender.postalAddress,
    contact,
    `${words.unsubscribe}: ${url}`,
  ]
    .filter((line) => line !== undefined)
    .join('\n');
  return { html, text };
}

function appendHtml(html: string, fragment: string): string {
  const close = html.search(/<\/body\s*>/i);
  return close === -1 ? `${html}\n${fragment}` : `${html.slice(0, close)}${fragment}${html.slice(close)}`;
}

/**
 * Renders a template for a lead. `salutation` is provided for the locale unless given in vars.
 * Marketing templates get the sender footer appended, so `options.sender` and `vars.unsubscribeUrl`
 * are required for them (a marketing mail without an unsubscribe link is never produced).
 */
export function renderTemplate(
  template: RenderableTemplate,
  vars: TemplateVars,
  locale?: Locale,
  options: { sender?: MailSender } = {},
): RenderedMail {
  const wanted = locale ?? template.defaultLocale;
  const used: Locale = template.locales[wanted] ? wanted : template.defaultLocale;
  const variant = template.locales[used];
  if (!variant) throw new TemplateRenderError(`template ${template.id} has no "${used}" variant`);

  const salutation = used === 'ja' ? japaneseSalutation(vars.lead) : englishSalutation(vars.lead);
  const all: TemplateVars = Object.hasOwn(vars, 'salutation') ? vars : { ...vars, salutation };

  const subject = sanitizeSubject(renderString(variant.subject, all, 'text'));
  let html = renderString(variant.html, all, 'html');
  let text = variant.text !== undefined ? renderString(variant.text, all, 'text') : htmlToText(html);

  if (template.kind === 'marketing') {
    if (!options.sender) throw new TemplateRenderError(`marketing template ${template.id} needs a sender`);
    const footer = renderMarketingFooter(options.sender, vars.unsubscribeUrl ?? '', used);
    html = appendHtml(html, footer.html);
    text = `${text}\n\n${footer.text}`;
  }
  return { subject, html, text, locale: used };
}
