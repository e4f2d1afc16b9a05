import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { EpochMs } from '#domain/lead/types';
import { conditionalWrite, dynamodb, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';

/**
 * The quiet period of an operations alert: one item per alert name holding when it was last raised. A
 * conditional put claims the right to raise it, so of several sweepers that see the same lag at once exactly
 * one publishes, and none again until the quiet period has passed. Written only when something is already
 * late: an idle or on-time stack never touches it.
 */

/** True when this caller may raise `name` at `now` (it was not raised within the last `quietMs`). */
export function claimAlert(name: string, now: EpochMs, quietMs: number): Promise<boolean> {
  return conditionalWrite(() =>
    dynamodb.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.alert(name), raisedAt: now },
        ConditionExpression: 'attribute_not_exists(pk) OR raisedAt <= :quietSince',
        ExpressionAttributeValues: { ':quietSince': now - quietMs },
      }),
    ),
  );
}

/** Gives back a claim whose alert could not be published, so the next sweep tries again (only if still ours). */
export async function releaseAlert(name: string, raisedAt: EpochMs): Promise<void> {
  await conditionalWrite(() =>
    dynamodb.send(
      new DeleteCommand({
        TableName: tableName,
        Key: keys.alert(name),
        ConditionExpression: 'raisedAt = :raisedAt',
        ExpressionAttributeValues: { ':raisedAt': raisedAt },
      }),
    ),
  );
}
