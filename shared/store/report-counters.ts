import { createHash } from 'node:crypto';
import {
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { settings } from '#config/settings';
import type { Attribution } from '#domain/capture/attribution';
import type { AnyDomainEvent } from '#domain/lead/events';
import { type LeadState, stagesReachedOf } from '#domain/lead/lead';
import {
  type Channel,
  type ChannelGroup,
  type EpochMs,
  FORM_EVENT_PREFIX,
  type StageTransition,
} from '#domain/lead/types';
import {
  type CountedHandoff,
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
import { addDays, dayOf } from '#domain/reports/periods';
import {
  batchWrite,
  conditionalWrite,
  dynamodb,
  isConditionalCheckFailure,
  partitionPages,
  type QueryItems,
  queryPages,
  tableName,
} from '#store/dynamodb';
import { keys, PREFIX } from '#store/keys';

/**
 * Report counters: ONE item per write shard and day (`REPORTS#<shard>` / `<day>`, the gauges under the period
 * `current`), holding the numeric fields of every dimension kind as `<kind>/<group value>|<metric>`
 * (`f:channel/web|lead`), moved with `ADD` in the SAME transaction as the change they count (see
 * `shared/domain/reports/counting.ts` for the exactly-once argument). A change's counts therefore cost one
 * item per period it touches (a capture: its day and the gauges), not one per dimension kind: a transaction
 * bills every item twice, so folding the kinds took a capture from about 11 counter items to 2.
 *
 * Shards: `REPORT_SHARDS` chosen by lead id, in the PARTITION key, so the counter writes of one day spread
 * over that many partition keys (none takes more than 1/REPORT_SHARDS of the counting load) and concurrent
 * transactions of different leads rarely touch the same item (a transaction conflicts with any other on the
 * same item). A report reads every shard's range of days (one Query per shard, in parallel: scatter-gather)
 * and sums them: at most days × shards small items, whatever the number of leads.
 *
 * Gauges (current leads per temperature, stage and score bucket, kind `g`): a write that counts on its own day's
 * item anyway puts its gauge move there (`mergeCounterItems`), one item fewer in its transaction; any other
 * (a tracking crossing, an erasure) on the shard's `current`. A nightly fold adds the days' moves to `current`
 * (`foldGaugeDays`), and `readGauges` sums `current` and the days after its fold.
 *
 * Item size: a field per (kind, group value, metric) seen that day in that shard. Funnel, cohort, SLA, e-mail
 * and activity fields for a few dozen group values are a few hundred bytes to a few KB per item (each ADD is
 * billed by the item's size, 1 WRU per started KB, ×2 in a transaction); `source` and `campaign` grow with the
 * distinct values used on one day in one shard (values are cut to 64 characters). The bulk shard a rebuild
 * writes holds a whole day: the 400 KB item limit is a few thousand distinct campaigns on a single day.
 *
 * Migration from the earlier layout (`REPORT#<kind>` / `<day>#<shard>`, every shard under one partition key):
 * run `npm run reports:rebuild` once after deploying. It recomputes every rebuilt kind from the stored facts
 * into this layout, folds the activity counters (`a:*`, not recomputable) of the old items into it, and
 * deletes the old items. Until it has run, reports show only what was counted after the deploy.
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
    | (GaugeState & { stageHistory: readonly StageTransition[]; handoff?: CountedHandoff | undefined })
    | undefined;
  /** The state this write replaces (undefined for a new lead). */
  before?:
    | (GaugeState &
        Pick<LeadState, 'stageHistory' | 'stagesReached'> & { handoff?: CountedHandoff | undefined })
    | undefined;
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

/** The attribute of a fact item holding the other facts written with it (one item per counted write). */
const MORE_FACTS = 'moreFacts';

/** Separator between a kind and its field in a folded counter item (kinds never contain it). */
const KIND_SEP = '/';
const foldedName = (kind: string, field: string): string => `${kind}${KIND_SEP}${field}`;

/**
 * The attribute of a shard's `current` item naming the last day whose gauge moves it holds (`foldGaugeDays`);
 * not a number, so no report reads it as a counter.
 */
const FOLDED_THROUGH = 'foldedThrough';
/** Rounds of a fold that found shards moved by another fold before it gives up (the next night retries). */
const FOLD_ATTEMPTS = 5;

/** What a counter update item adds, kept per item so a transaction's updates of one item can be merged. */
const counterUpdates = new WeakMap<
  object,
  { period: string; shard: string; fields: Record<string, number> }
>();

function counterUpdate(period: string, shard: string, fields: Record<string, number>): TransactItem {
  const entries = Object.entries(fields);
  const item: TransactItem = {
    Update: {
      TableName: tableName,
      Key: keys.reportCounter(period, shard),
      UpdateExpression: `ADD ${entries.map((_, i) => `#f${i} :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(entries.map(([f], i) => [`#f${i}`, f])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, n], i) => [`:v${i}`, n])),
    },
  };
  counterUpdates.set(item, { period, shard, fields });
  return item;
}

/** The `ADD`s folded into one update per period (every kind's fields in the one item of that day). */
function addItems(adds: readonly CounterAdd[], shard: string): TransactItem[] {
  const byPeriod = new Map<string, Record<string, number>>();
  for (const add of adds) {
    const fields = byPeriod.get(add.period) ?? {};
    for (const [f, n] of Object.entries(add.fields)) {
      const name = foldedName(add.kind, f);
      fields[name] = (fields[name] ?? 0) + n;
    }
    byPeriod.set(add.period, fields);
  }
  return [...byPeriod].flatMap(([period, fields]) => {
    const nonZero = Object.fromEntries(Object.entries(fields).filter(([, n]) => n !== 0));
    return Object.keys(nonZero).length ? [counterUpdate(period, shard, nonZero)] : [];
  });
}

/**
 * Merge the counter updates of one transaction that touch the same item (a transaction may not name an item
 * twice): e.g. a sales activity's own counts and the stage counts of the change it causes, on the same day.
 * Other items pass through in their order; merged counters go where the first of them was.
 *
 * With `at` (the write's time), the gauges' update (`current`) rides on the day item of that day in the same
 * shard when the transaction counts on it anyway: one item fewer, 2 write units (a capture, a stage change).
 * The day item keeps the move (`g/…` fields); the nightly fold adds it to `current` (`foldGaugeDays`), and
 * `readGauges` sums `current` and the days not folded yet. `at` must be the write's own time (a use case's
 * `now`): the fold takes days two behind, which no write touches any more.
 */
export function mergeCounterItems(items: readonly TransactItem[], at?: EpochMs): TransactItem[] {
  const day = at === undefined ? undefined : dayOf(at, settings.app.timeZone);
  const shardsCountingToday = new Set(
    items.flatMap((item) => {
      const update = counterUpdates.get(item);
      return update && update.period === day ? [update.shard] : [];
    }),
  );
  const periodOf = (update: { period: string; shard: string }): string =>
    day && update.period === GAUGE_PERIOD && shardsCountingToday.has(update.shard) ? day : update.period;
  const merged = new Map<string, { period: string; shard: string; fields: Record<string, number> }>();
  const out: (TransactItem | string)[] = [];
  let folded = 0;
  for (const item of items) {
    const update = counterUpdates.get(item);
    if (!update) {
      out.push(item);
      continue;
    }
    const period = periodOf(update);
    const key = `${update.shard}\u0000${period}`;
    const into = merged.get(key);
    if (!into) {
      merged.set(key, { ...update, period, fields: { ...update.fields } });
      out.push(key);
      continue;
    }
    folded++;
    for (const [f, n] of Object.entries(update.fields)) into.fields[f] = (into.fields[f] ?? 0) + n;
  }
  if (folded === 0) return [...items];
  return out.flatMap((entry) => {
    if (typeof entry !== 'string') return [entry];
    const { period, shard, fields } = merged.get(entry) as {
      period: string;
      shard: string;
      fields: Record<string, number>;
    };
    const nonZero = Object.fromEntries(Object.entries(fields).filter(([, n]) => n !== 0));
    return Object.keys(nonZero).length ? [counterUpdate(period, shard, nonZero)] : [];
  });
}

/**
 * What a counted change adds to its transaction: the counter `ADD`s and the gauges (`counters`), and the
 * facts kept per lead (`facts`), which the caller stores: in one `RPT#` item (`factsPut`), or on the write's
 * form entry (`FUNNEL_FACTS`).
 */
export function reportCounting(write: CountedWrite): { counters: TransactItem[]; facts: ReportFact[] } {
  const counters: TransactItem[] = [];
  const shard = shardOf(write.leadId);
  if (write.after) {
    const delta = gaugeDelta(write.before, write.after);
    if (Object.keys(delta).length)
      counters.push(...addItems([{ kind: GAUGE_KIND, period: GAUGE_PERIOD, fields: delta }], shard));
  }
  if (!(write.after && write.profile && countsEvents(write.events))) return { counters, facts: [] };
  const { facts, adds } = counterUpdatesFor(
    write.events,
    {
      createdAt: write.profile.createdAt,
      stageHistory: write.after.stageHistory,
      handoff: write.after.handoff,
      before: write.before
        ? { handoff: write.before.handoff, stagesReached: stagesReachedOf(write.before) }
        : undefined,
    },
    settings.app.timeZone,
    leadDims(write.profile, settings.reports.channelGrouping),
  );
  counters.push(...addItems(adds, shard));
  return { counters, facts };
}

/**
 * The facts of one write in ONE item (keyed by the first fact's id, the rest in `moreFacts`): a change's
 * "stage" and "handoff" facts cost one transactional put, not two. A plain put: the version-conditioned
 * transaction is what makes it once (see counting.ts); `readLeadFacts` reads both shapes.
 */
export function factsPut(leadId: string, facts: readonly ReportFact[]): TransactItem | undefined {
  const [first, ...more] = facts;
  if (!first) return undefined;
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.reportFact(leadId, first.id),
        ...first,
        ...(more.length ? { [MORE_FACTS]: more } : {}),
      },
    },
  };
}

/** The transaction items a counted change adds: counter `ADD`s, the gauges, and the facts kept per lead. */
export function reportItems(write: CountedWrite): TransactItem[] {
  const { counters, facts } = reportCounting(write);
  const put = factsPut(write.leadId, facts);
  return put ? [...counters, put] : counters;
}

/**
 * The facts of a capture (a form post, a sales entry, an imported row) ride on the post's own timeline entry
 * (`EVT#form:<submission>`), as this attribute, instead of an `RPT#` item of their own: that entry is in the
 * same version-conditioned transaction, so the count stays exactly once, and one item fewer in the capture's
 * transaction saves 2 write units a capture (the entry with its facts stays within a KB). An entry carrying
 * them has no TTL (it lives as long as the lead, like an `RPT#` item; a lead has a handful); the `timeline`
 * index does not project them. `readLeadFacts` reads them (the rebuild, an erasure's remains).
 */
export const FUNNEL_FACTS = 'funnelFacts';

/** Counter `ADD`s for a lead's change, folded per day, in the lead's write shard (counters outside `reportItems`). */
export function counterAddItems(leadId: string, adds: readonly CounterAdd[]): TransactItem[] {
  return addItems(adds, shardOf(leadId));
}

/**
 * The gauge update alone (the tracking fast path, when a score crosses a bucket boundary; the erase, whose
 * lead leaves the gauges: `after` undefined).
 */
export function gaugeItems(
  leadId: string,
  before: GaugeState | undefined,
  after: GaugeState | undefined,
): TransactItem[] {
  const delta = gaugeDelta(before, after);
  return Object.keys(delta).length
    ? addItems([{ kind: GAUGE_KIND, period: GAUGE_PERIOD, fields: delta }], shardOf(leadId))
    : [];
}

/**
 * The transaction items that count one e-mail fact exactly once: the fact item (`RPT#email:…` in the lead's
 * partition, put only if absent: it is the counting's idempotency record) and the `ADD`s on the e-mail
 * counter item of the lead's shard and the fact's day (the none, sequence, step and template fields). Append them to
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
    ...addItems(emailAdds(fact), shard),
  ];
}

/**
 * A step mail's `sent` fact rides on the mail's timeline entry (`EVT#nurture:…:sent`), as this attribute,
 * instead of an `RPT#` item of its own: the transaction that records the send is conditioned on the
 * enrollment's position, which already makes the count exactly once, and one item fewer in it saves 2 write
 * units per mail. `readLeadFacts` reads these too (the rebuild). Step mails' timeline ids start with
 * `nurture:` (app/nurture-timeline), so the rebuild reads only that range of a lead's timeline.
 */
export const TIMELINE_FACT = 'emailFact';
const FACT_TIMELINE_PREFIX = `${PREFIX.timeline}nurture:`;

/** The counter `ADD`s of one e-mail fact alone (its fact stored by the caller: see `TIMELINE_FACT`). */
export function emailAddItems(leadId: string, fact: ReportFact): TransactItem[] {
  return addItems(emailAdds(fact), shardOf(leadId));
}

/** True when the timeline entry `eventId` of the lead carries its counted e-mail fact. */
export async function timelineFactCounted(leadId: string, eventId: string): Promise<boolean> {
  const result = await dynamodb.send(
    new GetCommand({
      TableName: tableName,
      Key: keys.timelineEvent(leadId, eventId),
      ConsistentRead: true,
      ProjectionExpression: '#fact',
      ExpressionAttributeNames: { '#fact': TIMELINE_FACT },
    }),
  );
  return result.Item?.[TIMELINE_FACT] !== undefined;
}

/**
 * The lead's timeline entries under `prefix` that carry report facts in `attribute` (`sk` and that attribute),
 * page by page: a step mail's `sent` fact (`TIMELINE_FACT`) or a capture's facts (`FUNNEL_FACTS`).
 */
function timelineFactPages(
  leadId: string,
  prefix: string,
  attribute: typeof TIMELINE_FACT | typeof FUNNEL_FACTS = TIMELINE_FACT,
): AsyncGenerator<QueryItems> {
  return queryPages({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
    FilterExpression: 'attribute_exists(#fact)',
    ProjectionExpression: 'sk, #fact',
    ExpressionAttributeNames: { '#fact': attribute },
    ExpressionAttributeValues: { ':pk': keys.profile(leadId).pk, ':p': prefix },
  });
}

/**
 * The KPI day of the lead's latest send of a step (the day its `sent` fact was counted on, read from the
 * step mails' timeline entries `nurture:<sequence>:<run>:<step>:sent`), or undefined when none is kept
 * (never sent, or expired with the timeline). An unsubscribe through the mail's link counts on that day.
 */
export async function stepSentDay(
  leadId: string,
  sequenceId: string,
  stepId: string,
): Promise<string | undefined> {
  const prefix = `${FACT_TIMELINE_PREFIX}${sequenceId}:`;
  const suffix = `:${stepId}:sent`;
  let latest: { run: number; day: string } | undefined;
  for await (const items of timelineFactPages(leadId, prefix)) {
    for (const item of items) {
      const sk = String(item.sk);
      if (!sk.endsWith(suffix)) continue;
      const run = Number(sk.slice(prefix.length, sk.length - suffix.length));
      const day = (item[TIMELINE_FACT] as ReportFact | undefined)?.day;
      if (Number.isInteger(run) && day && (!latest || run > latest.run)) latest = { run, day };
    }
  }
  return latest?.day;
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

const allShards = (): string[] => Array.from({ length: REPORT_SHARDS }, (_, n) => shardName(n));

/** Every item of one shard with a period from `low` to `high` (inclusive), whole. */
async function queryShard(
  shard: string,
  low: string,
  high: string,
  consistent = false,
): Promise<{ period: string; fields: Record<string, number>; through?: string }[]> {
  const out: { period: string; fields: Record<string, number>; through?: string }[] = [];
  for await (const items of queryPages({
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
    ExpressionAttributeValues: { ':pk': keys.reportCounter('', shard).pk, ':low': low, ':high': high },
    ConsistentRead: consistent,
  }))
    for (const item of items)
      out.push({
        period: String(item.sk),
        fields: numericFields(item),
        ...(typeof item[FOLDED_THROUGH] === 'string' ? { through: item[FOLDED_THROUGH] } : {}),
      });
  return out;
}

/**
 * The counters of several kinds for the periods from `low` to `high`: every shard read (in parallel) and
 * summed, split by kind. Result: kind → period → fields (zero sums dropped).
 */
async function readFolded(
  kinds: readonly string[],
  low: string,
  high: string,
): Promise<Map<string, Map<string, Record<string, number>>>> {
  const wanted = new Set(kinds);
  const out = new Map<string, Map<string, Record<string, number>>>(kinds.map((k) => [k, new Map()]));
  const pages = await Promise.all(allShards().map((shard) => queryShard(shard, low, high)));
  for (const { period, fields } of pages.flat())
    for (const [name, n] of Object.entries(fields)) {
      const sep = name.indexOf(KIND_SEP);
      const kind = name.slice(0, sep);
      if (sep <= 0 || !wanted.has(kind)) continue;
      const byPeriod = out.get(kind) as Map<string, Record<string, number>>;
      const sum = byPeriod.get(period) ?? {};
      const field = name.slice(sep + 1);
      sum[field] = (sum[field] ?? 0) + n;
      byPeriod.set(period, sum);
    }
  for (const byPeriod of out.values())
    for (const fields of byPeriod.values())
      for (const [f, v] of Object.entries(fields)) if (v === 0) delete fields[f];
  return out;
}

/**
 * The counters of several kinds for a set of days (one Query per shard over the days' range, shards summed;
 * a day without counts is an empty record). Eventually consistent: a report may trail a write by a moment.
 */
export async function readReportKinds(
  kinds: readonly string[],
  days: readonly string[],
): Promise<Map<string, Map<string, Record<string, number>>>> {
  const out = new Map<string, Map<string, Record<string, number>>>(
    kinds.map((k) => [k, new Map(days.map((d) => [d, {}]))]),
  );
  if (days.length === 0 || kinds.length === 0) return out;
  const sorted = [...days].sort();
  const read = await readFolded(kinds, sorted[0] as string, sorted[sorted.length - 1] as string);
  for (const [kind, byPeriod] of read) {
    const target = out.get(kind) as Map<string, Record<string, number>>;
    for (const [day, fields] of byPeriod) if (target.has(day)) target.set(day, fields);
  }
  return out;
}

/** The counters of one kind for a set of days (see `readReportKinds`). */
export async function readReportDays(
  kind: string,
  days: readonly string[],
): Promise<Map<string, Record<string, number>>> {
  return (await readReportKinds([kind], days)).get(kind) as Map<string, Record<string, number>>;
}

/**
 * Each shard's gauge items as a gauge read needs them: its `current` (fields and `foldedThrough`) and the
 * gauge moves of the day items after that day, from one Query over the days after the fold's mark (every day
 * before a first fold) and `current` (which sorts after every `YYYY-MM-DD`).
 */
async function gaugeShards(
  consistent: boolean,
): Promise<{ shard: string; current: Record<string, number>; through?: string; days: ShardDay[] }[]> {
  const mark = await gaugesFoldedThrough(consistent);
  const low = mark ? addDays(mark, 1) : ' ';
  const gaugeKind = new Set([GAUGE_KIND]);
  return Promise.all(
    allShards().map(async (shard) => {
      const items = await queryShard(shard, low, GAUGE_PERIOD, consistent);
      const current = items.find((i) => i.period === GAUGE_PERIOD);
      const through = current?.through;
      const days = items
        .filter((i) => i.period !== GAUGE_PERIOD && (!through || i.period > through))
        .map((i) => ({
          period: i.period,
          fields: Object.fromEntries(Object.entries(i.fields).filter(([f]) => fieldOfKinds(f, gaugeKind))),
        }));
      const gauges = Object.fromEntries(
        Object.entries(current?.fields ?? {}).filter(([f]) => fieldOfKinds(f, gaugeKind)),
      );
      return { shard, current: gauges, ...(through ? { through } : {}), days };
    }),
  );
}

type ShardDay = { period: string; fields: Record<string, number> };

/**
 * The gauges (current leads per temperature, stage, score bucket), shards summed: each shard's `current`
 * plus the moves its day items keep after the day `current` was folded through (about two days' items a
 * shard, one Query each: see `gaugeShards`).
 */
export async function readGauges(): Promise<Record<string, number>> {
  const sum: Record<string, number> = {};
  const add = (fields: Record<string, number>) => {
    for (const [name, n] of Object.entries(fields)) {
      const field = name.slice(name.indexOf(KIND_SEP) + 1);
      sum[field] = (sum[field] ?? 0) + n;
    }
  };
  for (const shard of await gaugeShards(false)) {
    add(shard.current);
    for (const day of shard.days) add(day.fields);
  }
  for (const [f, n] of Object.entries(sum)) if (n === 0) delete sum[f];
  return sum;
}

/** The day through which every shard's gauges are folded (undefined before the first fold). */
export async function gaugesFoldedThrough(consistent = false): Promise<string | undefined> {
  const { Item } = await dynamodb.send(
    new GetCommand({
      TableName: tableName,
      Key: keys.gaugeFold(),
      ProjectionExpression: '#through',
      ExpressionAttributeNames: { '#through': 'through' },
      ConsistentRead: consistent,
    }),
  );
  return typeof Item?.through === 'string' ? Item.through : undefined;
}

/**
 * The nightly fold of the gauges. A write that counts on its own day's item puts its gauge move there, not on
 * `current` (`mergeCounterItems`: one item fewer in its transaction); this adds the moves of each shard's days
 * after its `foldedThrough` up to `through` to its `current` in ONE update (`ADD` the sums, `SET
 * foldedThrough`), conditioned on `foldedThrough` as read, so a second fold at once changes nothing and the
 * sum `readGauges` reads never changes: it counts a day item's moves until `current` holds them, then not.
 * Then the mark every shard has reached is recorded, which bounds what a read queries. The day items keep
 * their `g/` fields (a rebuild clears them with the rest of the gauges).
 *
 * A shard whose days hold no move is left alone (its `foldedThrough` may stay behind the mark: its days in
 * between hold nothing), so an idle night writes only the mark.
 *
 * Exact as long as no write puts a move on a day at or before `through` after the fold read it: writers put
 * moves only on the day of their own time, and the use case folds through the day before yesterday.
 * Returns the shards whose `current` took moves and the day items whose moves went with them.
 */
export async function foldGaugeDays(through: string): Promise<{ shards: number; days: number }> {
  let shards = 0;
  let days = 0;
  for (let attempt = 1; ; attempt++) {
    const pending = (await gaugeShards(true)).filter((s) => !s.through || s.through < through);
    if (pending.length === 0) break;
    const results = await Promise.all(
      pending.map(async (shard) => {
        const due = shard.days.filter((d) => d.period <= through);
        const sums: Record<string, number> = {};
        for (const day of due) for (const [f, n] of Object.entries(day.fields)) sums[f] = (sums[f] ?? 0) + n;
        const adds = Object.entries(sums).filter(([, n]) => n !== 0);
        // Nothing to add: `current` stays as it is (its days up to `through` hold no move, and no write will
        // put one there now), and reads start after the mark anyway.
        if (adds.length === 0) return true;
        const saved = await conditionalWrite(() =>
          dynamodb.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keys.reportCounter(GAUGE_PERIOD, shard.shard),
              UpdateExpression: `SET #through = :through ADD ${adds.map((_, i) => `#f${i} :v${i}`).join(', ')}`,
              ConditionExpression: shard.through ? '#through = :was' : 'attribute_not_exists(#through)',
              ExpressionAttributeNames: {
                '#through': FOLDED_THROUGH,
                ...Object.fromEntries(adds.map(([f], i) => [`#f${i}`, f])),
              },
              ExpressionAttributeValues: {
                ':through': through,
                ...(shard.through ? { ':was': shard.through } : {}),
                ...Object.fromEntries(adds.map(([, n], i) => [`:v${i}`, n])),
              },
            }),
          ),
        );
        if (saved) {
          shards++;
          days += due.length;
        }
        return saved;
      }),
    );
    // A shard another fold moved meanwhile is read again (its `foldedThrough` has changed).
    if (results.every(Boolean)) break;
    if (attempt >= FOLD_ATTEMPTS) throw new Error('gauge fold: shards kept changing under it');
  }
  // Recorded only forwards (two folds at once both end here).
  await conditionalWrite(() =>
    dynamodb.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.gaugeFold(), through },
        ConditionExpression: 'attribute_not_exists(#through) OR #through < :through',
        ExpressionAttributeNames: { '#through': 'through' },
        ExpressionAttributeValues: { ':through': through },
      }),
    ),
  );
  return { shards, days };
}

/**
 * The facts counted for one lead (rebuild, an erasure's remains): its `RPT#` items, the facts on its captures'
 * form entries and on its step mails' timeline entries.
 */
export async function readLeadFacts(leadId: string): Promise<ReportFact[]> {
  const facts: ReportFact[] = [];
  for await (const items of queryPages({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
    ExpressionAttributeValues: { ':pk': keys.profile(leadId).pk, ':p': PREFIX.reportFact },
  }))
    for (const { pk: _pk, sk: _sk, [MORE_FACTS]: more, ...fact } of items)
      facts.push(fact as ReportFact, ...((more as ReportFact[] | undefined) ?? []));
  // Captures' facts, kept on their form entries (see FUNNEL_FACTS).
  for await (const items of timelineFactPages(leadId, `${PREFIX.timeline}${FORM_EVENT_PREFIX}`, FUNNEL_FACTS))
    for (const item of items) facts.push(...(item[FUNNEL_FACTS] as ReportFact[]));
  // Step mails' `sent` facts, kept on their timeline entries (see TIMELINE_FACT).
  for await (const items of timelineFactPages(leadId, FACT_TIMELINE_PREFIX)) {
    for (const item of items) facts.push(item[TIMELINE_FACT] as ReportFact);
  }
  return facts;
}

/** Store facts recomputed for a lead that has none yet (rebuild after an upgrade); idempotent. */
export async function putLeadFacts(leadId: string, facts: readonly ReportFact[]): Promise<void> {
  await batchWrite(facts.map((f) => ({ PutRequest: { Item: { ...keys.reportFact(leadId, f.id), ...f } } })));
}

/** One stored counter item, folded: its shard, period and every kind's fields (`<kind>/<field>`). */
export interface StoredCounterItem {
  shard: string;
  period: string;
  fields: Record<string, number>;
}

/** Every stored counter item of the current layout (rebuild: to replace the kinds it owns). */
export async function listReportItems(): Promise<StoredCounterItem[]> {
  const pages = await Promise.all(
    allShards().map(async (shard) => ({ shard, items: await queryShard(shard, ' ', '~', true) })),
  );
  return pages.flatMap(({ shard, items }) => items.map((i) => ({ shard, ...i })));
}

/** The earlier layout's items of the given kinds (`REPORT#<kind>` / `<day>#<shard>`), for the migration. */
export async function listLegacyReportItems(
  kinds: readonly string[],
): Promise<{ kind: string; sk: string; period: string; fields: Record<string, number> }[]> {
  const out: { kind: string; sk: string; period: string; fields: Record<string, number> }[] = [];
  for (const kind of kinds) {
    for await (const items of partitionPages(keys.legacyReportCounter(kind, '', '').pk)) {
      for (const item of items) {
        const sk = String(item.sk);
        out.push({ kind, sk, period: sk.slice(0, sk.lastIndexOf('#')), fields: numericFields(item) });
      }
    }
  }
  return out;
}

/** The folded field names of one kind's fields. */
export function foldFields(kind: string, fields: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(fields).map(([f, n]) => [foldedName(kind, f), n]));
}

/** True when a folded field belongs to one of `kinds`. */
export function fieldOfKinds(name: string, kinds: ReadonlySet<string>): boolean {
  const sep = name.indexOf(KIND_SEP);
  return sep > 0 && kinds.has(name.slice(0, sep));
}

/**
 * Replace counter items wholesale (rebuild, benchmark seeding): `put` writes each (shard, period) item whole
 * with the given folded fields (`<kind>/<field>`; the shard defaults to the bulk shard), `remove` deletes
 * items of this layout by shard and period and `removeLegacy` items of the earlier one by kind and sort key.
 * Not for live counting: a live `ADD` racing this is overwritten.
 */
export async function putReportItems(
  put: readonly { shard?: string; period: string; fields: Readonly<Record<string, number>> }[],
  remove: readonly { shard: string; period: string }[] = [],
  removeLegacy: readonly { kind: string; sk: string }[] = [],
): Promise<void> {
  const written = new Set(put.map((i) => `${i.shard ?? BULK_SHARD}\u0000${i.period}`));
  await batchWrite([
    ...put.map((i) => ({
      PutRequest: { Item: { ...keys.reportCounter(i.period, i.shard ?? BULK_SHARD), ...i.fields } },
    })),
    ...remove
      .filter((r) => !written.has(`${r.shard}\u0000${r.period}`))
      .map((r) => ({ DeleteRequest: { Key: keys.reportCounter(r.period, r.shard) } })),
    ...removeLegacy.map((r) => ({
      DeleteRequest: { Key: { pk: keys.legacyReportCounter(r.kind, '', '').pk, sk: r.sk } },
    })),
  ]);
}
