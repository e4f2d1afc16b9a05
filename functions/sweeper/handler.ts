import { sweepDueTimers } from '#app/sweep-due-timers';
import { eventHandler } from '#http/lambda';

/**
 * EventBridge Scheduler runs this every minute in AWS; the local scheduler every few seconds. One use case
 * sweeps the due index and dispatches by timer kind: step emails (nurture), SLA deadlines (hand-off),
 * temperature decay.
 */
export const handler = eventHandler(sweepDueTimers());
