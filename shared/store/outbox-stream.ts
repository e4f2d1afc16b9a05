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
 * The outbox events a stream record carries (one item holds one event, or several as `events`), or none for
 * anything else (other items, updates, removes). The stream is filtered to outbox inserts in AWS; this
 * checks again so the local poller can hand over every record.
 */
export function outboxEventsOf(record: DynamoDBRecord): StreamedOutboxEvent[] {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !image || !isOutboxKey(image.sk?.S)) return [];
  const item = unmarshall(image as Record<string, AttributeValue>);
  const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
  const bodies = Array.isArray(item.events) ? (item.events as Record<string, unknown>[]) : [item];
  return bodies.map((body) => ({
    source: String(body.source),
    detailType: String(body.detailType),
    detail: (body.detail ?? {}) as StreamedOutboxEvent['detail'],
    time: Number(body.time),
    sequenceNumber,
  }));
}
