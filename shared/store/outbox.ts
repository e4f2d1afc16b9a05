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

/** Kept a week after publishing: long enough to debug or republish, short enough not to grow the table. */
export const OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * The outbox item of one write: a single event flat (`source`, `detailType`, `detail`, `time`), several as
 * an `events` list in ONE item keyed by the first event's id. A transaction bills every item twice and
 * a write that announces a new lead carries three events (captured, stage, temperature): one item of
 * about 1 KB instead of three.
 */
export const outboxItem = (events: OutboxEvent | readonly OutboxEvent[]) => {
  const list = Array.isArray(events) ? events : [events as OutboxEvent];
  const first = list[0];
  if (!first) throw new Error('an outbox item needs at least one event');
  const body = (e: OutboxEvent) => ({
    source: e.source,
    detailType: e.detailType,
    detail: e.detail,
    time: e.time,
  });
  return {
    ...keys.outbox(first.leadId, first.detail.eventId),
    ...(list.length === 1 ? body(first) : { events: list.map(body) }),
    [TTL_ATTRIBUTE]: Math.floor(first.time / 1000) + OUTBOX_RETENTION_SECONDS,
  };
};

/** A transaction entry that adds the outbox item once (a replayed write changes nothing). */
export const outboxPut = (tableName: string, events: OutboxEvent | readonly OutboxEvent[]) => ({
  Put: {
    TableName: tableName,
    Item: outboxItem(events),
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

export const isOutboxKey = (sk: unknown): boolean => typeof sk === 'string' && sk.startsWith(PREFIX.outbox);

/** The events an outbox item holds, each as a flat item (an item holding several lists them in `events`). */
export function outboxEntriesOf(item: Record<string, unknown>): Record<string, unknown>[] {
  if (!Array.isArray(item.events)) return [item];
  const { events, ...keysAndTtl } = item;
  return (events as Record<string, unknown>[]).map((event) => ({ ...keysAndTtl, ...event }));
}
