import { settings } from '#config/settings';
import { processDecayTimer } from './processors/decay.ts';
import { processSlaTimer } from './processors/sla.ts';
import { processStepTimer } from './processors/step.ts';
import { createSweeper } from './sweep.ts';

/**
 * EventBridge Scheduler runs this every minute in AWS; the local scheduler every few seconds. One processor
 * per timer kind on the due index: step emails (nurture), SLA deadlines (hand-off), temperature decay.
 */
export const handler = createSweeper(
  { step: processStepTimer, sla: processSlaTimer, decay: processDecayTimer },
  { sendRatePerSecond: settings.nurtureSettings.sendRatePerSecond },
);
