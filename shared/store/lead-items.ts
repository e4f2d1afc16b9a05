import { waitsForSales } from '#domain/handoff/call-list';
import { ownerNextDue } from '#domain/handoff/follow-up';
import { companySearchKey } from '#domain/lead/company-search';
import {
  EVENT_HASH_LENGTH,
  type Lead,
  type LeadProfile,
  type LeadState,
  type PendingTimelineEntry,
} from '#domain/lead/lead';
import { phoneSearchDigits, reversedDigits } from '#domain/lead/phone-search';
import {
  ACTIVITY_INDEX_VALUE,
  activityDay,
  keys,
  leadIdFromPk,
  ownerQueueKey,
  scoreBand,
  shardedIndexKey,
} from '#store/keys';

/**
 * How a lead's items look in the table (no I/O here): the store writes and reads through these, and bulk
 * loaders (benchmarks, tests) use `leadItems` so their data is exactly what the store would write.
 */

/**
 * The state item as stored: index keys added, and kept under 1 KB so a tracking event's state write costs
 * one write unit. `leadId` is not stored again (the key holds it) and the
 * recent event hashes are one string, not a list (a list costs bytes per element).
 *
 * Index attributes (see table-design.ts): sharded partition keys (`mql#3`), the score BAND as sort key, the
 * sparse `callKey` only while the lead waits for sales, the activity DAY for `byActivity`; the exact last
 * activity is stored as `activityAt`, an attribute no index projects, so a steady-state event (same band,
 * same day, no threshold) changes no index item and costs no index write.
 */
export function stateItem(state: LeadState) {
  // `timelineSettled` is read bookkeeping, never stored (the writes consume it: `settledState`).
  const { leadId, recentEvents, lastActivityAt, timelinePending, timelineSettled: _, ...rest } = state;
  return {
    ...keys.state(leadId),
    ...rest,
    // Only while some entry may still lack its timeline item (usually the last tracking write's entries).
    ...(timelinePending?.length ? { timelinePending: packPending(timelinePending) } : {}),
    activityAt: lastActivityAt,
    recentEvents: recentEvents.join(''),
    ...indexAttributes(state),
  };
}

/** The list-index attributes of a state (also what the one-off re-index script writes). */
export function indexAttributes(state: LeadState) {
  const { leadId, handoff } = state;
  const owned = handoff && handoff.closedAt === undefined ? handoff : undefined;
  return {
    stageKey: shardedIndexKey(state.stage, leadId),
    temperatureKey: shardedIndexKey(state.temperature, leadId),
    scoreKey: scoreBand(state.score.total),
    ownerId: owned?.owner.ownerId,
    // `byOwner`: the owner's queue, nearest deadline or planned contact first. It moves only when the hand-off
    // does (accept, contact, a plan, a breach), never on a tracking event.
    ownerQueue: owned ? ownerQueueKey(ownerNextDue(owned), owned.startedAt) : undefined,
    callKey: waitsForSales(state) ? shardedIndexKey(state.temperature, leadId) : undefined,
    activityKey: shardedIndexKey(ACTIVITY_INDEX_VALUE, leadId),
    activityDay: activityDay(state.lastActivityAt),
  };
}

export function fromStateItem(item: Record<string, unknown> | undefined): LeadState | undefined {
  const state = stripKeys<Omit<LeadState, 'recentEvents'> & { recentEvents?: unknown }>(
    item,
    STATE_INDEX_ATTRS,
  );
  if (!state || !item) return undefined;
  const packed = typeof state.recentEvents === 'string' ? state.recentEvents : '';
  const recentEvents: string[] = [];
  for (let i = 0; i < packed.length; i += EVENT_HASH_LENGTH)
    recentEvents.push(packed.slice(i, i + EVENT_HASH_LENGTH));
  // `activityAt` since the sharded index keys; items written before carry `lastActivityAt`.
  const { activityAt, timelinePending, ...fields } = state as typeof state & {
    activityAt?: number;
    timelinePending?: unknown;
  };
  const pending = unpackPending(timelinePending);
  return {
    ...fields,
    ...(pending.length ? { timelinePending: pending } : {}),
    lastActivityAt: Number(activityAt ?? state.lastActivityAt ?? 0),
    leadId: leadIdFromPk(String(item.pk)) ?? '',
    recentEvents,
  };
}

/**
 * Pending timeline entries as ONE JSON string of tuples holding what scoring decided (id, type, time, points,
 * rule, versions), not the page's description (URL, title, properties). The state item is written on every
 * tracking event and billed per started KB: a map per entry spends about 70 bytes on attribute names, and a
 * page's URL and title about 150 more, which pushed a typical state over 1 KB. The description is in the
 * timeline item the same request writes right after; only when that write is lost does the entry put again
 * from here lack it (its points and type stay exact).
 */
type PackedEntry = [
  eventId: string,
  type: string,
  occurredAt: number,
  points: number,
  rule: string | null,
  baseVersion: number,
  recordedAt: number,
];

function packPending(entries: readonly PendingTimelineEntry[]): string {
  return JSON.stringify(
    entries.map(
      (e): PackedEntry => [e.eventId, e.type, e.occurredAt, e.points, e.rule, e.baseVersion, e.recordedAt],
    ),
  );
}

function unpackPending(value: unknown): PendingTimelineEntry[] {
  if (typeof value !== 'string') return [];
  return (JSON.parse(value) as PackedEntry[]).map(
    ([eventId, type, occurredAt, points, rule, baseVersion, recordedAt]) => ({
      eventId,
      type,
      occurredAt,
      points,
      rule,
      baseVersion,
      recordedAt,
    }),
  );
}

/**
 * The profile item as stored: with the `byCompany` keys while it has a company with a search key
 * (`#domain/lead/company-search`) and the `byPhone` keys while it has a searchable phone number
 * (`#domain/lead/phone-search`), none otherwise (both indexes are sparse).
 */
export function profileItem(profile: LeadProfile) {
  return { ...keys.profile(profile.leadId), ...profile, ...profileIndexAttributes(profile) };
}

/**
 * The profile's search-index attributes: `byCompany`'s (the first letter of its company's search key, and the
 * key) and `byPhone`'s (the last two digits of its number, and its search digits reversed).
 */
export function profileIndexAttributes(profile: LeadProfile) {
  const { company, phone } = profile.attributes;
  const key = company === undefined ? undefined : companySearchKey(company);
  const digits = phone === undefined ? undefined : phoneSearchDigits(phone);
  return {
    ...(key === undefined ? {} : { companyInitial: companyInitial(key), companyKey: key }),
    ...(digits === undefined ? {} : phoneIndexKeys(digits)),
  };
}

/** The `byCompany` partition of a search key: its first letter (a whole code point). */
export const companyInitial = (key: string): string => String.fromCodePoint(key.codePointAt(0) ?? 0);

/**
 * The `byPhone` keys of search digits (at least `PHONE_SEARCH_MIN_DIGITS`): the partition, their last two; the
 * sort key, the digits reversed. A stored number and a search of its last digits get the same partition, and
 * the search's key is a prefix of the number's: the profile item and the search both take them from here.
 */
export const phoneIndexKeys = (digits: string): { phoneTail: string; phoneKey: string } => ({
  phoneTail: digits.slice(-2),
  phoneKey: reversedDigits(digits),
});

/** Attributes of the profile item that only the indexes read. */
export const PROFILE_INDEX_ATTRS = ['companyInitial', 'companyKey', 'phoneTail', 'phoneKey'] as const;

/** A lead's two items exactly as the store writes them (bulk loads in benchmarks and tests). */
export function leadItems(lead: Lead): Record<string, unknown>[] {
  return [profileItem(lead.profile), stateItem(lead.state)];
}

export function stripKeys<T>(
  item: Record<string, unknown> | undefined,
  drop: readonly string[],
): T | undefined {
  if (!item) return undefined;
  const copy = { ...item };
  for (const k of ['pk', 'sk', ...drop]) delete copy[k];
  return copy as T;
}
const STATE_INDEX_ATTRS = [
  'stageKey',
  'temperatureKey',
  'scoreKey',
  'ownerId',
  'ownerQueue',
  'callKey',
  'activityKey',
  'activityDay',
] as const;
