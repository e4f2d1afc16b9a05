import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EVENTBRIDGE_MAX_ATTEMPTS, EVENTBRIDGE_TIMEOUTS } from '#adapters/sdk-timeouts';
import { traced } from '#adapters/tracer';
import { env } from '#config/env';

/**
 * The EventBridge client (exported so tests can add SDK middleware, e.g. to inject faults). A bus that stops
 * answering fails a put within seconds (`EVENTBRIDGE_TIMEOUTS`, `#adapters/sdk-timeouts`), so the publisher
 * reports the record as a batch item failure instead of hanging until its own timeout.
 */
export const eventBridgeClient = traced(
  new EventBridgeClient({ maxAttempts: EVENTBRIDGE_MAX_ATTEMPTS, requestHandler: EVENTBRIDGE_TIMEOUTS }),
);
const busName = env().EVENT_BUS_NAME;

export interface BusEvent {
  source: string;
  detailType: string;
  detail: object;
  /** Epoch ms the event happened (the bus `time`). */
  time?: number;
}

/** PutEvents accepts at most 10 entries per call. */
const MAX_ENTRIES = 10;

export class PublishError extends Error {
  override name = 'PublishError';
}

/**
 * Publish to the custom bus. Partial failures throw (so the caller's Lambda retries the batch): targets
 * are idempotent on `detail.eventId`, so a retry that re-sends an already published entry is harmless.
 */
export const publish = async (events: readonly BusEvent[]): Promise<void> => {
  for (let i = 0; i < events.length; i += MAX_ENTRIES) {
    const entries: PutEventsRequestEntry[] = events.slice(i, i + MAX_ENTRIES).map((e) => ({
      EventBusName: busName,
      Source: e.source,
      DetailType: e.detailType,
      Detail: JSON.stringify(e.detail),
      ...(e.time === undefined ? {} : { Time: new Date(e.time) }),
    }));
    const result = await eventBridgeClient.send(new PutEventsCommand({ Entries: entries }));
    if ((result.FailedEntryCount ?? 0) > 0) {
      const codes = (result.Entries ?? []).map((e) => e.ErrorCode).filter(Boolean);
      throw new PublishError(
        `${result.FailedEntryCount} of ${entries.length} events not published: ${codes.join(', ')}`,
      );
    }
  }
};
