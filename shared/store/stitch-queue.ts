import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ScoredEvent } from '#domain/scoring/scoring';
import { dynamodb, tableName } from '#store/dynamodb';
import { dueAttributes, keys, PREFIX } from '#store/keys';
import type { TransactItem } from '#store/leads';

/**
 * Stitching after the response: a form post that identifies a visitor arms a `stitch` timer (one per lead
 * and anonymous id, on the due index) in the lead's own transaction; the sweeper then scores the anonymous
 * history page by page, keeping its place in the timer item (`cursor`), so one run is bounded.
 */
export const STITCH_TIMER_KIND = 'stitch';

export function stitchTimerPut(leadId: string, anonymousId: string, at: number): TransactItem {
  const key = keys.timer(leadId, `${STITCH_TIMER_KIND}:${anonymousId}`);
  return {
    Put: {
      TableName: tableName,
      Item: { ...key, leadId, anonymousId, ...dueAttributes(key.pk, key.sk, at, STITCH_TIMER_KIND) },
    },
  };
}

/** One page of an anonymous visitor's kept events, in key order, and where the next page starts. */
export async function anonymousEventPage(
  anonymousId: string,
  limit: number,
  cursor?: string,
): Promise<{ events: ScoredEvent[]; next?: string }> {
  const pk = keys.anonymousLink(anonymousId).pk;
  const result = await dynamodb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :evt)',
      ExpressionAttributeValues: { ':pk': pk, ':evt': PREFIX.timeline },
      Limit: limit,
      ...(cursor ? { ExclusiveStartKey: { pk, sk: cursor } } : {}),
    }),
  );
  const last = result.LastEvaluatedKey?.sk;
  return {
    events: (result.Items ?? []).map((i) => i.event as ScoredEvent),
    ...(typeof last === 'string' ? { next: last } : {}),
  };
}

/**
 * Link an anonymous id to the lead: the link item in the visitor's partition (from then on the visitor's new
 * events go to the lead, and the stitch timer only has to catch up on what came before) and, in the same
 * transaction, the lead's pointer to it (`REF#anon#<id>`), by which export and erase find every visitor ever
 * stitched to the lead (its profile remembers only the newest). In the capture transaction, and what
 * `linkAnonymous` writes.
 */
export function anonymousLinkPuts(anonymousId: string, leadId: string, at: number): TransactItem[] {
  return [
    { Put: { TableName: tableName, Item: { ...keys.anonymousLink(anonymousId), leadId, linkedAt: at } } },
    { Put: { TableName: tableName, Item: { ...keys.anonymousRef(leadId, anonymousId), anonymousId, at } } },
  ];
}
