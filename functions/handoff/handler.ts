import type { EventBridgeEvent } from 'aws-lambda';
import { openHandoff } from '#app/open-handoff';
import { eventHandler } from '#http/lambda';

/**
 * Rule target on the leads bus: the configured hand-off trigger (`Lead Temperature Changed` to hot, or
 * `Lead Stage Changed` to the configured stage) hands the lead to sales, and so does `Lead Captured` of an
 * inquiry form (`handoff: 'immediate'`, the fast lane). Redeliveries find the open
 * hand-off, or a closed one newer than the event, and change nothing; infrastructure errors are thrown so
 * EventBridge retries.
 */
export const handler = eventHandler(
  async (
    event: EventBridgeEvent<string, { leadId?: unknown; formId?: unknown; occurredAt?: unknown }>,
  ): Promise<void> => {
    await openHandoff({
      id: event.id,
      detailType: event['detail-type'],
      leadId: event.detail?.leadId,
      formId: event.detail?.formId,
      occurredAt: event.detail?.occurredAt,
    });
  },
);
