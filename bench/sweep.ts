/**
 * Sweep cost follows what is due, not how many leads are enrolled: one sweep of 1,000 due step emails with
 * 1,000 and then 100,000 enrolled-but-not-due enrollments on the due index, on its own DynamoDB Local and
 * local SES, against a floor measured in the same run (raw UpdateItem ADD and GetItem ops/s).
 *
 * The sweep is the real one: `createSweeper` with the real `step` processor, so each due step is claimed,
 * its lead read, the attempt and the frequency-cap reservation written in one transaction, the mail sent
 * to the local SES, and the outcome, timeline entry and counters written. Only our own send-rate throttle
 * is lifted (it would otherwise set the pace, not the table). Each round seeds 1,000 fresh due leads
 * (profile, state, enrollment), so no frequency cap or earlier history is in play.
 *
 *   npx tsx bench/sweep.ts [--rounds 3] [--due 1000] [--large 100000]
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll, consentingLeadItems, dueEnrollmentItem } from '../test/support/fixtures.ts';
import { clockInSendWindow, figure, median, numberArg, startBenchEngines, writeResult } from './support.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL = 'silent';
const ROUNDS = numberArg('rounds', 3);
const DUE = numberArg('due', 1000);
const SMALL = 1000;
const LARGE = numberArg('large', 100_000);
const SEQUENCE = 'whitepaper-nurture';
const log = (line: string) => console.error(`[sweep bench] ${line}`);

const TABLE = 'bench-sweep';
const engines = await startBenchEngines(TABLE, { ses: true });
const { raw } = engines;

// Modules read the environment at import time: import them only now.
const { dynamodb } = await import('#store/dynamodb');
const { now } = await import('#adapters/clock');
const { createSweeper, TIMER_PROCESSORS } = await import('#app/sweep-due-timers');

// Count every call the product makes to DynamoDB (calls per step, against the floor).
let productCalls = 0;
dynamodb.middlewareStack.add(
  (next) => async (args) => {
    productCalls++;
    return next(args);
  },
  { step: 'initialize', name: 'benchCallCounter' },
);

// Business hours in Tokyo, so every due step may send now.
await clockInSendWindow();

const writeAll = (items: Record<string, unknown>[]) => batchWriteAll(raw, TABLE, items, 12);

/** Enrollments waiting on the due index, 1 to 30 days out (what a big account has most of the time). */
const loadNotDue = async (count: number, offset: number) => {
  const at = now();
  const items = Array.from({ length: count }, (_, i) => {
    const dueAt = at + 86_400_000 * (1 + ((i * 7919) % 30)) + (i % 3_600_000);
    return dueEnrollmentItem(`idle-${offset + i}`, SEQUENCE, dueAt, at);
  });
  const started = performance.now();
  await writeAll(items);
  return (count / (performance.now() - started)) * 1000;
};

/** `count` consenting leads whose first step is due now. */
const seedDue = async (count: number) => {
  const at = now();
  const items = Array.from({ length: count }, (_, i) => {
    const leadId = randomUUID();
    return [
      ...consentingLeadItems(leadId, `sweep-${leadId.slice(0, 8)}-${i}@example.co.jp`, at, {
        lastName: '山本',
        firstName: '健',
        company: '株式会社ベンチマーク',
      }),
      dueEnrollmentItem(leadId, SEQUENCE, at - 1000),
    ];
  }).flat();
  await writeAll(items);
};

const sweep = createSweeper({ step: TIMER_PROCESSORS.step }, { sendRatePerSecond: 1_000_000 });

/** Raw ops/s on one item, `parallel` at a time, on the same DynamoDB Local (the floor). */
const rate = async (op: 'update' | 'get', total: number, parallel: number) => {
  const key = { pk: 'BENCH#floor', sk: 'counter' };
  const once = () =>
    op === 'update'
      ? raw.send(
          new UpdateCommand({
            TableName: TABLE,
            Key: key,
            UpdateExpression: 'ADD n :one',
            ExpressionAttributeValues: { ':one': 1 },
          }),
        )
      : raw.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }));
  let left = total;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (left-- > 0) await once();
    }),
  );
  return (total / (performance.now() - started)) * 1000;
};

/**
 * One measured sweep of `DUE` fresh due steps. The floor (UpdateItem at the sweeper's concurrency of 8) is
 * measured right before and after it, so each sweep can also be expressed in floor operations: on a shared
 * machine the wall time moves with everyone else's load, its ratio to the floor much less.
 */
const timedSweep = async () => {
  await seedDue(DUE);
  await fetch(`${engines.sesEndpoint}/clear-store`, { method: 'POST' });
  const floorBefore = await rate('update', 400, 8);
  productCalls = 0;
  const started = performance.now();
  const report = await sweep({});
  const ms = performance.now() - started;
  const calls = productCalls;
  const floorAfter = await rate('update', 400, 8);
  if (report.done !== DUE || report.failed !== 0) {
    throw new Error(`sweep did ${report.done}/${DUE} steps (${report.failed} failed)`);
  }
  const store = (await (await fetch(`${engines.sesEndpoint}/store`)).json()) as { emails: unknown[] };
  if (store.emails.length !== DUE) throw new Error(`expected ${DUE} mails, SES has ${store.emails.length}`);
  const floor = (floorBefore + floorAfter) / 2;
  return { ms, floor, floorOps: (ms / 1000) * floor, callsPerStep: calls / DUE };
};

const runSize = async (label: string) => {
  const results: Awaited<ReturnType<typeof timedSweep>>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const result = await timedSweep();
    log(
      `${label}: sweep ${r + 1}/${ROUNDS} ${result.ms.toFixed(0)} ms (floor ${result.floor.toFixed(0)} ops/s)`,
    );
    results.push(result);
  }
  return {
    medianMs: median(results.map((r) => r.ms)),
    medianFloorOps: median(results.map((r) => r.floorOps)),
    sweepsMs: results.map((r) => Math.round(r.ms)),
    floorOpsPerSecond: results.map((r) => Math.round(r.floor)),
    callsPerStep: median(results.map((r) => r.callsPerStep)),
  };
};

const startedAll = performance.now();
try {
  log('floor');
  await rate('update', 200, 8); // warm-up
  const floorStart = {
    updateSequential: await rate('update', 300, 1),
    updateParallel8: await rate('update', 1200, 8),
    getParallel8: await rate('get', 1200, 8),
  };
  log(`loading ${SMALL} not-due enrollments`);
  await loadNotDue(SMALL, 0);
  await timedSweep(); // warm-up (JIT, connections)
  const small = await runSize(`${SMALL} enrolled`);
  log(`loading ${LARGE - SMALL} more not-due enrollments`);
  const loadRate = await loadNotDue(LARGE - SMALL, SMALL);
  const large = await runSize(`${LARGE} enrolled`);

  const ratio = large.medianMs / small.medianMs;
  const floorRatio = large.medianFloorOps / small.medianFloorOps;
  const stepsPerSecond = (DUE / small.medianMs) * 1000;
  const result = {
    bench: 'sweep',
    date: new Date().toISOString(),
    processor:
      'real step processor (claim, lead read, reserve+attempt transaction, local SES send, outcome transaction, counters); send throttle lifted',
    due: DUE,
    rounds: ROUNDS,
    enrolledSmall: SMALL,
    enrolledLarge: LARGE,
    small,
    large,
    ratioLargeOverSmall: Number(ratio.toFixed(3)),
    /** The same ratio with each sweep counted in floor operations (sweep seconds × floor ops/s around it). */
    ratioLargeOverSmallInFloorOps: Number(floorRatio.toFixed(3)),
    stepsPerSecond: Number(stepsPerSecond.toFixed(1)),
    dynamodbCallsPerStep: Number(small.callsPerStep.toFixed(2)),
    floorAtStart: floorStart,
    /** DynamoDB calls the sweep made per second, as a share of raw UpdateItem ops/s at 8 concurrent. */
    sweepCallsOverFloor: Number(
      ((stepsPerSecond * small.callsPerStep) / median(small.floorOpsPerSecond)).toFixed(3),
    ),
    loadItemsPerSecond: Math.round(loadRate),
    totalSeconds: Math.round((performance.now() - startedAll) / 1000),
  };
  const rows = [
    ['enrolled (not due)', `sweep of ${DUE} due`, 'in floor ops', 'sweeps (ms)', 'floor ops/s per sweep'],
    ...[
      [SMALL, small],
      [LARGE, large],
    ].map(([n, r]) => {
      const x = r as typeof small;
      return [
        String(n),
        `${x.medianMs.toFixed(0)} ms`,
        x.medianFloorOps.toFixed(0),
        x.sweepsMs.join(', '),
        x.floorOpsPerSecond.join(', '),
      ];
    }),
  ];
  console.log(rows.map((r) => r.map((c) => c.padEnd(24)).join('')).join('\n'));
  console.log(
    `\nratio t(${LARGE})/t(${SMALL}) = ${ratio.toFixed(2)} wall, ${floorRatio.toFixed(2)} in floor ops (1.00 = what is not due costs nothing; medians of ${ROUNDS})`,
  );
  console.log(
    `steps/s ${stepsPerSecond.toFixed(0)}, DynamoDB calls per step ${small.callsPerStep.toFixed(1)}; floor at start: UpdateItem ${floorStart.updateSequential.toFixed(0)} ops/s sequential, ${floorStart.updateParallel8.toFixed(0)} at 8 concurrent, GetItem ${floorStart.getParallel8.toFixed(0)} at 8`,
  );
  writeResult(
    'sweep',
    [
      figure(
        `sweep of ${DUE} due with ${LARGE} enrolled (floor: ${SMALL} enrolled)`,
        large.medianFloorOps,
        'floor ops',
        small.medianFloorOps,
        {
          on: 'ratio',
          max: 1.25,
          source: 'what is not due costs nothing',
        },
      ),
    ],
    result,
  );
} finally {
  raw.destroy();
  await engines.stop();
}
