import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EpochMs } from '#domain/lead/types';
import type { ScoredEvent } from '#domain/scoring/scoring';
import { dynamodb, tableName } from '#store/dynamodb';
import { keys, PREFIX } from '#store/keys';
import { anonymousExpiry } from '#store/retention';

/**
 * Anonymous visitors: their events, kept until they identify themselves (then expired by TTL), and the link
 * item that names the lead an anonymous id was stitched to.
 */

/** The lead an anonymous id was stitched to, if any. */
export async function leadForAnonymous(anonymousId: string): Promise<string | undefined> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.anonymousLink(anonymousId) }),
  );
  return typeof result.Item?.leadId === 'string' ? result.Item.leadId : undefined;
}

/** Keep an anonymous visitor's event until they identify themselves (idempotent on eventId). */
export async function putAnonymousEvent(
  anonymousId: string,
  event: ScoredEvent,
  now: EpochMs,
): Promise<void> {
  await dynamodb.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...keys.anonymousEvent(anonymousId, event.eventId),
        event,
        // config/app.ts retention.anonymousDays (13 months by default).
        ...anonymousExpiry(now),
      },
    }),
  );
}

/** Link an anonymous id to a lead (later events of that visitor go to the lead). */
export async function linkAnonymous(anonymousId: string, leadId: string, now: EpochMs): Promise<void> {
  await dynamodb.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.anonymousLink(anonymousId), leadId, linkedAt: now },
    }),
  );
}

/** An anonymous visitor's kept events, one page at a time, oldest first within the page. */
export async function* anonymousEventPages(anonymousId: string): AsyncGenerator<ScoredEvent[]> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :evt)',
        ExpressionAttributeValues: { ':pk': keys.anonymousLink(anonymousId).pk, ':evt': PREFIX.timeline },
        ExclusiveStartKey: startKey,
      }),
    );
    yield (page.Items ?? []).map((i) => i.event as ScoredEvent).sort((a, b) => a.occurredAt - b.occurredAt);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}
