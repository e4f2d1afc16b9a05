import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { EpochMs } from '#domain/lead/types';
import { ERASE_SWEEP_TIMER_KIND } from '#domain/privacy/erasure';
import type { GaugeState } from '#domain/reports/counting';
import type { ErasedRemains } from '#domain/reports/erased-remains';
import { dynamodb, isConditionalCheckFailure, partitionPages, tableName } from '#store/dynamodb';
import { anonymousIdOfRef, dueAttributes, keys, PREFIX, REPORT_REMAINS, refTarget } from '#store/keys';
import type { TransactItem } from '#store/leads';
import { type OutboxEvent, outboxPut } from '#store/outbox';
import { noParkedEventsCheck } from '#store/pending-events';
import { gaugeItems } from '#store/report-counters';

/**
 * Every item the table holds about one lead, for export and erase: the lead's own partition (`LEAD#<id>`,
 * read with a paged Query, whatever kinds it holds), and the items elsewhere that name the lead, fetched
 * by key: its e-mail claim, the link and kept events of each anonymous visitor its `REF#anon#<id>` pointers
 * (and its profile) name, and the idempotency records its other `REF#` pointers name. No scan anywhere; no
 * business rule here beyond whose items are whose (a visitor whose link names another lead is not this
 * lead's).
 */

export type Item = Record<string, unknown>;
export interface ItemKey {
  pk: string;
  sk: string;
}

const keyOf = (item: Item): ItemKey => ({ pk: String(item.pk), sk: String(item.sk) });

/** The lead's partition, one page at a time (consistent reads: an erase must see its own deletes). */
export const leadPartitionPages = (leadId: string): AsyncGenerator<Item[]> =>
  partitionPages(keys.profile(leadId).pk);

/** Every item of an anonymous visitor's partition (`ANON#<id>`: its link and its kept events). */
export async function anonymousItems(anonymousId: string): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of partitionPages(keys.anonymousLink(anonymousId).pk)) items.push(...page);
  return items;
}

/**
 * The anonymous visitors stitched to a lead: one per `REF#anon#<id>` pointer (written with each link,
 * however many) and the ids its profile remembers (the newest ten; the only record of links made before the
 * pointers existed), each once.
 */
export function stitchedAnonymousIds(profile: Item, refSortKeys: readonly string[]): string[] {
  const remembered = Array.isArray(profile.anonymousIds) ? profile.anonymousIds.map(String) : [];
  return [...new Set([...remembered, ...refSortKeys.flatMap((sk) => anonymousIdOfRef(sk) ?? [])])];
}

/**
 * The items (`ANON#<id>`: link and kept events) of each of these visitors that still names the lead: a
 * visitor whose link names another lead now (stitched to someone else later) is theirs and left out.
 */
export async function stitchedAnonymousItems(
  leadId: string,
  anonymousIds: readonly string[],
): Promise<Map<string, Item[]>> {
  const out = new Map<string, Item[]>();
  for (const id of anonymousIds) {
    const items = await anonymousItems(id);
    const link = items.find((i) => i.sk === keys.anonymousLink(id).sk);
    if (link && link.leadId !== leadId) continue;
    out.set(id, items);
  }
  return out;
}

/** The items the lead's `REF#` pointers name (missing ones, e.g. expired, are left out). */
export async function referencedItems(refSortKeys: readonly string[]): Promise<Item[]> {
  const targets = refSortKeys.flatMap((sk) => {
    const t = refTarget(sk);
    return t ? [keys.idempotency(t.scope, t.id)] : [];
  });
  return getItems(targets);
}

/** Items by key (BatchGet in chunks of 100, unprocessed keys asked again). */
export async function getItems(itemKeys: readonly ItemKey[]): Promise<Item[]> {
  const found: Item[] = [];
  for (let i = 0; i < itemKeys.length; i += 100) {
    let pending: Record<string, unknown>[] = itemKeys.slice(i, i + 100).map((k) => ({ pk: k.pk, sk: k.sk }));
    for (let round = 0; pending.length > 0 && round < 10; round++) {
      const result = await dynamodb.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      found.push(...(result.Responses?.[tableName] ?? []));
      pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
    if (pending.length > 0)
      throw Object.assign(new Error('BatchGet left keys unprocessed'), { name: 'ThrottlingException' });
  }
  return found;
}

export async function getItem(key: ItemKey): Promise<Item | undefined> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
  );
  return result.Item;
}

/**
 * Delete items by key, a few at a time (DeleteItem: the function's grant has no BatchWriteItem). Deleting
 * an item that is already gone is a no-op, so a retried erase simply finishes the work.
 */
export async function deleteItems(itemKeys: readonly ItemKey[], concurrency = 8): Promise<number> {
  let next = 0;
  let deleted = 0;
  const worker = async () => {
    while (next < itemKeys.length) {
      const key = itemKeys[next++] as ItemKey;
      const result = await dynamodb.send(
        new DeleteCommand({ TableName: tableName, Key: key, ReturnValues: 'ALL_OLD' }),
      );
      if (result.Attributes) deleted++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, itemKeys.length) }, worker));
  return deleted;
}

export const itemKeys = (items: readonly Item[]): ItemKey[] => items.map(keyOf);

export interface ErasureRecord {
  leadId: string;
  erasedAt: EpochMs;
  reason: string;
}

export async function getErasure(leadId: string): Promise<ErasureRecord | undefined> {
  const item = await getItem(keys.erasure(leadId));
  if (!item) return undefined;
  return { leadId, erasedAt: Number(item.erasedAt), reason: String(item.reason) };
}

/**
 * A pointer (`REF#anon#<id>`, as a link writes it) under the lead's partition for each of these visitors
 * that has none yet: the ids only the profile names (links made before the pointers existed). The erase puts
 * them before it commits, so the sweeps after the commit, which no longer have the profile, still find those
 * visitors. Conditional puts (an existing pointer is left as it is: a refused put, at most ten, the profile's
 * bound); returns how many it created.
 */
export async function pointAtAnonymous(
  leadId: string,
  anonymousIds: readonly string[],
  at: EpochMs,
): Promise<number> {
  let created = 0;
  for (const anonymousId of new Set(anonymousIds)) {
    try {
      await dynamodb.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.anonymousRef(leadId, anonymousId), anonymousId, at },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      created++;
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
  }
  return created;
}

/**
 * What `commitErasure` found: `erased`; `gone` when the profile is no longer there (another erase won);
 * `changed` when the state is no longer the one read (`state`: another write of the lead committed since);
 * `conflict` when the transaction collided with another one in flight on the same items (try again).
 */
export type ErasureCommit = 'erased' | 'gone' | 'changed' | 'conflict';

/**
 * The erase's one atomic step: the profile, state and e-mail claim go, the erasure record and the
 * address's suppression item (a hash, no personal data) arrive, the `Lead Erased` event is put in the
 * outbox and the lead leaves the current-lead gauges (−1 on its temperature, stage and score bucket), all
 * together. The erasure record is also the timer of the delayed second sweep of the partition
 * (`erase-sweep`, due at `sweepAt`). Conditioned on the profile still existing ('gone' when another erase
 * won) and on the state still being the one read (`state`, by its version; `undefined`: no state item), so
 * the gauges lose exactly what is deleted ('changed' when any write of the lead committed since it was read,
 * or, with `noParkedEvents`, when tracking events were parked for the sweeper).
 */
export async function commitErasure(input: {
  leadId: string;
  emailKey: string;
  addressHash: string;
  erasedAt: EpochMs;
  reason: string;
  event: OutboxEvent;
  sweepAt: EpochMs;
  state: (GaugeState & { version: number }) | undefined;
  /** Kept on the erasure record for `reports:rebuild` (`REPORT_REMAINS`). */
  remains?: ErasedRemains;
  /**
   * The retention erase: also conditioned on the lead having no parked tracking events waiting for the
   * sweeper (`noParkedEventsCheck`); events parked since the decision make it 'changed'.
   */
  noParkedEvents?: boolean;
}): Promise<ErasureCommit> {
  const { leadId } = input;
  const erasure = keys.erasure(leadId);
  const parkedCheck = input.noParkedEvents ? [noParkedEventsCheck(leadId)] : [];
  const items: TransactItem[] = [
    {
      Delete: {
        TableName: tableName,
        Key: keys.profile(leadId),
        ConditionExpression: 'attribute_exists(pk)',
      },
    },
    {
      Delete: {
        TableName: tableName,
        Key: keys.state(leadId),
        ...(input.state === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'version = :v',
              ExpressionAttributeValues: { ':v': input.state.version },
            }),
      },
    },
    {
      // Only our own claim: after an earlier erase the address may already belong to a new lead.
      Delete: {
        TableName: tableName,
        Key: keys.emailIndex(input.emailKey),
        ConditionExpression: 'attribute_not_exists(pk) OR leadId = :id',
        ExpressionAttributeValues: { ':id': leadId },
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: {
          ...erasure,
          leadId,
          erasedAt: input.erasedAt,
          reason: input.reason,
          ...(input.remains ? { [REPORT_REMAINS]: input.remains } : {}),
          ...dueAttributes(erasure.pk, erasure.sk, input.sweepAt, ERASE_SWEEP_TIMER_KIND),
        },
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: { ...keys.suppression(input.addressHash), reason: 'erased', suppressedAt: input.erasedAt },
      },
    },
    outboxPut(tableName, input.event),
    ...parkedCheck,
    // Last: a collision on the shard's gauge item (another lead's write) is a plain conflict.
    ...(input.state ? gaugeItems(leadId, input.state, undefined) : []),
  ];
  try {
    await dynamodb.send(new TransactWriteCommand({ TransactItems: items }));
    return 'erased';
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const codes = ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map(
      (r) => r.Code,
    );
    if (codes[0] === 'ConditionalCheckFailed') return 'gone';
    if (codes[1] === 'ConditionalCheckFailed') return 'changed';
    // Tracking events parked since the retention timer decided: activity the state does not show yet.
    if (parkedCheck.length && codes[6] === 'ConditionalCheckFailed') return 'changed';
    // The e-mail claim is another lead's: as before, nothing of ours to commit.
    if (codes.includes('ConditionalCheckFailed')) return 'gone';
    return 'conflict';
  }
}

/** True when the address (by its hash) was erased and has not come back through a form since. */
export async function isSuppressed(addressHash: string): Promise<boolean> {
  return (await getItem(keys.suppression(addressHash))) !== undefined;
}

/** Lifts an erased address's suppression in the same transaction that creates its new lead. */
export function suppressionDelete(addressHash: string): TransactItem {
  return { Delete: { TableName: tableName, Key: keys.suppression(addressHash) } };
}

/**
 * A ConditionCheck that the address (by its hash) is NOT on the suppression list: put in a transaction that
 * must not commit for an erased address (an ops entry creating a lead), it fails when an erase won the race.
 */
export function suppressionAbsent(addressHash: string): TransactItem {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: keys.suppression(addressHash),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export const isRefKey = (sk: unknown): boolean => typeof sk === 'string' && sk.startsWith(PREFIX.ref);
