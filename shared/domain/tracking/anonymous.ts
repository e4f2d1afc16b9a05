import type { EpochMs } from '#domain/lead/types';

/**
 * The per-visitor bound on anonymous history: a script (or a looping page) posting under one anonymous id
 * could otherwise store events without end. Each anonymous id may keep `maxEventsPerVisitor` events per
 * window of `windowDays` days, counted from the first event kept in the window; events beyond it are refused
 * as `rate_limited` (and counted as the `AnonymousEventsRefused` metric). Pure: the store keeps the quota.
 */

/** Declared here, validated by `shared/config/app.ts` (`app.tracking`). */
export interface AnonymousLimits {
  maxEventsPerVisitor: number;
  windowDays: number;
}

/** What the table keeps per anonymous id. */
export interface AnonymousQuota {
  kept: number;
  windowStart: EpochMs;
}

const DAY_MS = 86_400_000;

/**
 * How many of `offered` new events (replays already removed) this visitor may keep now, and the quota after
 * keeping them. A window that has ended starts again at `now`.
 */
export function anonymousAllowance(
  quota: AnonymousQuota | undefined,
  offered: number,
  now: EpochMs,
  limits: AnonymousLimits,
): { keep: number; quota: AnonymousQuota } {
  const current =
    quota && now - quota.windowStart < limits.windowDays * DAY_MS ? quota : { kept: 0, windowStart: now };
  const keep = Math.max(0, Math.min(offered, limits.maxEventsPerVisitor - current.kept));
  return { keep, quota: { kept: current.kept + keep, windowStart: current.windowStart } };
}
