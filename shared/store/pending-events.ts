import { DeleteCommand, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EpochMs } from '#domain/lead/types';
import type { ScoredEvent } from '#domain/scoring/scoring';
import { dynamodb, isConditionalCheckFailure, queryPages, tableName } from '#store/dynamodb';
import { dueAtKey, dueShardFor, keys, PREFIX } from '#store/keys';
import type { TransactItem } from '#store/leads';
import { CONFLICT, retryOnConflict } from '#store/retry';
import { TTL_ATTRIBUTE } from '#store/table-design';
import type { ClaimedTimer } from '#store/timers';

/**
 * Tracking events parked when a lead is too contended to score them within the retry budget: the request is
 * answered 202 and the sweeper scores them later through the same exact path (`pending-events` timers).
 *
 * Layout: one item per parked event (`LEAD#id / PENDING#eventId`, idempotent on the event id, no size limit
 * per lead) and one timer per lead (`TIMER#pending-events`) on the due index. The timer carries `parked`, a
 * counter every parking adds to in the same transaction as its event items; the processor reads it when it
 * claims the timer and takes the timer away only if it is unchanged, so an event parked while the processor
 * ran is never stranded (its timer stays due).
 */

export const PENDING_EVENTS_TIMER = 'pending-events';

/** Kept this long at most (the sweeper normally takes them within minutes): then TTL removes them. */
const PENDING_RETENTION_S = 7 * 86_400;

/**
 * Park events for a lead and make sure its `pending-events` timer is due: one transaction (the event items,
 * idempotent on their ids, and the timer's `parked` counter), so a parked event always has a due timer.
 * Cost: 2(n + 1) WCU for n events. Up to 20 events per call (a tracking batch).
 */
export async function parkEvents(
  leadId: string,
  events: readonly ScoredEvent[],
  now: EpochMs,
): Promise<void> {
  if (events.length === 0) return;
  const key = keys.timer(leadId, PENDING_EVENTS_TIMER);
  const unique = [...new Map(events.map((e) => [e.eventId, e] as const)).values()];
  for (let i = 0; i < unique.length; i += 20) {
    // Requests that ran out of their live budget together park together, and their transactions all update
    // this lead's one timer item: a write that lost that race is made again (the puts are keyed by event id,
    // and `parked` only has to move), never answered as a 503.
    const write = new TransactWriteCommand({
      TransactItems: [
        ...unique.slice(i, i + 20).map((event) => ({
          Put: {
            TableName: tableName,
            Item: {
              ...keys.pendingEvent(leadId, event.eventId),
              event,
              parkedAt: now,
              [TTL_ATTRIBUTE]: Math.floor(now / 1000) + PENDING_RETENTION_S,
            },
          },
        })),
        {
          // dueAt is kept when set (due already, or claimed: the processor sees `parked` moved and re-arms).
          Update: {
            TableName: tableName,
            Key: key,
            UpdateExpression:
              'SET leadId = :lead, timerKind = :kind, dueShard = :shard, dueAt = if_not_exists(dueAt, :due) ADD parked :one',
            ExpressionAttributeValues: {
              ':lead': leadId,
              ':kind': PENDING_EVENTS_TIMER,
              ':shard': dueShardFor(key.pk, key.sk),
              ':due': dueAtKey(now),
              ':one': 1,
            },
          },
        },
      ],
    });
    await retryOnConflict(`parking events of ${leadId}`, async () => {
      try {
        await dynamodb.send(write);
        return undefined;
      } catch (error) {
        if (isConditionalCheckFailure(error)) return CONFLICT;
        throw error;
      }
    });
  }
}

/**
 * Whether the lead has parked events not yet decided: its `pending-events` timer is on the due index (due,
 * or claimed by a sweeper that is scoring them). One strongly consistent read.
 */
export async function hasParkedEvents(leadId: string): Promise<boolean> {
  const result = await dynamodb.send(
    new GetCommand({
      TableName: tableName,
      Key: keys.timer(leadId, PENDING_EVENTS_TIMER),
      ConsistentRead: true,
      ProjectionExpression: 'dueAt',
    }),
  );
  return result.Item?.dueAt !== undefined;
}

/**
 * A ConditionCheck that the lead has no parked events waiting (its `pending-events` timer is absent or off
 * the due index): in the retention erase's transaction, events parked after the timer decided fail it.
 */
export function noParkedEventsCheck(leadId: string): TransactItem {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: keys.timer(leadId, PENDING_EVENTS_TIMER),
      ConditionExpression: 'attribute_not_exists(dueAt)',
    },
  };
}

/** A lead's parked events, oldest first. */
export async function pendingEvents(leadId: string): Promise<ScoredEvent[]> {
  const events: ScoredEvent[] = [];
  for await (const items of queryPages({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.profile(leadId).pk, ':prefix': PREFIX.pending },
    ConsistentRead: true,
  }))
    for (const item of items) events.push(item.event as ScoredEvent);
  return events.sort((a, b) => a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : 1));
}

/** Remove parked events once they are decided (scored, replays or refused). */
export async function dropPendingEvents(leadId: string, eventIds: readonly string[]): Promise<void> {
  // One DeleteItem each (the sweeper is granted no BatchWriteItem); a handful per lead at most.
  for (let i = 0; i < eventIds.length; i += 10) {
    await Promise.all(
      eventIds
        .slice(i, i + 10)
        .map((id) =>
          dynamodb.send(new DeleteCommand({ TableName: tableName, Key: keys.pendingEvent(leadId, id) })),
        ),
    );
  }
}

/**
 * Finish a claimed `pending-events` timer: take it away when nothing was parked since the claim (`parked`
 * unchanged), else make it due again at once. Conditioned on our claim; 'lost' when another sweeper's claim
 * replaced ours (it does the rest).
 */
export async function finishPendingTimer(
  claimed: Pick<ClaimedTimer, 'pk' | 'sk' | 'claimId' | 'item'>,
  now: EpochMs,
): Promise<'done' | 'again' | 'lost'> {
  const seen = typeof claimed.item.parked === 'number' ? claimed.item.parked : 0;
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: claimed.pk, sk: claimed.sk },
        UpdateExpression: 'REMOVE dueShard, dueAt, claimId, claimedAt, parked',
        ConditionExpression: 'claimId = :claim AND parked = :seen',
        ExpressionAttributeValues: { ':claim': claimed.claimId, ':seen': seen },
      }),
    );
    return 'done';
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
  }
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: claimed.pk, sk: claimed.sk },
        UpdateExpression: 'SET dueShard = :shard, dueAt = :due REMOVE claimId, claimedAt',
        ConditionExpression: 'claimId = :claim',
        ExpressionAttributeValues: {
          ':claim': claimed.claimId,
          ':shard': dueShardFor(claimed.pk, claimed.sk),
          ':due': dueAtKey(now),
        },
      }),
    );
    return 'again';
  } catch (error) {
    if (isConditionalCheckFailure(error)) return 'lost';
    throw error;
  }
}
