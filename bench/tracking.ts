/**
 * Tracking cost and speed: `recordActivity` (what POST /v1/track and /v1/ops/events run per event) on its own
 * DynamoDB Local, against a floor measured in the same run: a raw UpdateItem ADD on one counter item.
 *
 * Cost: every write the product sends is asked for `ReturnConsumedCapacity: 'INDEXES'` (DynamoDB Local reports
 * it by AWS's rules: 1 WCU per started KB of the larger of the old and new item, 2x in transactions, a GSI key
 * change = delete + put) and summed per event, table and each GSI separately, over a realistic event mix for
 * leads with Japanese attributes in steady state (recent-event guard full, cap periods in use). Item sizes are
 * also computed from the stored items by AWS's size rules as a cross-check.
 *
 *   npx tsx bench/tracking.ts [--rounds 3] [--events 200]
 */

import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { median, numberArg, startBenchEngines } from './support.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL = 'silent';
const rounds = numberArg('rounds', 3);
const eventsPerRound = numberArg('events', 200);
const CONCURRENCY = 16;
const LEADS_PER_ROUND = CONCURRENCY * 2;
const WARM_EVENTS = 36; // more than the 32-entry recent-event guard: steady-state state item

const TABLE = 'bench-tracking';
const engines = await startBenchEngines(TABLE);
const { raw } = engines;

// Modules read the environment at import time: import them only now.
const { dynamodb } = await import('#store/dynamodb');
const { createLead } = await import('#store/leads');
const { keys } = await import('#store/keys');
const { settings } = await import('#config/settings');
const { initialScoringState } = await import('#domain/scoring/scoring');
const { recordActivity } = await import('#app/record-activity');
type ScoredEvent = import('#domain/scoring/scoring').ScoredEvent;
type LeadState = import('#domain/lead/lead').LeadState;
type LeadProfile = import('#domain/lead/lead').LeadProfile;

// ------------------------------------------------------------------------------------------------------
// Capacity accounting: a middleware on the product's own client.

interface Capacity {
  table: number;
  gsi: Record<string, number>;
  writes: number;
  transactions: number;
}
const capacity: Capacity = { table: 0, gsi: {}, writes: 0, transactions: 0 };
const resetCapacity = () => {
  capacity.table = 0;
  capacity.gsi = {};
  capacity.writes = 0;
  capacity.transactions = 0;
};
const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
]);
interface ConsumedCapacity {
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}
dynamodb.middlewareStack.add(
  (next, context) => async (args) => {
    const command = context.commandName ?? '';
    if (!WRITE_COMMANDS.has(command)) return next(args);
    (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'INDEXES';
    const result = await next(args);
    capacity.writes++;
    if (command === 'TransactWriteItemsCommand') capacity.transactions++;
    const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
      .ConsumedCapacity;
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      capacity.table += c.Table?.CapacityUnits ?? 0;
      for (const [index, v] of Object.entries(c.GlobalSecondaryIndexes ?? {}))
        capacity.gsi[index] = (capacity.gsi[index] ?? 0) + (v.CapacityUnits ?? 0);
    }
    return result;
  },
  { step: 'initialize', name: 'benchConsumedCapacity' },
);

/** Item size by DynamoDB's rules (attribute names + values; numbers ~ digits/2 + 1; maps/lists 3 + 1 each). */
const sizeOf = (value: unknown): number => {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number')
    return Math.ceil(String(Math.abs(value)).replace(/[.-]/g, '').length / 2) + 1;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + sizeOf(v), 0);
  return (
    3 +
    Object.entries(value as Record<string, unknown>).reduce(
      (n, [k, v]) => n + Buffer.byteLength(k) + 1 + sizeOf(v),
      0,
    )
  );
};
const itemSize = (item: Record<string, unknown>): number =>
  Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + sizeOf(v), 0);

// ------------------------------------------------------------------------------------------------------
// Leads and the event mix

let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;

const BLOG = [
  'ma-tool-hikaku',
  'lead-nurturing-kiso',
  'seizougyou-dx-jirei',
  'scoring-sekkei',
  'webinar-unei',
];
const TITLES = [
  'MAツール比較ガイド',
  'リードナーチャリングの基礎',
  '製造業DXの事例',
  'スコアリング設計の考え方',
  'ウェビナー運営のコツ',
];

/** A realistic mix: reading, pricing, e-mail engagement, downloads, webinars. */
const mixedEvent = (): ScoredEvent => {
  const roll = random();
  const occurredAt = Date.now() - Math.floor(random() * 3_600_000);
  const base = { eventId: randomUUID(), occurredAt };
  const i = Math.floor(random() * BLOG.length);
  if (roll < 0.45)
    return {
      ...base,
      type: 'page_view',
      url: `https://www.example.co.jp/ja/blog/${BLOG[i]}?utm_source=newsletter&utm_medium=email`,
      title: `${TITLES[i]}｜株式会社サンプル`,
      properties: { referrer: 'https://www.google.co.jp/' },
    };
  if (roll < 0.6)
    return {
      ...base,
      type: 'page_view',
      url: pick(['https://www.example.co.jp/ja/pricing', 'https://www.example.co.jp/ja/product/ma']),
      title: '料金プラン｜株式会社サンプル',
    };
  if (roll < 0.75)
    return {
      ...base,
      type: 'email_open',
      properties: { messageId: randomUUID(), sequenceId: 'whitepaper-nurture', step: 2 },
    };
  if (roll < 0.85)
    return {
      ...base,
      type: 'email_click',
      url: 'https://www.example.co.jp/ja/case-studies/seizou?utm_source=ses&utm_medium=email',
      properties: { messageId: randomUUID(), sequenceId: 'whitepaper-nurture', step: 2 },
    };
  if (roll < 0.93)
    return {
      ...base,
      type: 'download',
      url: 'https://www.example.co.jp/downloads/seizougyou-dx-jireishu-2025.pdf',
      title: '資料：製造業のDX事例集2025',
      properties: { asset: 'seizougyou-dx-jireishu-2025.pdf' },
    };
  if (roll < 0.98)
    return { ...base, type: 'webinar_registered', properties: { webinarId: 'w-2025-07-ma-kiso' } };
  return { ...base, type: 'webinar_attended', properties: { webinarId: 'w-2025-06-scoring', minutes: 52 } };
};

const createJapaneseLead = async (): Promise<string> => {
  const now = Date.now();
  const leadId = randomUUID();
  const email = `${leadId.slice(0, 8)}.yamada@sample-seisakusho.co.jp`;
  const attributes = {
    email,
    lastName: '山田',
    firstName: '太郎',
    company: '株式会社サンプル製作所',
    department: '情報システム部',
    title: '情報システム部 部長',
    employees: '1000-4999',
    industry: '製造業',
    prefecture: '東京都',
    phone: '03-1234-5678',
  };
  const scoring = initialScoringState(attributes, settings.scoring);
  const profile: LeadProfile = {
    leadId,
    email,
    emailKey: email,
    attributes,
    fitBreakdown: scoring.fitBreakdown,
    channel: 'inbound_web',
    marketing: { transientBounces: 0 },
    anonymousIds: [randomUUID()],
    locale: 'ja',
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const state: LeadState = {
    leadId,
    email,
    stage: 'lead',
    stageHistory: [
      { from: null, to: 'subscriber', at: now, reason: 'capture' },
      { from: 'subscriber', to: 'lead', at: now, reason: 'score' },
    ],
    temperature: 'cold',
    grade: scoring.grade,
    fit: scoring.fit,
    behaviour: scoring.behaviour,
    score: { fit: scoring.fit, behaviour: 0, total: scoring.fit },
    recentEvents: [],
    lastActivityAt: now,
    recentSends: [now - 3 * 86_400_000, now - 86_400_000],
    version: 1,
  };
  await createLead({ profile, state }, { at: now });
  return leadId;
};

const newWarmLeads = async (n: number): Promise<string[]> => {
  const leadIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const leadId = await createJapaneseLead();
    for (let e = 0; e < WARM_EVENTS; e++) await recordActivity(leadId, mixedEvent(), Date.now());
    leadIds.push(leadId);
  }
  return leadIds;
};

// ------------------------------------------------------------------------------------------------------
// Measurements

const FLOOR_KEY = { pk: 'BENCH#floor', sk: 'COUNTER' };
const floorOps = async (n: number, workers: number): Promise<number> => {
  const start = performance.now();
  let left = n;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (left-- > 0)
        await raw.send(
          new UpdateCommand({
            TableName: TABLE,
            Key: FLOOR_KEY,
            UpdateExpression: 'ADD n :one',
            ExpressionAttributeValues: { ':one': 1 },
          }),
        );
    }),
  );
  return n / ((performance.now() - start) / 1000);
};

/** `n` events over `leadIds`, `workers` at a time, each worker on its own leads (different visitors). */
const activityOps = async (
  leadIds: string[],
  n: number,
  workers: number,
): Promise<{ opsPerSecond: number; outcomes: Record<string, number> }> => {
  const outcomes: Record<string, number> = {};
  const perWorker = Math.ceil(n / workers);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const mine = leadIds.filter((_, i) => i % workers === w);
      for (let i = 0; i < perWorker; i++) {
        const outcome = await recordActivity(mine[i % mine.length] ?? '', mixedEvent(), Date.now());
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
    }),
  );
  return { opsPerSecond: (perWorker * workers) / ((performance.now() - start) / 1000), outcomes };
};

const rows: Record<string, number[]> = {
  floorSequential: [],
  floorConcurrent: [],
  activitySequential: [],
  activityConcurrent: [],
  tableWcuPerEvent: [],
  gsiWcuPerEvent: [],
  writesPerEvent: [],
  transactionShare: [],
  sequentialRatio: [],
  concurrentRatio: [],
};
const gsiPerEvent: Record<string, number[]> = {};
const stateSizes: number[] = [];
const timelineSizes: number[] = [];
const stateAttributes: Record<string, number[]> = {};
const push = (into: Record<string, number[]>, key: string, value: number) => {
  into[key] = [...(into[key] ?? []), value];
};

for (let round = 0; round < rounds; round++) {
  const leadIds = await newWarmLeads(LEADS_PER_ROUND);
  await floorOps(50, 1); // warm the floor path too
  rows.floorSequential?.push(await floorOps(eventsPerRound, 1));
  rows.floorConcurrent?.push(await floorOps(eventsPerRound * 2, CONCURRENCY));

  resetCapacity();
  const sequential = await activityOps(leadIds, eventsPerRound, 1);
  const events = Object.values(sequential.outcomes).reduce((a, b) => a + b, 0);
  rows.activitySequential?.push(sequential.opsPerSecond);
  rows.tableWcuPerEvent?.push(capacity.table / events);
  const gsiTotal = Object.values(capacity.gsi).reduce((a, b) => a + b, 0);
  rows.gsiWcuPerEvent?.push(gsiTotal / events);
  for (const [index, units] of Object.entries(capacity.gsi)) push(gsiPerEvent, index, units / events);
  rows.writesPerEvent?.push(capacity.writes / events);
  rows.transactionShare?.push(capacity.transactions / events);

  rows.activityConcurrent?.push((await activityOps(leadIds, eventsPerRound * 2, CONCURRENCY)).opsPerSecond);
  // Ratios per round (floor and product measured back to back), then their median: robust to a noisy machine.
  rows.sequentialRatio?.push(sequential.opsPerSecond / (rows.floorSequential?.at(-1) ?? 1));
  rows.concurrentRatio?.push((rows.activityConcurrent?.at(-1) ?? 0) / (rows.floorConcurrent?.at(-1) ?? 1));

  for (const leadId of leadIds) {
    const state = await raw.send(new GetCommand({ TableName: TABLE, Key: keys.state(leadId) }));
    if (!state.Item) continue;
    stateSizes.push(itemSize(state.Item));
    for (const [k, v] of Object.entries(state.Item))
      push(stateAttributes, k, Buffer.byteLength(k) + sizeOf(v));
  }
}

// Timeline entry sizes: every stored entry of one freshly warmed lead.
{
  const [sampleLead = ''] = await newWarmLeads(1);
  const page = await raw.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :evt)',
      ExpressionAttributeValues: { ':pk': keys.state(sampleLead).pk, ':evt': 'EVT#' },
    }),
  );
  for (const item of page.Items ?? []) timelineSizes.push(itemSize(item));
}

const m = (k: string) => median(rows[k] ?? []);
const round2 = (x: number) => Math.round(x * 100) / 100;
const result = {
  rounds,
  eventsPerRound,
  concurrency: CONCURRENCY,
  floor: {
    sequentialOpsPerSecond: round2(m('floorSequential')),
    concurrentOpsPerSecond: round2(m('floorConcurrent')),
  },
  recordActivity: {
    sequentialOpsPerSecond: round2(m('activitySequential')),
    concurrentOpsPerSecond: round2(m('activityConcurrent')),
    sequentialRatioToFloor: round2(m('sequentialRatio')),
    concurrentRatioToFloor: round2(m('concurrentRatio')),
  },
  wcuPerEvent: {
    table: round2(m('tableWcuPerEvent')),
    gsiTotal: round2(m('gsiWcuPerEvent')),
    gsi: Object.fromEntries(Object.entries(gsiPerEvent).map(([k, v]) => [k, round2(median(v))])),
    writeRequestsPerEvent: round2(m('writesPerEvent')),
    transactionShare: round2(m('transactionShare')),
  },
  itemBytes: {
    stateMedian: median(stateSizes),
    stateMax: Math.max(...stateSizes),
    timelineMedian: median(timelineSizes),
    timelineMax: Math.max(...timelineSizes),
    /** The state item's largest attributes (name + value bytes, medians): where trimming would pay. */
    stateByAttribute: Object.fromEntries(
      Object.entries(stateAttributes)
        .map(([k, v]) => [k, median(v)] as const)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8),
    ),
  },
};

const line = (label: string, value: string) => console.log(`  ${label.padEnd(44)} ${value}`);
console.log(
  `\ntracking bench: ${rounds} rounds, ${eventsPerRound} events sequential + ${eventsPerRound * 2} at ${CONCURRENCY} concurrent, medians\n`,
);
line('floor UpdateItem ADD, sequential', `${result.floor.sequentialOpsPerSecond} ops/s`);
line(`floor UpdateItem ADD, ${CONCURRENCY} concurrent`, `${result.floor.concurrentOpsPerSecond} ops/s`);
line(
  'recordActivity, sequential',
  `${result.recordActivity.sequentialOpsPerSecond} events/s  (${result.recordActivity.sequentialRatioToFloor}x floor)`,
);
line(
  `recordActivity, ${CONCURRENCY} concurrent`,
  `${result.recordActivity.concurrentOpsPerSecond} events/s  (${result.recordActivity.concurrentRatioToFloor}x floor)`,
);
line('table WCU per event', String(result.wcuPerEvent.table));
line('GSI WCU per event (all)', `${result.wcuPerEvent.gsiTotal}  ${JSON.stringify(result.wcuPerEvent.gsi)}`);
line('write requests per event', String(result.wcuPerEvent.writeRequestsPerEvent));
line('events written in a transaction', `${Math.round(result.wcuPerEvent.transactionShare * 100)}%`);
line('state item bytes (median / max)', `${result.itemBytes.stateMedian} / ${result.itemBytes.stateMax}`);
line(
  'timeline item bytes (median / max)',
  `${result.itemBytes.timelineMedian} / ${result.itemBytes.timelineMax}`,
);
line('state item, largest attributes (bytes)', JSON.stringify(result.itemBytes.stateByAttribute));

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/tracking.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log('\n  written to bench/results/tracking.json\n');
raw.destroy();
await engines.stop();
