/**
 * `npm run rescore`: after marketing ops change the scoring configuration (`config/scoring.ts`), recompute
 * every lead from its stored timeline under the new rules and write what changed - score, temperature, stage
 * (forward only), fit breakdown, the timeline's per-event points - with `Lead Temperature Changed` /
 * `Lead Stage Changed` events in the outbox, exactly as live scoring would have.
 *
 * Why a Scan: rescoring must visit every lead, and no index lists them all with stable keys (the `byStage`
 * and `byTemperature` indexes are keyed by the very score this batch rewrites, so a scan of them could skip
 * a lead that moved behind the cursor). A parallel Scan of the table filtered to the state items reads the
 * whole table once: acceptable for a rare admin batch, never done in a request path.
 *
 * Resumable: after each page the scan position of every segment is saved to a checkpoint file; a run that
 * is interrupted (Ctrl-C, lost credentials) continues from there. A finished lead is idempotent anyway, so
 * at worst one page is done twice. `--restart` ignores the checkpoint; a checkpoint made under another
 * scoring configuration or for another table is ignored too.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ScoringConfig } from '#config/scoring';
import type { EpochMs } from '#domain/lead/types';
import type { BehaviourState } from '#domain/scoring/scoring';
import { useLocalRuntimeClock, useLocalTable } from '#local/runtime-file';
import { CONFLICT, type Conflict, retryOnConflict } from '#store/retry';

export interface RescoreProgress {
  leads: number;
  changed: number;
  failed: number;
  /** Table items examined so far, against the table's approximate item count (for a percentage). */
  scannedItems: number;
  estimatedItems: number | undefined;
  segmentsDone: number;
  totalSegments: number;
  elapsedMs: number;
}

export interface RescoreOptions {
  /** Scan segments read in parallel (default 4). */
  totalSegments?: number;
  /** Leads rescored at once within a segment (default 4). */
  concurrency?: number;
  /** Where the scan position is kept; omit to run without a checkpoint. */
  checkpointFile?: string;
  /** Ignore an existing checkpoint. */
  restart?: boolean;
  /** Count what would change, write nothing. */
  dryRun?: boolean;
  /** The scoring configuration to apply (default: the deployed one, `config/scoring.ts`). */
  config?: ScoringConfig;
  now?: () => EpochMs;
  /** Leads per scan page (the checkpoint's granularity). */
  pageSize?: number;
  onProgress?: (progress: RescoreProgress) => void;
  /** Stops after the pages in flight; the checkpoint keeps the position. */
  signal?: AbortSignal;
}

export interface RescoreSummary {
  leads: number;
  changed: number;
  unchanged: number;
  failed: string[];
  resumed: boolean;
  interrupted: boolean;
}

export type LeadRescore = 'changed' | 'unchanged' | 'missing';

interface Checkpoint {
  version: 1;
  table: string;
  configHash: string;
  totalSegments: number;
  segments: { next?: Record<string, unknown>; done: boolean }[];
  totals: { leads: number; changed: number; unchanged: number; scannedItems: number };
  failed: string[];
}

const configHash = (config: ScoringConfig): string =>
  createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);

const sameBehaviour = (a: BehaviourState, b: BehaviourState): boolean =>
  a.asOf === b.asOf &&
  Math.abs(a.value - b.value) <= 1e-9 * Math.max(1, Math.abs(a.value)) &&
  JSON.stringify(a.caps) === JSON.stringify(b.caps) &&
  JSON.stringify(a.once) === JSON.stringify(b.once);

const sameRecord = (a: Record<string, number>, b: Record<string, number>): boolean => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
};

/**
 * Rescore one lead from its stored timeline. Writes nothing when the result equals what is stored; otherwise
 * writes profile (fit breakdown) and state with the change events in one versioned transaction (a conflict
 * re-reads lead and timeline and decides again), then re-explains the timeline entries whose points changed.
 */
export const rescoreLead = async (
  leadId: string,
  options: { config?: ScoringConfig; now: EpochMs; dryRun?: boolean },
): Promise<LeadRescore> => {
  const store = await import('#store/leads');
  const { settings } = await import('#config/settings');
  const { decayTimerChange, hasSeenEvent, rememberEvents, stateChangeEvents, withStageTransitions } =
    await import('#domain/lead/lead');
  const { rescore } = await import('#domain/scoring/scoring');
  const config = options.config ?? settings.scoring;
  const { now } = options;

  return retryOnConflict(`lead ${leadId} (rescore)`, async (): Promise<LeadRescore | Conflict> => {
    const lead = await store.getLead(leadId);
    if (!lead) return 'missing';
    const { profile, state } = lead;
    const stored = await store.getTimeline(leadId, Number.MAX_SAFE_INTEGER);
    const result = rescore(
      profile.attributes,
      stored.map((e) => ({
        eventId: e.eventId,
        type: e.type,
        occurredAt: e.occurredAt,
        ...(e.url !== undefined ? { url: e.url } : {}),
        ...(e.title !== undefined ? { title: e.title } : {}),
        ...(e.properties !== undefined ? { properties: e.properties } : {}),
      })),
      state.stage,
      config,
      now,
    );
    const explained = new Map(result.entries.map((e) => [e.eventId, e] as const));
    const reexplained = stored.flatMap((entry) => {
      const fresh = explained.get(entry.eventId);
      return fresh && (fresh.points !== entry.points || fresh.rule !== entry.rule)
        ? [{ ...entry, points: fresh.points, rule: fresh.rule }]
        : [];
    });
    const fitChanged = !sameRecord(profile.fitBreakdown, result.scoring.fitBreakdown);
    const stateChanged =
      state.fit !== result.scoring.fit ||
      state.grade !== result.scoring.grade ||
      !sameBehaviour(state.behaviour, result.scoring.behaviour) ||
      state.temperature !== result.temperature ||
      state.stage !== result.stage;
    if (!fitChanged && !stateChanged && reexplained.length === 0) return 'unchanged';
    if (options.dryRun) return 'changed';

    // An event whose timeline entry is written but whose state write is still in flight (written against
    // this very version) is counted here; remembering its id makes that writer's retry a no-op.
    const inFlight = stored.filter((e) => e.baseVersion >= state.version && !hasSeenEvent(state, e.eventId));
    const decay = decayTimerChange(state, result.nextTemperatureDropAt, now);
    const after = {
      ...state,
      fit: result.scoring.fit,
      grade: result.scoring.grade,
      behaviour: result.scoring.behaviour,
      score: result.score,
      temperature: result.temperature,
      stage: result.stage,
      ...withStageTransitions(state, result.stageChange ? [result.stageChange] : []),
      ...(inFlight.length
        ? rememberEvents(
            state,
            inFlight.map((e) => e.eventId),
            now,
          )
        : {}),
      ...(decay !== undefined && decay !== null ? { decayCheckAt: decay } : {}),
      version: state.version + 1,
    };
    const write = await store.writeLead(
      { state: state.version, ...(fitChanged ? { profile: profile.version } : {}) },
      {
        state: after,
        ...(fitChanged
          ? {
              profile: {
                ...profile,
                fitBreakdown: result.scoring.fitBreakdown,
                updatedAt: now,
                version: profile.version + 1,
              },
            }
          : {}),
        events: stateChangeEvents(state, after, now),
        ...(decay !== undefined ? { decayTimerAt: decay } : {}),
        at: now,
      },
    );
    if (write === 'saved') {
      // Derived explanations, written after the state: a crash in between is repaired by the next run.
      if (reexplained.length) await store.putTimelineEntries(leadId, reexplained);
      return 'changed';
    }
    return CONFLICT;
  });
};

const readCheckpoint = (file: string): Checkpoint | undefined => {
  if (!existsSync(file)) return undefined;
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
    return value.version === 1 && Array.isArray(value.segments) ? value : undefined;
  } catch {
    return undefined;
  }
};

const writeCheckpoint = (file: string, checkpoint: Checkpoint): void => {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(checkpoint));
  renameSync(tmp, file); // atomic: an interrupted write never leaves half a checkpoint
};

/**
 * Rescore every lead: a parallel Scan (segments side by side), each page's leads rescored with bounded
 * concurrency, the checkpoint saved after every page. Resumes from `checkpointFile` unless `restart`.
 */
export const rescoreAll = async (options: RescoreOptions = {}): Promise<RescoreSummary> => {
  const store = await import('#store/leads');
  const { tableName } = await import('#store/dynamodb');
  const { settings } = await import('#config/settings');
  const config = options.config ?? settings.scoring;
  const hash = configHash(config);
  const clock = options.now ?? Date.now;
  const concurrency = options.concurrency ?? 4;
  const pageSize = options.pageSize ?? 100;
  const started = Date.now();

  const previous =
    options.checkpointFile && !options.restart && !options.dryRun
      ? readCheckpoint(options.checkpointFile)
      : undefined;
  const resumable = previous && previous.table === tableName && previous.configHash === hash;
  const totalSegments = resumable ? previous.totalSegments : Math.max(1, options.totalSegments ?? 4);
  const checkpoint: Checkpoint = resumable
    ? previous
    : {
        version: 1,
        table: tableName,
        configHash: hash,
        totalSegments,
        segments: Array.from({ length: totalSegments }, () => ({ done: false })),
        totals: { leads: 0, changed: 0, unchanged: 0, scannedItems: 0 },
        failed: [],
      };
  const estimatedItems = await store.approximateItemCount().catch(() => undefined);
  const failed = new Set<string>();
  const save = () => {
    if (options.checkpointFile && !options.dryRun)
      writeCheckpoint(options.checkpointFile, { ...checkpoint, failed: [...failed] });
  };
  const report = () =>
    options.onProgress?.({
      leads: checkpoint.totals.leads,
      changed: checkpoint.totals.changed,
      failed: failed.size,
      scannedItems: checkpoint.totals.scannedItems,
      estimatedItems,
      segmentsDone: checkpoint.segments.filter((s) => s.done).length,
      totalSegments,
      elapsedMs: Date.now() - started,
    });

  const runLeads = async (leadIds: readonly string[]) => {
    const queue = [...leadIds];
    const worker = async () => {
      for (let leadId = queue.shift(); leadId !== undefined; leadId = queue.shift()) {
        try {
          const outcome = await rescoreLead(leadId, { config, now: clock(), dryRun: options.dryRun });
          if (outcome === 'missing') continue;
          checkpoint.totals.leads++;
          if (outcome === 'changed') checkpoint.totals.changed++;
          else checkpoint.totals.unchanged++;
          failed.delete(leadId);
        } catch {
          failed.add(leadId);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  };

  // Leads that failed in an interrupted run are tried first.
  if (resumable && previous.failed.length) await runLeads(previous.failed);
  report();

  const runSegment = async (segment: number) => {
    const position = checkpoint.segments[segment];
    if (!position) return;
    while (!position.done) {
      if (options.signal?.aborted) return;
      const page = await store.scanLeadIds({
        segment,
        totalSegments,
        limit: pageSize,
        startKey: position.next,
      });
      await runLeads(page.leadIds);
      checkpoint.totals.scannedItems += page.scanned;
      if (page.next) position.next = page.next;
      else {
        delete position.next;
        position.done = true;
      }
      save();
      report();
    }
  };
  await Promise.all(checkpoint.segments.map((_, segment) => runSegment(segment)));

  const interrupted = checkpoint.segments.some((s) => !s.done);
  if (!interrupted && failed.size === 0 && options.checkpointFile && !options.dryRun)
    rmSync(options.checkpointFile, { force: true });
  else save();
  report();
  return {
    leads: checkpoint.totals.leads,
    changed: checkpoint.totals.changed,
    unchanged: checkpoint.totals.unchanged,
    failed: [...failed],
    resumed: Boolean(resumable),
    interrupted,
  };
};

// ------------------------------------------------------------------------------------------------------
// Command line

const HELP = `Usage: npm run rescore -- [options]

Recomputes every lead's score, temperature and stage from its stored timeline under the current
scoring configuration (config/scoring.ts), and publishes the changes (Lead Temperature Changed,
Lead Stage Changed). Run it after changing the scoring rules.

Options:
  --restart          ignore the checkpoint and start from the beginning
  --dry-run          count the leads that would change; write nothing
  --segments N       parallel scan segments (default 4)
  --concurrency N    leads rescored at once per segment (default 4)
  --checkpoint FILE  where the scan position is kept (default $DATA_DIR/rescore-checkpoint.json)
  -h, --help         this text

Where it runs:
  TABLE_NAME unset   table leadloop-local in the local runtime's DynamoDB Local (npm start): the one on DATA_DIR
                     (default .data; found through its runtime.json, whatever its ports), else
                     http://localhost:8000; AWS_ENDPOINT_URL_DYNAMODB or DYNAMODB_PORT override it.
  TABLE_NAME set     that table, with the usual AWS credentials and region (AWS_PROFILE, AWS_REGION…).

Interrupted (Ctrl-C)? Run the same command again: it resumes from the checkpoint.
`;

const formatBar = (p: RescoreProgress, width = 30): string => {
  const done = p.segmentsDone === p.totalSegments;
  const fraction = done
    ? 1
    : p.estimatedItems
      ? Math.min(0.99, p.scannedItems / Math.max(1, p.estimatedItems))
      : p.segmentsDone / p.totalSegments;
  const filled = Math.round(fraction * width);
  const rate = p.elapsedMs > 0 ? (p.leads / (p.elapsedMs / 1000)).toFixed(1) : '0';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${p.leads} leads, ${p.changed} changed${p.failed ? `, ${p.failed} failed` : ''}  ${rate}/s`;
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      restart: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      segments: { type: 'string' },
      concurrency: { type: 'string' },
      checkpoint: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const positive = (raw: string | undefined, name: string, fallback: number): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`--${name} must be an integer from 1 to 64`);
    return n;
  };
  const totalSegments = positive(values.segments, 'segments', 4);
  const concurrency = positive(values.concurrency, 'concurrency', 4);

  // Environment before any adapter is imported (they read it at import time, as in Lambda).
  const local = useLocalTable();
  // Required by the shared environment schema, unused by rescoring.
  process.env.EVENT_BUS_NAME ??= 'unused-by-rescore';
  process.env.SES_CONFIGURATION_SET ??= 'unused-by-rescore';
  process.env.PUBLIC_BASE_URL ??= 'http://localhost:3000';
  process.env.LOG_LEVEL ??= 'warn';
  // Scores change at the runtime's time (its clock may have been moved ahead), as the handlers' do.
  await useLocalRuntimeClock(local);

  const checkpointFile = resolve(values.checkpoint ?? join(local.dataDir, 'rescore-checkpoint.json'));
  const tty = process.stdout.isTTY === true;
  let lastLine = 0;
  const onProgress = (p: RescoreProgress) => {
    if (tty) process.stdout.write(`\r${formatBar(p)}`);
    else if (Date.now() - lastLine >= 5000 || p.segmentsDone === p.totalSegments) {
      lastLine = Date.now();
      process.stdout.write(`${new Date().toISOString()} ${formatBar(p, 20)}\n`);
    }
  };
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stdout.write('\nstopping after the pages in flight (Ctrl-C again to quit now)…\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });

  const table = process.env.TABLE_NAME;
  process.stdout.write(
    `rescoring table ${table}${process.env.AWS_ENDPOINT_URL_DYNAMODB ? ` at ${process.env.AWS_ENDPOINT_URL_DYNAMODB}` : ''}${values['dry-run'] ? ' (dry run)' : ''}\n`,
  );
  const summary = await rescoreAll({
    totalSegments,
    concurrency,
    checkpointFile,
    restart: values.restart,
    dryRun: values['dry-run'],
    onProgress,
    signal: controller.signal,
  });
  if (tty) process.stdout.write('\n');
  if (summary.resumed) process.stdout.write('resumed from the checkpoint\n');
  process.stdout.write(
    `${summary.leads} leads, ${summary.changed} ${values['dry-run'] ? 'would change' : 'changed'}, ${summary.unchanged} unchanged\n`,
  );
  if (summary.failed.length) {
    process.stdout.write(
      `${summary.failed.length} failed (retried first on the next run): ${summary.failed.slice(0, 10).join(', ')}\n`,
    );
    process.exitCode = 1;
  }
  if (summary.interrupted) {
    process.stdout.write(`interrupted: run again to resume (checkpoint ${checkpointFile})\n`);
    process.exitCode = 130;
  }
};

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename);
if (invokedDirectly) {
  main().catch((error: unknown) => {
    process.stderr.write(`rescore failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
