import { publish } from '#adapters/eventbridge';
import { errorFields, logger } from '#adapters/logger';
import type { EpochMs } from '#domain/lead/types';
import {
  quietPeriodMs,
  SWEEPER_EVENT_SOURCE,
  SWEEPER_LAGGING,
  type SweeperLagConfig,
  type SweepObservation,
  sweeperLagging,
} from '#domain/operations/sweeper-lag';
import { claimAlert, releaseAlert } from '#store/alerts';

const ALERT = 'sweeper-lagging';

export type LagAlertOutcome = 'on_time' | 'published' | 'quiet' | 'publish_failed';

/**
 * After a sweep: when its oldest due timer waited over the threshold, publish ONE `Sweeper Lagging` on the
 * bus (a rule there e-mails the alarm topic), unless one went out within the quiet period. The quiet period
 * is claimed in the table first (one winner among racing sweepers); a publish that fails gives the claim
 * back so the next sweep tries again, and never fails the sweep whose work is done.
 */
export async function alertIfLagging(
  sweep: SweepObservation,
  config: SweeperLagConfig,
  sweepStartedAt: EpochMs,
): Promise<LagAlertOutcome> {
  const detail = sweeperLagging(sweep, config, sweepStartedAt);
  if (!detail) return 'on_time';
  if (!(await claimAlert(ALERT, sweepStartedAt, quietPeriodMs(config)))) return 'quiet';
  try {
    await publish([
      { source: SWEEPER_EVENT_SOURCE, detailType: SWEEPER_LAGGING, detail, time: sweepStartedAt },
    ]);
    logger.warn('sweeper lagging: alert published', { ...detail });
    return 'published';
  } catch (error) {
    logger.error('sweeper lagging: alert not published; the next sweep retries', {
      lagSeconds: detail.lagSeconds,
      ...errorFields(error),
    });
    await releaseAlert(ALERT, sweepStartedAt);
    return 'publish_failed';
  }
}
