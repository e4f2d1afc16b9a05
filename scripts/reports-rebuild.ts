/**
 * `npm run reports:rebuild`: recompute every report counter (funnel, cohort, SLA, gauges) from the stored
 * leads, after an upgrade or a change of `config/reports.ts` (channel grouping). Local by default (the
 * DynamoDB Local of `npm start`), or `TABLE_NAME=… npm run reports:rebuild` against AWS.
 *
 *   --restart           ignore the checkpoint (.data/reports-rebuild-checkpoint.json)
 *   --checkpoint FILE   where the checkpoint lives
 *   --page N            leads per scan page (default 200)
 *
 * Shows a progress bar; Ctrl-C stops after the current page and the next run resumes from there (the
 * counters accumulated so far are in the checkpoint). The counters are written at the end, in one pass.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RebuildState } from '#app/report-rebuild';

interface Checkpoint extends RebuildState {
  table: string;
}

export async function rebuildReports(options: {
  checkpointFile?: string | undefined;
  restart?: boolean | undefined;
  pageSize?: number | undefined;
  onProgress?: ((p: { leads: number; estimated: number | undefined }) => void) | undefined;
  signal?: AbortSignal | undefined;
}): Promise<{
  leads: number;
  erased: number;
  items: number;
  removed: number;
  interrupted: boolean;
  resumed: boolean;
}> {
  const { emptyRebuild, rebuildPage, writeRebuiltCounters } = await import('#app/report-rebuild');
  const { approximateItemCount } = await import('#store/leads');
  const table = process.env.TABLE_NAME ?? '';
  let state: RebuildState = emptyRebuild();
  let resumed = false;
  const file = options.checkpointFile;
  if (file && existsSync(file) && !options.restart) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
    if (saved.table === table && !saved.done) {
      state = saved;
      resumed = true;
    }
  }
  const estimated = await approximateItemCount().catch(() => undefined);
  const save = (s: RebuildState) => {
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify({ ...s, table } satisfies Checkpoint));
    renameSync(`${file}.tmp`, file);
  };
  while (!state.done) {
    if (options.signal?.aborted)
      return {
        leads: state.leads,
        erased: state.erased ?? 0,
        items: 0,
        removed: 0,
        interrupted: true,
        resumed,
      };
    state = await rebuildPage(state, options.pageSize ?? 200, true);
    save(state);
    options.onProgress?.({ leads: state.leads, estimated });
  }
  const written = await writeRebuiltCounters(state.counters);
  if (file) rmSync(file, { force: true });
  return { leads: state.leads, erased: state.erased ?? 0, ...written, interrupted: false, resumed };
}

function bar(leads: number, estimated: number | undefined, width = 30): string {
  // Each lead is about three items (profile, state, e-mail index) plus its timeline: a rough share.
  const total = estimated ? Math.max(leads, Math.round(estimated / 4)) : undefined;
  if (!total) return `${leads} leads`;
  const done = Math.min(width, Math.round((leads / total) * width));
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${leads} leads (~${total})`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      restart: { type: 'boolean', default: false },
      checkpoint: { type: 'string' },
      page: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('npm run reports:rebuild [-- --restart] [--checkpoint FILE] [--page N]\n');
    return;
  }
  const pageSize = values.page === undefined ? 200 : Number(values.page);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
    throw new Error('--page must be an integer from 1 to 1000');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (!process.env.TABLE_NAME) {
    Object.assign(process.env, {
      TABLE_NAME: 'leadloop-local',
      AWS_ENDPOINT_URL_DYNAMODB:
        process.env.AWS_ENDPOINT_URL_DYNAMODB ?? `http://localhost:${process.env.DYNAMODB_PORT ?? 8000}`,
      AWS_REGION: process.env.AWS_REGION ?? 'ap-northeast-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    });
  }
  // Required by the shared environment schema, unused here.
  process.env.EVENT_BUS_NAME ??= 'unused-by-rebuild';
  process.env.SES_CONFIGURATION_SET ??= 'unused-by-rebuild';
  process.env.PUBLIC_BASE_URL ??= 'http://localhost:3000';
  process.env.LOG_LEVEL ??= 'warn';
  const tty = process.stdout.isTTY === true;
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stdout.write('\nstopping after this page; run again to resume\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  process.stdout.write(`rebuilding report counters of table ${process.env.TABLE_NAME}\n`);
  const summary = await rebuildReports({
    checkpointFile: resolve(values.checkpoint ?? '.data/reports-rebuild-checkpoint.json'),
    restart: values.restart,
    pageSize,
    onProgress: (p) => {
      if (tty) process.stdout.write(`\r${bar(p.leads, p.estimated)}`);
    },
    signal: controller.signal,
  });
  process.stdout.write(
    summary.interrupted
      ? `\ninterrupted after ${summary.leads} leads; run again to resume\n`
      : `\n${summary.leads} leads and ${summary.erased} erased leads${summary.resumed ? ' (resumed)' : ''}: ${summary.items} counter items written, ${summary.removed} removed\n`,
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
