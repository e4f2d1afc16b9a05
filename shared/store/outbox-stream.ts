import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { isOutboxKey } from '#store/outbox';

/** An outbox item as it arrives on the table stream, ready for the bus. */
export interface StreamedOutboxEvent {
  source: string;
  detailType: string;
  detail: Record<string, unknown> & { eventId?: string };
  time: number;
  /** The stream sequence number: the batch item to report when publishing fails. */
  sequenceNumber: string;
}

/**
 * The outbox event a stream record carries, or undefined for anything else (other items, updates, removes).
 * The stream is filtered to outbox inserts in AWS; this checks again so the local poller can hand over
 * every record.
 */
export function outboxEventOf(record: DynamoDBRecord): StreamedOutboxEvent | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !image || !isOutboxKey(image.sk?.S)) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>);
  return {
    source: String(item.source),
    detailType: String(item.detailType),
    detail: (item.detail ?? {}) as StreamedOutboxEvent['detail'],
    time: Number(item.time),
    sequenceNumber: record.dynamodb?.SequenceNumber ?? '',
  };
}
