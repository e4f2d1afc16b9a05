import { runStepTimer } from '#app/run-step';
import type { TimerProcessor } from '../sweep.ts';

/**
 * Timer kind `step`: a due enrollment of a step-email sequence. The use case plans the step and acts:
 * wait (re-arm), skip / exit / complete (record), or send at most once (see `runStepTimer` in #app/run-step).
 */
export const processStepTimer: TimerProcessor = async (timer, work) => {
  await runStepTimer(timer, work);
};
