/**
 * `npm run bench -- cost`: the monthly AWS bill of issue 16's workload from the measured request units
 * (bench/results/tracking.json and units.json, written by the capacity-accounting benches) and invocation
 * counts, at public on-demand list prices for Asia Pacific (Tokyo), ap-northeast-1.
 *
 * Prices (USD, on-demand, list price), as read on 2026-12-04 (check before relying on them; they change).
 * "verified" = read that day on the page named (or an AWS document quoting it); "carried" = kept from the
 * round-1 bench, not found in the stored pages that day:
 * - DynamoDB on-demand https://aws.amazon.com/dynamodb/pricing/on-demand/ (Tokyo): $0.715 per million write
 *   request units, $0.143 per million read request units, storage $0.285 per GB-month (carried; the unit
 *   rules, 1 WRU per KB, 1 RRU per 4 KB strongly consistent, ½ eventually consistent, ×2 in a transaction:
 *   verified on https://aws.amazon.com/dynamodb/pricing/provisioned/).
 * - Lambda https://aws.amazon.com/lambda/pricing/ : $0.20 per million requests, $0.0000133334 per GB-second
 *   on Arm (verified as the first-tier Arm rate; the Tokyo page not stored, carried), free tier 1M requests
 *   and 400,000 GB-seconds a month (verified, https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html).
 * - API Gateway HTTP API https://aws.amazon.com/api-gateway/pricing/ : $1.29 per million requests (Tokyo, carried).
 * - EventBridge https://aws.amazon.com/eventbridge/pricing/ : $1.00 per million custom events; Scheduler
 *   $1.00 per million invocations after 14 million free a month (verified, third-party summaries of the page,
 *   March–May 2026): the 43,200 sweeps a month are inside the free part.
 * - CloudWatch https://aws.amazon.com/cloudwatch/pricing/ : $0.10 per standard-resolution alarm metric-month;
 *   a metric-math alarm is billed per metric it reads and may read at most 10
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html, verified); composite
 *   alarms $0.50 each; custom metrics $0.30 per metric-month, pro-rated by the hours with data; always-free:
 *   10 alarm metrics and 10 custom metrics per account (verified on the pricing page's free-tier table).
 * - Secrets Manager https://aws.amazon.com/secrets-manager/pricing/ : $0.40 per secret-month (verified,
 *   same rate quoted); KMS https://aws.amazon.com/kms/pricing/ : $1 per customer-managed key-month, AWS-managed
 *   and AWS-owned keys no monthly fee, 20,000 requests free then $0.03 per 10,000 (verified, 2026 summaries).
 *   The stack now has neither (the signing key is a table item: one 1-RRU read per cold start).
 * - SES https://aws.amazon.com/ses/pricing/ : $0.10 per 1,000 mails (reported apart: the issue's target
 *   excludes SES's own per-mail price).
 * - X-Ray https://aws.amazon.com/xray/pricing/ : $5.00 per million traces recorded, first 100,000 a month free
 *   (verified). Lambda with active tracing records the first request of each second: an every-minute sweep
 *   would be 43,200 traces a month; the sweeper is `passThrough` (infra/catalog.ts), so none.
 * - CloudWatch dashboards: $3.00 per dashboard-month, first 3 per account free (carried, 2026 summaries of the
 *   pricing page); Logs ingestion $0.76 per GB in Tokyo (carried). Idle log volume is measured below.
 *
 * Workload (issue 16 item 8): 1,000 new leads a month, 20 tracked events and 5 step e-mails each, 1% become
 * hot (a hand-off), a sweep every minute over the due index's shards. The idle sweep is MEASURED here: the
 * deployed sweeper handler (middy, Powertools, the real use case) on its own DynamoDB Local with nothing due,
 * its wall time, Node CPU time, DynamoDB calls and log bytes per run; its Lambda duration at the catalog's
 * memory is the I/O wait plus the CPU time scaled to the memory's vCPU share (1,769 MB = 1 vCPU), an upper
 * bound on this loaded machine. Other Lambda durations are stated assumptions, memory from infra/catalog.ts.
 *
 *   npx tsx bench/cost.ts [--leads 1000]
 */
import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '#infra/app';
import { FUNCTIONS } from '#infra/catalog';
import { fixedInventory } from '#infra/inventory';
import { DUE_SHARDS } from '#store/table-design';
import { testApp } from '../test/support/cdk-app.ts';
import type { BenchResult } from './support.ts';
import { figure, median, numberArg, startBenchEngines, writeResult } from './support.ts';

export const PRICES = {
  date: '2026-12-04',
  region: 'ap-northeast-1',
  dynamodbPerMillionWru: 0.715,
  dynamodbPerMillionRru: 0.143,
  dynamodbPerGbMonth: 0.285,
  lambdaPerMillionRequests: 0.2,
  lambdaPerGbSecond: 0.0000133334, // Arm (the functions run on ARM_64)
  httpApiPerMillion: 1.29,
  eventBridgePerMillionEvents: 1.0,
  secretPerMonth: 0.4,
  secretsPer10kCalls: 0.05,
  kmsKeyPerMonth: 1.0,
  alarmMetricPerMonth: 0.1,
  compositeAlarmPerMonth: 0.5,
  customMetricPerMonth: 0.3,
  freeAlarmMetrics: 10,
  freeLambdaRequests: 1_000_000,
  freeLambdaGbS: 400_000,
  logsPerGb: 0.76,
  sesPer1000: 0.1,
  xrayPerMillionTraces: 5.0,
  dashboardPerMonth: 3.0,
} as const;

const LEADS = numberArg('leads', 1000);
const EVENTS_PER_LEAD = 20;
const MAILS_PER_LEAD = 5;
const HOT_SHARE = 0.01;
const SWEEPS_PER_MONTH = 30 * 24 * 60;
const SWEEPER = FUNCTIONS.find((f) => f.name === 'sweeper');
if (!SWEEPER) throw new Error('no sweeper in the catalog');
const SWEEPER_MB = SWEEPER.memoryMb;
/** Lambda gives a function 1 vCPU at 1,769 MB, in proportion below. */
const MB_PER_VCPU = 1769;
/** Lambda's own lines per invocation (JSON format: platform.start and platform.report), bytes. */
const PLATFORM_LOG_BYTES = 420;
/** Cold starts of an always-warm function (one every 2 hours, as for the key reads below). */
const COLD_STARTS_PER_MONTH = 12 * 30;

const idleSweep = await measureIdleSweep(numberArg('sweeps', 40));

/** Lambda durations (ms): an API request and a step within a sweep (assumed), an idle sweep (measured). */
const MS = { request: 60, idleSweep: idleSweep.lambdaMs, step: 40 };
/**
 * Cold starts of the functions that sign tokens read the key item (1 RRU, strongly consistent); assume one
 * container per function renewed every 2 hours.
 */
const KEY_READS_PER_MONTH = FUNCTIONS.filter((f) => f.grants?.signingSecret).length * 12 * 30;

/** What the synthesized stack (config/ as it is) bills every month: alarms, keys, secrets. */
const inventory = fixedInventory(Template.fromStack(buildApp(testApp()).stack).toJSON());

const read = (name: string): BenchResult | undefined => {
  try {
    return JSON.parse(
      readFileSync(new URL(`./results/${name}.json`, import.meta.url), 'utf8'),
    ) as BenchResult;
  } catch {
    return undefined;
  }
};
const value = (result: BenchResult | undefined, prefix: string): number => {
  const f = result?.figures?.find((x) => x.name.startsWith(prefix));
  if (!f)
    throw new Error(`no figure "${prefix}" in bench/results: run npm run bench -- tracking units first`);
  return f.figure;
};
const tracking = read('tracking');
const units = read('units');
const per = {
  // The whole mix (band and threshold crossings included), not only the steady state the target is on.
  event: {
    w: value(tracking, 'write units per tracking event, whole mix'),
    r: value(tracking, 'read units per tracking event, whole mix'),
  },
  capture: {
    w: value(units, 'write units per form capture'),
    r: value(units, 'read units per form capture'),
  },
  step: { w: value(units, 'write units per step e-mail'), r: value(units, 'read units per step e-mail') },
};

const events = LEADS * EVENTS_PER_LEAD;
const mails = LEADS * MAILS_PER_LEAD;
// An idle sweep reads one (empty) page per shard: the minimum 0.5 RRU each, eventually consistent.
const idleSweepRru = DUE_SHARDS * 0.5;
/**
 * Owner alert mails (config/handoff.ts → ownerAlerts), counted by the billing rules from what
 * `#app/alert-owner` sends, not measured: each hand-off delivers `Lead Handed Off` and `Lead Assigned` to the
 * function (two invocations), the first reads the lead (two strongly consistent GetItems of items under 4 KB,
 * 1 RRU each), claims its mail and records the message id (two puts under 1 KB, 1 WRU each); the second only
 * reads the lead. The mail itself is SES's per-mail price, outside this bill.
 */
const ownerAlerts = FUNCTIONS.some((f) => f.name === 'owner-alerts') ? LEADS * HOT_SHARE : 0;
/** Weekdays a cron names (`MON,WED`: 2; `*`: every day). */
const cronWeekdays = (weekDay: string): number => (weekDay === '*' ? 7 : weekDay.split(',').length);
/**
 * The gauges' nightly fold on an idle stack (nothing to move): it reads its mark and one empty range per
 * report shard (consistent: 1 RRU each) and records the day (1 WRU), in a function of its size for about a
 * second. With traffic it also updates each shard whose days hold moves (1 WRU each): counted below at every
 * shard every night, the most it can be.
 */
const FOLDS_PER_MONTH = (7 * 52) / 12;
const FOLD = FUNCTIONS.find((f) => f.name === 'report-fold');
if (!FOLD) throw new Error('no report-fold in the catalog');
// Imported here: the store reads its environment at import, which the idle sweep's engines set above.
const { REPORT_SHARDS } = await import('#store/report-counters');
const foldRru = 1 + REPORT_SHARDS;
const wru =
  LEADS * per.capture.w +
  events * per.event.w +
  mails * per.step.w +
  ownerAlerts * 2 +
  FOLDS_PER_MONTH * (1 + REPORT_SHARDS);
const rru =
  ownerAlerts * 4 +
  LEADS * per.capture.r +
  events * per.event.r +
  mails * per.step.r +
  SWEEPS_PER_MONTH * idleSweepRru +
  FOLDS_PER_MONTH * foldRru +
  KEY_READS_PER_MONTH;
const requests = LEADS + events + LEADS * HOT_SHARE * 3; // captures, events, hand-off actions
const gbs = (mb: number, ms: number, n: number) => (mb / 1024) * (ms / 1000) * n;
const lambdaGbS =
  gbs(512, MS.request, requests) +
  gbs(SWEEPER_MB, MS.idleSweep, SWEEPS_PER_MONTH) +
  gbs(512, MS.step, mails) +
  gbs(256, MS.request, ownerAlerts * 2) +
  gbs(FOLD.memoryMb, 1000, FOLDS_PER_MONTH);
// + outbox / EventBridge-driven invocations, the owner alerts' two per hand-off, the nightly fold.
const lambdaRequests = requests + SWEEPS_PER_MONTH + LEADS * 3 + ownerAlerts * 2 + FOLDS_PER_MONTH;
const busEvents = LEADS * 3 + LEADS * HOT_SHARE * 2;
const alarmMetrics = inventory.alarmMetrics;
const storageGb = (LEADS * (2 + 1 + EVENTS_PER_LEAD + MAILS_PER_LEAD) * 500) / 1024 ** 3;

const usd = (x: number) => Math.round(x * 10_000) / 10_000;
const lines = {
  dynamodbWrites: usd((wru / 1e6) * PRICES.dynamodbPerMillionWru),
  dynamodbReads: usd((rru / 1e6) * PRICES.dynamodbPerMillionRru),
  dynamodbStorage: usd(storageGb * PRICES.dynamodbPerGbMonth),
  lambda: usd(
    (lambdaRequests / 1e6) * PRICES.lambdaPerMillionRequests + lambdaGbS * PRICES.lambdaPerGbSecond,
  ),
  httpApi: usd((requests / 1e6) * PRICES.httpApiPerMillion),
  eventBridge: usd((busEvents / 1e6) * PRICES.eventBridgePerMillionEvents),
  secret: usd(inventory.secrets * PRICES.secretPerMonth),
  kmsKey: usd(inventory.kmsKeys * PRICES.kmsKeyPerMonth),
  alarms: usd(
    alarmMetrics * PRICES.alarmMetricPerMonth + inventory.compositeAlarms * PRICES.compositeAlarmPerMonth,
  ),
  dashboards: usd(inventory.dashboards * PRICES.dashboardPerMonth),
};
/** Traces an idle month records: every scheduled run of an actively traced function (Lambda samples it). */
const idleTraces = FUNCTIONS.filter((f) => f.tracing !== 'passThrough')
  .flatMap((f) => f.triggers)
  .reduce(
    (runs, t) =>
      t.kind !== 'schedule'
        ? runs
        : // A cron schedule runs about 4.33 times a month per weekday it names (the weekly digest: one; the
          // morning list: the five business weekdays, holidays included, as the schedule fires on them; the
          // gauges' fold: every day).
          runs + ('cron' in t ? (cronWeekdays(t.cron.weekDay) * 52) / 12 : SWEEPS_PER_MONTH / t.everyMinutes),
    0,
  );
/**
 * Custom metrics an idle sweeper publishes (EMF seen in its measured output): each is billed for the hours it
 * receives data. In every run: all hours; only at a cold start (Powertools' ColdStart): the hours with one.
 */
const idleMetricHours =
  idleSweep.metricsEveryRun.length * 730 +
  idleSweep.metricsAtColdStart.length * Math.min(730, COLD_STARTS_PER_MONTH);
const idle = {
  sweeps: usd(
    ((SWEEPS_PER_MONTH * idleSweepRru) / 1e6) * PRICES.dynamodbPerMillionRru +
      (SWEEPS_PER_MONTH / 1e6) * PRICES.lambdaPerMillionRequests +
      gbs(SWEEPER_MB, MS.idleSweep, SWEEPS_PER_MONTH) * PRICES.lambdaPerGbSecond,
  ),
  gaugeFold: usd(
    ((FOLDS_PER_MONTH * foldRru) / 1e6) * PRICES.dynamodbPerMillionRru +
      (FOLDS_PER_MONTH / 1e6) * PRICES.dynamodbPerMillionWru +
      (FOLDS_PER_MONTH / 1e6) * PRICES.lambdaPerMillionRequests +
      gbs(FOLD.memoryMb, 1000, FOLDS_PER_MONTH) * PRICES.lambdaPerGbSecond,
  ),
  secret: lines.secret,
  kmsKey: lines.kmsKey,
  alarms: lines.alarms,
  dashboards: lines.dashboards,
  // Measured: what an idle sweep writes to its log group, plus Lambda's own lines.
  sweeperLogs: usd(
    ((SWEEPS_PER_MONTH * (idleSweep.logBytes + PLATFORM_LOG_BYTES)) / 1024 ** 3) * PRICES.logsPerGb,
  ),
  xrayTraces: usd((idleTraces / 1e6) * PRICES.xrayPerMillionTraces),
  // SweeperLagSeconds is emitted only when something is due; the ColdStart metric is off (shared/http/lambda.ts).
  customMetrics: usd((idleMetricHours / 730) * PRICES.customMetricPerMonth),
};

// The month's bill: the traffic lines plus the idle-only lines they do not already hold (logs, traces and
// metrics of traffic are not modelled: the per-lead figure counts units, requests and durations).
const total =
  Object.values(lines).reduce((a, b) => a + b, 0) + idle.sweeperLogs + idle.xrayTraces + idle.customMetrics;
const idleTotal = Object.values(idle).reduce((a, b) => a + b, 0);
const perThousand = ((total - idleTotal) / LEADS) * 1000;
/**
 * The same idle stack after AWS's always-free allowances (per account: they hold when the stack has its
 * account to itself, as AWS recommends per workload): 10 alarm metrics, Lambda's 1M requests and 400,000
 * GB-seconds; the Scheduler's 14M invocations are already counted free above.
 */
const idleAfterFreeTier = usd(
  idle.sweeps -
    Math.min(
      (SWEEPS_PER_MONTH / 1e6) * PRICES.lambdaPerMillionRequests +
        gbs(SWEEPER_MB, MS.idleSweep, SWEEPS_PER_MONTH) * PRICES.lambdaPerGbSecond,
      idle.sweeps,
    ) +
    Math.max(0, alarmMetrics - PRICES.freeAlarmMetrics) * PRICES.alarmMetricPerMonth +
    Math.max(0, inventory.dashboards - 3) * PRICES.dashboardPerMonth +
    Math.max(0, idleTraces - 100_000) * (PRICES.xrayPerMillionTraces / 1e6) +
    idle.sweeperLogs +
    idle.gaugeFold +
    idle.customMetrics +
    idle.kmsKey +
    idle.secret,
);
const ses = (mails / 1000) * PRICES.sesPer1000;

console.log(`\ncost model: ${LEADS} leads/month, ${PRICES.region} on-demand list prices of ${PRICES.date}\n`);
console.table(lines);
console.table(idle);
console.log(
  `  total ${usd(total)} USD/month (+ SES ${usd(ses)}); idle stack ${usd(idleTotal)} USD/month at list price, ${idleAfterFreeTier} after the always-free allowances; ${alarmMetrics} alarm metrics in ${inventory.alarms} alarms`,
);
writeResult(
  'cost',
  [
    figure('bill per 1,000 leads a month, beyond the idle stack (excl. SES)', perThousand, 'USD', 0, {
      on: 'figure',
      max: 0.5,
      source: 'issue 16 item 8',
    }),
    figure('idle stack (no leads, no traffic), list price', idleTotal, 'USD/month', 0, {
      on: 'figure',
      max: 0.5,
      source: 'issue 16 item 8',
    }),
    figure('idle stack after the always-free allowances (informative)', idleAfterFreeTier, 'USD/month', 0),
    figure('idle sweep, measured wall time here (informative)', idleSweep.wallMs, 'ms', 0),
    figure(`idle sweep, modelled Lambda duration at ${SWEEPER_MB} MB`, idleSweep.lambdaMs, 'ms', 0),
  ],
  {
    prices: PRICES,
    workload: {
      leads: LEADS,
      eventsPerLead: EVENTS_PER_LEAD,
      mailsPerLead: MAILS_PER_LEAD,
      hotShare: HOT_SHARE,
      sweepsPerMonth: SWEEPS_PER_MONTH,
    },
    unitsPerOperation: per,
    monthly: {
      wru,
      rru,
      lambdaRequests,
      lambdaGbS: usd(lambdaGbS),
      alarmMetrics,
      signingKeyReads: KEY_READS_PER_MONTH,
    },
    inventory,
    idleAfterFreeTier,
    idleSweep: {
      ...idleSweep,
      memoryMb: SWEEPER_MB,
      model: 'lambdaMs = (wall − cpu) + cpu × max(1, 1769 ÷ MB)',
    },
    idleTraces,
    lines,
    idle,
    totalUsd: usd(total),
    sesUsd: usd(ses),
    assumptions: {
      lambdaMs: MS,
      platformLogBytesPerInvocation: PLATFORM_LOG_BYTES,
      coldStartsPerMonth: COLD_STARTS_PER_MONTH,
      note: 'list prices, no free tier counted (idleAfterFreeTier apart); alarm metrics, keys and secrets counted from the synthesized stack (infra/inventory.ts)',
    },
  },
);

/**
 * The deployed sweeper handler, idle: nothing due, so each run is the 8 shard queries and the middleware.
 * Asserts what it timed: every run found nothing due and made exactly one DynamoDB call per shard.
 */
async function measureIdleSweep(runs: number) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // As deployed (infra/lead-function.ts): log level info, the function's service name, the metrics namespace.
  Object.assign(process.env, {
    LOG_LEVEL: 'info',
    POWERTOOLS_SERVICE_NAME: 'sweeper',
    POWERTOOLS_METRICS_NAMESPACE: 'LeadLoop',
    // What Lambda sets in an on-demand environment (Powertools counts a cold start only then).
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  });
  const engines = await startBenchEngines('bench-cost');
  try {
    const { dynamodb } = await import('#store/dynamodb');
    let calls = 0;
    dynamodb.middlewareStack.add(
      (next) => async (args) => {
        calls++;
        return next(args);
      },
      { step: 'initialize', name: 'costBenchCallCounter' },
    );
    const { handler } = await import('../functions/sweeper/handler.ts');
    const context = {
      functionName: 'leadloop-sweeper',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:ap-northeast-1:123456789012:function:leadloop-sweeper',
      memoryLimitInMB: String(SWEEPER_MB),
      awsRequestId: '',
      logGroupName: '/aws/lambda/leadloop-sweeper',
      logStreamName: 'bench',
      callbackWaitsForEmptyEventLoop: false,
      getRemainingTimeInMillis: () => 60_000,
      done: () => {},
      fail: () => {},
      succeed: () => {},
    };
    // Everything the handler writes (Lambda ships stdout and stderr to the log group).
    let output = '';
    const capture = (stream: NodeJS.WriteStream) => {
      const write = stream.write.bind(stream);
      // Kept, not printed: the bench's own output stays readable (a callback, if any, is not called).
      stream.write = ((chunk: string | Uint8Array) => {
        output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        return true;
      }) as typeof stream.write;
      return () => {
        stream.write = write;
      };
    };
    const emfMetrics = (text: string): string[] =>
      [...text.matchAll(/"Metrics":\[([^\]]*)\]/g)].flatMap((m) =>
        [...(m[1] ?? '').matchAll(/"Name":"([^"]+)"/g)].map((n) => n[1] ?? ''),
      );
    const run = async (i: number) => {
      context.awsRequestId = `bench-${i}`;
      calls = 0;
      output = '';
      const restore = [capture(process.stdout), capture(process.stderr)];
      const cpu = process.cpuUsage();
      const started = performance.now();
      let report: { due: number };
      try {
        report = (await handler({ source: 'aws.scheduler' }, context as never)) as { due: number };
      } finally {
        for (const r of restore) r();
      }
      const wall = performance.now() - started;
      const used = process.cpuUsage(cpu);
      if (report.due !== 0) throw new Error(`idle sweep found ${report.due} due`);
      if (calls !== DUE_SHARDS)
        throw new Error(`idle sweep made ${calls} DynamoDB calls, expected ${DUE_SHARDS}`);
      return {
        wall,
        cpu: (used.user + used.system) / 1000,
        bytes: Buffer.byteLength(output),
        metrics: emfMetrics(output),
      };
    };
    const cold = await run(0);
    for (let i = 1; i <= 5; i++) await run(i); // warm: JIT, connections
    const warm = [];
    for (let i = 0; i < runs; i++) warm.push(await run(100 + i));
    const wallMs = median(warm.map((r) => r.wall));
    const cpuMs = median(warm.map((r) => r.cpu));
    const lambdaMs = Math.ceil(Math.max(0, wallMs - cpuMs) + cpuMs * Math.max(1, MB_PER_VCPU / SWEEPER_MB));
    const everyRun = [...new Set(warm.flatMap((r) => r.metrics))];
    return {
      runs,
      wallMs: Math.round(wallMs * 10) / 10,
      cpuMs: Math.round(cpuMs * 10) / 10,
      lambdaMs,
      dynamodbCalls: DUE_SHARDS,
      logBytes: Math.round(median(warm.map((r) => r.bytes))),
      metricsEveryRun: everyRun,
      metricsAtColdStart: cold.metrics.filter((m) => !everyRun.includes(m)),
    };
  } finally {
    await engines.stop();
  }
}
