import type { AnyDomainEvent } from '#domain/lead/events';
import { type LeadState, leadScoringOf, stateAfterEvent, stateChangeEvents } from '#domain/lead/lead';
import type { EpochMs, TimelineEntry } from '#domain/lead/types';
import { applyEvent, type ScoredEvent } from '#domain/scoring/scoring';

/**
 * Rules for one behaviour event on a lead (tracking, trusted events, e-mail engagement, stitched anonymous
 * history): the per-lead hourly bound, the score change with its timeline entry and announcements, and
 * when to (re)arm the temperature-decay timer. Pure: `shared/app/record-activity.ts` loads and writes.
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

/**
 * When to (re)arm the lead's decay timer: undefined = leave it as it is. New points only move the drop
 * later, so an armed timer that fires early just re-arms itself; we write a timer only when none is armed
 * or the drop now comes before it.
 */
export function decayTimerChange(
  state: Pick<LeadState, 'decayCheckAt'>,
  dropAt: EpochMs | null,
  now: EpochMs,
): EpochMs | null | undefined {
  const armed = state.decayCheckAt !== undefined && state.decayCheckAt > now ? state.decayCheckAt : undefined;
  if (dropAt === null) return undefined; // an armed timer will find nothing to do and clear itself
  if (armed === undefined || dropAt < armed) return dropAt;
  return undefined;
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

/**
 * The state after one scored event (without announcements, so a caller that also refits can announce the
 * whole change at once), with the decay timer decision applied to `decayCheckAt`.
 */
export function scoreEventOnState(
  state: LeadState,
  profile: { fitBreakdown: Record<string, number> } | undefined,
  event: ScoredEvent,
  config: ScoringConfig,
  now: EpochMs,
): { after: LeadState; entry: TimelineEntry; decay: EpochMs | null | undefined } {
  const outcome = applyEvent(leadScoringOf({ state, ...(profile ? { profile } : {}) }), event, config, now);
  const after = stateAfterEvent(state, outcome, event, now);
  const decay = decayTimerChange(state, outcome.nextTemperatureDropAt, now);
  if (decay !== undefined) after.decayCheckAt = decay ?? undefined;
  return { after, entry: outcome.entry, decay };
}
