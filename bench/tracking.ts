/**
 * Tracking through the route: POST /v1/ops/events (the trusted batch route; /v1/track runs the same
 * `ingestEvents`) through the real handler in-process (the catalog's route, the local API Gateway's payload
 * 2.0 event), one event per request, every answer checked (202, accepted 1, nothing rejected) and every
 * event's timeline item read back afterwards: a duplicate, a refusal or a lost event fails the bench.
 *
 * Figures (medians of rounds):
 * - request units per event in the steady state (leads past the recent-event guard, events in time order,
 *   the realistic mix below, counting the events that moved no list-index key: no score band, stage,
 *   temperature or activity day crossed), from the capacity-accounting middleware (`#store/capacity`, AWS's
 *   rules); floor: one raw UpdateItem ADD on a counter item (1 WRU), target: issue 16's ≤ 3 WRU and ≤ 2 RRU;
 * - the same over the whole mix, crossings included (no target: what the cost model uses);
 * - events/s through the route vs the raw UpdateItem floor, sequential (recorded, no target).
 *
 *   npx tsx bench/tracking.ts [--rounds 2] [--events 40]
 */

import { randomUUID } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { figure, median, numberArg, startBenchEngines, writeResult } from './support.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL = 'silent';
process.env.OPS_TOKEN = 'bench-ops-token-0123456789';
const rounds = numberArg('rounds', 2);
const eventsPerRound = numberArg('events', 40);
const LEADS_PER_ROUND = 4;
const WARM_EVENTS = 36; // a lead with a history: a steady-state state item

const TABLE = 'bench-tracking';
const engines = await startBenchEngines(TABLE);
const { raw } = engines;

// Modules read the environment at import time: import them only now.
const { dynamodb } = await import('#store/dynamodb');
const { attachCapacityAccounting } = await import('#store/capacity');
const { createLead } = await import('#store/leads');
const { keys } = await import('#store/keys');
const { settings } = await import('#config/settings');
const { initialScoringState } = await import('#domain/scoring/scoring');
const { ENTRY_SETTLE_MS } = await import('#domain/lead/lead');
const { stageBit } = await import('#domain/lead/lifecycle');
const { advanceClock } = await import('#adapters/clock');
const { loadApi } = await import('../test/support/http-harness.ts');
type LeadState = import('#domain/lead/lead').LeadState;
type LeadProfile = import('#domain/lead/lead').LeadProfile;

const meter = attachCapacityAccounting(dynamodb);
const api = await loadApi();

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

/** A realistic mix: reading, pricing, e-mail engagement, downloads, webinars (wire format, no time: now). */
const mixedEvent = (leadId: string): Record<string, unknown> => {
  const roll = random();
  const base = { leadId, eventId: randomUUID() };
  const i = Math.floor(random() * BLOG.length);
  if (roll < 0.45)
    return {
      ...base,
      type: 'page_view',
      url: `https://www.example.co.jp/ja/blog/${BLOG[i]}?utm_source=newsletter&utm_medium=email`,
      title: `${TITLES[i]}｜株式会社サンプル`,
      referrer: 'https://www.google.co.jp/',
    };
  if (roll < 0.6)
    return {
      ...base,
      type: 'page_view',
      url: pick(['https://www.example.co.jp/ja/pricing', 'https://www.example.co.jp/ja/product/ma']),
      title: '料金プラン｜株式会社サンプル',
    };
  if (roll < 0.85)
    return {
      ...base,
      type: 'case_study_view',
      url: 'https://www.example.co.jp/ja/case-studies/seizou',
      properties: { sequenceId: 'whitepaper-nurture' },
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
    stagesReached: stageBit('subscriber') | stageBit('lead'),
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

/** One event through the route; the answer must say it was taken. */
const sendEvent = async (event: Record<string, unknown>) => {
  const res = await api.call({
    method: 'POST',
    url: '/v1/ops/events',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${api.opsToken}` },
    body: JSON.stringify({ events: [event] }),
  });
  const answer =
    res.status === 202 ? (JSON.parse(res.body) as { accepted: number; rejected: unknown[] }) : null;
  if (answer?.accepted !== 1 || answer.rejected.length !== 0)
    throw new Error(`event ${event.eventId} answered ${res.status} ${res.body}`);
};

/**
 * Leads with a history: WARM_EVENTS events each, 2 s apart (a visit's pace, if a brisk one), and then the
 * clock moves on by `ENTRY_SETTLE_MS`, as a lead's earlier visits are behind it. Without that, the warm-up
 * would be one burst of 36 events in a second, which fills the recent-event ring to its 32-hash bound and
 * has its replays checked strongly for a while ("the replay guard" in `#domain/lead/lead`).
 */
const WARM_SPACING_MS = 2_000;
const newWarmLeads = async (n: number): Promise<string[]> => {
  const leadIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const leadId = await createJapaneseLead();
    for (let e = 0; e < WARM_EVENTS; e++) {
      await sendEvent(mixedEvent(leadId));
      advanceClock(WARM_SPACING_MS);
    }
    leadIds.push(leadId);
  }
  advanceClock(ENTRY_SETTLE_MS);
  return leadIds;
};

const FLOOR_KEY = { pk: 'BENCH#floor', sk: 'COUNTER' };
const floorOnce = () =>
  dynamodb.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: FLOOR_KEY,
      UpdateExpression: 'ADD n :one',
      ExpressionAttributeValues: { ':one': 1 },
    }),
  );

const rows = {
  floorOps: [] as number[],
  eventOps: [] as number[],
  wru: [] as number[],
  rru: [] as number[],
  mixWru: [] as number[],
  mixRru: [] as number[],
  steadyShare: [] as number[],
};
/** The state item's list-index keys, read outside the accounting (what a steady-state event leaves alone). */
const stateKeys = async (leadId: string): Promise<string> => {
  const item = (
    await raw.send(new GetCommand({ TableName: TABLE, Key: keys.state(leadId), ConsistentRead: true }))
  ).Item;
  return JSON.stringify([
    item?.stageKey,
    item?.temperatureKey,
    item?.scoreKey,
    item?.callKey,
    item?.activityDay,
  ]);
};
const indexWru: Record<string, number[]> = {};
let floorWru = 0;
let checked = 0;
const sent: { leadId: string; eventId: string }[] = [];
for (let round = 0; round < rounds; round++) {
  const leadIds = await newWarmLeads(LEADS_PER_ROUND);
  meter.reset();
  let started = performance.now();
  for (let i = 0; i < eventsPerRound; i++) await meter.measure('floor', floorOnce);
  rows.floorOps.push(eventsPerRound / ((performance.now() - started) / 1000));
  floorWru = (meter.byLabel().floor?.write ?? 0) / eventsPerRound;

  sent.length = 0;
  const steady = { events: 0, write: 0, read: 0 };
  let elapsed = 0;
  for (let i = 0; i < eventsPerRound; i++) {
    const leadId = leadIds[i % leadIds.length] as string;
    const event = mixedEvent(leadId);
    const before = await stateKeys(leadId);
    const mark = { ...(meter.byLabel().event ?? { write: 0, read: 0 }) };
    started = performance.now();
    await meter.measure('event', () => sendEvent(event));
    elapsed += performance.now() - started;
    sent.push({ leadId, eventId: event.eventId as string });
    // Steady state: the event moved no list-index key (no score band, stage, temperature or activity day).
    if ((await stateKeys(leadId)) === before) {
      const now = meter.byLabel().event ?? { write: 0, read: 0 };
      steady.events++;
      steady.write += now.write - mark.write;
      steady.read += now.read - mark.read;
    }
  }
  rows.eventOps.push(eventsPerRound / (elapsed / 1000));
  const units = meter.byLabel().event;
  rows.wru.push(steady.write / Math.max(1, steady.events));
  rows.rru.push(steady.read / Math.max(1, steady.events));
  rows.mixWru.push((units?.write ?? 0) / eventsPerRound);
  rows.mixRru.push((units?.read ?? 0) / eventsPerRound);
  rows.steadyShare.push(steady.events / eventsPerRound);
  for (const [index, w] of Object.entries(units?.indexes ?? {}))
    indexWru[index] = [...(indexWru[index] ?? []), w / eventsPerRound];

  // Every event is on its lead's timeline exactly where it should be (read outside the accounting).
  for (const { leadId, eventId } of sent) {
    const item = await raw.send(
      new GetCommand({ TableName: TABLE, Key: keys.timelineEvent(leadId, eventId) }),
    );
    if (!item.Item) throw new Error(`event ${eventId} of lead ${leadId} is not on its timeline`);
    checked++;
  }
}

const target = (max: number) => ({ on: 'figure' as const, max, source: 'issue 16 item 2' });
const wru = median(rows.wru);
const rru = median(rows.rru);
const speed = median(rows.eventOps);
const floorSpeed = median(rows.floorOps);
console.log(
  `\ntracking bench: ${rounds} rounds × ${eventsPerRound} events through POST /v1/ops/events, ${checked} outcomes checked\n`,
);
writeResult(
  'tracking',
  [
    figure('write units per tracking event, steady state (table + indexes)', wru, 'WRU', floorWru, target(3)),
    figure('read units per tracking event, steady state', rru, 'RRU', 1, target(2)),
    figure(
      'write units per tracking event, whole mix incl. band and threshold crossings',
      median(rows.mixWru),
      'WRU',
      floorWru,
    ),
    figure('read units per tracking event, whole mix', median(rows.mixRru), 'RRU', 1),
    figure('events/s through the route, sequential', speed, 'events/s', floorSpeed),
  ],
  {
    rounds,
    eventsPerRound,
    outcomesChecked: checked,
    steadyShareOfEvents: median(rows.steadyShare),
    steadyState:
      'events that moved no list-index key (score band, stage, temperature, activity day), in time order',
    indexWruPerEvent: Object.fromEntries(Object.entries(indexWru).map(([k, v]) => [k, median(v)])),
    floor: 'raw UpdateItem ADD on one counter item, same client, same run',
  },
);
raw.destroy();
await engines.stop();
