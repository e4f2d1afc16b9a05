/**
 * Report read cost at 1,000 vs 100,000 leads' worth of counters: the same routes over the same range read
 * the same counter items (one per day and dimension kind), so the time must not grow with the leads.
 *
 * 1k: real captures through the form route (three channels), whose counters the live counting wrote; the
 * bench checks that the funnel shows exactly those leads (current month). 100k: a range of the same length
 * 53 weeks earlier whose counter items are seeded through the store with figures for 100,000 leads (counters
 * are per day, so seeding them is what 100k captures would leave); the bench checks the routes read exactly
 * those figures. The two ranges are then read in alternation (medians). Pass: ratio ≤ 1.25.
 */
import { startDynamoDbLocal, startLocalSes } from '#local/engines';
import { startRuntime } from '#local/runtime';
import { freePort } from '../test/support/ports.ts';
import { benchFormBody, figure, median, numberArg, writeResult } from './support.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL = 'silent';
const SMALL = numberArg('small', 1000);
const LARGE = numberArg('large', 100_000);
const READS = numberArg('reads', 40);
const TARGET_RATIO = 1.25;

const dynamo = await startDynamoDbLocal(await freePort());
const ses = await startLocalSes(await freePort());
const runtime = await startRuntime({
  dynamodbEndpoint: dynamo.endpoint,
  sesEndpoint: ses.endpoint,
  port: 0,
  tableName: 'bench-reports',
  sweepEverySeconds: 0,
  pollStream: false,
  log: () => {},
});

const CHANNELS = [
  ['paid_search', { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'bench' }],
  ['event', { utm_medium: 'event', utm_campaign: 'expo' }],
  ['direct', {}],
] as const;
const ops = { authorization: `Bearer ${runtime.opsToken}` };
const ROUTES = [
  '/v1/ops/reports/funnel?groupBy=channel',
  '/v1/ops/reports/funnel?groupBy=channel&view=cohort',
  '/v1/ops/reports/leads?interval=week&groupBy=channel',
  '/v1/ops/reports/sla?groupBy=owner',
  '/v1/ops/reports/email?groupBy=sequence',
];

type Funnel = {
  total: { counts: Record<string, number> };
  rows: { group: string; counts: Record<string, number> }[];
};
const funnel = async (range: { from: string; to: string }): Promise<Funnel> =>
  (await (
    await fetch(`${runtime.apiUrl}${ROUTES[0]}&from=${range.from}&to=${range.to}`, { headers: ops })
  ).json()) as Funnel;

/** Ms of one round of all routes over a range. */
async function roundOfReads(range: { from: string; to: string }): Promise<number> {
  const start = performance.now();
  for (const route of ROUTES) {
    const res = await fetch(`${runtime.apiUrl}${route}&from=${range.from}&to=${range.to}`, { headers: ops });
    if (res.status !== 200) throw new Error(`${route} answered ${res.status}`);
    await res.arrayBuffer();
  }
  return performance.now() - start;
}

try {
  const startedAll = performance.now();
  // 1k: real captures, eight at a time.
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < SMALL) {
        const i = next++;
        const res = await fetch(`${runtime.apiUrl}/v1/forms/contact`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: benchFormBody(`bench-report-${i}@example.co.jp`, CHANNELS[i % CHANNELS.length]?.[1]),
        });
        if (res.status !== 201) throw new Error(`capture answered ${res.status}`);
      }
    }),
  );
  const captureSeconds = (performance.now() - startedAll) / 1000;
  const { now } = await import('#adapters/clock');
  const { settings } = await import('#config/settings');
  const { addDays, currentMonth, daysBetween } = await import('#domain/reports/periods');
  const { foldFields, putReportItems } = await import('#store/report-counters');
  const smallRange = currentMonth(now(), settings.app.timeZone);
  const small = await funnel(smallRange);
  if (small.total.counts.lead !== SMALL) throw new Error(`1k funnel shows ${small.total.counts.lead} leads`);
  for (const [c] of CHANNELS) {
    const expected = Array.from({ length: SMALL }, (_, i) => i).filter(
      (i) => CHANNELS[i % CHANNELS.length]?.[0] === c,
    ).length;
    const got = small.rows.find((r) => r.group === c)?.counts.lead;
    if (got !== expected) throw new Error(`1k funnel: ${c} shows ${got}, expected ${expected}`);
  }

  // 100k: a range of the same length 53 weeks earlier, its counter items seeded with figures for LARGE leads
  // spread over its days, so both ranges can be read in alternation (same engine, same warmth).
  const days = daysBetween(addDays(smallRange.from, -371), addDays(smallRange.to, -371));
  const largeRange = { from: days[0] ?? '', to: days[days.length - 1] ?? '' };
  const perDay = Math.floor(LARGE / days.length);
  const extra = LARGE - perDay * days.length;
  const items: { kind: string; period: string; fields: Record<string, number> }[] = [];
  const expected: Record<string, number> = {};
  days.forEach((day, d) => {
    const leads = perDay + (d < extra ? 1 : 0);
    const byChannel: Record<string, number> = {};
    for (let c = 0; c < CHANNELS.length; c++) {
      const name = CHANNELS[c]?.[0] ?? '';
      byChannel[name] = Math.floor(leads / CHANNELS.length) + (c < leads % CHANNELS.length ? 1 : 0);
      expected[name] = (expected[name] ?? 0) + (byChannel[name] ?? 0);
    }
    const metrics = (n: number) => ({
      created: n,
      lead: n,
      mql: Math.floor(n / 5),
      sal: Math.floor(n / 10),
      sql: Math.floor(n / 20),
    });
    const fields = (value: string, n: number) =>
      Object.fromEntries(Object.entries(metrics(n)).map(([m, v]) => [`${value}|${m}`, v]));
    items.push({ kind: 'f:none', period: day, fields: fields('*', leads) });
    items.push({
      kind: 'f:channel',
      period: day,
      fields: Object.assign({}, ...Object.entries(byChannel).map(([c, n]) => fields(c, n))),
    });
    items.push({ kind: 'c:none', period: day, fields: fields('*', leads) });
    items.push({
      kind: 'c:channel',
      period: day,
      fields: Object.assign({}, ...Object.entries(byChannel).map(([c, n]) => fields(c, n))),
    });
  });
  // One folded item per day (every kind's fields), in the bulk shard.
  const perPeriod = new Map<string, Record<string, number>>();
  for (const i of items)
    perPeriod.set(i.period, { ...(perPeriod.get(i.period) ?? {}), ...foldFields(i.kind, i.fields) });
  await putReportItems([...perPeriod].map(([period, fields]) => ({ period, fields })));
  const large = await funnel(largeRange);
  if (large.total.counts.lead !== LARGE)
    throw new Error(`100k funnel shows ${large.total.counts.lead} leads`);
  for (const [c] of CHANNELS) {
    const got = large.rows.find((r) => r.group === c)?.counts.lead;
    if (got !== expected[c]) throw new Error(`100k funnel: ${c} shows ${got}, expected ${expected[c]}`);
  }
  for (let r = 0; r < 3; r++) await Promise.all([roundOfReads(smallRange), roundOfReads(largeRange)]); // warm-up
  const smallRounds: number[] = [];
  const largeRounds: number[] = [];
  for (let r = 0; r < READS; r++) {
    smallRounds.push(await roundOfReads(smallRange));
    largeRounds.push(await roundOfReads(largeRange));
  }
  const smallMs = median(smallRounds);
  const largeMs = median(largeRounds);
  const ratio = largeMs / smallMs;
  const result = {
    bench: 'reports',
    date: new Date().toISOString(),
    routes: ROUTES,
    rangeDays: days.length,
    small: { leads: SMALL, source: 'real captures', medianMsPerRoundOfRoutes: Number(smallMs.toFixed(2)) },
    large: {
      leads: LARGE,
      source: 'seeded counter items',
      medianMsPerRoundOfRoutes: Number(largeMs.toFixed(2)),
    },
    ratioLargeOverSmall: Number(ratio.toFixed(3)),
    target: TARGET_RATIO,
    pass: ratio <= TARGET_RATIO,
    captureSeconds: Math.round(captureSeconds),
  };
  console.log(
    `reports: ${ROUTES.length} routes over ${days.length} days, median per round ${smallMs.toFixed(1)} ms at ${SMALL} leads, ${largeMs.toFixed(1)} ms at ${LARGE}: ratio ${ratio.toFixed(2)} (target ≤ ${TARGET_RATIO})`,
  );
  writeResult(
    'reports',
    [
      figure(`five report routes at ${LARGE} leads (small: ${SMALL})`, largeMs, 'ms', smallMs, {
        on: 'ratio',
        max: TARGET_RATIO,
        source: 'reports issue: cost follows the range, not the leads',
      }),
    ],
    result,
  );
} finally {
  await runtime.stop();
  await Promise.all([dynamo.stop(), ses.stop()]);
}
