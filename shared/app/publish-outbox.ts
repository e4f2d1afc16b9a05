import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { publish } from '#adapters/eventbridge';
import { errorFields, logger } from '#adapters/logger';
import { outboxEventsOf } from '#store/outbox-stream';

/**
 * Outbox → bus. New outbox items arrive from the table stream in order; one item's events (a write that
 * announced several) go in one PutEvents call. On failure the batch is reported from the first unpublished
 * record, so nothing is lost and the retry starts where it stopped; targets de-duplicate on `detail.eventId`
 * for the rare event that was put twice.
 */
export async function publishOutbox(records: readonly DynamoDBRecord[]): Promise<DynamoDBBatchResponse> {
  for (const record of records) {
    const events = outboxEventsOf(record);
    if (events.length === 0) continue;
    try {
      await publish(
        events.map((e) => ({ source: e.source, detailType: e.detailType, detail: e.detail, time: e.time })),
      );
      for (const e of events)
        logger.info('published', { detailType: e.detailType, eventId: e.detail.eventId });
    } catch (error) {
      logger.error('publish failed; batch will be retried from this record', {
        eventIds: events.map((e) => e.detail.eventId),
        ...errorFields(error),
      });
      return { batchItemFailures: [{ itemIdentifier: events[0]?.sequenceNumber ?? '' }] };
    }
  }
  return { batchItemFailures: [] };
}
