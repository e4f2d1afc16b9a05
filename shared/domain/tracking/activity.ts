import type { AnyDomainEvent } from '#domain/lead/events';
import { hasSeenEvent, type LeadState, scoreEventOnState, stateChangeEvents } from '#domain/lead/lead';
import type { EpochMs, TimelineEntry } from '#domain/lead/types';
import type { applyEvent, ScoredEvent } from '#domain/scoring/scoring';

/**
 * Rules for one behaviour event on a lead (tracking, trusted events, e-mail engagement, stitched anonymous
 * history): the per-lead hourly bound, then the score change with its timeline entry, announcements and decay
 * timer (`scoreEventOnState` in `#domain/lead/lead`). Pure: `shared/app/record-activity.ts` loads and writes.
 */

type ScoringConfig = Parameters<typeof applyEvent>[2];

/** A loop in a page must not flood a lead: at most this many events per lead per hour are kept. */
export const MAX_EVENTS_PER_LEAD_HOUR = 300;

const HOUR_MS = 3_600_000;

/**
 * The lead's activity window after one more event, or undefined when this hour's bound is reached. An event
 * the bound does not refuse (`bounded: false`: a person's record, see `ActivitySource`) is still counted.
 */
export function nextActivityWindow(
  state: Pick<LeadState, 'activityWindow'>,
  now: EpochMs,
  bounded = true,
): { hour: number; count: number } | undefined {
  const hour = Math.floor(now / HOUR_MS);
  const count = state.activityWindow?.hour === hour ? state.activityWindow.count : 0;
  return bounded && count >= MAX_EVENTS_PER_LEAD_HOUR ? undefined : { hour, count: count + 1 };
}

export interface ScoredActivity {
  /** The state to write (version + 1, the event remembered, decay check time updated when re-armed). */
  after: LeadState;
  entry: TimelineEntry;
  /** Stage/temperature changes to announce (empty: nothing crossed a threshold). */
  events: AnyDomainEvent[];
  /** The decay timer to write (time, or null to clear), undefined to leave it. */
  decay: EpochMs | null | undefined;
}

/**
 * Whether an event counts against the lead's hourly bound: `live` events do (a looping page), a visitor's
 * `stitched` history does not (it was bounded when it was kept, `anonymousAllowance`, and arrives all at once
 * when the visitor identifies themselves: counting it would drop its tail and refuse the lead's next pages).
 * A `person`'s record (a sales activity) counts but is never refused: the bound is there against machines,
 * and a call refused because the lead's browser sent its hour's page views would be lost, and with it the
 * first contact (the SLA would breach and reassign the lead away from the rep who called).
 */
export type ActivitySource = 'live' | 'stitched' | 'person';

/**
 * Score an event on a lead's state (the fit breakdown is not needed: events change behaviour only).
 * `rate_limited` when a live event meets the lead's hourly bound; the replay checks come before this.
 */
export function scoreActivity(
  state: LeadState,
  event: ScoredEvent,
  config: ScoringConfig,
  now: EpochMs,
  source: ActivitySource = 'live',
): ScoredActivity | 'rate_limited' {
  const activityWindow =
    source === 'stitched' ? state.activityWindow : nextActivityWindow(state, now, source === 'live');
  if (source !== 'stitched' && !activityWindow) return 'rate_limited';
  const scored = scoreEventOnState(state, undefined, event, config, now);
  if (activityWindow) scored.after.activityWindow = activityWindow;
  return { ...scored, events: stateChangeEvents(state, scored.after, now) };
}

/** What became of one event offered to a lead. */
export type ActivityOutcome = 'applied' | 'duplicate' | 'rate_limited';

/** A scored timeline entry with the state version it was computed against (kept on the stored entry). */
export interface DecidedEntry {
  entry: TimelineEntry;
  baseVersion: number;
}

export interface ActivityDecision {
  /** Per event id, in the order given. */
  outcomes: Map<string, ActivityOutcome>;
  /** The state to write, or undefined when no event is applied (nothing to write). */
  after: LeadState | undefined;
  entries: DecidedEntry[];
  /** Stage/temperature changes to announce, in event order (ids are those sequential scoring would give). */
  events: AnyDomainEvent[];
  /** The decay timer to write after the whole batch (the last decision wins), undefined to leave it. */
  decay: EpochMs | null | undefined;
}

/**
 * Decide a batch of events for one lead in one go: the same result as scoring them one after another
 * (`scoreActivity` each, version + 1 each), so the whole batch is written as one conditional unit.
 * An event is a `duplicate` when it is a known replay (`replays`: the table's event-id guard said so), when
 * it repeats an id earlier in the batch, or when the state's recent-event hashes hold it (the cheap
 * pre-check that spares a write for an obvious replay). `source` decides the hourly bound (`ActivitySource`).
 * Pure.
 */
export function decideActivities(
  state: LeadState,
  events: readonly ScoredEvent[],
  replays: ReadonlySet<string>,
  config: ScoringConfig,
  now: EpochMs,
  source: ActivitySource = 'live',
): ActivityDecision {
  const outcomes = new Map<string, ActivityOutcome>();
  const entries: DecidedEntry[] = [];
  const announced: AnyDomainEvent[] = [];
  let current = state;
  let decay: EpochMs | null | undefined;
  for (const event of events) {
    if (outcomes.has(event.eventId) || replays.has(event.eventId) || hasSeenEvent(current, event.eventId)) {
      if (!outcomes.has(event.eventId)) outcomes.set(event.eventId, 'duplicate');
      continue;
    }
    const scored = scoreActivity(current, event, config, now, source);
    if (scored === 'rate_limited') {
      outcomes.set(event.eventId, 'rate_limited');
      continue;
    }
    outcomes.set(event.eventId, 'applied');
    entries.push({ entry: scored.entry, baseVersion: current.version });
    announced.push(...scored.events);
    if (scored.decay !== undefined) decay = scored.decay;
    current = scored.after;
  }
  return { outcomes, after: entries.length ? current : undefined, entries, events: announced, decay };
}

/** Why a scored batch was not written. */
export interface ScoredBatchRefusal {
  /** Event ids whose timeline entry already exists: replays, exactly. */
  replayed: string[];
  /** Something else failed (the state's version, an outbox item, a concurrent transaction): decide again. */
  otherFailed: boolean;
}

/**
 * The guard decision: read a cancelled batch write's reasons (one code per item, in the order written: the
 * state first, then one timeline entry per event id in `entryIds`, then anything else). An entry that already
 * exists is a replay of an event written before, exactly: an entry and the state that scored it are only
 * ever written together. Any other failure (the version moved, a transaction conflict, an outbox item), or
 * no reasons at all, means another writer got there first: read again and decide again.
 */
export function readCancellation(
  codes: readonly (string | undefined)[],
  entryIds: readonly string[],
): ScoredBatchRefusal {
  const replayed: string[] = [];
  let otherFailed = codes.length === 0;
  codes.forEach((code, i) => {
    if (code === undefined || code === 'None') return;
    const entryId = i >= 1 ? entryIds[i - 1] : undefined;
    if (entryId !== undefined && code === 'ConditionalCheckFailed') replayed.push(entryId);
    else otherFailed = true;
  });
  return { replayed, otherFailed };
}
