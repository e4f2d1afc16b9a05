import { waitsForSales } from '#domain/handoff/call-list';
import { EVENT_HASH_LENGTH, type Lead, type LeadProfile, type LeadState } from '#domain/lead/lead';
import {
  ACTIVITY_INDEX_VALUE,
  activityDay,
  keys,
  leadIdFromPk,
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
  const { leadId, recentEvents, lastActivityAt, timelinePending, ...rest } = state;
  return {
    ...keys.state(leadId),
    ...rest,
    // Only while some entry may still lack its timeline item (usually the last tracking write's entries).
    ...(timelinePending?.length ? { timelinePending } : {}),
    activityAt: lastActivityAt,
    recentEvents: recentEvents.join(''),
    ...indexAttributes(state),
  };
}

/** The list-index attributes of a state (also what the one-off re-index script writes). */
export function indexAttributes(state: LeadState) {
  const { leadId } = state;
  return {
    stageKey: shardedIndexKey(state.stage, leadId),
    temperatureKey: shardedIndexKey(state.temperature, leadId),
    scoreKey: scoreBand(state.score.total),
    ownerId: state.handoff && !state.handoff.closedAt ? state.handoff.owner.ownerId : undefined,
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
  const { activityAt, ...fields } = state as typeof state & { activityAt?: number };
  return {
    ...fields,
    lastActivityAt: Number(activityAt ?? state.lastActivityAt ?? 0),
    leadId: leadIdFromPk(String(item.pk)) ?? '',
    recentEvents,
  };
}

export function profileItem(profile: LeadProfile) {
  return { ...keys.profile(profile.leadId), ...profile };
}

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
  'callKey',
  'activityKey',
  'activityDay',
] as const;
