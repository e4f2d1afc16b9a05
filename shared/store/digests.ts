import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { EpochMs } from '#domain/lead/types';
import { conditionalWrite, dynamodb, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';
import { TTL_ATTRIBUTE } from '#store/table-design';

/**
 * The weekly digest's claims: one item per digest week (keyed by its Monday). A conditional put claims the
 * week, so of a repeated, retried or concurrent invocation exactly one sends; the send then records its
 * message id on the item. A failed send gives the claim back (only if still this caller's), so the retry
 * can send. Kept for a year (`expiresAt`, the table's TTL attribute): a claim is a few bytes a week.
 */

const YEAR_SECONDS = 366 * 86_400;

const claimItem = (week: string, claimedAt: EpochMs, messageId?: string) => ({
  ...keys.digest(week),
  claimedAt,
  ...(messageId ? { messageId } : {}),
  [TTL_ATTRIBUTE]: Math.floor(claimedAt / 1000) + YEAR_SECONDS,
});

/** Whether `week` is claimed (read strongly): a repeated invocation stops here, before reading any report. */
export async function isDigestWeekClaimed(week: string): Promise<boolean> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.digest(week), ConsistentRead: true }),
  );
  return result.Item !== undefined;
}

/** Claims `week` for this caller (`claimedAt` identifies the claim); false when it is already claimed. */
export function claimDigestWeek(week: string, claimedAt: EpochMs): Promise<boolean> {
  return conditionalWrite(() =>
    dynamodb.send(
      new PutCommand({
        TableName: tableName,
        Item: claimItem(week, claimedAt),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/** Records the sent mail's id on this caller's claim (for whoever looks at the table). */
export async function markDigestSent(week: string, claimedAt: EpochMs, messageId: string): Promise<void> {
  await dynamodb.send(
    new PutCommand({
      TableName: tableName,
      Item: claimItem(week, claimedAt, messageId),
      ConditionExpression: 'claimedAt = :claimedAt',
      ExpressionAttributeValues: { ':claimedAt': claimedAt },
    }),
  );
}

/** Gives back a claim whose mail was not sent, so a retry sends it (only if the claim is still ours). */
export async function releaseDigestWeek(week: string, claimedAt: EpochMs): Promise<void> {
  await conditionalWrite(() =>
    dynamodb.send(
      new DeleteCommand({
        TableName: tableName,
        Key: keys.digest(week),
        ConditionExpression: 'claimedAt = :claimedAt',
        ExpressionAttributeValues: { ':claimedAt': claimedAt },
      }),
    ),
  );
}
