import type { Context } from 'aws-lambda';
import { now } from '#adapters/clock';
import { errorFields, logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { runCrmSyncTimer } from '#app/crm-sync';
import { runEraseSweepTimer } from '#app/erase-lead';
import { runCaptureMailTimer } from '#app/run-capture-mail-timer';
import { runDecayTimer } from '#app/run-decay-timer';
import { runFollowUpTimer } from '#app/run-follow-up-timer';
import { runPendingEvents } from '#app/run-pending-events';
import { runRetentionTimer } from '#app/run-retention-timer';
import { runSlaTimer } from '#app/run-sla-timer';
import { runStepTimer } from '#app/run-step';
import { runStitchTimer } from '#app/run-stitch-timer';
import { alertIfLagging, type LagAlertOutcome } from '#app/sweeper-lag-alert';
import { settings } from '#config/settings';
import type { SweeperLagConfig } from '#domain/operations/sweeper-lag';
import { ERASE_SWEEP_TIMER_KIND } from '#domain/privacy/erasure';
import {
  CAPTURE_MAIL_TIMER,
  type ClaimedTimer,
  claimTimer,
  type DueTimer,
  dueShards,
  FOLLOW_UP_TIMER,
  queryDue,
} from '#store/timers';

/**
 * Sweeping due timers: step emails (nurture), SLA deadlines (hand-off) and temperature decay all wait on the
 * sparse due index. One sweep reads what is due, claims each timer (step e-mails need no claim: see
 * `UnclaimedProcessor`) and dispatches it by kind to its use case.
 */

export type { ClaimedTimer };

export interface TimerWork {
  now: number;
  /** Wait for a send slot: keeps SES within its per-second rate across the whole sweep. */
  sendPermit: () => Promise<void>;
}
export type TimerProcessor = (timer: ClaimedTimer, work: TimerWork) => Promise<void>;

/**
 * A processor that needs no claim: it guards its own work with conditional writes on what it read (racing
 * sweepers fail a condition instead of both acting) and says whether it did the timer's work (`true`) or
 * found it taken or moved on (`false`). It saves the claim's write; the step e-mail is one (run-step).
 */
export interface UnclaimedProcessor {
  unclaimed: (timer: DueTimer, work: TimerWork) => Promise<boolean>;
}
export type AnyTimerProcessor = TimerProcessor | UnclaimedProcessor;

export interface SweepOptions {
  /** Timers run at once (bounded parallelism). */
  concurrency: number;
  /** Sends per second across the sweep. */
  sendRatePerSecond: number;
  /** Stop claiming new work when less than this much Lambda time is left. */
  reserveMs: number;
  pageSize: number;
  /** Publish `Sweeper Lagging` when the oldest due timer waited over the threshold (off when absent). */
  lagAlert?: SweeperLagConfig;
}

export interface SweepReport {
  due: number;
  claimed: number;
  done: number;
  failed: number;
  skippedClaimed: number;
  unknownKind: number;
  stoppedEarly: boolean;
  /** Age of the oldest due timer this sweep saw, in seconds (0 when nothing was due): the sweeper's lag. */
  lagSeconds: number;
  /** What the lag check did: `off` without `lagAlert`; `published` / `quiet` only when lagging. */
  lagAlert: LagAlertOutcome | 'off';
}

const DEFAULT_OPTIONS: SweepOptions = {
  concurrency: 8,
  sendRatePerSecond: 14,
  // A step takes well under a second; 5 s left in a 60 s invocation keeps 54 s of every minute sending.
  reserveMs: 5_000,
  pageSize: 100,
};

/** Seconds one step may take end to end (claim, reads, writes, the SES call): sizes the parallelism. */
const STEP_SECONDS = 0.25;

/** Most timers in flight in one sweep (each idle consumer polls the queue; enough for 512 mails/s). */
const MAX_CONCURRENCY = 128;

/**
 * Timers in flight needed to keep `sendRatePerSecond` busy when each step takes up to STEP_SECONDS
 * (Little's law), never below the historical 8 nor above MAX_CONCURRENCY (tests lift the rate to 10,000/s).
 */
export function concurrencyFor(sendRatePerSecond: number): number {
  return Math.min(MAX_CONCURRENCY, Math.max(8, Math.ceil(sendRatePerSecond * STEP_SECONDS)));
}

/**
 * One sweep: read what is due from every shard of the due index, claim each timer (losing a race to another
 * sweeper is normal and skipped), and hand it to the processor for its kind. Cost follows what is due, not
 * how many leads exist. Leaves the rest for the next run when the Lambda's time runs short.
 */
export function createSweeper(
  processors: Record<string, AnyTimerProcessor>,
  overrides: Partial<SweepOptions> = {},
) {
  return async (
    _event: unknown,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<SweepReport> => {
    const options = {
      ...DEFAULT_OPTIONS,
      concurrency: concurrencyFor(overrides.sendRatePerSecond ?? DEFAULT_OPTIONS.sendRatePerSecond),
      ...overrides,
    };
    const report: SweepReport = {
      due: 0,
      claimed: 0,
      done: 0,
      failed: 0,
      skippedClaimed: 0,
      unknownKind: 0,
      stoppedEarly: false,
      lagSeconds: 0,
      lagAlert: 'off',
    };
    const timeLeft = () => context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY;
    const sendPermit = rateLimiter(options.sendRatePerSecond);
    const sweepNow = now();
    let oldestDueAt = sweepNow;
    let oldestShard: string | undefined;
    const shards = dueShards();

    const queue: DueTimer[] = [];
    let producersDone = false;
    // Producers: page through each shard; consumers: claim and process with bounded parallelism.
    const producers = shards.map(async (shard) => {
      let startKey: Record<string, unknown> | undefined;
      do {
        if (timeLeft() < options.reserveMs) return;
        const page = await queryDue(shard, sweepNow, options.pageSize, startKey);
        // The due index is sorted by dueAt: a shard's first item is its oldest.
        const first = page.timers[0];
        if (!startKey && first && Date.parse(first.dueAt) < oldestDueAt) {
          oldestDueAt = Date.parse(first.dueAt);
          oldestShard = shard;
        }
        report.due += page.timers.length;
        queue.push(...page.timers);
        startKey = page.next;
        while (queue.length > options.pageSize * 4 && timeLeft() >= options.reserveMs) await tick();
      } while (startKey);
    });
    const allProduced = Promise.all(producers).finally(() => {
      producersDone = true;
    });

    const consumer = async () => {
      for (;;) {
        if (timeLeft() < options.reserveMs) {
          report.stoppedEarly = true;
          return;
        }
        const timer = queue.shift();
        if (!timer) {
          if (producersDone) return;
          await tick();
          continue;
        }
        const processor = processors[timer.timerKind];
        if (!processor) {
          report.unknownKind++;
          logger.warn('no processor for timer kind', {
            timerKind: timer.timerKind,
            pk: timer.pk,
            sk: timer.sk,
          });
          continue;
        }
        const outcome = await runTimer(timer, processor, { now: now(), sendPermit });
        if (outcome === 'skipped') {
          report.skippedClaimed++;
          continue;
        }
        report.claimed++;
        if (outcome === 'done') {
          report.done++;
          continue;
        }
        // The claim's lease (or, unclaimed, the timer left due) brings it back later; the processor decides
        // what a retry may do.
        report.failed++;
        logger.error('timer failed', {
          timerKind: timer.timerKind,
          pk: timer.pk,
          sk: timer.sk,
          ...errorFields(outcome.error),
        });
      }
    };
    await Promise.all([allProduced, ...Array.from({ length: options.concurrency }, consumer)]);
    report.lagSeconds = Math.max(0, Math.round((sweepNow - oldestDueAt) / 1000));
    // Only when something was due: an idle stack publishes no custom metric (billed per hour with data).
    if (report.due > 0) countMetric('SweeperLagSeconds', {}, report.lagSeconds, 'Seconds');
    // Lag is an event, not an alarm metric (an alarm bills every month, idle or not): README → Monitoring.
    if (options.lagAlert && report.due > 0) {
      report.lagAlert = await alertIfLagging(
        { ...report, oldestDueAt, oldestShard, shards: shards.length },
        options.lagAlert,
        sweepNow,
      );
    }
    if (report.due > 0) logger.info('sweep done', { ...report });
    return report;
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

/**
 * Claim a timer (unless its processor needs no claim) and process it: `skipped` when another sweeper has it,
 * `done`, or the error the processor failed with while it had the timer.
 */
async function runTimer(
  timer: DueTimer,
  processor: AnyTimerProcessor,
  work: TimerWork,
): Promise<'skipped' | 'done' | { error: unknown }> {
  const failed = (error: unknown) => ({ error });
  if (typeof processor !== 'function')
    return processor.unclaimed(timer, work).then((did) => (did ? 'done' : 'skipped'), failed);
  const claimed = await claimTimer(timer, work.now);
  if (!claimed) return 'skipped';
  return processor(claimed, work).then(() => 'done' as const, failed);
}

/** Evenly spaced permits: at most `perSecond` callers pass each second. */
export function rateLimiter(perSecond: number): () => Promise<void> {
  const interval = 1000 / perSecond;
  let next = 0;
  return async () => {
    const t = Date.now();
    const slot = Math.max(t, next);
    next = slot + interval;
    if (slot > t) await new Promise((r) => setTimeout(r, slot - t));
  };
}

/** Every timer kind and the use case that runs it. */
export const TIMER_PROCESSORS = {
  // No claim write: the step guards itself (reservation on the lead state, position-conditioned record).
  step: {
    unclaimed: async (timer, work) => (await runStepTimer(timer, work)) !== 'claim_lost',
  },
  sla: async (timer, work) => {
    await runSlaTimer(timer, work.now);
  },
  decay: async (timer, work) => {
    await runDecayTimer(timer, work.now);
  },
  stitch: async (timer, work) => {
    await runStitchTimer(timer, work.now);
  },
  'pending-events': async (timer, work) => {
    await runPendingEvents(timer, work.now);
  },
  retention: async (timer, work) => {
    await runRetentionTimer(timer, work.now);
  },
  [ERASE_SWEEP_TIMER_KIND]: async (timer) => {
    await runEraseSweepTimer(timer);
  },
  'crm-sync': async (timer, work) => {
    await runCrmSyncTimer(timer, work.now);
  },
  [CAPTURE_MAIL_TIMER]: async (timer, work) => {
    await runCaptureMailTimer(timer, work.now);
  },
  [FOLLOW_UP_TIMER]: async (timer, work) => {
    await runFollowUpTimer(timer, work.now);
  },
} satisfies Record<string, AnyTimerProcessor>;

/**
 * The sweeper as deployed (EventBridge Scheduler every minute in AWS; the local scheduler every few
 * seconds): step e-mails, SLA deadlines and temperature decay. Every shard of the due index is read at once
 * and its timers processed side by side (parallelism sized from the rate), sends paced at
 * `config/app.ts` → `ses.sendRatePerSecond` (at most the account's SES quota, checked at synth).
 */
export function sweepDueTimers() {
  return createSweeper(TIMER_PROCESSORS, {
    sendRatePerSecond: settings.app.ses.sendRatePerSecond,
    lagAlert: settings.app.monitoring.sweeperLag,
  });
}
