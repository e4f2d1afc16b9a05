import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { EpochMs } from '#domain/lead/types';
import { conditionalWrite, dynamodb, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';
import type { TransactItem } from '#store/leads';
import { TTL_ATTRIBUTE } from '#store/table-design';

/**
 * Idempotency records, one item per (scope, id): written in the SAME transaction as the change they record
 * and conditioned on not existing yet, so a replay finds the record (or loses the race) and changes nothing.
 * Two uses: "already processed" markers for events delivered at least once (SES engagement), and sales
 * actions, whose record also keeps the first result so a replay answers it unchanged.
 */
const MARKER_RETENTION_S = 30 * 86_400;
const SALES_ACTION_RETENTION_S = 90 * 86_400;

function recordPut(
  scope: string,
  id: string,
  now: EpochMs,
  retentionS: number,
  fields: Record<string, unknown> = {},
): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.idempotency(scope, id),
        ...fields,
        at: now,
        [TTL_ATTRIBUTE]: Math.floor(now / 1000) + retentionS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

async function readRecord(scope: string, id: string): Promise<Record<string, unknown> | undefined> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.idempotency(scope, id), ConsistentRead: true }),
  );
  return result.Item;
}

/** Marks an event processed; fails the transaction when it already was. */
export function idempotencyPut(scope: string, id: string, now: EpochMs): TransactItem {
  return recordPut(scope, id, now, MARKER_RETENTION_S);
}

/**
 * Mark an id processed on its own (no change to commit with it): true the first time, false for a replay.
 * For work whose effect is already idempotent and only needs a "done" marker, e.g. an imported row.
 */
export async function markFirstTime(scope: string, id: string, now: EpochMs): Promise<boolean> {
  const put = idempotencyPut(scope, id, now).Put;
  if (!put) return true;
  return conditionalWrite(() => dynamodb.send(new PutCommand(put)));
}

export async function idempotencySeen(scope: string, id: string): Promise<boolean> {
  return (await readRecord(scope, id)) !== undefined;
}

export interface SalesActionRecord<R> {
  leadId: string;
  action: string;
  result: R;
}

export async function readSalesActionRecord<R>(actionId: string): Promise<SalesActionRecord<R> | undefined> {
  const item = await readRecord('sales-action', actionId);
  if (!item) return undefined;
  return { leadId: String(item.leadId), action: String(item.action), result: item.result as R };
}

/**
 * A pointer from the lead's partition to its sales-action record (which names the lead but is keyed by
 * `actionId`), so export and erase find the record by key, never by a scan. Expires with the record.
 */
export function salesActionRefPut(leadId: string, actionId: string, now: EpochMs): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.leadRef(leadId, 'sales-action', actionId),
        at: now,
        [TTL_ATTRIBUTE]: Math.floor(now / 1000) + SALES_ACTION_RETENTION_S,
      },
    },
  };
}

/** The record's put; fails the transaction when the `actionId` was recorded meanwhile. */
export function salesActionRecordPut<R>(
  actionId: string,
  record: SalesActionRecord<R>,
  now: EpochMs,
): TransactItem {
  return recordPut('sales-action', actionId, now, SALES_ACTION_RETENTION_S, {
    leadId: record.leadId,
    action: record.action,
    result: record.result,
  });
}

// ---------------------------------------------------------------------------------------------
// Logged sales activities (`POST …/activities`): the record keeps the lead and the first answer, so a replay
// answers it unchanged; a pointer under the lead lets export and erase find it.
// ---------------------------------------------------------------------------------------------

const ACTIVITY_SCOPE = 'sales-activity';

export interface ActivityRecord<R> {
  leadId: string;
  result: R;
}

export async function readActivityRecord<R>(activityId: string): Promise<ActivityRecord<R> | undefined> {
  const item = await readRecord(ACTIVITY_SCOPE, activityId);
  if (!item) return undefined;
  return { leadId: String(item.leadId), result: item.result as R };
}

/** The record's put and the lead's pointer to it; the put fails the transaction when the id was recorded meanwhile. */
export function activityRecordPuts<R>(
  activityId: string,
  record: ActivityRecord<R>,
  now: EpochMs,
): TransactItem[] {
  return [
    recordPut(ACTIVITY_SCOPE, activityId, now, SALES_ACTION_RETENTION_S, {
      leadId: record.leadId,
      result: record.result,
    }),
    {
      Put: {
        TableName: tableName,
        Item: {
          ...keys.leadRef(record.leadId, ACTIVITY_SCOPE, activityId),
          at: now,
          [TTL_ATTRIBUTE]: Math.floor(now / 1000) + SALES_ACTION_RETENTION_S,
        },
      },
    },
  ];
}
