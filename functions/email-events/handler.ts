import type { EventBridgeEvent } from 'aws-lambda';
import { recordSesEvent } from '#app/record-engagement';
import { eventHandler } from '#http/lambda';

/**
 * SES engagement from the default bus (SES publishes only there): the rule matches `source: aws.ses` and the
 * SES detail-types; the use case reads the event, drops foreign or unparseable ones and applies the rest
 * to the lead. Failures writing our own state throw, so EventBridge retries.
 */
export const handler = eventHandler(async (event: EventBridgeEvent<string, unknown>) => ({
  result: await recordSesEvent(event),
}));
