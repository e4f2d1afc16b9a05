import type { AnyDomainEvent } from '#domain/lead/events';
import { type LeadState, scoreEventOnState, stateChangeEvents } from '#domain/lead/lead';
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

/** The lead's activity window after one more event, or undefined when this hour's bound is reached. */
export function nextActivityWindow(
  state: Pick<LeadState, 'activityWindow'>,
  now: EpochMs,
): { hour: number; count: number } | undefined {
  const hour = Math.floor(now / HOUR_MS);
  const count = state.activityWindow?.hour === hour ? state.activityWindow.count : 0;
  return count >= MAX_EVENTS_PER_LEAD_HOUR ? undefined : { hour, count: count + 1 };
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
 * Score an event on a lead's state (the fit breakdown is not needed: events change behaviour only).
 * `rate_limited` when the lead's hourly bound is reached; the replay checks come before this.
 */
export function scoreActivity(
  state: LeadState,
  event: ScoredEvent,
  config: ScoringConfig,
  now: EpochMs,
): ScoredActivity | 'rate_limited' {
  const activityWindow = nextActivityWindow(state, now);
  if (!activityWindow) return 'rate_limited';
  const scored = scoreEventOnState(state, undefined, event, config, now);
  scored.after.activityWindow = activityWindow;
  return { ...scored, events: stateChangeEvents(state, scored.after, now) };
}
