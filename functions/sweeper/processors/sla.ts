import { logger } from '#adapters/logger';
import { runSlaTimer } from '#app/handoff';
import type { TimerProcessor } from '../sweep.ts';

/**
 * `sla` timers: a hand-off's first-contact deadline. On breach `Lead SLA Breached` is published and, if
 * configured, the lead is reassigned with a new deadline; an accepted or closed hand-off just clears the
 * timer. Everything is decided in `#services/handoff`; a re-fired timer changes nothing.
 */
export const processSlaTimer: TimerProcessor = async (timer, work) => {
  const outcome = await runSlaTimer(timer, work.now);
  logger.info('sla timer', { pk: timer.pk, outcome, interrupted: timer.interrupted });
};
