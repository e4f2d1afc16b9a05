import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { settings } from '#config/settings';
import type { Attribution } from '#domain/capture/attribution';
import type { AnyDomainEvent } from '#domain/lead/events';
import type { Channel, EpochMs, StageTransition } from '#domain/lead/types';
import {
  type CounterAdd,
  counterAddsFor,
  factsFor,
  GAUGE_KIND,
  GAUGE_PERIOD,
  type GaugeState,
  gaugeDelta,
  leadDims,
  type ReportFact,
} from '#domain/reports/counting';
import { dynamodb, tableName } from '#store/dynamodb';
import { keys, PREFIX } from '#store/keys';
import { backoff } from '#store/retry';

/**
 * Report counters (`REPORT#<kind>` / day): one item per dimension kind and calendar day, numeric fields
 * `<group value>|<metric>` moved with `ADD` in the SAME transaction as the change they count (see
 * `shared/domain/reports/counting.ts` for the exactly-once argument). Reads are BatchGets of one item per
 * day and kind: a report's cost follows the length of its range, never the number of leads.
 *
 * Item size: a field per (group value, metric) seen that day. The `none`, `channel`, `form`, `owner` and
 * `team` items stay small (a few dozen values × 9 metrics ≈ 30 bytes each); `source` and `campaign` grow
 * with the distinct values used on one day (values are cut to 64 characters): about 1 KB per 10 campaigns,
 * so the 400 KB item limit is a few thousand distinct campaigns on a single day.
 */

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

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
    | { createdAt: EpochMs; attribution?: Attribution | undefined; channel?: Channel | undefined }
    | undefined;
}

const COUNTED = new Set([
  'Lead Captured',
  'Lead Stage Changed',
  'Lead Handed Off',
  'Lead Accepted',
  'Lead SLA Breached',
  'Lead Assigned',
]);

/** True when the write's events may add to the report counters (then the profile is needed). */
export function countsEvents(events: readonly AnyDomainEvent[] | undefined): boolean {
  return (events ?? []).some((e) => COUNTED.has(e.detailType));
}

function addItem(add: CounterAdd): TransactItem {
  const entries = Object.entries(add.fields);
  return {
    Update: {
      TableName: tableName,
      Key: keys.reportCounter(add.kind, add.period),
      UpdateExpression: `ADD ${entries.map((_, i) => `#f${i} :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([f], i) => [`#f${i}`, f])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, n], i) => [`:v${i}`, n])),
    },
  };
}

/** The transaction items a counted change adds: counter `ADD`s, the gauges, and the facts kept per lead. */
export function reportItems(write: CountedWrite): TransactItem[] {
  const items: TransactItem[] = [];
  if (write.after) {
    const delta = gaugeDelta(write.before, write.after);
    if (Object.keys(delta).length)
      items.push(addItem({ kind: GAUGE_KIND, period: GAUGE_PERIOD, fields: delta }));
  }
  if (write.after && write.profile && countsEvents(write.events)) {
    const facts = factsFor(
      write.events,
      {
        createdAt: write.profile.createdAt,
        stageHistory: write.after.stageHistory,
        handoff: write.after.handoff,
      },
      settings.app.timeZone,
    );
    const dims = leadDims(write.profile, settings.reports.channelGrouping);
    for (const add of counterAddsFor(facts, dims)) items.push(addItem(add));
    for (const fact of facts)
      items.push({
        Put: { TableName: tableName, Item: { ...keys.reportFact(write.leadId, fact.id), ...fact } },
      });
  }
  return items;
}

/** The gauge update alone (the tracking fast path, when a score crosses a bucket boundary). */
export function gaugeItems(before: GaugeState, after: GaugeState): TransactItem[] {
  const delta = gaugeDelta(before, after);
  return Object.keys(delta).length
    ? [addItem({ kind: GAUGE_KIND, period: GAUGE_PERIOD, fields: delta })]
    : [];
}

/** Add to counter items at once, outside any lead transaction (e-mail KPIs). */
export async function addReportCounters(adds: readonly CounterAdd[]): Promise<void> {
  await Promise.all(
    adds.map((a) => {
      const update = addItem(a).Update;
      return update ? dynamodb.send(new UpdateCommand(update)) : undefined;
    }),
  );
}

function numericFields(item: Record<string, unknown> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(item ?? {}))
    if (k !== 'pk' && k !== 'sk' && typeof v === 'number' && v !== 0) out[k] = v;
  return out;
}

/**
 * The counter items of one kind for the given days (BatchGet, 100 keys a call; a missing day is empty).
 * Eventually consistent reads: a report may trail a write by a moment, never by a count.
 */
export async function readReportDays(
  kind: string,
  days: readonly string[],
): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>(days.map((d) => [d, {}]));
  const chunks: string[][] = [];
  for (let i = 0; i < days.length; i += 100) chunks.push(days.slice(i, i + 100));
  await Promise.all(
    chunks.map(async (chunk) => {
      let request: Record<string, { Keys: Record<string, string>[] }> | undefined = {
        [tableName]: { Keys: chunk.map((d) => keys.reportCounter(kind, d)) },
      };
      for (let attempt = 1; request && Object.keys(request).length; attempt++) {
        const result = await dynamodb.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of result.Responses?.[tableName] ?? []) out.set(String(item.sk), numericFields(item));
        request = result.UnprocessedKeys as typeof request;
        if (request && Object.keys(request).length) await backoff(attempt);
      }
    }),
  );
  return out;
}

/** The gauge item (current leads per temperature, stage, score bucket). */
export async function readGauges(): Promise<Record<string, number>> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.reportCounter(GAUGE_KIND, GAUGE_PERIOD) }),
  );
  return numericFields(result.Item);
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

/** Every stored period of a counter kind (rebuild: to clear days that no longer count anything). */
export async function listReportPeriods(kind: string): Promise<string[]> {
  const periods: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.reportCounter(kind, '').pk },
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
 * Replace counter items wholesale (rebuild, benchmark seeding): each given item is written as given, and
 * `remove` lists items to delete. Not for live counting: a live `ADD` racing this is overwritten.
 */
export async function putReportItems(
  items: readonly { kind: string; period: string; fields: Readonly<Record<string, number>> }[],
  remove: readonly { kind: string; period: string }[] = [],
): Promise<void> {
  await batchWrite([
    ...items.map((i) => ({ PutRequest: { Item: { ...keys.reportCounter(i.kind, i.period), ...i.fields } } })),
    ...remove.map((r) => ({ DeleteRequest: { Key: keys.reportCounter(r.kind, r.period) } })),
  ]);
}

type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Record<string, unknown> } };

async function batchWrite(requests: readonly WriteRequest[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let request: Record<string, WriteRequest[]> | undefined = { [tableName]: requests.slice(i, i + 25) };
    for (let attempt = 1; request && Object.keys(request).length; attempt++) {
      const result = await dynamodb.send(new BatchWriteCommand({ RequestItems: request }));
      request = result.UnprocessedItems as typeof request;
      if (request && Object.keys(request).length) await backoff(attempt);
    }
  }
}
