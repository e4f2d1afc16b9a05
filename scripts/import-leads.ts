/**
 * `npm run import -- FILE.csv --channel event --source "展示会 2026 東京" --consent business_card`
 * (also `leadloop import …`): imports leads from a CSV file straight into the table, through the same
 * creation path as `POST /v1/ops/leads` (`#app/import-leads`), with a progress bar. Any size (the API route
 * takes up to 1,000 rows). UTF-8 with or without BOM, or Shift_JIS/CP932 (detected, or `--encoding sjis`).
 *
 * Idempotent and resumable: the import is named by a hash of the file and options, each entry by its line;
 * an interrupted run (Ctrl-C) is resumed by running the same command again, and the same file twice
 * changes nothing. Rejected rows go to an error CSV (`FILE.errors.csv`) with line number and reason.
 *
 * Exit codes: 0 imported (even with rejected rows; see the summary), 1 failure, 2 usage or unusable file,
 * 4 some rows rejected (with `--strict`), 130 interrupted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readRuntimeInfo, useLocalRuntimeClock, useLocalTable } from '#local/runtime-file';

export const IMPORT_EXIT = { ok: 0, failure: 1, usage: 2, rejected: 4, interrupted: 130 } as const;

const HELP = `Usage: npm run import -- FILE.csv --channel CHANNEL --source TEXT --consent BASIS [options]
       leadloop import FILE.csv --channel CHANNEL --source TEXT --consent BASIS [options]

Imports leads from a CSV file (Japanese or English headers: 会社名, 部署, 役職, 氏名 or 姓/名,
メールアドレス, 電話番号, 都道府県, 従業員数, 国, タイムゾーン, … / company, email, …).

Options:
  --channel C        event | webinar | outbound | referral | partner | inbound_web | import
  --source TEXT      where the list comes from, e.g. "展示会 2026 東京"
  --consent BASIS    form | business_card | existing_relationship | none (none: no marketing mail)
  --owner ID         owner to hand each entry to; they get one e-mail listing the leads
  --by WHO           who runs the import (your owner id or e-mail): no e-mail when you import for yourself
  --encoding E       utf8 | sjis (default: detected)
  --map SPEC         column mapping overrides, e.g. 'E-mail (work)=email,Memo=-'
  --dry-run          count what would be created/updated; write nothing
  --errors FILE      where rejected rows go (default FILE.errors.csv)
  --concurrency N    entries written at once (default 4)
  --strict           exit 4 when any row was rejected
  --json             print the summary as JSON
  -h, --help         this text

Where it runs: like rescore. TABLE_NAME unset: the local runtime's DynamoDB Local (npm start);
TABLE_NAME set: that table with the usual AWS credentials and region; the signing key is read from the
table's key item (or SIGNING_SECRET, which must then match it), so erased addresses are recognized
(locally it is set for you). With --owner the owner's e-mail goes through SES (locally: the runtime's SES
inbox; none with no runtime running); on AWS set CONSOLE_URL to the stack's ConsoleUrl output for its link.

Interrupted (Ctrl-C)? Run the same command again: done rows are skipped.
`;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`import: ${(error as Error).message}\n\n${HELP}`);
    return IMPORT_EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return IMPORT_EXIT.ok;
  }
  const file = positionals[0];
  if (!file || !values.channel || !values.source || !values.consent) {
    process.stderr.write(`import: FILE, --channel, --source and --consent are required\n\n${HELP}`);
    return IMPORT_EXIT.usage;
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    process.stderr.write(`import: cannot read ${file}\n`);
    return IMPORT_EXIT.usage;
  }

  // Environment before any adapter or store module is imported (they read it at import time).
  const onLocalTable = !process.env.TABLE_NAME;
  const local = useLocalTable();
  if (onLocalTable) process.env.SIGNING_SECRET ??= localSigningSecret(local.dataDir);
  // The owner's e-mail goes to the running runtime's SES inbox; with no runtime there is nowhere to send it.
  const running = onLocalTable ? readRuntimeInfo(local.dataDir) : undefined;
  if (running) {
    process.env.AWS_ENDPOINT_URL_SESV2 ??= running.sesUrl;
    process.env.CONSOLE_URL ??= `${running.apiUrl}/console/`;
  }
  process.env.EVENT_BUS_NAME ??= 'unused-by-import';
  process.env.SES_CONFIGURATION_SET ??= 'unused-by-import';
  process.env.PUBLIC_BASE_URL ??= 'http://localhost:3000';
  process.env.LOG_LEVEL ??= 'warn';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // Rows enter at the runtime's time (its clock may have been moved ahead), as through the API.
  await useLocalRuntimeClock(local);

  const { importLeads, importQueryGate, queryOptions } = await import('#app/import-leads');
  const options = importQueryGate.safeParse({
    channel: values.channel,
    source: values.source,
    consent: values.consent,
    ...(values.owner ? { ownerId: values.owner } : {}),
    ...(values.encoding
      ? {
          encoding: values.encoding === 'shift_jis' || values.encoding === 'cp932' ? 'sjis' : values.encoding,
        }
      : {}),
    ...(values.map ? { map: values.map } : {}),
    ...(values['dry-run'] ? { dryRun: 'true' } : {}),
  });
  if (!options.success) {
    for (const issue of options.error.issues)
      process.stderr.write(`import: --${String(issue.path[0])}: ${issue.message}\n`);
    return IMPORT_EXIT.usage;
  }

  const { SingleBar, Presets } = (await import('cli-progress')).default;
  const showBar = !values.json && process.stderr.isTTY === true;
  const bar = new SingleBar(
    {
      format:
        ' {bar} {percentage}% | {value}/{total} | created {created} updated {updated} skipped {skipped} rejected {rejected}',
      hideCursor: true,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  let started = false;
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write('\nstopping after the rows in flight (Ctrl-C again to quit now)…\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(IMPORT_EXIT.interrupted));
  };
  process.once('SIGINT', onSigint);
  const result = await importLeads({
    bytes,
    options: queryOptions(options.data),
    concurrency: Number(values.concurrency ?? 4) || 4,
    signal: controller.signal,
    by: values.by,
    ownerMail: !onLocalTable || running !== undefined,
    onProgress: (p) => {
      if (!showBar) return;
      if (!started) {
        bar.start(p.total, 0, p);
        started = true;
      }
      bar.update(p.done, p);
    },
  });
  if (started) bar.stop();
  process.removeListener('SIGINT', onSigint);

  if (result.kind === 'bad_file') {
    process.stderr.write(
      `import: ${file} cannot be imported:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}\n`,
    );
    return IMPORT_EXIT.usage;
  }
  if (result.kind === 'too_many_rows') return IMPORT_EXIT.usage; // no limit is set here
  if (result.kind === 'unknown_owner') {
    process.stderr.write(
      `import: --owner '${result.ownerId}' is not a configured owner (config/handoff.ts)\n`,
    );
    return IMPORT_EXIT.usage;
  }
  const { summary, rejected } = result;
  const errorsFile = resolve(values.errors ?? `${file.replace(/\.csv$/i, '')}.errors.csv`);
  if (result.errorCsv) writeFileSync(errorsFile, result.errorCsv);
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ ...summary, errorsFile: result.errorCsv ? errorsFile : null, rejectedRows: rejected }, null, 2)}\n`,
    );
  } else {
    const verb = summary.dryRun ? 'would be ' : '';
    process.stdout.write(
      `${[
        `${file}: ${summary.rows} rows (${summary.encoding}${summary.dryRun ? ', dry run' : ''}), import ${summary.importId}`,
        `  created ${verb}${summary.created}, updated ${verb}${summary.updated}, skipped ${summary.skipped} (done before), rejected ${summary.rejected}, merged duplicates ${summary.duplicates}`,
        ...(summary.unmappedColumns.length
          ? [`  ignored columns: ${summary.unmappedColumns.join(', ')} (map them with --map)`]
          : []),
        ...(result.errorCsv ? [`  rejected rows (line, e-mail, reason): ${errorsFile}`] : []),
        ...(summary.interrupted ? ['  interrupted: run the same command again to resume'] : []),
        ...(summary.ownerMail ? [`  owner's e-mail: ${ownerMailLine(summary.ownerMail)}`] : []),
      ].join('\n')}\n`,
    );
  }
  if (summary.interrupted) return IMPORT_EXIT.interrupted;
  if (values.strict && summary.rejected > 0) return IMPORT_EXIT.rejected;
  return IMPORT_EXIT.ok;
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      channel: { type: 'string' },
      source: { type: 'string' },
      consent: { type: 'string' },
      owner: { type: 'string' },
      by: { type: 'string' },
      encoding: { type: 'string' },
      map: { type: 'string' },
      errors: { type: 'string' },
      concurrency: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

function ownerMailLine(mail: { outcome: string; why?: string }): string {
  if (mail.outcome === 'sent') return 'sent';
  if (mail.outcome === 'already_sent') return 'sent before (this file was imported before)';
  if (mail.outcome === 'failed')
    return 'not sent (SES refused it for now); run the same command again to send it';
  const why: Record<string, string> = {
    own_import: 'you imported for yourself (--by)',
    nothing_assigned: 'no lead was handed to the owner: each had an open hand-off or was owned by sales',
    not_configured: "'Lead Handed Off' is not in config/handoff.ts → ownerAlerts.events",
  };
  return `not sent (${(mail.why && why[mail.why]) ?? mail.why ?? mail.outcome})`;
}

/** The local runtime's signing secret (so the erased-address hash matches), when it keeps one. */
function localSigningSecret(dataDir: string): string {
  try {
    return readFileSync(resolve(dataDir, 'signing-secret'), 'utf8').trim();
  } catch {
    return 'local-signing-secret-local-signing-secret';
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`import failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = IMPORT_EXIT.failure;
    },
  );
}
