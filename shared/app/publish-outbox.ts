import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { publish } from '#adapters/eventbridge';
import { errorFields, logger } from '#adapters/logger';
import { outboxEventOf } from '#store/outbox-stream';

/**
 * Outbox → bus. New outbox items arrive from the table stream in order. On failure the batch is reported
 * from the first unpublished record, so nothing is lost and the retry starts where it stopped; targets
 * de-duplicate on `detail.eventId` for the rare event that was put twice.
 */
export async function publishOutbox(records: readonly DynamoDBRecord[]): Promise<DynamoDBBatchResponse> {
  for (const record of records) {
    const event = outboxEventOf(record);
    if (!event) continue;
    try {
      await publish([
        { source: event.source, detailType: event.detailType, detail: event.detail, time: event.time },
      ]);
      logger.info('published', { detailType: event.detailType, eventId: event.detail.eventId });
    } catch (error) {
      logger.error('publish failed; batch will be retried from this record', {
        eventId: event.detail.eventId,
        ...errorFields(error),
      });
      return { batchItemFailures: [{ itemIdentifier: event.sequenceNumber }] };
    }
  }
  return { batchItemFailures: [] };
}
