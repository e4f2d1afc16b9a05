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
 * The retention timer fired: erase a lead still disqualified and inactive for the whole period; re-arm
 * when it was active since (the period runs from the last activity); clear when it left `disqualified`.
 */
export function onRetentionTimer(
  state: { stage: Stage; lastActivityAt: EpochMs } | undefined,
  now: EpochMs,
  config: RetentionConfig,
): RetentionDecision {
  if (!state) return { kind: 'clear' };
  const due = retentionDueAt(state, config);
  if (due === null) return { kind: 'clear' };
  return due <= now ? { kind: 'erase' } : { kind: 'rearm', at: due };
}
