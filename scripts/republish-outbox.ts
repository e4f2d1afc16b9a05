/**
 * `npm run outbox:republish -- --since <time>`: put the outbox events of a time range on the bus again.
 * The recovery for an outbox stream that skipped records (an EventBridge outage longer than the stream's
 * 6-hour retry age: the stack DLQ then holds a message with the skipped records' time range) or a target
 * that lost events. Targets de-duplicate on `detail.eventId`, so events that did arrive change nothing.
 *
 *   TABLE_NAME=leadloop-prod-table EVENT_BUS_NAME=leadloop-prod-leads AWS_REGION=ap-northeast-1 \
 *     npm run outbox:republish -- --since 2026-12-05T01:00:00Z --until 2026-12-05T08:00:00Z --dry-run
 *   npm run outbox:republish -- --since 2026-12-05T10:00:00+09:00    # the running `npm start`
 *
 *   --since TIME    ISO 8601 (required); outbox events are kept 7 days
 *   --until TIME    ISO 8601 (default: now)
 *   --dry-run       count the events, publish nothing
 *   --segments N    parallel scan segments (default 4)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readRuntimeInfo, useLocalTable } from '#local/runtime-file';

const HELP =
  'npm run outbox:republish -- --since ISO-TIME [--until ISO-TIME] [--dry-run] [--segments N]\n' +
  'Puts the outbox events of the range on the bus again (targets de-duplicate on detail.eventId).\n' +
  'Against AWS: set TABLE_NAME, EVENT_BUS_NAME and AWS_REGION; else the running `npm start`.\n';

const time = (value: string | undefined, name: string): number => {
  const at = value === undefined ? Number.NaN : Date.parse(value);
  if (!Number.isFinite(at))
    throw new UsageError(`--${name} must be an ISO 8601 time, e.g. 2026-12-05T10:00:00+09:00`);
  return at;
};

class UsageError extends Error {}

/** Points the store and the bus at the running `npm start` (its table, its PutEvents with the ops token). */
async function useLocalRuntime(): Promise<void> {
  const local = useLocalTable();
  const running = readRuntimeInfo(local.dataDir);
  if (!running)
    throw new Error('no running `npm start` found (or set TABLE_NAME and EVENT_BUS_NAME for AWS)');
  const tokenFile = join(local.dataDir, 'ops-token');
  if (!existsSync(tokenFile)) throw new Error(`no ops token in ${tokenFile}`);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_EVENTBRIDGE: running.apiUrl,
    EVENT_BUS_NAME: 'leadloop-local-leads',
  });
  const token = readFileSync(tokenFile, 'utf8').trim();
  const { eventBridgeClient } = await import('#adapters/eventbridge');
  eventBridgeClient.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers.authorization = `Bearer ${token}`;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'localOpsToken', priority: 'low' },
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      segments: { type: 'string', default: '4' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const since = time(values.since, 'since');
  const until = values.until === undefined ? Date.now() : time(values.until, 'until');
  if (until < since) throw new UsageError('--until is before --since');
  const segments = Number(values.segments);
  if (!Number.isInteger(segments) || segments < 1 || segments > 64)
    throw new UsageError('--segments must be an integer from 1 to 64');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.LOG_LEVEL ??= 'warn';
  // Required by the shared environment schema (read when the adapters load), unused here.
  process.env.SES_CONFIGURATION_SET ??= 'unused-by-republish';
  process.env.PUBLIC_BASE_URL ??= 'http://localhost:3000';
  if (process.env.TABLE_NAME) {
    if (!process.env.EVENT_BUS_NAME) throw new UsageError('EVENT_BUS_NAME must name the stack bus');
  } else await useLocalRuntime();
  const { oldestRepublishable, republishOutbox } = await import('#app/republish-outbox');
  if (since < oldestRepublishable(Date.now()))
    process.stderr.write('note: outbox events older than 7 days have expired; they cannot be republished\n');
  const dryRun = values['dry-run'];
  process.stderr.write(
    `${dryRun ? 'counting' : 'republishing'} outbox events of table ${process.env.TABLE_NAME} from ${new Date(since).toISOString()} to ${new Date(until).toISOString()}\n`,
  );
  const summary = await republishOutbox({
    since,
    until,
    dryRun,
    totalSegments: segments,
    onPage: (s) => {
      if (process.stderr.isTTY) process.stderr.write(`\r${s.scanned} items read, ${s.found} events found`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
