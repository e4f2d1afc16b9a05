import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { publish } from '#adapters/eventbridge';
import { errorFields, logger } from '#adapters/logger';
import { isOutboxKey } from '#store/outbox';

/**
 * Outbox → bus. New outbox items arrive from the table stream (filtered to outbox inserts in AWS; checked
 * again here so the local poller can hand over every record). On failure the batch is reported from the
 * first unpublished record, so nothing is lost and the retry starts where it stopped; targets de-duplicate
 * on `detail.eventId` for the rare event that was put twice.
 */
export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || !image || !isOutboxKey(image.sk?.S)) continue;
    const item = unmarshall(image as Record<string, AttributeValue>);
    try {
      await publish([
        {
          source: String(item.source),
          detailType: String(item.detailType),
          detail: item.detail,
          time: Number(item.time),
        },
      ]);
      logger.info('published', { detailType: item.detailType, eventId: item.detail?.eventId });
    } catch (error) {
      logger.error('publish failed; batch will be retried from this record', {
        eventId: item.detail?.eventId,
        ...errorFields(error),
      });
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
    }
  }
  return { batchItemFailures: [] };
};
