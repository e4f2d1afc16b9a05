/**
 * Request units per operation, by AWS's on-demand billing rules, from the capacity-accounting middleware
 * (`#store/capacity`) on the product's own DynamoDB client, on DynamoDB Local + the local SES:
 * - a form capture, all-in: POST /v1/forms/whitepaper through the real handler (a new lead: the new-lead
 *   transaction, the auto-reply's send quotas; answer 201 checked), then everything the capture sets off
 *   before any step is due, through the local runtime: the table stream to the publisher, and the bus to its
 *   consumers (the nurture enrollment; every lead's `whitepaper-nurture` enrollment checked). The sequence's
 *   mails are step e-mails, counted below. Posted with a browser's `User-Agent` (the consent keeps it). Then
 *   the same from a search ad (UTM tags, the landing URL with them and a click id, the referrer, the
 *   department), recorded beside it: the touches it stores make the profile pass a KB;
 * - a step e-mail: the real sweeper with the real `step` processor over due first steps, every mail checked
 *   in the local SES (a first or middle step; a sequence's last step, whose mail line also says the run
 *   completed, is 9 WRU: test/integration/step-units.test.ts);
 * - sales' corrections (informative): a new title on each captured lead, then a corrected address, through
 *   POST /v1/ops/leads/{leadId}/attributes, all-in like a capture, each answer checked.
 * Floors: one raw PutItem of a small item (1 WRU); targets: issue 16 item 2 (capture ≤ 14 WRU, step
 * e-mail ≤ 10 WRU). The figures feed `npm run bench -- cost`.
 *
 *   npx tsx bench/units.ts [--captures 20] [--steps 20]
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { batchWriteAll, consentingLeadItems, dueEnrollmentItem } from '../test/support/fixtures.ts';
import {
  BROWSER_USER_AGENT,
  benchFormBody,
  clockInSendWindow,
  figure,
  median,
  numberArg,
  startBenchEngines,
  writeResult,
} from './support.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL = 'silent';
process.env.OPS_TOKEN = 'bench-ops-token-0123456789';
const CAPTURES = numberArg('captures', 20);
/** What a whitepaper post from a search ad adds to the bench's post (a real click id is about 90 characters). */
const AD_CLICK_FIELDS = {
  department: 'マーケティング部',
  utm_source: 'google',
  utm_medium: 'cpc',
  utm_campaign: 'ma-guide-2025',
  _landingUrl:
    'https://www.example.co.jp/lp/ma-guide?utm_source=google&utm_medium=cpc&utm_campaign=ma-guide-2025&gclid=Cj0KCQiAhomtBhDgARIsABcaYyl3kq8Fy7cd2rXk_0lZbvJxV1p8qf9X0mQ4h2F6yKXwq3s5b1sMaAk9ZEALw_wcB',
  _referrer: 'https://www.google.com/',
};
const STEPS = numberArg('steps', 20);
/** Posts of one day before the busy-day figure: 640 is 10 a report shard (about 19,000 leads a month). */
const BUSY_DAY = numberArg('busy-day', 640);
const TABLE = 'bench-units';
const engines = await startBenchEngines(TABLE, { ses: true });
const { raw } = engines;
const { startRuntime } = await import('#local/runtime');
// The publisher and the bus consumers, in this process and on this table: driven by `settle()` only (no
// scheduler, no stream polling of its own), so nothing runs that the bench did not set off.
const runtime = await startRuntime({
  dynamodbEndpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? '',
  sesEndpoint: engines.sesEndpoint,
  port: 0,
  tableName: TABLE,
  sweepEverySeconds: 0,
  pollStream: false,
  log: () => {},
});

const { dynamodb } = await import('#store/dynamodb');
const { attachCapacityAccounting, itemSize } = await import('#store/capacity');
const { now } = await import('#adapters/clock');
const { createSweeper, TIMER_PROCESSORS } = await import('#app/sweep-due-timers');
const { loadApi } = await import('../test/support/http-harness.ts');
const meter = attachCapacityAccounting(dynamodb);

const api = await loadApi();

/** A post of the whitepaper form from a browser (its `User-Agent`, which the consent keeps), a new address. */
const postWhitepaper = (label: string, fields: Record<string, unknown>) =>
  api.call({
    method: 'POST',
    url: '/v1/forms/whitepaper',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      origin: 'https://www.example.co.jp',
      'user-agent': BROWSER_USER_AGENT,
    },
    body: benchFormBody(`${label}-${randomUUID().slice(0, 8)}@example.co.jp`, fields),
  });

/** The sizes of the report shards' counter items of a day (`REPORTS#<shard>` / `<day>`): min, median, max. */
const counterDayItemSizes = async () => {
  const sizes: number[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await raw.send(new ScanCommand({ TableName: TABLE, ExclusiveStartKey: start }));
    for (const item of page.Items ?? [])
      if (String(item.pk).startsWith('REPORTS#') && /^\d{4}-\d{2}-\d{2}$/.test(String(item.sk)))
        sizes.push(itemSize(marshall(item)));
    start = page.LastEvaluatedKey;
  } while (start);
  sizes.sort((a, b) => a - b);
  return { items: sizes.length, min: sizes[0], median: median(sizes), max: sizes.at(-1) };
};

// Business hours in Tokyo, so every due step may send now.
await clockInSendWindow();

try {
  meter.reset();
  await meter.measure('floor', () =>
    dynamodb.send(new PutCommand({ TableName: TABLE, Item: { pk: 'BENCH#floor', sk: 'X', v: 1 } })),
  );
  const floor = meter.byLabel().floor?.write ?? 1;

  const at = now();
  const items = Array.from({ length: STEPS }, (_, i) => {
    const leadId = randomUUID();
    return [
      ...consentingLeadItems(leadId, `units-step-${i}-${leadId.slice(0, 8)}@example.co.jp`, at, {
        lastName: '山本',
        firstName: '健',
        company: '株式会社ベンチマーク',
      }),
      dueEnrollmentItem(leadId, 'whitepaper-nurture', at - 1000),
    ];
  }).flat();
  await batchWriteAll(raw, TABLE, items, 4);
  await fetch(`${engines.sesEndpoint}/clear-store`, { method: 'POST' });
  meter.reset();
  const sweep = createSweeper({ step: TIMER_PROCESSORS.step }, { sendRatePerSecond: 1000 });
  const report = await meter.measure('step', () => sweep({}));
  if (report.done !== STEPS || report.failed !== 0) throw new Error(`sweep did ${report.done}/${STEPS}`);
  const store = (await (await fetch(`${engines.sesEndpoint}/store`)).json()) as { emails: unknown[] };
  if (store.emails.length !== STEPS)
    throw new Error(`expected ${STEPS} mails, SES has ${store.emails.length}`);
  const step = meter.byLabel().step;
  const stepByCommand = meter.byCommand();

  // The step phase wrote outbox items (e-mail events): publish them first, outside the captures' count.
  await runtime.settle();
  const { keys } = await import('#store/keys');
  /**
   * `CAPTURES` new leads posted through the route, and everything they set off (publisher, enrollment). Every
   * unit from the reset to the end of the settle is the captures' (the router's deliveries run outside the
   * measuring context, so the phase is counted whole rather than by label). Checked: each answered 201, was
   * published once and enrolled into its form's sequence.
   */
  const measureCaptures = async (
    label: string,
    extra: Record<string, unknown> | ((i: number) => Record<string, unknown>),
  ) => {
    const published = runtime.events().filter((e) => e['detail-type'] === 'Lead Captured').length;
    meter.reset();
    for (let i = 0; i < CAPTURES; i++) {
      const res = await meter.measure('capture', () =>
        postWhitepaper(`units-${label}-${i}`, typeof extra === 'function' ? extra(i) : extra),
      );
      if (res.status !== 201) throw new Error(`capture answered ${res.status} ${res.body}`);
    }
    const posts = meter.total();
    await runtime.settle();
    const total = meter.total();
    const byCommand = meter.byCommand();
    const captured = runtime
      .events()
      .filter((e) => e['detail-type'] === 'Lead Captured')
      .slice(published);
    if (captured.length !== CAPTURES)
      throw new Error(`${label}: ${captured.length} of ${CAPTURES} captures published`);
    const leadIds: string[] = [];
    for (const e of captured) {
      const leadId = (e.detail as { leadId: string }).leadId;
      leadIds.push(leadId);
      const { Item } = await raw.send(
        new GetCommand({ TableName: TABLE, Key: keys.enrollment(leadId, 'whitepaper-nurture') }),
      );
      if (Item?.status !== 'active') throw new Error(`lead ${leadId} was not enrolled`);
    }
    return { total, posts, byCommand, leadIds };
  };
  // A post typed in straight away (no campaign), as most B2B forms see; then the same form reached from a
  // search ad: its UTM tags, the landing URL with them and the click id, the referrer, the department filled.
  const direct = await measureCaptures('direct', {});
  const adClick = await measureCaptures('ad', AD_CLICK_FIELDS);
  // A busy day: BUSY_DAY posts before (10 a report shard at 640) with tags spread over 20 sources, 30
  // campaigns and 5 mediums, so each shard's counter item of the day holds the fields of many group values;
  // then the search-ad post again, its source and campaign among them. The counter item's `ADD` is billed by
  // that item's size (2 WRU per started KB in the transaction): the figure shows what a day's volume adds.
  const tags = (i: number) => {
    const medium = ['cpc', 'email', 'social', 'display', ''][i % 5] ?? '';
    return medium
      ? {
          utm_source: `source-${(i * 7) % 20}`,
          utm_medium: medium,
          utm_campaign: `campaign-${(i * 11) % 30}`,
        }
      : {};
  };
  for (let i = 0; i < BUSY_DAY; i++) {
    const res = await postWhitepaper(`units-busy-${i}`, tags(i));
    if (res.status !== 201) throw new Error(`busy-day post answered ${res.status} ${res.body}`);
    if (i % 50 === 49) await runtime.settle();
  }
  await runtime.settle();
  const dayItems = await counterDayItemSizes();
  const busy = await measureCaptures('busy', (i) => ({ ...AD_CLICK_FIELDS, ...tags(i + 1) }));
  // Sales' corrections through the route, all-in like a capture (what the announcements set off included),
  // on the leads captured above: a title heard on the phone (部長 → 代表取締役社長: the fit moves, so profile,
  // state and the line), then a
  // corrected address (its claim moves too). Each answer checked.
  const measureEdits = async (label: string, body: (i: number) => Record<string, unknown>, field: string) => {
    meter.reset();
    for (const [i, leadId] of direct.leadIds.entries()) {
      const res = await meter.measure(label, () =>
        api.call({
          method: 'POST',
          url: `/v1/ops/leads/${leadId}/attributes`,
          headers: { authorization: `Bearer ${api.opsToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ actionId: `bench-${label}-${i}`, ...body(i) }),
        }),
      );
      const changed = res.status === 200 ? (JSON.parse(res.body) as { changed: string[] }).changed : [];
      if (!changed.includes(field)) throw new Error(`${label} answered ${res.status} ${res.body}`);
    }
    await runtime.settle();
    return meter.total();
  };
  const titleEdits = await measureEdits('edit', () => ({ attributes: { title: '代表取締役社長' } }), 'title');
  const addressEdits = await measureEdits(
    'address',
    (i) => ({ attributes: { email: `corrected-${i}-${randomUUID().slice(0, 8)}@example.co.jp` } }),
    'email',
  );
  const capture = direct.total;
  const posts = direct.posts;
  const captureByCommand = direct.byCommand;

  const per = (u: typeof step, n: number) => ({
    write: (u?.write ?? 0) / n,
    read: (u?.read ?? 0) / n,
    calls: (u?.calls ?? 0) / n,
    indexes: Object.fromEntries(Object.entries(u?.indexes ?? {}).map(([k, v]) => [k, v / n])),
  });
  const c = per(capture, CAPTURES);
  const ad = per(adClick.total, CAPTURES);
  const busyAd = per(busy.total, CAPTURES);
  const s = per(step, STEPS);
  const edit = per(titleEdits, direct.leadIds.length);
  const address = per(addressEdits, direct.leadIds.length);
  const target = (max: number) => ({ on: 'figure' as const, max, source: 'issue 16 item 2' });
  console.log(
    `\nunits bench: ${CAPTURES} captures through the route, ${STEPS} step e-mails through the sweeper\n`,
  );
  writeResult(
    'units',
    [
      figure('write units per form capture', c.write, 'WRU', floor, target(14)),
      figure('read units per form capture', c.read, 'RRU', 1),
      figure('write units per capture from a search ad (informative)', ad.write, 'WRU', floor),
      figure(
        `write units per capture from a search ad after ${BUSY_DAY} that day (informative)`,
        busyAd.write,
        'WRU',
        floor,
      ),
      figure('write units per step e-mail (incl. the sweep)', s.write, 'WRU', floor, target(10)),
      figure(
        'write units per lead edit by sales, a title that moves the fit (informative)',
        edit.write,
        'WRU',
        floor,
      ),
      figure('write units per address correction by sales (informative)', address.write, 'WRU', floor),
      figure('read units per step e-mail (incl. the sweep)', s.read, 'RRU', 1),
    ],
    {
      capture: c,
      capturePost: per(posts, CAPTURES),
      captureFromSearchAd: { ...ad, fields: AD_CLICK_FIELDS },
      captureOnABusyDay: { ...busyAd, postsBefore: BUSY_DAY, counterDayItemBytes: dayItems },
      step: s,
      edit,
      addressCorrection: address,
      captureByCommand,
      stepByCommand,
      floor: 'one raw PutItem of a small item',
    },
  );
} finally {
  await runtime.stop();
  raw.destroy();
  await engines.stop();
}
