import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { RoundRobinState } from '#domain/handoff/assignment';
import type { EpochMs } from '#domain/lead/types';
import { dynamodb, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';
import type { TransactItem } from '#store/leads';

/**
 * The one round-robin item (when each owner was last assigned). Many concurrent hand-offs contend for it,
 * so every change is conditioned on the version read: two hand-offs never pick from one stale state.
 */
export interface RoundRobinRecord {
  state: RoundRobinState;
  /** Undefined while the item does not exist yet. */
  version: number | undefined;
}

export async function readRoundRobin(): Promise<RoundRobinRecord> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.roundRobin(), ConsistentRead: true }),
  );
  const item = result.Item;
  if (!item) return { state: {}, version: undefined };
  return { state: (item.lastAssignedAt ?? {}) as RoundRobinState, version: Number(item.version) };
}

/** Put of the new round-robin state, conditioned on the version read (written in the lead's transaction). */
export function roundRobinPut(before: RoundRobinRecord, state: RoundRobinState, now: EpochMs): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.roundRobin(),
        lastAssignedAt: state,
        version: (before.version ?? 0) + 1,
        updatedAt: now,
      },
      ...(before.version === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } }),
    },
  };
}
