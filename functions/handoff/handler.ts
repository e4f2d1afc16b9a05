import type { EventBridgeEvent } from 'aws-lambda';
import { now } from '#adapters/clock';
import { logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { handOffLead } from '#app/handoff';

/**
 * Rule target on the leads bus: the configured hand-off trigger (`Lead Temperature Changed` to hot, or
 * `Lead Stage Changed` to the configured stage) hands the lead to sales. Redeliveries find the open
 * hand-off and change nothing; infrastructure errors are thrown so EventBridge retries.
 */
export const handler = async (event: EventBridgeEvent<string, { leadId?: unknown }>): Promise<void> => {
  const leadId = event.detail?.leadId;
  if (typeof leadId !== 'string' || leadId === '' || leadId.length > 128) {
    logger.warn('hand-off trigger without a lead id', { id: event.id, detailType: event['detail-type'] });
    countMetric('HandoffRejected', { reason: 'no_lead_id' });
    return;
  }
  const outcome = await handOffLead(leadId, now());
  logger.info('hand-off', { leadId, trigger: event['detail-type'], ...outcome });
};
