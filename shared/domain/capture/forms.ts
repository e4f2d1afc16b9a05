/**
 * Form submissions: from a posted body (JSON or url-encoded) to lead attributes, consent, tracking data and a
 * spam verdict, validated against the form's configuration.
 *
 * Rules, so a newcomer does not have to read the code:
 * - Errors are per field (`{ field, code, message }`), in the form's locale, naming the field by its label.
 *   Body-level problems use the field name `_form`.
 * - Unknown keys are ignored, but at most `MAX_SUBMISSION_KEYS` keys are accepted at all.
 * - Strings are trimmed and bounded (in characters, so 200 means 200 kanji). Control characters are refused,
 *   except line breaks and tabs in a textarea. Values are stored as given: escaping happens where rendered.
 * - Empty optional fields are left out, so merging keeps what we already knew.
 * - Tracking fields (`_anonymousId`, UTM, …) never fail a submission: a malformed one is dropped.
 */
import type { Utm } from '#domain/capture/attribution';
import { decodeCp932 } from '#domain/capture/cp932';
import { normalizeEmail } from '#domain/capture/email-address';
import { CONSENT_FIELD, type FormConfig, type FormField } from '#domain/capture/form-config';
import { checkSpam, readStartedAt, type SpamNote, type SpamVerdict } from '#domain/capture/spam';
import type { EpochMs, LeadAttributes } from '#domain/lead/types';
import * as z from '#domain/lead/validation';

/** Most keys a submission may carry (fields + tracking fields + slack for page-specific extras). */
export const MAX_SUBMISSION_KEYS = 100;
/** Most name=value pairs read from a url-encoded body. */
export const MAX_URLENCODED_PAIRS = 500;
const MAX_UTM_LENGTH = 200;
const MAX_URL_LENGTH = 2048;

export interface FieldError {
  /** The field's name as posted, or `_form` for problems with the body as a whole. */
  field: string;
  code: FieldErrorCode;
  message: string;
}

export type FieldErrorCode =
  | 'required'
  | 'consent_required'
  | 'too_long'
  | 'invalid_email'
  | 'invalid_phone'
  | 'invalid_option'
  | 'invalid_characters'
  | 'invalid_type'
  | 'invalid_body'
  | 'too_many_fields';

export interface SubmissionTracking {
  anonymousId?: string;
  /** When the form was rendered (browser clock). */
  startedAt?: EpochMs;
  utm: Utm;
  landingUrl?: string;
  referrer?: string;
}

/** What the schema produces: everything except the spam verdict, which needs `now`. */
export interface SubmissionFields {
  attributes: LeadAttributes;
  /** Display form of the address (what we send to). */
  email: string;
  /** De-duplication key: the fully lower-cased address. */
  emailKey: string;
  /** True when the consent checkbox was ticked. */
  consent: boolean;
  /** Values of fields that map to no attribute (other than consent), e.g. a "seminar date" hidden field. */
  extra: Record<string, string | boolean>;
  tracking: SubmissionTracking;
}

export type ParsedSubmission =
  | ({ ok: true; spam: SpamVerdict; spamNote: SpamNote | null } & SubmissionFields)
  | { ok: false; errors: FieldError[] };

/** Thrown by `parseUrlEncoded` for a body with too many pairs; the handler answers 400 (or 413). */
export class FormBodyError extends Error {
  override readonly name = 'FormBodyError';
}

const UTF8 = new TextEncoder();
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * One name or value of an url-encoded body as bytes (WHATWG application/x-www-form-urlencoded parsing): `+` is
 * a space, `%XX` a byte, a `%` not followed by two hex digits stays as it is, any other character is its UTF-8.
 */
function percentBytes(text: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '+') bytes.push(0x20);
    else if (c === '%' && HEX.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c.charCodeAt(0) < 0x80) bytes.push(c.charCodeAt(0));
    else {
      // A raw non-ASCII character (a client that did not percent-encode): its UTF-8, surrogate pairs whole.
      const cp = text.codePointAt(i) ?? 0xfffd;
      if (cp > 0xffff) i += 1;
      bytes.push(...UTF8.encode(String.fromCodePoint(cp)));
    }
  }
  return Uint8Array.from(bytes);
}

const STRICT_EUC_JP = new TextDecoder('euc-jp', { fatal: true });

/** Every pair decoded strictly, or undefined when some byte is not of the encoding. */
function strictly(
  decoder: TextDecoder,
  pairs: readonly (readonly [Uint8Array, Uint8Array])[],
): [string, string][] | undefined {
  try {
    return pairs.map(([k, v]) => [decoder.decode(k), decoder.decode(v)]);
  } catch {
    return undefined;
  }
}

/**
 * The body's pairs as text. Browsers encode a form in the page's character set and say nothing of it in the
 * request (no `charset` on `application/x-www-form-urlencoded`): UTF-8 pages send UTF-8, but many Japanese
 * corporate sites are still Shift_JIS (a few EUC-JP), and their forms send those bytes. Read as UTF-8 they
 * become U+FFFD (山田 → "�R�c"), stored as the lead's name and mailed back in the auto-reply. So, for the
 * whole body: valid UTF-8 is UTF-8; else valid EUC-JP is EUC-JP (Shift_JIS names and companies almost always
 * hold a byte EUC-JP refuses: 山 8E 52, 株 8A 94, hiragana 82 xx; EUC-JP read as Shift_JIS instead would pass as
 * half-width kana, 渡辺 → "ﾅﾏﾊﾕ"); else Shift_JIS (CP932) when the body reads as it; else the post is refused.
 */
function decodePairs(pairs: readonly (readonly [Uint8Array, Uint8Array])[]): [string, string][] {
  const text = strictly(STRICT_UTF8, pairs) ?? strictly(STRICT_EUC_JP, pairs);
  if (text) return text;
  const decoded = pairs.map(([k, v]): [string, string] => [decodeCp932(k), decodeCp932(v)]);
  if (decoded.some(([k, v]) => k.includes('\uFFFD') || v.includes('\uFFFD')))
    throw new FormBodyError(
      'The form fields are neither UTF-8, Shift_JIS nor EUC-JP text; post the form as UTF-8 (accept-charset="UTF-8").',
    );
  return decoded;
}

/**
 * Parses an `application/x-www-form-urlencoded` body as browsers send it: percent-encoding of the page's
 * character set (UTF-8, or Shift_JIS from a Shift_JIS page: see `decodePairs`), `+` for space. A repeated key
 * keeps its last value, except keys in `multiValued` (checkbox groups), which collect every value in order.
 * Use `multiValuedFields(form)` for the form's checkboxes.
 */
export function parseUrlEncoded(
  body: string,
  options: { multiValued?: Iterable<string> } = {},
): Record<string, string | string[]> {
  const multiValued = new Set(options.multiValued ?? []);
  const raw: [Uint8Array, Uint8Array][] = [];
  for (const part of body.split('&')) {
    if (part === '') continue;
    if (raw.length >= MAX_URLENCODED_PAIRS)
      throw new FormBodyError(`more than ${MAX_URLENCODED_PAIRS} fields`);
    const eq = part.indexOf('=');
    raw.push(
      eq === -1
        ? [percentBytes(part), new Uint8Array()]
        : [percentBytes(part.slice(0, eq)), percentBytes(part.slice(eq + 1))],
    );
  }
  const values = new Map<string, string | string[]>();
  for (const [key, value] of decodePairs(raw)) {
    if (!multiValued.has(key)) {
      values.set(key, value);
      continue;
    }
    const previous = values.get(key);
    values.set(
      key,
      previous === undefined ? [value] : [...(Array.isArray(previous) ? previous : [previous]), value],
    );
  }
  // fromEntries defines own properties, so a `__proto__` key cannot reach the prototype.
  return Object.fromEntries(values);
}

/** The names of the form's checkbox fields: the keys `parseUrlEncoded` should keep as arrays. */
export function multiValuedFields(form: FormConfig): string[] {
  return form.fields.filter((f) => f.type === 'checkbox').map((f) => f.name);
}

// ---------------------------------------------------------------------------------------------------------
// Messages

type Locale = FormConfig['locale'];

const MESSAGES: Record<Locale, Record<FieldErrorCode, (label: string, field?: FormField) => string>> = {
  ja: {
    required: (l, f) =>
      f?.type === 'select' || f?.type === 'checkbox'
        ? `「${l}」を選択してください。`
        : `「${l}」を入力してください。`,
    consent_required: (l) => `「${l}」への同意が必要です。`,
    too_long: (l, f) => `「${l}」は${f?.maxLength ?? ''}文字以内で入力してください。`,
    invalid_email: (l) => `「${l}」の形式が正しくありません。`,
    invalid_phone: (l) => `「${l}」は数字とハイフンで入力してください。`,
    invalid_option: (l) => `「${l}」の選択肢が正しくありません。`,
    invalid_characters: (l) => `「${l}」に使用できない文字が含まれています。`,
    invalid_type: (l) => `「${l}」の値が正しくありません。`,
    invalid_body: () => '送信内容を読み取れませんでした。',
    too_many_fields: () => '送信された項目が多すぎます。',
  },
  en: {
    required: (l) => `${l} is required.`,
    consent_required: (l) => `${l}: your consent is required.`,
    too_long: (l, f) => `${l} must be at most ${f?.maxLength ?? ''} characters.`,
    invalid_email: (l) => `${l} is not a valid email address.`,
    invalid_phone: (l) => `${l} must contain digits and hyphens only.`,
    invalid_option: (l) => `${l} is not one of the choices.`,
    invalid_characters: (l) => `${l} contains characters that are not allowed.`,
    invalid_type: (l) => `${l} has a value of the wrong type.`,
    invalid_body: () => 'The submission could not be read.',
    too_many_fields: () => 'The submission has too many fields.',
  },
};

function message(locale: Locale, code: FieldErrorCode, field?: FormField): string {
  return MESSAGES[locale][code](field?.label ?? '', field);
}

// ---------------------------------------------------------------------------------------------------------
// Field validation

/** Control characters (C0, DEL, C1), line/paragraph separators and lone surrogates. */
const FORBIDDEN_CHARACTERS = /[\p{Cc}\u2028\u2029\uD800-\uDFFF]/u;
/** Hyphen look-alikes Japanese input produces in phone numbers (ー, −, ‐, －, …). */
const HYPHENS = /[\u2010-\u2015\u2212\u30FC\uFF0D\uFF70]/g;
const FALSY_CHECKBOX = new Set(['', '0', 'false', 'off', 'no']);

type FieldResult = { ok: true; value: string | boolean } | { ok: false; code: FieldErrorCode };

function isChecked(raw: unknown): boolean | null {
  if (raw === undefined || raw === null) return false;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') return !FALSY_CHECKBOX.has(raw.trim().toLowerCase());
  if (Array.isArray(raw)) {
    const values = raw.map(isChecked);
    return values.includes(null) ? null : values.includes(true);
  }
  return null;
}

function codePointLength(value: string): number {
  let n = 0;
  for (const _ of value) n += 1;
  return n;
}

function validateCheckbox(field: FormField, raw: unknown, required: boolean): FieldResult {
  const checked = isChecked(raw);
  if (checked === null) return { ok: false, code: 'invalid_type' };
  if (required && !checked)
    return { ok: false, code: field.name === CONSENT_FIELD ? 'consent_required' : 'required' };
  return { ok: true, value: checked };
}

function validateText(field: FormField, raw: unknown): FieldResult {
  let text: string;
  if (raw === undefined || raw === null) text = '';
  else if (typeof raw === 'string') text = raw;
  else if (typeof raw === 'number' && Number.isFinite(raw)) text = String(raw);
  else return { ok: false, code: 'invalid_type' };

  // Cheap bound first: a string with more than 2×max UTF-16 units has more than max characters.
  if (text.length > field.maxLength * 2 + 64) return { ok: false, code: 'too_long' };
  // A textarea may hold tabs and line breaks (pasted text); everything else is single-line.
  const checked = field.type === 'textarea' ? text.replace(/[\t\n\r]/g, '') : text;
  if (FORBIDDEN_CHARACTERS.test(checked)) return { ok: false, code: 'invalid_characters' };
  const value = text.trim();
  if (codePointLength(value) > field.maxLength) return { ok: false, code: 'too_long' };
  if (value === '') return field.required ? { ok: false, code: 'required' } : { ok: true, value };

  switch (field.type) {
    case 'email': {
      const email = normalizeEmail(value);
      return email.ok ? { ok: true, value: email.email } : { ok: false, code: 'invalid_email' };
    }
    case 'tel': {
      const phone = value.normalize('NFKC').replace(HYPHENS, '-');
      const digits = phone.replace(/\D/g, '').length;
      const valid = /^\+?[0-9()\-. ]+$/.test(phone) && digits >= 6 && digits <= 20;
      return valid ? { ok: true, value } : { ok: false, code: 'invalid_phone' };
    }
    case 'select':
      return field.options?.some((o) => o.value === value)
        ? { ok: true, value }
        : { ok: false, code: 'invalid_option' };
    default:
      return { ok: true, value };
  }
}

function validateField(form: FormConfig, field: FormField, raw: unknown): FieldResult {
  if (field.type === 'checkbox') {
    const required = field.required || (field.name === CONSENT_FIELD && form.consent.required);
    return validateCheckbox(field, raw, required);
  }
  return validateText(field, raw);
}

// ---------------------------------------------------------------------------------------------------------
// Tracking fields: sanitized, never fatal

function cleanString(raw: unknown, maxLength: number): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const value = raw.trim();
  if (value === '' || value.length > maxLength || FORBIDDEN_CHARACTERS.test(value)) return undefined;
  return value;
}

function cleanUrl(raw: unknown): string | undefined {
  const value = cleanString(raw, MAX_URL_LENGTH);
  if (value === undefined || !URL.canParse(value)) return undefined;
  const { protocol } = new URL(value);
  return protocol === 'https:' || protocol === 'http:' ? value : undefined;
}

const UTM_KEYS = ['source', 'medium', 'campaign', 'term', 'content'] as const;

function readTracking(raw: Record<string, unknown>): SubmissionTracking {
  const anonymousId = cleanString(raw._anonymousId, 64);
  const started = readStartedAt(raw._startedAt);
  const utm: Utm = {};
  for (const key of UTM_KEYS) {
    const value = cleanString(raw[`utm_${key}`], MAX_UTM_LENGTH);
    if (value !== undefined) utm[key] = value;
  }
  const landingUrl = cleanUrl(raw._landingUrl);
  const referrer = cleanUrl(raw._referrer);
  return {
    ...(anonymousId !== undefined && /^[A-Za-z0-9_-]{8,64}$/.test(anonymousId) ? { anonymousId } : {}),
    ...(started.kind === 'ok' ? { startedAt: started.at } : {}),
    utm,
    ...(landingUrl !== undefined ? { landingUrl } : {}),
    ...(referrer !== undefined ? { referrer } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Schema and parse

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function issue(field: string, code: FieldErrorCode, messageText: string) {
  return { code: 'custom' as const, path: [field], message: messageText, params: { code }, input: undefined };
}

// zod/mini (`#domain/lead/validation`): this runs on the capture route's cold path.
function buildSchema(form: FormConfig) {
  const body = z
    .custom<Record<string, unknown>>(isRecord, {
      error: message(form.locale, 'invalid_body'),
      params: { code: 'invalid_body' },
      path: ['_form'],
    })
    .check((ctx) => {
      // Unknown keys are ignored, but only up to a point: a body with hundreds of keys is not a form post.
      if (Object.keys(ctx.value).length > MAX_SUBMISSION_KEYS) {
        ctx.issues.push(issue('_form', 'too_many_fields', message(form.locale, 'too_many_fields')));
      }
    });
  return z.pipe(
    body,
    z.transform((raw: Record<string, unknown>, ctx): SubmissionFields => {
      const attributes: LeadAttributes = {};
      const extra: Record<string, string | boolean> = {};
      let consent = false;
      for (const field of form.fields) {
        // Own properties only: a field named like an Object.prototype member must not read the prototype.
        const result = validateField(
          form,
          field,
          Object.hasOwn(raw, field.name) ? raw[field.name] : undefined,
        );
        if (!result.ok) {
          ctx.issues.push(issue(field.name, result.code, message(form.locale, result.code, field)));
          continue;
        }
        if (field.name === CONSENT_FIELD && field.type === 'checkbox') consent = result.value === true;
        else if (field.attribute !== undefined && typeof result.value === 'string' && result.value !== '') {
          attributes[field.attribute] = result.value;
        } else if (field.attribute === undefined && result.value !== '') extra[field.name] = result.value;
      }
      const email = attributes.email === undefined ? null : normalizeEmail(attributes.email);
      if (email === null || !email.ok) return z.NEVER; // the email field's own issue is already reported
      return {
        attributes,
        email: email.email,
        emailKey: email.key,
        consent,
        extra,
        tracking: readTracking(raw),
      };
    }),
  );
}

export type SubmissionSchema = ReturnType<typeof buildSchema>;

// Config objects live for the process, so one schema per form is built once.
const schemas = new WeakMap<FormConfig, SubmissionSchema>();

/** The zod schema for one form's submissions (cached per form object). */
export function buildSubmissionSchema(form: FormConfig): SubmissionSchema {
  let schema = schemas.get(form);
  if (schema === undefined) {
    schema = buildSchema(form);
    schemas.set(form, schema);
  }
  return schema;
}

const KNOWN_CODES = new Set<string>(Object.keys(MESSAGES.en));

function toFieldError(zodIssue: z.core.$ZodIssue): FieldError {
  const field = typeof zodIssue.path[0] === 'string' ? zodIssue.path[0] : '_form';
  const params = zodIssue.code === 'custom' ? zodIssue.params : undefined;
  const code =
    typeof params?.code === 'string' && KNOWN_CODES.has(params.code) ? params.code : 'invalid_body';
  return { field, code: code as FieldErrorCode, message: zodIssue.message };
}

/**
 * Validates a submission against its form and judges it for spam. `raw` is the parsed body: JSON as
 * posted, or `parseUrlEncoded(body, { multiValued: multiValuedFields(form) })`; a non-object is reported
 * on `_form`.
 */
export function parseSubmission(form: FormConfig, raw: unknown, now: EpochMs): ParsedSubmission {
  const result = buildSubmissionSchema(form).safeParse(raw);
  if (!result.success || !isRecord(raw)) {
    return { ok: false, errors: result.error?.issues.map(toFieldError) ?? [] };
  }
  const spam = checkSpam(
    {
      honeypot: Object.hasOwn(raw, form.honeypotField) ? raw[form.honeypotField] : undefined,
      startedAt: raw._startedAt,
      submittedAt: raw._submittedAt,
    },
    { minFillMs: form.minFillMs },
    now,
  );
  return { ok: true, ...result.data, spam: spam.verdict, spamNote: spam.note };
}
