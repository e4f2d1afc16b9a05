import { createHash } from 'node:crypto';
import { emailKey } from '#domain/capture/email-address';
import { MAX_TOKEN_LENGTH } from '#domain/capture/tokens';
import type { EpochMs } from '#domain/lead/types';
import type { ScoredEvent } from '#domain/scoring/scoring';

/**
 * Tracking batches, shared by the public `POST /v1/track` (the browser snippet) and the trusted
 * `POST /v1/ops/events` (webinar platform, CRM, back office).
 *
 * Two steps: `parseTrackBatch` checks the shape and bounds of every event without touching anything (a
 * malformed body is one 400; a bad event is one rejected entry, the others still count), then `ingestBatch`
 * resolves who each event belongs to and scores it once (`shared/app/ingest-events.ts`).
 *
 * Who may name whom:
 * - the browser names itself only: an `anonymousId` (the snippet's first-party id) and/or the signed `identity`
 *   token a form response gave it. It may never say `leadId` or `email`: anyone could otherwise push points
 *   onto any lead;
 * - trusted callers (IAM-authorized) name the lead by `leadId` or `email`.
 */

/** Events per request: the snippet sends at most 20 per beacon. */
export const MAX_BATCH_EVENTS = 20;
/** The answers (400) to a batch of no events or too many. */
export const BATCH_MESSAGES = {
  empty: 'The batch has no events.',
  tooMany: `A batch holds at most ${MAX_BATCH_EVENTS} events.`,
} as const;
/** Events may be this far ahead of our clock (browser clocks drift), no further. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
export const MAX_URL_LENGTH = 2048;
export const MAX_TITLE_LENGTH = 200;
export const MAX_REFERRER_LENGTH = 512;
export const MAX_PROPERTIES = 20;
export const MAX_PROPERTY_VALUE_LENGTH = 256;

/** Types a browser may not report: the product witnesses them itself (capture, SES), so a copy would double count. */
export const SERVER_WITNESSED_TYPES: ReadonlySet<string> = new Set([
  'form_submitted',
  'email_open',
  'email_click',
]);

const DAY_MS = 86_400_000;
/** The snippet's ids (UUIDs) and anonymous ids; the same rule the form's `_anonymousId` follows. */
export const BROWSER_ID = /^[A-Za-z0-9_-]{8,64}$/;
/** Trusted sources may use their own ids (`zoom:123:attended`); no `#`, which separates key parts. */
export const TRUSTED_EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9_:.@-]{0,127}$/;
export const LEAD_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Known types (page_view, download, webinar_registered, webinar_attended, …) and custom ones alike. */
export const EVENT_TYPE = /^[a-z][a-z0-9_]{0,63}$/;
export const PROPERTY_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
/** The longest e-mail address a trusted event may name. */
export const MAX_EMAIL_LENGTH = 254;
/**
 * Property names refused although they match `PROPERTY_KEY`: the names of `Object.prototype`'s members
 * (`constructor` makes the SDK's marshaller refuse the whole item; `__proto__` would be dropped or, worse,
 * change the object's prototype) and `prototype`. Refused as `invalid_properties`, before anything is written.
 */
export const RESERVED_PROPERTY_NAMES: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);
/** DynamoDB numbers hold 38 digits from 1e-130 to 1e126; property numbers stay well inside (and exact in JS). */
const MIN_PROPERTY_MAGNITUDE = 1e-9;
// A lone UTF-16 surrogate cannot be written as UTF-8: replaced in text, refused in URLs.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const wellFormed = (value: string): string => value.replace(LONE_SURROGATE, '\uFFFD');
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export type TrackSource = 'browser' | 'trusted';

export type RejectReason =
  | 'invalid_event'
  | 'invalid_event_id'
  | 'missing_event_id'
  | 'invalid_type'
  | 'type_not_allowed'
  | 'missing_identity'
  | 'identity_not_allowed'
  | 'invalid_anonymous_id'
  | 'invalid_identity'
  | 'invalid_lead_id'
  | 'invalid_email'
  | 'invalid_url'
  | 'invalid_title'
  | 'invalid_properties'
  | 'invalid_occurred_at'
  | 'occurred_in_future'
  | 'too_old'
  | 'unknown_lead'
  | 'rate_limited';

export interface Rejection {
  index: number;
  reason: RejectReason;
}

export type EventIdentity =
  | { kind: 'browser'; anonymousId?: string; token?: string }
  | { kind: 'lead'; leadId: string }
  | { kind: 'email'; emailKey: string };

export interface TrackItem {
  /** Position in the request, for the response's `rejected` entries. */
  index: number;
  event: ScoredEvent;
  identity: EventIdentity;
}

export type BatchParse =
  | { ok: true; items: TrackItem[]; rejected: Rejection[] }
  | { ok: false; message: string };

export interface ParseOptions {
  now: EpochMs;
  /** The scoring config's `behaviour.lateEventWindowDays`: older events are refused. */
  lateEventWindowDays: number;
  /**
   * How far the sender's clock is behind ours (ms; negative when ahead), from the batch's `sentAt`: added to
   * each stated time before it is checked and kept. 0 when the batch names no `sentAt`.
   */
  clockSkewMs?: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const has = (o: Record<string, unknown>, key: string): boolean =>
  Object.hasOwn(o, key) && o[key] !== undefined && o[key] !== null;

/** Trims, removes control characters and cuts to `max` characters (code points, never half a surrogate pair). */
const cleanText = (value: string, max: number): string => {
  const clean = wellFormed(value).replace(CONTROLS, ' ').trim();
  const chars = Array.from(clean);
  return chars.length > max ? chars.slice(0, max).join('') : clean;
};

/** An absolute http(s) URL or a path; anything else (javascript:, data:, garbage) is refused. */
const parseUrl = (raw: unknown): string | undefined | null => {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string' || raw.length > MAX_URL_LENGTH || CONTROL.test(raw)) return null;
  if (wellFormed(raw) !== raw) return null;
  if (raw.startsWith('/') && !raw.startsWith('//')) return raw;
  if (!URL.canParse(raw)) return null;
  const { protocol } = new URL(raw);
  return protocol === 'https:' || protocol === 'http:' ? raw : null;
};

const parseProperties = (raw: unknown): Record<string, string | number | boolean> | undefined | null => {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) return null;
  const entries = Object.entries(raw);
  if (entries.length > MAX_PROPERTIES) return null;
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of entries) {
    if (!PROPERTY_KEY.test(key) || RESERVED_PROPERTY_NAMES.has(key)) return null;
    if (typeof value === 'string') {
      if (value.length > MAX_PROPERTY_VALUE_LENGTH) return null;
      out[key] = wellFormed(value).replace(CONTROLS, ' ');
    } else if (typeof value === 'boolean') {
      out[key] = value;
    } else if (typeof value === 'number' && storableNumber(value)) {
      out[key] = value;
    } else {
      return null; // nested objects, arrays, null, NaN: primitive values only
    }
  }
  return entries.length ? out : undefined;
};

/** A number the table can hold exactly: finite, within safe integers, not vanishingly small. */
const storableNumber = (n: number): boolean =>
  Number.isFinite(n) &&
  Math.abs(n) <= Number.MAX_SAFE_INTEGER &&
  (n === 0 || Math.abs(n) >= MIN_PROPERTY_MAGNITUDE);

type TimeResult = { ok: true; at: EpochMs } | { ok: false; reason: RejectReason };

/**
 * Whether the calendar date of an `ISO_TIME` string exists. `Date.parse` does not refuse a day the month lacks:
 * it moves it on (2026-02-30 → March 2, 2025-06-31 → July 1), so an event dated by a buggy formatter would land
 * on another day, or be refused for a reason that is not the one.
 */
const calendarDayExists = (iso: string): boolean => {
  const year = Number(iso.slice(0, 4));
  const month = Number(iso.slice(5, 7));
  const day = Number(iso.slice(8, 10));
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
};

const parseOccurredAt = (raw: unknown, opts: ParseOptions): TimeResult => {
  let at: number;
  if (raw === undefined || raw === null) return { ok: true, at: opts.now };
  if (typeof raw === 'string' && ISO_TIME.test(raw) && calendarDayExists(raw)) at = Date.parse(raw);
  else if (typeof raw === 'number' && Number.isSafeInteger(raw)) at = raw;
  else return { ok: false, reason: 'invalid_occurred_at' };
  if (!Number.isFinite(at) || at <= 0) return { ok: false, reason: 'invalid_occurred_at' };
  at += opts.clockSkewMs ?? 0;
  if (at > opts.now + MAX_FUTURE_SKEW_MS) return { ok: false, reason: 'occurred_in_future' };
  if (at < opts.now - opts.lateEventWindowDays * DAY_MS) return { ok: false, reason: 'too_old' };
  return { ok: true, at };
};

type IdentityResult = { ok: true; identity: EventIdentity } | { ok: false; reason: RejectReason };

const browserIdentity = (raw: Record<string, unknown>): IdentityResult => {
  if (has(raw, 'leadId') || has(raw, 'email')) return { ok: false, reason: 'identity_not_allowed' };
  const anonymous = raw.anonymousId;
  const token = raw.identity;
  if (
    (anonymous === undefined || anonymous === null || anonymous === '') &&
    (token === undefined || token === null || token === '')
  )
    return { ok: false, reason: 'missing_identity' };
  if (anonymous !== undefined && anonymous !== null && anonymous !== '') {
    if (typeof anonymous !== 'string' || !BROWSER_ID.test(anonymous))
      return { ok: false, reason: 'invalid_anonymous_id' };
  }
  if (token !== undefined && token !== null && token !== '') {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH)
      return { ok: false, reason: 'invalid_identity' };
  }
  return {
    ok: true,
    identity: {
      kind: 'browser',
      ...(typeof anonymous === 'string' && anonymous ? { anonymousId: anonymous } : {}),
      ...(typeof token === 'string' && token ? { token } : {}),
    },
  };
};

const trustedIdentity = (raw: Record<string, unknown>): IdentityResult => {
  const hasLead = has(raw, 'leadId');
  const hasEmail = has(raw, 'email');
  if (hasLead === hasEmail)
    return { ok: false, reason: hasLead ? 'identity_not_allowed' : 'missing_identity' };
  if (hasLead) {
    return typeof raw.leadId === 'string' && LEAD_ID.test(raw.leadId)
      ? { ok: true, identity: { kind: 'lead', leadId: raw.leadId } }
      : { ok: false, reason: 'invalid_lead_id' };
  }
  const key = typeof raw.email === 'string' ? emailKey(raw.email) : null;
  return key
    ? { ok: true, identity: { kind: 'email', emailKey: key } }
    : { ok: false, reason: 'invalid_email' };
};

/** The rejection reason of a field whose shape is wrong (`shapeProblem`), by field. */
export const REASON_OF: Readonly<Record<string, RejectReason>> = {
  eventId: 'invalid_event_id',
  type: 'invalid_type',
  anonymousId: 'invalid_anonymous_id',
  identity: 'invalid_identity',
  leadId: 'invalid_lead_id',
  email: 'invalid_email',
  url: 'invalid_url',
  title: 'invalid_title',
  properties: 'invalid_properties',
  occurredAt: 'invalid_occurred_at',
};

/** Prefix of ids the product derives for trusted events sent without one. */
export const DERIVED_EVENT_ID_PREFIX = 'derived:';

/** JSON with object keys sorted, so equal content always serializes the same way. */
const canonical = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(canonical).join(',')}]`
    : typeof value === 'object' && value !== null
      ? `{${Object.keys(value)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : JSON.stringify(value);

/**
 * The id of a trusted event sent without `eventId`: a hash of the canonical event (who it names, type, the
 * time it says it happened, url, title, properties), so a retry of the same event gets the same id and
 * counts once. `occurredAt` is the parsed time when the caller gave one, else null (our clock would differ on
 * a retry): two identical events without a time are one event; a source that means two must send an
 * `eventId` or an `occurredAt`. The lead is named as the caller named it (`leadId` or the normalized e-mail).
 */
export function derivedEventId(
  identity: EventIdentity,
  content: {
    type: string;
    url?: string;
    title?: string;
    properties?: Record<string, string | number | boolean>;
  },
  occurredAt: EpochMs | null,
): string {
  const who =
    identity.kind === 'lead'
      ? { leadId: identity.leadId }
      : identity.kind === 'email'
        ? { emailKey: identity.emailKey }
        : { anonymousId: identity.anonymousId ?? null, token: identity.token ?? null };
  const digest = createHash('sha256')
    .update(canonical({ who, occurredAt, ...content }))
    .digest('base64url');
  return `${DERIVED_EVENT_ID_PREFIX}${digest.slice(0, 32)}`;
}

type ItemResult = { ok: true; item: TrackItem } | { ok: false; reason: RejectReason };

const blank = (v: unknown): boolean => v === undefined || v === null || v === '';
const absent = (v: unknown): boolean => v === undefined || v === null;
const matches = (v: unknown, pattern: RegExp): boolean => typeof v === 'string' && pattern.test(v);
const within = (v: unknown, max: number): boolean => typeof v === 'string' && v.length <= max;
const primitiveValue = (v: unknown): boolean =>
  within(v, MAX_PROPERTY_VALUE_LENGTH) ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v));

/** Each field's shape rule, in the order the contract lists the fields (the first one broken names the reason). */
const SHAPES: Record<TrackSource, readonly [field: string, ok: (v: unknown) => boolean][]> = {
  browser: [
    ['eventId', (v) => blank(v) || matches(v, BROWSER_ID)],
    ['type', (v) => matches(v, EVENT_TYPE)],
    ['anonymousId', (v) => blank(v) || matches(v, BROWSER_ID)],
    ['identity', (v) => blank(v) || within(v, MAX_TOKEN_LENGTH)],
  ],
  trusted: [
    ['eventId', (v) => blank(v) || matches(v, TRUSTED_EVENT_ID)],
    ['type', (v) => matches(v, EVENT_TYPE)],
    ['leadId', (v) => absent(v) || matches(v, LEAD_ID)],
    ['email', (v) => absent(v) || within(v, MAX_EMAIL_LENGTH)],
  ],
};
const COMMON_SHAPES: readonly [field: string, ok: (v: unknown) => boolean][] = [
  ['url', (v) => blank(v) || within(v, MAX_URL_LENGTH)],
  ['title', (v) => absent(v) || typeof v === 'string'],
  [
    'properties',
    (v) =>
      absent(v) ||
      (isRecord(v) && Object.entries(v).every(([k, value]) => PROPERTY_KEY.test(k) && primitiveValue(value))),
  ],
  ['occurredAt', (v) => absent(v) || matches(v, ISO_TIME) || Number.isSafeInteger(v)],
];

/**
 * The first gate of an event: each field's type and format, in the contract's field order, as the event's
 * schema in the OpenAPI document states them (`trackEventSchema`, #domain/tracking/batch-schema; a property
 * test holds the two to the same answer on every input). Hand-written rather than parsed with zod: the rules
 * after it (`parseTrackEvent`) read the fields themselves anyway, and the tracking routes, the product's
 * volume, then carry no schema library at a cold start. The reason of the first field whose shape is wrong,
 * or null.
 */
export function shapeProblem(raw: Record<string, unknown>, source: TrackSource): RejectReason | null {
  for (const [field, ok] of SHAPES[source]) if (!ok(raw[field])) return REASON_OF[field] ?? 'invalid_event';
  for (const [field, ok] of COMMON_SHAPES) if (!ok(raw[field])) return REASON_OF[field] ?? 'invalid_event';
  return null;
}

/** One event of a batch: every field checked and bounded, or the first reason it cannot be taken. */
export function parseTrackEvent(
  raw: unknown,
  index: number,
  source: TrackSource,
  opts: ParseOptions,
): ItemResult {
  if (!isRecord(raw)) return { ok: false, reason: 'invalid_event' };
  if (source === 'browser' && (has(raw, 'leadId') || has(raw, 'email')))
    return { ok: false, reason: 'identity_not_allowed' };
  const shape = shapeProblem(raw, source);
  if (shape) return { ok: false, reason: shape };

  // The id must not change when the same event is sent again (a retry): the browser must send one (the
  // snippet always does); a trusted event without one gets an id derived from its content (`derivedEventId`).
  const hasEventId = !(raw.eventId === undefined || raw.eventId === null || raw.eventId === '');
  if (!hasEventId && source === 'browser') return { ok: false, reason: 'missing_event_id' };
  if (hasEventId) {
    const pattern = source === 'browser' ? BROWSER_ID : TRUSTED_EVENT_ID;
    if (typeof raw.eventId !== 'string' || !pattern.test(raw.eventId))
      return { ok: false, reason: 'invalid_event_id' };
  }

  if (typeof raw.type !== 'string' || !EVENT_TYPE.test(raw.type))
    return { ok: false, reason: 'invalid_type' };
  if (source === 'browser' && SERVER_WITNESSED_TYPES.has(raw.type))
    return { ok: false, reason: 'type_not_allowed' };

  const identity = source === 'browser' ? browserIdentity(raw) : trustedIdentity(raw);
  if (!identity.ok) return identity;

  const url = parseUrl(raw.url);
  if (url === null) return { ok: false, reason: 'invalid_url' };
  if (raw.title !== undefined && raw.title !== null && typeof raw.title !== 'string')
    return { ok: false, reason: 'invalid_title' };
  const title = typeof raw.title === 'string' ? cleanText(raw.title, MAX_TITLE_LENGTH) : '';
  const properties = parseProperties(raw.properties);
  if (properties === null) return { ok: false, reason: 'invalid_properties' };
  // The referrer is context, not a reason to refuse an event: one that is not an http(s) URL is dropped.
  const referrer = parseUrl(raw.referrer);
  const withReferrer =
    typeof referrer === 'string' && referrer.length <= MAX_REFERRER_LENGTH && !properties?.referrer
      ? { ...properties, referrer }
      : properties;

  const time = parseOccurredAt(raw.occurredAt, opts);
  if (!time.ok) return time;

  const content = {
    type: raw.type,
    ...(url !== undefined ? { url } : {}),
    ...(title ? { title } : {}),
    ...(withReferrer ? { properties: withReferrer } : {}),
  };
  const eventId =
    typeof raw.eventId === 'string' && hasEventId
      ? raw.eventId
      : derivedEventId(
          identity.identity,
          content,
          raw.occurredAt === undefined || raw.occurredAt === null ? null : time.at,
        );
  const event: ScoredEvent = {
    eventId,
    type: raw.type,
    occurredAt: time.at,
    ...(url !== undefined ? { url } : {}),
    ...(title ? { title } : {}),
    ...(withReferrer ? { properties: withReferrer } : {}),
  };
  return { ok: true, item: { index, event, identity: identity.identity } };
}

/**
 * A browser's clock against ours, from the batch's `sentAt` (the browser's time when it sent the batch):
 * `now - sentAt`. A visitor's computer may be minutes or days off, which would refuse its events as in the
 * future or too old, or misplace them on the timeline; so every stated time of a browser batch is moved by
 * the difference (a queued event sent later keeps its place: both its time and `sentAt` come from the same
 * clock). The transit time of the request is in the difference too, a second or less. Only browser batches:
 * they always carry event ids, while a trusted event without one gets an id from its stated time, which must
 * not move with each retry's `sentAt`. An unreadable `sentAt` is ignored (no correction).
 */
export function clockSkewOf(sentAt: unknown, now: EpochMs): number {
  if (typeof sentAt !== 'string' || !ISO_TIME.test(sentAt) || !calendarDayExists(sentAt)) return 0;
  const at = Date.parse(sentAt);
  return Number.isFinite(at) && at > 0 ? now - at : 0;
}

/**
 * A whole request body: `{"events": [...]}` with 1 to 20 events. A body of another shape is refused as a
 * whole (`ok: false`, answer 400); each bad event becomes a rejected entry and the rest are kept.
 */
export function parseTrackBatch(body: unknown, source: TrackSource, opts: ParseOptions): BatchParse {
  if (!isRecord(body) || !Array.isArray(body.events))
    return { ok: false, message: 'The body must be a JSON object {"events": [...]}.' };
  const events: unknown[] = body.events;
  if (events.length < 1) return { ok: false, message: BATCH_MESSAGES.empty };
  if (events.length > MAX_BATCH_EVENTS) return { ok: false, message: BATCH_MESSAGES.tooMany };
  const skew = source === 'browser' ? clockSkewOf(body.sentAt, opts.now) : 0;
  const eventOpts = skew === 0 ? opts : { ...opts, clockSkewMs: skew };
  const items: TrackItem[] = [];
  const rejected: Rejection[] = [];
  events.forEach((raw, index) => {
    const result = parseTrackEvent(raw, index, source, eventOpts);
    if (result.ok) items.push(result.item);
    else rejected.push({ index, reason: result.reason });
  });
  return { ok: true, items, rejected };
}
