import { keys, PREFIX } from '#store/keys';
import { TTL_ATTRIBUTE } from '#store/table-design';

/**
 * The transactional outbox: a domain event is written as an item in the same DynamoDB transaction as the
 * state change it announces, so a crash can never keep one without the other. The table stream delivers
 * new outbox items to the publisher, which puts them on the bus; the item then expires by TTL.
 */
export interface OutboxEvent {
  leadId: string;
  source: string;
  detailType: string;
  /** Must contain a deterministic `eventId`: it keys the outbox item and lets targets de-duplicate. */
  detail: { eventId: string } & Record<string, unknown>;
  time: number;
}

/** Kept a week after publishing: long enough to debug, short enough not to grow the table. */
const OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600;

export const outboxItem = (event: OutboxEvent) => ({
  ...keys.outbox(event.leadId, event.detail.eventId),
  source: event.source,
  detailType: event.detailType,
  detail: event.detail,
  time: event.time,
  [TTL_ATTRIBUTE]: Math.floor(event.time / 1000) + OUTBOX_RETENTION_SECONDS,
});

/** A transaction entry that adds the outbox item once (a replayed write changes nothing). */
export const outboxPut = (tableName: string, event: OutboxEvent) => ({
  Put: {
    TableName: tableName,
    Item: outboxItem(event),
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

export const isOutboxKey = (sk: unknown): boolean => typeof sk === 'string' && sk.startsWith(PREFIX.outbox);
