import { BatchGetCommand, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { EpochMs } from '#domain/lead/types';
import type { ScoredEvent } from '#domain/scoring/scoring';
import { readCancellation } from '#domain/tracking/activity';
import type { AnonymousQuota } from '#domain/tracking/anonymous';
import { dynamodb, isConditionalCheckFailure, queryPages, tableName } from '#store/dynamodb';
import { keys, PREFIX } from '#store/keys';
import { anonymousExpiry } from '#store/retention';
import { CONFLICT, retryOnConflict } from '#store/retry';
import { anonymousLinkPuts } from '#store/stitch-queue';
import { TTL_ATTRIBUTE } from '#store/table-design';

/**
 * Anonymous visitors: their events, kept until they identify themselves (then expired by TTL), and the link
 * item that names the lead an anonymous id was stitched to.
 */

/** A quota item outlives any window the config allows (at most 365 days); the rule resets ended windows. */
const QUOTA_RETENTION_S = 366 * 86_400;

/** The lead an anonymous id was stitched to, if any. */
export async function leadForAnonymous(anonymousId: string): Promise<string | undefined> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.anonymousLink(anonymousId) }),
  );
  return typeof result.Item?.leadId === 'string' ? result.Item.leadId : undefined;
}

export type AnonymousOutcome = 'kept' | 'duplicate' | 'rate_limited';

/**
 * Keep an anonymous visitor's events until they identify themselves, within the visitor's quota. `allow`
 * (the pure rule, `anonymousAllowance`) says how many of the new events may be kept given the stored quota.
 * The kept events and the new quota are written in one transaction: each event conditioned on not existing
 * yet (a replay is `duplicate`, exactly, and never counts against the quota), the quota on the value read
 * (a concurrent batch of the same visitor makes us read and decide again).
 *
 * Cost: 2(n + 1) WCU for n new events (a transaction bills twice; one plain put per event cost n before, but
 * could not bound the visitor). Replays and refusals write nothing.
 */
export async function keepAnonymousEvents(
  anonymousId: string,
  events: readonly ScoredEvent[],
  now: EpochMs,
  allow: (quota: AnonymousQuota | undefined, offered: number) => { keep: number; quota: AnonymousQuota },
): Promise<Map<string, AnonymousOutcome>> {
  const replays = new Set<string>();
  const quotaKey = keys.anonymousQuota(anonymousId);
  return retryOnConflict(`anonymous ${anonymousId}`, async () => {
    const read = await dynamodb.send(
      new GetCommand({ TableName: tableName, Key: quotaKey, ConsistentRead: true }),
    );
    const stored =
      typeof read.Item?.kept === 'number' && typeof read.Item.windowStart === 'number'
        ? { kept: read.Item.kept, windowStart: read.Item.windowStart }
        : undefined;
    let checked = false;
    for (;;) {
      const outcomes = new Map<string, AnonymousOutcome>();
      const fresh: ScoredEvent[] = [];
      for (const event of events) {
        if (outcomes.has(event.eventId)) continue;
        if (replays.has(event.eventId)) outcomes.set(event.eventId, 'duplicate');
        else {
          outcomes.set(event.eventId, 'rate_limited');
          fresh.push(event);
        }
      }
      const { keep, quota } = allow(stored, fresh.length);
      const kept = fresh.slice(0, keep);
      const refused = fresh.slice(keep);
      if (refused.length && !checked) {
        // Over the bound: an event kept before is a replay (accepted), not a refusal. Read only then.
        checked = true;
        const known = await existingAnonymousEvents(anonymousId, refused);
        for (const id of known) replays.add(id);
        if (known.length) continue;
      }
      if (kept.length === 0) return outcomes;
      const items = [
        {
          Put: {
            TableName: tableName,
            Item: {
              ...quotaKey,
              ...quota,
              [TTL_ATTRIBUTE]: Math.floor(quota.windowStart / 1000) + QUOTA_RETENTION_S,
            },
            ...(stored
              ? {
                  ConditionExpression: 'kept = :kept AND windowStart = :start',
                  ExpressionAttributeValues: { ':kept': stored.kept, ':start': stored.windowStart },
                }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          },
        },
        ...kept.map((event) => ({
          Put: {
            TableName: tableName,
            Item: { ...keys.anonymousEvent(anonymousId, event.eventId), event, ...anonymousExpiry(now) },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        })),
      ];
      try {
        await dynamodb.send(new TransactWriteCommand({ TransactItems: items }));
        for (const event of kept) outcomes.set(event.eventId, 'kept');
        return outcomes;
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
        const refusal = readCancellation(
          ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map(
            (r) => r.Code,
          ),
          kept.map((e) => e.eventId),
        );
        for (const id of refusal.replayed) replays.add(id);
        if (refusal.otherFailed || refusal.replayed.length === 0) return CONFLICT;
      }
    }
  });
}

/** Which of these events this visitor already keeps. */
async function existingAnonymousEvents(
  anonymousId: string,
  events: readonly ScoredEvent[],
): Promise<string[]> {
  const result = await dynamodb.send(
    new BatchGetCommand({
      RequestItems: {
        [tableName]: {
          Keys: events.slice(0, 100).map((e) => keys.anonymousEvent(anonymousId, e.eventId)),
          ProjectionExpression: 'sk',
          ConsistentRead: true,
        },
      },
    }),
  );
  return (result.Responses?.[tableName] ?? []).map((i) => String(i.sk).slice(PREFIX.timeline.length));
}

/**
 * Link an anonymous id to a lead (later events of that visitor go to the lead), with the lead's pointer to
 * it in the same transaction (`anonymousLinkPuts`). Rare: once per visitor that identifies itself.
 */
export async function linkAnonymous(anonymousId: string, leadId: string, now: EpochMs): Promise<void> {
  await dynamodb.send(
    new TransactWriteCommand({ TransactItems: anonymousLinkPuts(anonymousId, leadId, now) }),
  );
}

/** An anonymous visitor's kept events, one page at a time, oldest first within the page. */
export async function* anonymousEventPages(anonymousId: string): AsyncGenerator<ScoredEvent[]> {
  for await (const items of queryPages({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :evt)',
    ExpressionAttributeValues: { ':pk': keys.anonymousLink(anonymousId).pk, ':evt': PREFIX.timeline },
  }))
    yield items.map((i) => i.event as ScoredEvent).sort((a, b) => a.occurredAt - b.occurredAt);
}
