import { mkdirSync, writeFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  LOCAL_SDK_TIMEOUT_SCALE,
  startDynamoDbLocal,
  startLocalSes,
} from '#local/engines';
import { ensureTable } from '#local/table';
import { freePort } from '../test/support/ports.ts';

/** Small helpers every benchmark shares: command-line numbers and medians (the machine is noisy). */

/** `--name 123` from the command line, or the fallback. */
export const numberArg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
};

export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * A fresh DynamoDB Local (and, when asked, a local SES) on free ports, the product's environment pointing
 * at them, and the table created from the table design. Import product modules only after this resolves:
 * they read the environment at import time, as a Lambda cold start does.
 */
export const startBenchEngines = async (table: string, options: { ses?: boolean } = {}) => {
  const [dynamo, ses] = await Promise.all([
    freePort().then((p) => startDynamoDbLocal(p)),
    options.ses ? freePort().then((p) => startLocalSes(p)) : undefined,
  ]);
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    ...(ses ? { AWS_ENDPOINT_URL_SESV2: ses.endpoint } : {}),
    SDK_TIMEOUT_SCALE: process.env.SDK_TIMEOUT_SCALE ?? LOCAL_SDK_TIMEOUT_SCALE,
    TABLE_NAME: table,
    EVENT_BUS_NAME: 'bench',
    SES_CONFIGURATION_SET: 'bench',
    PUBLIC_BASE_URL: 'http://localhost:3000',
    SIGNING_SECRET: 'bench-signing-secret-that-is-long-enough-0123',
  });
  const admin = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  await ensureTable(admin, table);
  return {
    raw: DynamoDBDocumentClient.from(admin),
    sesEndpoint: ses?.endpoint ?? '',
    stop: async () => {
      await Promise.all([dynamo.stop(), ses?.stop()]);
    },
  };
};

/** One measured figure against its floor and target: what every bench writes and `npm run bench` checks. */
export interface Figure {
  name: string;
  figure: number;
  unit: string;
  /** The same quantity for the least the operation could do, measured in the same run (or stated). */
  floor: number;
  /** figure ÷ floor. */
  ratio: number;
  /** What must hold: an upper (`max`) or lower (`min`) bound on the figure or on the ratio. */
  target: { on: 'figure' | 'ratio'; max?: number; min?: number; source: string } | null;
  pass: boolean;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** A figure and whether it meets its target (a figure without target passes: it is recorded only). */
/**
 * Moves the one clock (`#adapters/clock`) to a moment when every due step may be sent: inside the nurture
 * send window (Tokyo business hours), past its opening spread, with `minutesLeft` of the window still ahead,
 * whatever the time of day the bench is run (at 17:45 Tokyo the window is open but closes during the run: the
 * next business morning is taken). Only forward, as the clock moves.
 */
export async function clockInSendWindow(minutesLeft = 60): Promise<void> {
  const { advanceClock, now } = await import('#adapters/clock');
  const { nextWindowOpening } = await import('#domain/nurture/calendar');
  const { settings } = await import('#config/settings');
  const window = settings.nurtureSettings.sendWindow;
  const MINUTE = 60_000;
  const open = (t: number) => nextWindowOpening(t, window) === t;
  const settled = (t: number) => nextWindowOpening(t, window) + ((window.spreadMinutes ?? 0) + 1) * MINUTE;
  let target = settled(now());
  for (let i = 0; i < 30 && !(open(target) && open(target + minutesLeft * MINUTE)); i++)
    target = settled(target + minutesLeft * MINUTE);
  if (!open(target)) throw new Error('no send window found to run the bench in');
  advanceClock(Math.max(0, target - now()));
}

export function figure(
  name: string,
  value: number,
  unit: string,
  floor: number,
  target: Figure['target'] = null,
): Figure {
  const ratio = floor > 0 ? value / floor : 0;
  const checked = target?.on === 'ratio' ? ratio : value;
  const pass =
    !target ||
    ((target.max === undefined || checked <= target.max) &&
      (target.min === undefined || checked >= target.min));
  return { name, figure: round3(value), unit, floor: round3(floor), ratio: round3(ratio), target, pass };
}

export interface BenchResult {
  bench: string;
  date: string;
  pass: boolean;
  figures: Figure[];
  details: unknown;
}

/** Writes bench/results/<bench>.json, prints the figures, and sets a failing exit code on a missed target. */
export function writeResult(bench: string, figures: Figure[], details: unknown = {}): BenchResult {
  const result: BenchResult = {
    bench,
    date: new Date().toISOString(),
    pass: figures.every((f) => f.pass),
    figures,
    details,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`./results/${bench}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  for (const f of figures) {
    const bound = f.target
      ? `${f.target.on} ${f.target.max !== undefined ? `≤ ${f.target.max}` : `≥ ${f.target.min}`}`
      : 'recorded';
    console.log(
      `  ${f.pass ? 'PASS' : 'MISS'}  ${f.name.padEnd(48)} ${f.figure} ${f.unit} (floor ${f.floor}, ratio ${f.ratio}; ${bound})`,
    );
  }
  if (!result.pass) process.exitCode = 1;
  return result;
}

/**
 * What a browser sends as its `User-Agent` (Chrome on Windows, the most common desktop browser of a B2B
 * visitor): a consenting post keeps it with the consent, so a capture measured without one would weigh a
 * profile lighter than the product stores.
 */
export const BROWSER_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** The body of a form post the benches send: a new lead with consent (`extra` adds or overrides fields). */
export const benchFormBody = (email: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    email,
    lastName: '山田',
    firstName: '太郎',
    company: '株式会社ベンチマーク',
    title: '部長',
    employees: '300-999',
    consent: true,
    ...extra,
  });
