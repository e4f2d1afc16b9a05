import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { EpochMs } from '#domain/lead/types';
import { dynamodb, tableName } from '#store/dynamodb';
import { PREFIX } from '#store/keys';
import { outboxEntriesOf } from '#store/outbox';

/** An outbox event read back from the table (as the publisher puts it on the bus). */
export interface StoredOutboxEvent {
  source: string;
  detailType: string;
  detail: { eventId: string } & Record<string, unknown>;
  time: EpochMs;
}

/**
 * One page of one scan segment: the outbox events (items `OUTBOX#…`, kept 7 days) whose time is in
 * [since, until]. A scan reads the whole table (billed by the size read, whatever the filter keeps): this
 * is for recovery (`leadloop outbox republish`), never for a request path.
 */
export async function outboxScanPage(options: {
  segment: number;
  totalSegments: number;
  since: EpochMs;
  until: EpochMs;
  limit?: number;
  startKey?: Record<string, unknown>;
}): Promise<{ events: StoredOutboxEvent[]; scanned: number; next?: Record<string, unknown> }> {
  const result = await dynamodb.send(
    new ScanCommand({
      TableName: tableName,
      Segment: options.segment,
      TotalSegments: options.totalSegments,
      Limit: options.limit ?? 500,
      FilterExpression: 'begins_with(sk, :outbox)',
      ExpressionAttributeValues: { ':outbox': PREFIX.outbox },
      ExclusiveStartKey: options.startKey,
    }),
  );
  const events = (result.Items ?? [])
    .flatMap((item) => outboxEntriesOf(item))
    .map((e) => ({
      source: String(e.source),
      detailType: String(e.detailType),
      detail: (e.detail ?? {}) as StoredOutboxEvent['detail'],
      time: Number(e.time),
    }))
    .filter((e) => e.time >= options.since && e.time <= options.until);
  return {
    events,
    scanned: result.ScannedCount ?? 0,
    ...(result.LastEvaluatedKey ? { next: result.LastEvaluatedKey } : {}),
  };
}
