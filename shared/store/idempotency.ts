import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { EpochMs } from '#domain/lead/types';
import { dynamodb, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';
import type { TransactItem } from '#store/leads';
import { TTL_ATTRIBUTE } from '#store/table-design';

/**
 * Idempotency records of sales actions: the first result of an `actionId`, written in the same transaction
 * as the change it records (conditioned on not existing yet), so a replay finds it and changes nothing.
 */
const SALES_ACTION_RETENTION_S = 90 * 86_400;

export interface SalesActionRecord<R> {
  leadId: string;
  action: string;
  result: R;
}

export async function readSalesActionRecord<R>(actionId: string): Promise<SalesActionRecord<R> | undefined> {
  const result = await dynamodb.send(
    new GetCommand({
      TableName: tableName,
      Key: keys.idempotency('sales-action', actionId),
      ConsistentRead: true,
    }),
  );
  const item = result.Item;
  if (!item) return undefined;
  return { leadId: String(item.leadId), action: String(item.action), result: item.result as R };
}

/** The record's put; fails the transaction when the `actionId` was recorded meanwhile. */
export function salesActionRecordPut<R>(
  actionId: string,
  record: SalesActionRecord<R>,
  now: EpochMs,
): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.idempotency('sales-action', actionId),
        leadId: record.leadId,
        action: record.action,
        result: record.result,
        at: now,
        [TTL_ATTRIBUTE]: Math.floor(now / 1000) + SALES_ACTION_RETENTION_S,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
