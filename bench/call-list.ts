/**
 * The call list's read units (issue 16 item 5: "read units per page at most 1.5× the rows returned, at 1k
 * and 100k leads"): `GET /v1/ops/call-list` through the real handler, paged to the end, on a table of
 * `--small` leads and then of `--large` (the same leads plus the rest), each read unit counted by AWS's
 * rules (`#store/capacity` on the product's own client: a Query by the bytes it read, rounded up per 4 KB,
 * a BatchGet per item, eventually consistent at half).
 *
 * The population is a B2B base: 10% waiting for sales (warm or hot, no owner, before SAL: the list), 20%
 * owned by sales (handed off, accepted or not), 70% cold. The owned and cold leads carry no call-list key, so
 * the reads must not grow with them. Every run checks the outcome: the list returns exactly the waiting
 * leads, each once, hot before warm.
 *
 * Floor, measured in the same run: what a row needs at least, its state and profile in one eventually
 * consistent BatchGet (0.5 + 0.5 for items under 4 KB), read for the first page's leads. Figures: read units
 * per row over the whole list, and on the worst full page; target ≤ 1.5 each.
 *
 *   npx tsx bench/call-list.ts [--small 1000] [--large 100000] [--limit 50]
 */
import type { ListLeadSpec } from '../test/support/fixtures.ts';
import { figure, numberArg, startBenchEngines, writeResult } from './support.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL = 'silent';
process.env.OPS_TOKEN = 'bench-ops-token-0123456789';
const SMALL = numberArg('small', 1000);
const LARGE = numberArg('large', 100_000);
const LIMIT = numberArg('limit', 50);
const TABLE = 'bench-call-list';
const TARGET = 1.5;
const log = (line: string) => console.error(`[call-list bench] ${line}`);

const engines = await startBenchEngines(TABLE);
const { batchWriteAll, listLead } = await import('../test/support/fixtures.ts');
const { dynamodb } = await import('#store/dynamodb');
const { attachCapacityAccounting } = await import('#store/capacity');
const { leadItems } = await import('#store/lead-items');
const { keys } = await import('#store/keys');
const { BatchGetCommand } = await import('@aws-sdk/lib-dynamodb');
const { now } = await import('#adapters/clock');
const { loadApi } = await import('../test/support/http-harness.ts');
const meter = attachCapacityAccounting(dynamodb);
const api = await loadApi(['call-list']);
const at = now();

/** Lead n: every 10th waits for sales, the next two are sales', the other seven are cold. */
const specOf = (n: number): ListLeadSpec => {
  const id = `cl-${String(n).padStart(6, '0')}`;
  const score = 40 + ((n * 7) % 60);
  switch (n % 10) {
    case 0:
      return { id, score, temperature: n % 30 === 0 ? 'hot' : 'warm', stage: 'mql' };
    case 1:
      return { id, score, temperature: 'hot', stage: 'mql', owner: 'kobayashi' };
    case 2:
      return { id, score, temperature: 'warm', stage: 'sal', owner: 'sato' };
    default:
      return { id, score: (n * 13) % 40, temperature: 'cold', stage: 'lead' };
  }
};
const waits = (n: number) => n % 10 === 0;

async function seed(from: number, to: number): Promise<void> {
  const started = performance.now();
  const items: Record<string, unknown>[] = [];
  for (let n = from; n < to; n++) items.push(...leadItems(listLead(specOf(n), at)));
  await batchWriteAll(engines.raw, TABLE, items, 12);
  log(
    `seeded leads ${from}–${to - 1} (${items.length} items) in ${Math.round(performance.now() - started)} ms`,
  );
}

interface Page {
  rows: number;
  read: number;
}

/** Every page of the call list, with the read units each cost; the outcome checked against `leads`. */
async function readWholeList(leads: number): Promise<{ rows: number; read: number; pages: Page[] }> {
  meter.reset();
  const seen: string[] = [];
  const temperatures: string[] = [];
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/v1/ops/call-list?limit=${LIMIT}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const before = meter.total().read;
    const res = await api.call({ method: 'GET', url, headers: { authorization: `Bearer ${api.opsToken}` } });
    if (res.status !== 200) throw new Error(`call list answered ${res.status}: ${res.body.slice(0, 200)}`);
    const page = JSON.parse(res.body) as {
      items: { leadId: string; temperature: string }[];
      nextCursor: string | null;
    };
    pages.push({ rows: page.items.length, read: meter.total().read - before });
    seen.push(...page.items.map((i) => i.leadId));
    temperatures.push(...page.items.map((i) => i.temperature));
    cursor = page.nextCursor;
  } while (cursor);
  const expected = Array.from({ length: leads }, (_, n) => n)
    .filter(waits)
    .map((n) => specOf(n).id);
  if (new Set(seen).size !== seen.length) throw new Error('the call list returned a lead twice');
  if ([...seen].sort().join() !== expected.join())
    throw new Error(`the call list returned ${seen.length} leads, ${expected.length} wait for sales`);
  const firstWarm = temperatures.indexOf('warm');
  if (firstWarm >= 0 && temperatures.slice(firstWarm).includes('hot'))
    throw new Error('a hot lead came after a warm one');
  return { rows: seen.length, read: pages.reduce((n, p) => n + p.read, 0), pages };
}

/**
 * The floor, measured: read units per row of the least a page can read, its rows' state and profile in one
 * eventually consistent BatchGet (no index page), on the first `LIMIT` waiting leads.
 */
async function floorPerRow(): Promise<number> {
  const ids = Array.from({ length: Math.min(LIMIT, 50) * 10 }, (_, n) => n)
    .filter(waits)
    .map((n) => specOf(n).id);
  const Keys = ids.flatMap((id) => [keys.state(id), keys.profile(id)]);
  meter.reset();
  const read = await dynamodb.send(new BatchGetCommand({ RequestItems: { [TABLE]: { Keys } } }));
  const got = read.Responses?.[TABLE]?.length ?? 0;
  if (got !== Keys.length || read.UnprocessedKeys?.[TABLE])
    throw new Error(`floor read ${got} of ${Keys.length} items`);
  return meter.total().read / ids.length;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const target = { on: 'figure' as const, max: TARGET, source: 'issue 16 item 5' };
const figures = [];
const details: Record<string, unknown> = {};
try {
  let seeded = 0;
  for (const leads of [SMALL, LARGE]) {
    await seed(seeded, leads);
    seeded = leads;
    const result = await readWholeList(leads);
    const floor = await floorPerRow();
    const full = result.pages.filter((p) => p.rows === LIMIT);
    const perRow = result.read / result.rows;
    const worstAny = Math.max(...result.pages.filter((p) => p.rows > 0).map((p) => p.read / p.rows));
    // (A list shorter than one page has no full page: its only page stands in.)
    const worstFull = full.length ? Math.max(...full.map((p) => p.read / p.rows)) : worstAny;
    log(
      `${leads} leads: ${result.rows} rows in ${result.pages.length} pages, ${round3(result.read)} RRU ` +
        `(${round3(perRow)} a row; worst full page ${round3(worstFull)}, worst page of any size ` +
        `${round3(worstAny)}; floor ${round3(floor)} a row)`,
    );
    figures.push(
      figure(
        `call list read units per row returned, ${leads} leads (whole list)`,
        perRow,
        'RRU/row',
        floor,
        target,
      ),
      figure(
        `call list read units per row, worst full page of ${LIMIT}, ${leads} leads`,
        worstFull,
        'RRU/row',
        floor,
        target,
      ),
    );
    details[String(leads)] = {
      leads,
      waiting: result.rows,
      pages: result.pages.length,
      readUnits: round3(result.read),
      worstPageAnySize: round3(worstAny),
      pageReads: result.pages.map((p) => round3(p.read)),
    };
  }
  console.log(`\ncall-list bench: ${SMALL} and ${LARGE} leads, pages of ${LIMIT}, every row checked\n`);
  writeResult('call-list', figures, {
    ...details,
    floor:
      "measured: the first page's leads' state and profile in one eventually consistent BatchGet, per row",
    population: '10% waiting for sales (warm or hot, no owner, before SAL), 20% owned by sales, 70% cold',
  });
} finally {
  engines.raw.destroy();
  await engines.stop();
}
