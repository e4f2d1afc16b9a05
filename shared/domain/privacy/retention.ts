import type { EpochMs, Stage } from '#domain/lead/types';

/** How long data is kept (config/app.ts `retention`; `shared/config/app.ts` validates it). */
export interface RetentionConfig {
  /** Timeline entries expire this many days after they were recorded (TTL). */
  timelineDays: number;
  /** An anonymous visitor's events expire this many days after each was recorded, unless stitched earlier. */
  anonymousDays: number;
  /** A disqualified lead with no activity for this many days is erased by the sweeper. */
  disqualifiedInactiveDays: number;
}

export const DAY_MS = 86_400_000;

/** The reason the retention timer gives when it erases a disqualified lead that stayed inactive. */
export const RETENTION_REASON = 'retention: disqualified and inactive';

/** The timer kind (under the lead's partition, on the due index) that erases an inactive disqualified lead. */
export const RETENTION_TIMER_KIND = 'retention';

/** When a disqualified lead falls due for erasure (its last activity + the period), or null when not disqualified. */
export function retentionDueAt(
  state: { stage: Stage; lastActivityAt: EpochMs },
  config: RetentionConfig,
): EpochMs | null {
  return state.stage === 'disqualified'
    ? state.lastActivityAt + config.disqualifiedInactiveDays * DAY_MS
    : null;
}

export type RetentionDecision = { kind: 'erase' } | { kind: 'rearm'; at: EpochMs } | { kind: 'clear' };

/**
 * How long the timer waits when it would erase a lead that has tracking events parked for the sweeper
 * (`pending-events`): enough for the sweeper to score them (it runs every minute), after which the timer
 * decides again on the state that holds them.
 */
export const PARKED_EVENTS_RECHECK_MS = 10 * 60_000;

/**
 * The retention timer fired: erase a lead still disqualified and inactive for the whole period; re-arm
 * when it was active since (the period runs from the last activity); clear when it left `disqualified`.
 * Events parked for the sweeper (`parkedEvents`: the person came back while the lead was contended) are
 * activity the state does not show yet: the timer looks again once they are scored instead of erasing.
 */
export function onRetentionTimer(
  state: { stage: Stage; lastActivityAt: EpochMs } | undefined,
  now: EpochMs,
  config: RetentionConfig,
  parkedEvents = false,
): RetentionDecision {
  if (!state) return { kind: 'clear' };
  const due = retentionDueAt(state, config);
  if (due === null) return { kind: 'clear' };
  if (due > now) return { kind: 'rearm', at: due };
  return parkedEvents ? { kind: 'rearm', at: now + PARKED_EVENTS_RECHECK_MS } : { kind: 'erase' };
}
