import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb, isConditionalCheckFailure, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';
import { TTL_ATTRIBUTE } from '#store/table-design';

/**
 * Rate limits as atomic counter items (`QUOTA#<scope>#<hashed subject>`, one item per window): one
 * conditional `ADD` takes a unit only while the count is under the limit, so concurrent callers can never
 * take more than `limit` between them. The subject (an e-mail key, an IP) arrives already keyed one way by
 * the caller (`quotaSubjectKey`, an HMAC under the signing secret), and the item expires (TTL) a day after
 * its window.
 */
export async function takeQuota(
  scope: string,
  hashed: string,
  window: { key: string; endsAt: number },
  limit: number,
): Promise<boolean> {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.quota(scope, hashed, window.key),
        UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
        ExpressionAttributeNames: { '#count': 'count', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':one': 1,
          ':limit': limit,
          ':ttl': Math.floor(window.endsAt / 1000) + 86_400,
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailure(error)) return false;
    throw error;
  }
}
