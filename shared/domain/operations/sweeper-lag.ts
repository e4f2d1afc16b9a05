/**
 * Sweeper health as an event instead of an alarm metric (issue 16 item 8: an idle stack under $0.50 a
 * month). A CloudWatch alarm bills every metric it reads every month, busy or idle; an event costs nothing
 * until something is late. So the sweeper itself reports lag: when the oldest due timer a sweep saw waited
 * longer than the threshold, it publishes ONE `Sweeper Lagging` event, at most once per quiet period (the
 * store keeps when it last did, so racing sweepers publish one between them), and a bus rule sends it to
 * the stack's alarm topic. The schema is `event-schemas/sweeper-lagging.v1.json` beside this file.
 */
import type { EpochMs } from '#domain/lead/types';

/** Events about the product's own operation come from their producer, as lead events from `leadloop.leads`. */
export const SWEEPER_EVENT_SOURCE = 'leadloop.sweeper';
export const SWEEPER_LAGGING = 'Sweeper Lagging';

/** What the lag check needs from configuration (`config/app.ts` → `monitoring.sweeperLag`). */
export interface SweeperLagConfig {
  /** A sweep whose oldest due timer waited longer than this is lagging. */
  thresholdSeconds: number;
  /** After an event, no other for this long (the lag is usually still there a minute later). */
  quietMinutes: number;
}

/** What one sweep saw and did (the sweeper's report, plus where its oldest due timer was). */
export interface SweepObservation {
  lagSeconds: number;
  /** The oldest due timer's due time; undefined when nothing was due. */
  oldestDueAt: EpochMs | undefined;
  /** The due-index shard that held it. */
  oldestShard: string | undefined;
  shards: number;
  due: number;
  done: number;
  failed: number;
  stoppedEarly: boolean;
}

/** The detail of `Sweeper Lagging`, version 1. */
export interface SweeperLaggingDetail {
  /** `sweeper-lagging:<occurredAt>`: the instant the quiet period started, so a retried publish keeps it. */
  eventId: string;
  version: 1;
  occurredAt: string;
  /** Seconds the oldest due timer had waited when the sweep began. */
  lagSeconds: number;
  thresholdSeconds: number;
  /** ISO-8601 UTC: when that timer was due. */
  oldestDueAt: string;
  /** Timers the sweep found due, what it finished and what failed (a failure comes back after its lease). */
  due: number;
  done: number;
  failed: number;
  /** The sweep ran short of Lambda time and left work for the next one. */
  stoppedEarly: boolean;
  shards: { swept: number; oldest: string };
  /** No other `Sweeper Lagging` for this long. */
  quietMinutes: number;
}

/** The lagging event's detail, or undefined when the sweep is on time (or nothing was due). */
export function sweeperLagging(
  sweep: SweepObservation,
  config: SweeperLagConfig,
  now: EpochMs,
): SweeperLaggingDetail | undefined {
  if (sweep.oldestDueAt === undefined || sweep.lagSeconds <= config.thresholdSeconds) return undefined;
  const occurredAt = new Date(now).toISOString();
  return {
    eventId: `sweeper-lagging:${occurredAt}`,
    version: 1,
    occurredAt,
    lagSeconds: sweep.lagSeconds,
    thresholdSeconds: config.thresholdSeconds,
    oldestDueAt: new Date(sweep.oldestDueAt).toISOString(),
    due: sweep.due,
    done: sweep.done,
    failed: sweep.failed,
    stoppedEarly: sweep.stoppedEarly,
    shards: { swept: sweep.shards, oldest: sweep.oldestShard ?? 'unknown' },
    quietMinutes: config.quietMinutes,
  };
}

/** The quiet period in ms. */
export function quietPeriodMs(config: SweeperLagConfig): number {
  return config.quietMinutes * 60_000;
}
