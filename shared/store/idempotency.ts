import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { EpochMs } from '#domain/lead/types';
import { dynamodb, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';
import type { TransactItem } from '#store/leads';
import { TTL_ATTRIBUTE } from '#store/table-design';

/**
 * "Already processed" markers for events delivered at least once (SES engagement): written in the
 * transaction of the change the event made, and checked before deciding again, so a replay changes nothing.
 */

const RETENTION_S = 30 * 86_400;

export function idempotencyPut(scope: string, id: string, now: EpochMs): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.idempotency(scope, id),
        at: now,
        [TTL_ATTRIBUTE]: Math.floor(now / 1000) + RETENTION_S,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export async function idempotencySeen(scope: string, id: string): Promise<boolean> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.idempotency(scope, id), ConsistentRead: true }),
  );
  return result.Item !== undefined;
}
