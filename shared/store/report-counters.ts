import { createHash } from 'node:crypto';
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { settings } from '#config/settings';
import type { Attribution } from '#domain/capture/attribution';
import type { AnyDomainEvent } from '#domain/lead/events';
import type { Channel, ChannelGroup, EpochMs, StageTransition } from '#domain/lead/types';
import {
  type CounterAdd,
  counterUpdatesFor,
  emailAdds,
  GAUGE_KIND,
  GAUGE_PERIOD,
  type GaugeState,
  gaugeDelta,
  leadDims,
  type ReportFact,
} from '#domain/reports/counting';
import { batchWrite, dynamodb, isConditionalCheckFailure, tableName } from '#store/dynamodb';
import { keys, PREFIX } from '#store/keys';

/**
 * Report counters (`REPORT#<kind>` / day): one item per dimension kind and calendar day, numeric fields
 * `<group value>|<metric>` moved with `ADD` in the SAME transaction as the change they count (see
 * `shared/domain/reports/counting.ts` for the exactly-once argument). Each day's item is split into
 * `REPORT_SHARDS` write shards chosen by lead id, so concurrent captures of different leads do not collide
 * on one hot item (a DynamoDB transaction conflicts with any other transaction on the same item). A report
 * reads one Query per kind over its range: at most days × shards small items, whatever the number of leads.
 *
 * Item size: a field per (group value, metric) seen that day. The `none`, `channel`, `form`, `owner` and
 * `team` items stay small (a few dozen values × 9 metrics ≈ 30 bytes each); `source` and `campaign` grow
 * with the distinct values used on one day (values are cut to 64 characters): about 1 KB per 10 campaigns,
 * so the 400 KB item limit is a few thousand distinct campaigns on a single day.
 */

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Write shards per counter item and day. */
export const REPORT_SHARDS = 64;
/** The shard a rebuild (or a bench seed) writes whole items into. */
export const BULK_SHARD = '00';
const shardName = (n: number): string => String(n).padStart(2, '0');
/** A lead's counters always go to the same shard (its changes are serialized by its version anyway). */
export function shardOf(leadId: string): string {
  return shardName(createHash('sha1').update(leadId).digest().readUInt32BE(0) % REPORT_SHARDS);
}

/** What the counting needs besides the events: the lead as written and its immutable profile bits. */
export interface CountedWrite {
  leadId: string;
  events: readonly AnyDomainEvent[];
  /** The state as this write leaves it (undefined when the write does not touch the state). */
  after?:
    | (GaugeState & {
        stageHistory: readonly StageTransition[];
        handoff?: { owner: { ownerId: string; team: string }; startedAt: EpochMs } | undefined;
      })
    | undefined;
  /** The state this write replaces (undefined for a new lead). */
  before?: GaugeState | undefined;
  profile?:
    | {
        createdAt: EpochMs;
        attribution?: Attribution | undefined;
        channel?: Channel | ChannelGroup | undefined;
      }
    | undefined;
}

const COUNTED = new Set([
  'Lead Captured',
  'Lead Stage Changed',
  'Lead Handed Off',
  'Lead Accepted',
  'Lead SLA Breached',
  'Lead First Contacted',
  'Lead Assigned',
  'Opportunity Won',
  'Opportunity Lost',
]);

/** True when the write's events may add to the report counters (then the profile is needed). */
export function countsEvents(events: readonly AnyDomainEvent[] | undefined): boolean {
  return (events ?? []).some((e) => COUNTED.has(e.detailType));
}

function addItem(add: CounterAdd, shard: string): TransactItem {
  const entries = Object.entries(add.fields);
  return {
    Update: {
      TableName: tableName,
      Key: keys.reportCounter(add.kind, add.period, shard),
      UpdateExpression: `ADD ${entries.map((_, i) => `#f${i} :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([f], i) => [`#f${i}`, f])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, n], i) => [`:v${i}`, n])),
    },
  };
}

/** The transaction items a counted change adds: counter `ADD`s, the gauges, and the facts kept per lead. */
export function reportItems(write: CountedWrite): TransactItem[] {
  const items: TransactItem[] = [];
  const shard = shardOf(write.leadId);
  if (write.after) {
    const delta = gaugeDelta(write.before, write.after);
    if (Object.keys(delta).length)
      items.push(addItem({ kind: GAUGE_KIND, period: GAUGE_PERIOD, fields: delta }, shard));
  }
  if (write.after && write.profile && countsEvents(write.events)) {
    const { facts, adds } = counterUpdatesFor(
      write.events,
      {
        createdAt: write.profile.createdAt,
        stageHistory: write.after.stageHistory,
        handoff: write.after.handoff,
      },
      settings.app.timeZone,
      leadDims(write.profile, settings.reports.channelGrouping),
    );
    for (const add of adds) items.push(addItem(add, shard));
    for (const fact of facts)
      items.push({
        Put: { TableName: tableName, Item: { ...keys.reportFact(write.leadId, fact.id), ...fact } },
      });
  }
  return items;
}

/** One counter `ADD` for a lead's change, in the lead's write shard (for counters outside `reportItems`). */
export function counterAddItem(leadId: string, add: CounterAdd): TransactItem {
  return addItem(add, shardOf(leadId));
}

/** The gauge update alone (the tracking fast path, when a score crosses a bucket boundary). */
export function gaugeItems(leadId: string, before: GaugeState, after: GaugeState): TransactItem[] {
  const delta = gaugeDelta(before, after);
  return Object.keys(delta).length
    ? [addItem({ kind: GAUGE_KIND, period: GAUGE_PERIOD, fields: delta }, shardOf(leadId))]
    : [];
}

/**
 * The transaction items that count one e-mail fact exactly once: the fact item (`RPT#email:…` in the lead's
 * partition, put only if absent: it is the counting's idempotency record) and the `ADD`s on the e-mail
 * counter items of the lead's shard (four distinct items: none, sequence, step, template). Append them to
 * the transaction that records the mail event; a replay fails the fact's condition.
 */
export function emailCountItems(leadId: string, fact: ReportFact): TransactItem[] {
  const shard = shardOf(leadId);
  return [
    {
      Put: {
        TableName: tableName,
        Item: { ...keys.reportFact(leadId, fact.id), ...fact },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    ...emailAdds(fact).map((add) => addItem(add, shard)),
  ];
}

/** True when the e-mail fact was counted already. */
export async function emailFactCounted(leadId: string, factId: string): Promise<boolean> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.reportFact(leadId, factId), ConsistentRead: true }),
  );
  return result.Item !== undefined;
}

/**
 * Count an e-mail fact in a transaction of its own (for a mail event whose recording write is the fact
 * itself, e.g. a delivery, or one recorded by its own idempotent write, e.g. an open on the timeline):
 * `counted` the first time, `duplicate` when the fact exists, `conflict` when another transaction touched
 * the same counter item meanwhile (retry).
 */
export async function writeEmailCount(
  leadId: string,
  fact: ReportFact,
): Promise<'counted' | 'duplicate' | 'conflict'> {
  try {
    await dynamodb.send(new TransactWriteCommand({ TransactItems: emailCountItems(leadId, fact) }));
    return 'counted';
  } catch (error) {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
    if (reasons?.[0]?.Code === 'ConditionalCheckFailed') return 'duplicate';
    if (isConditionalCheckFailure(error)) return 'conflict';
    throw error;
  }
}

function numericFields(item: Record<string, unknown> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(item ?? {}))
    if (k !== 'pk' && k !== 'sk' && typeof v === 'number' && v !== 0) out[k] = v;
  return out;
}

/** Every item of a kind with a sort key from `low` to `high`, summed per period (shards merged). */
async function querySummed(
  kind: string,
  low: string,
  high: string,
): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
        ExpressionAttributeValues: { ':pk': keys.reportCounter(kind, '', '').pk, ':low': low, ':high': high },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of result.Items ?? []) {
      const sk = String(item.sk);
      const period = sk.slice(0, sk.lastIndexOf('#'));
      const sum = out.get(period) ?? {};
      for (const [f, v] of Object.entries(numericFields(item))) sum[f] = (sum[f] ?? 0) + v;
      out.set(period, sum);
    }
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  for (const [period, fields] of out) {
    for (const [f, v] of Object.entries(fields)) if (v === 0) delete fields[f];
    out.set(period, fields);
  }
  return out;
}

/**
 * The counters of one kind for a range of days (one Query over `from#` … `to#~`, shards summed; a day
 * without counts is an empty record). Eventually consistent: a report may trail a write by a moment.
 */
export async function readReportDays(
  kind: string,
  days: readonly string[],
): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>(days.map((d) => [d, {}]));
  if (days.length === 0) return out;
  const sorted = [...days].sort();
  const summed = await querySummed(kind, `${sorted[0]}#`, `${sorted[sorted.length - 1]}#~`);
  for (const [day, fields] of summed) if (out.has(day)) out.set(day, fields);
  return out;
}

/** The gauges (current leads per temperature, stage, score bucket), shards summed. */
export async function readGauges(): Promise<Record<string, number>> {
  return (await querySummed(GAUGE_KIND, `${GAUGE_PERIOD}#`, `${GAUGE_PERIOD}#~`)).get(GAUGE_PERIOD) ?? {};
}

/** The facts counted for one lead (rebuild). */
export async function readLeadFacts(leadId: string): Promise<ReportFact[]> {
  const facts: ReportFact[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': keys.profile(leadId).pk, ':p': PREFIX.reportFact },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const { pk: _pk, sk: _sk, ...fact } of result.Items ?? []) facts.push(fact as ReportFact);
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return facts;
}

/** Store facts recomputed for a lead that has none yet (rebuild after an upgrade); idempotent. */
export async function putLeadFacts(leadId: string, facts: readonly ReportFact[]): Promise<void> {
  await batchWrite(facts.map((f) => ({ PutRequest: { Item: { ...keys.reportFact(leadId, f.id), ...f } } })));
}

/** Every stored item (sort key `period#shard`) of a counter kind (rebuild: to clear what it replaces). */
export async function listReportItems(kind: string): Promise<string[]> {
  const periods: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.reportCounter(kind, '', '').pk },
        ProjectionExpression: 'sk',
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of result.Items ?? []) periods.push(String(item.sk));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return periods;
}

/**
 * Replace counter items wholesale (rebuild, benchmark seeding): each given item is written whole into the
 * bulk shard, and `remove` deletes items by kind and sort key (`period#shard`). Not for live counting: a
 * live `ADD` racing this is overwritten.
 */
export async function putReportItems(
  items: readonly { kind: string; period: string; fields: Readonly<Record<string, number>> }[],
  remove: readonly { kind: string; sk: string }[] = [],
): Promise<void> {
  const written = new Set(items.map((i) => `${i.kind}\u0000${i.period}#${BULK_SHARD}`));
  await batchWrite([
    ...items.map((i) => ({
      PutRequest: { Item: { ...keys.reportCounter(i.kind, i.period, BULK_SHARD), ...i.fields } },
    })),
    ...remove
      .filter((r) => !written.has(`${r.kind}\u0000${r.sk}`))
      .map((r) => ({ DeleteRequest: { Key: { pk: keys.reportCounter(r.kind, '', '').pk, sk: r.sk } } })),
  ]);
}
