import { logger } from '#adapters/logger';
import { runDueStep } from '#app/step-emails';
import type { TimerProcessor } from '../sweep.ts';

/**
 * Timer kind `step`: a due enrollment of a step-email sequence. The service plans the step and acts:
 * wait (re-arm), skip / exit / complete (record), or send at most once (see `runDueStep`).
 */
export const processStepTimer: TimerProcessor = async (timer, work) => {
  const result = await runDueStep(timer, work);
  if (result === 'claim_lost') logger.info('step timer moved on meanwhile', { pk: timer.pk, sk: timer.sk });
};
