import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite, dynamodb, partitionPages, tableName } from '#store/dynamodb';
import { keys } from '#store/keys';
import { deleteItems } from '#store/lead-items-all';
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
  /** Units this window used before its item existed (taken without a write): where the count starts. */
  takenBefore = 0,
): Promise<boolean> {
  return conditionalWrite(() =>
    dynamodb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.quota(scope, hashed, window.key),
        UpdateExpression: 'SET #count = if_not_exists(#count, :before) + :one, #ttl = :ttl',
        // A window whose units went before its item existed has no room left when they reach the limit.
        ConditionExpression:
          takenBefore < limit ? 'attribute_not_exists(#count) OR #count < :limit' : '#count < :limit',
        ExpressionAttributeNames: { '#count': 'count', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':one': 1,
          ':limit': limit,
          ':ttl': Math.floor(window.endsAt / 1000) + 86_400,
          ':before': takenBefore,
        },
      }),
    ),
  );
}

/**
 * Removes every window of one subject's quota (`QUOTA#<scope>#<hashed>`: one Query of that partition, then a
 * DeleteItem per window; a handful at most, each expiring a day after its window). For the erase: a count
 * keyed by the erased address is data about it. Returns how many items it removed.
 */
export async function deleteQuota(scope: string, hashed: string): Promise<number> {
  const found: { pk: string; sk: string }[] = [];
  for await (const page of partitionPages(keys.quota(scope, hashed, '').pk, 'pk, sk'))
    for (const item of page) found.push({ pk: String(item.pk), sk: String(item.sk) });
  return deleteItems(found);
}
