import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DealRecord } from '#domain/deals/opportunity';
import { conditionalWrite, dynamodb, tableName } from '#store/dynamodb';
import { dueAtKey, dueAttributes, dueShardFor, keys } from '#store/keys';
import { stripKeys } from '#store/lead-items';
import type { TransactItem } from '#store/leads';

/**
 * The deal item of a lead (`LEAD#<id>` / `DEAL`: BANTCH and opportunities) and the lead's CRM-sync timer
 * (`TIMER#crm-sync`). The deal lives beside the state item, not in it, so the state stays small for the
 * tracking fast path; it is written in the same transaction as the state change it goes with.
 */

export async function getDeal(leadId: string): Promise<DealRecord | undefined> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.deal(leadId), ConsistentRead: true }),
  );
  return stripKeys<DealRecord>(result.Item, []);
}

/** The deal's put, conditioned on the version read (0 = the item did not exist). */
export function dealPut(deal: DealRecord, beforeVersion: number): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: { ...keys.deal(deal.leadId), ...deal },
      ...(beforeVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': beforeVersion } }),
    },
  };
}

export const CRM_SYNC_TIMER = 'crm-sync';

/**
 * Note a change for the CRM sync: the first change since the last sync arms the timer at `dueAt`; later
 * ones only count (`changes`), so a burst of any size makes one timer and, when it runs, one update.
 * Idempotent enough for redelivery: a repeated note only bumps the count.
 */
export async function noteCrmChange(leadId: string, changedAt: number, dueAt: number): Promise<void> {
  const { Update } = crmChangeUpdate(leadId, changedAt, dueAt);
  if (Update) await dynamodb.send(new UpdateCommand(Update));
}

/** `noteCrmChange` as an item of a writer's transaction (a change no event announces, e.g. BANTCH saved). */
export function crmChangeUpdate(leadId: string, changedAt: number, dueAt: number): TransactItem {
  const key = keys.timer(leadId, CRM_SYNC_TIMER);
  const due = dueAttributes(key.pk, key.sk, dueAt, CRM_SYNC_TIMER);
  return {
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression:
        'SET leadId = :lead, timerKind = :kind, dueShard = if_not_exists(dueShard, :shard), ' +
        'dueAt = if_not_exists(dueAt, :due), changedSince = if_not_exists(changedSince, :changed) ADD changes :one',
      ExpressionAttributeValues: {
        ':lead': leadId,
        ':kind': CRM_SYNC_TIMER,
        ':shard': due.dueShard,
        ':due': due.dueAt,
        ':changed': changedAt,
        ':one': 1,
      },
    },
  };
}

/**
 * Completes a claimed CRM-sync timer after the update it carries: taken off the due index only if no change
 * was noted since the run read the lead (`changes` still as claimed) and the claim is still ours. Fails the
 * transaction otherwise, and the run reads again.
 */
export function crmSyncDoneUpdate(leadId: string, claim: { claimId: string; changes: number }): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: keys.timer(leadId, CRM_SYNC_TIMER),
      UpdateExpression: 'REMOVE dueShard, dueAt, changedSince, claimId, claimedAt SET changes = :zero',
      ConditionExpression: 'claimId = :claim AND changes = :n',
      ExpressionAttributeValues: { ':claim': claim.claimId, ':n': claim.changes, ':zero': 0 },
    },
  };
}

/**
 * A ConditionCheck that the lead still exists (its profile): the CRM update's transaction carries it, so an
 * erase that commits after the run read the lead fails it instead of letting the record (name, company, …)
 * reach the CRM after `Lead Erased` had it deleted there.
 */
export function leadStillThere(leadId: string): TransactItem {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: keys.profile(leadId),
      ConditionExpression: 'attribute_exists(pk)',
    },
  };
}

/** The timer's `changes` count and first-change time as they are now (read before deciding). */
export async function readCrmSync(
  leadId: string,
): Promise<{ changes: number; changedSince?: number; claimId?: string } | undefined> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.timer(leadId, CRM_SYNC_TIMER), ConsistentRead: true }),
  );
  const item = result.Item;
  if (!item) return undefined;
  return {
    changes: typeof item.changes === 'number' ? item.changes : 0,
    ...(typeof item.changedSince === 'number' ? { changedSince: item.changedSince } : {}),
    ...(typeof item.claimId === 'string' ? { claimId: item.claimId } : {}),
  };
}

/** Give the timer back for later (still claimed by us): due again at `at`, changes kept. */
export async function rearmCrmSync(leadId: string, claimId: string, at: number): Promise<boolean> {
  const key = keys.timer(leadId, CRM_SYNC_TIMER);
  return conditionalWrite(() =>
    dynamodb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: 'SET dueShard = :shard, dueAt = :due REMOVE claimId, claimedAt',
        ConditionExpression: 'claimId = :claim',
        ExpressionAttributeValues: {
          ':shard': dueShardFor(key.pk, key.sk),
          ':due': dueAtKey(at),
          ':claim': claimId,
        },
      }),
    ),
  );
}
