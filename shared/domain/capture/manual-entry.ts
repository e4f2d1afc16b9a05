/**
 * Leads that do not come from a form: entered by sales (`POST /v1/ops/leads`) or imported from a
 * spreadsheet (business cards scanned at a trade show, an outbound list). They go through capture's own
 * write path (`upsertLead`): the same e-mail normalization and de-duplication, the same "fill empty
 * attributes, propose the rest" policy for a known address, a timeline entry, `Lead Captured`, and the
 * consent ledger. What differs is decided here, without I/O:
 * - the consent comes from `consentBasis`: `form`, `business_card` or `existing_relationship` record a
 *   marketing consent on that basis (ledger entry `granted`, text version `basis:<basis>`); `none` records
 *   none, so no marketing mail goes out (`marketingAllowed` asks for a consent);
 * - the timeline entry is a `lead_entered` event (manual) or `lead_imported` (import) worth 0 points: a
 *   scanned business card is not behaviour;
 * - its event id is deterministic for an import row (`import:<importId>:<line>`), so a resumed or repeated
 *   import finds the row already on the lead and changes nothing.
 */
import { buildTouch } from '#domain/capture/attribution';
import { normalizeEmail } from '#domain/capture/email-address';
import { MAX_ENTRY_VALUE_LENGTH, MAX_MESSAGE_LENGTH, PHONE_PATTERN } from '#domain/capture/entry-rules';
import type { FormConfig } from '#domain/capture/form-config';
import type { Submission, SubmissionFacts } from '#domain/capture/submission';
import * as g from '#domain/lead/request-gate';
import { CHANNELS, type Channel, type Consent, type EpochMs, type LeadAttributes } from '#domain/lead/types';
import { isValidTimeZone } from '#domain/nurture/calendar';

/**
 * The reason of the manual hand-off an entered lead's `ownerId` opens. Its owner is mailed about it unless
 * they entered it themselves (the hand-off's `by`).
 */
export const ENTRY_HANDOFF_REASON = 'owner named at entry';

/**
 * The reason of the manual hand-off an imported row's owner option opens. No mail per row (an import of a
 * hundred cards would mail a hundred times): the import mails the owner once, listing the leads.
 */
export const IMPORT_HANDOFF_REASON = 'owner named at import';

export const CONSENT_BASES = ['form', 'business_card', 'existing_relationship', 'none'] as const;
export type ConsentBasis = (typeof CONSENT_BASES)[number];

/** Channels sales may name; `partner` is counted as `referral` (see `UTM_MEDIUM_CHANNELS`). */
export const ENTRY_CHANNELS = [
  'event',
  'webinar',
  'outbound',
  'referral',
  'partner',
  'inbound_web',
  'inbound_phone',
  'import',
] as const;
export type EntryChannel = (typeof ENTRY_CHANNELS)[number];

/** The attributes an entry may carry: the lead attributes, `name` (split into family/given) and `timeZone`. */
export const ENTRY_ATTRIBUTES = [
  'lastName',
  'firstName',
  'name',
  'company',
  'department',
  'title',
  'phone',
  'prefecture',
  'employees',
  'industry',
  'country',
  'message',
  'timeZone',
] as const;
export type EntryAttribute = (typeof ENTRY_ATTRIBUTES)[number];

/** Control characters other than tab and line breaks (those are allowed in `message` only). */
const CONTROL = /[\p{Cc}\p{Cf}]/u;
/** Control characters with tab, LF and CR allowed (a textarea's line breaks). */
const hasControlBesidesBreaks = (value: string): boolean => CONTROL.test(value.replace(/[\t\r\n]/g, ''));

/** A phone number as people type it (`PHONE_PATTERN`, #domain/capture/entry-rules). */
const PHONE = new RegExp(`^${PHONE_PATTERN}$`, 'u');

/** Why a value is refused, as a code: the console words it in its language (`valueProblem` is the English). */
export type ValueProblem = 'too_long' | 'control_characters' | 'not_phone' | 'not_time_zone';

/** The most characters a value of `field` may have. */
export const maxValueLength = (field: EntryAttribute): number =>
  field === 'message' ? MAX_MESSAGE_LENGTH : MAX_ENTRY_VALUE_LENGTH;

/** Why a value is refused, or null when it is fine. */
export function valueProblemOf(field: EntryAttribute, value: string): ValueProblem | null {
  if ([...value].length > maxValueLength(field)) return 'too_long';
  if (field === 'message' ? hasControlBesidesBreaks(value) : CONTROL.test(value)) return 'control_characters';
  if (field === 'phone' && !PHONE.test(value)) return 'not_phone';
  if (field === 'timeZone' && !isValidTimeZone(value)) return 'not_time_zone';
  return null;
}

/**
 * Why a value is refused in English, or null when it is fine. Shared by the entry's gate and schema (and so
 * the CSV rows).
 */
export function valueProblem(field: EntryAttribute, value: string): string | null {
  switch (valueProblemOf(field, value)) {
    case null:
      return null;
    case 'too_long':
      return `longer than ${maxValueLength(field)} characters`;
    case 'control_characters':
      return 'contains control characters';
    case 'not_phone':
      return 'not a phone number';
    case 'not_time_zone':
      return 'not an IANA time zone (e.g. Asia/Tokyo)';
  }
}

/** An entry's attributes, each trimmed (`leadEntrySchema`'s output, #domain/capture/entry-schema). */
export type EntryAttributes = { [K in EntryAttribute]?: string | undefined };
/** A lead entered by sales or one import row, as checked (`leadEntrySchema`'s output). */
export interface LeadEntry {
  email: string;
  attributes: EntryAttributes;
  channel: EntryChannel;
  source: string;
  ownerId?: string | undefined;
  consentBasis: ConsentBasis;
  /**
   * The person asked for contact (a phone inquiry, a demo asked for at a booth): the lead is handed off as an
   * inquiry, as an inquiry form's is (trigger `inquiry`: the inquiry route's team and clocks), to `ownerId`
   * when given, else by the route. Manual entries only.
   */
  inquiry?: boolean | undefined;
}

/** A value of an entry attribute: trimmed, then `valueProblem`'s rules. */
const attributeGate = (field: EntryAttribute) =>
  g.optional(
    g.string(
      g.trim(),
      g.refine((v: string) => valueProblem(field, v)),
    ),
  );

/**
 * The body of `POST /v1/ops/leads` (also what an import row becomes), checked by hand: the twin of
 * `leadEntrySchema` (#domain/capture/entry-schema, the contract), which a cold start would spend about 3 ms
 * building (`#domain/lead/request-gate`).
 */
export const leadEntryGate = g.strictObject<LeadEntry>({
  email: g.string(
    g.maxLength(1024),
    g.refine((v: string) => {
      const n = normalizeEmail(v);
      return n.ok ? null : `not a valid e-mail address (${n.error})`;
    }),
  ),
  attributes: g.withDefault(
    g.strictObject<EntryAttributes>(
      Object.fromEntries(ENTRY_ATTRIBUTES.map((f) => [f, attributeGate(f)])) as {
        [K in EntryAttribute]: ReturnType<typeof attributeGate>;
      },
    ),
    () => ({}),
  ),
  channel: g.enumOf(ENTRY_CHANNELS),
  source: g.string(g.trim(), g.minLength(1), g.maxLength(MAX_ENTRY_VALUE_LENGTH)),
  ownerId: g.optional(g.string(g.trim(), g.minLength(1), g.maxLength(128))),
  consentBasis: g.enumOf(CONSENT_BASES),
  inquiry: g.optional(g.boolean()),
});

/**
 * `name` as one string (氏名 / "Taro Yamada") → family and given names. Japanese (with kanji or kana) is
 * written family name first, Latin script given name first; one word is the family name. Split on any space
 * (the full-width U+3000 included) and stored as written: no Unicode normalization, which would replace the
 * variant kanji a person registers their name with (U+FA10 → 塚 U+585A, U+FA19 → 神 U+795E; CP932 has them)
 * by another character, as form posts and 姓/名 columns are stored as written too.
 */
export function splitName(name: string): { lastName?: string; firstName?: string } {
  const parts = name.trim().split(/\s+/u).filter(Boolean);
  if (parts.length === 0) return {};
  if (parts.length === 1) return { lastName: parts[0] as string };
  const cjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(name);
  if (cjk) return { lastName: parts[0] as string, firstName: parts.slice(1).join(' ') };
  return { firstName: parts.slice(0, -1).join(' '), lastName: parts[parts.length - 1] as string };
}

/** The lead attributes of an entry: `name` split unless family/given names are given; `timeZone` apart. */
export function entryLeadAttributes(attributes: EntryAttributes): LeadAttributes {
  const { name, timeZone: _zone, ...rest } = attributes;
  const out: LeadAttributes = {};
  for (const [k, v] of Object.entries(rest)) if (v) out[k as keyof LeadAttributes] = v;
  if (name && !out.lastName && !out.firstName) Object.assign(out, splitName(name));
  return out;
}

/** Where an entry comes from: a manual entry (`ops:manual`) or one row of an import. */
export type EntryOrigin =
  /**
   * `keyed`: the entry id is the client's `Idempotency-Key`, so the same entry may be offered again (a retry
   * after a 503 or a lost answer) and is recognized by its timeline entry, as an import row is.
   */
  { kind: 'manual'; entryId: string; keyed?: boolean } | { kind: 'import'; importId: string; line: number };

/** The id capture's path uses as the "form" of an entry (Lead Captured's `formId`, consent's `formId`). */
export function entryFormId(origin: EntryOrigin): string {
  return origin.kind === 'manual' ? 'ops:manual' : `import:${origin.importId}`;
}

/** The consent an entry records, or null for `none`. */
export function entryConsent(basis: ConsentBasis, formId: string, now: EpochMs): Consent | null {
  if (basis === 'none') return null;
  return { purpose: 'marketing_email', textVersion: `basis:${basis}`, formId, at: now, doubleOptIn: false };
}

/** Capture's facts for an entry (the entry must have passed `leadEntryGate`). */
export function entryFacts(entry: LeadEntry, origin: EntryOrigin, now: EpochMs): SubmissionFacts {
  const normalized = normalizeEmail(entry.email);
  if (!normalized.ok) throw new TypeError('entryFacts: the entry was not validated');
  const formId = entryFormId(origin);
  const channel: Channel = (CHANNELS as readonly string[]).includes(entry.channel)
    ? (entry.channel as Channel)
    : 'referral'; // partner and the like: the grouping reads a declared referral as `partner`
  const submissionId = origin.kind === 'manual' ? origin.entryId : `${origin.importId}:${origin.line}`;
  const attributes = entryLeadAttributes(entry.attributes);
  const submission: Submission = {
    ok: true,
    spam: null,
    spamNote: null,
    attributes,
    email: normalized.email,
    emailKey: normalized.key,
    consent: entry.consentBasis !== 'none',
    extra: entry.attributes.timeZone ? { timeZone: entry.attributes.timeZone } : {},
    tracking: { utm: { source: entry.source, medium: entry.channel } },
  };
  const properties: Record<string, string | number | boolean> = {
    channel: entry.channel,
    source: entry.source,
    consentBasis: entry.consentBasis,
    ...(entry.ownerId ? { ownerId: entry.ownerId } : {}),
    ...(origin.kind === 'import' ? { importId: origin.importId, line: origin.line } : {}),
  };
  return {
    form: entryForm(formId, channel),
    submission,
    formEvent: {
      eventId:
        origin.kind === 'manual' ? `entry:${origin.entryId}` : `import:${origin.importId}:${origin.line}`,
      type: origin.kind === 'manual' ? 'lead_entered' : 'lead_imported',
      occurredAt: now,
      properties,
    },
    consent: entryConsent(entry.consentBasis, formId, now),
    touch: buildTouch({ formId, channel, utm: submission.tracking.utm }, now),
    now,
    submissionId,
    byOps: true,
    ...(origin.kind === 'import' || origin.keyed ? { mayRepeat: true } : {}),
  };
}

/** The "form" capture's path sees for an entry: no fields, no mail, no sequences, every entry on the timeline. */
function entryForm(id: string, channel: Channel): FormConfig {
  return {
    id,
    name: id,
    locale: 'ja',
    fields: [],
    allowedOrigins: [],
    thankYouUrl: '',
    errorUrl: '',
    consent: { purpose: 'marketing_email', text: '', version: '', required: false },
    doubleOptIn: false,
    mailVars: {},
    sequenceIds: [],
    channel,
    behaviourEvent: { type: 'form_submitted', properties: {} },
    scoreOncePer: 'submission',
    mailLimits: { perAddressPerDay: 0, perSourcePerHour: 0 },
    minFillMs: 0,
    honeypotField: '',
  };
}
