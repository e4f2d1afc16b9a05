import { now as clock } from '#adapters/clock';
import { countMetric } from '#adapters/metrics';
import { alertImportOwner, type ImportMailOutcome } from '#app/alert-owner';
import { enterLead, isKnownOwner } from '#app/create-lead';
import { isErasedAddress } from '#app/erased-address';
import { settings } from '#config/settings';
import {
  type CsvEncoding,
  CsvFormatError,
  decodeCsv,
  errorCsv,
  type FileProblem,
  type ImportOptions,
  type ImportQuery,
  importIdOf,
  importQueryGate,
  importRequestGate,
  MapSpecError,
  type MergedEntry,
  mapHeaders,
  mergeDuplicates,
  parseCsv,
  parseMapSpec,
  queryOptions,
  type RowProblem,
  type RowResult,
  validateRow,
} from '#domain/capture/csv-import';
import { entryLeadAttributes } from '#domain/capture/manual-entry';
import { toOwnerRef } from '#domain/handoff/assignment';
import type { ImportedLead } from '#domain/handoff/owner-alert';
import { idempotencySeen, markFirstTime } from '#store/idempotency';
import { findLeadIdByEmail } from '#store/leads';

/** Rows `POST /v1/ops/imports` takes in one request (bigger files: the CLI). */
export const MAX_API_IMPORT_ROWS = 1000;
/** Bytes `POST /v1/ops/imports` takes (1,000 rows of a wide sheet fit). */
export const MAX_API_IMPORT_BYTES = 1024 * 1024;

export { importQueryGate, importRequestGate, queryOptions };
export type ImportRequestOptions = ImportQuery;

export interface ImportProgress {
  total: number;
  done: number;
  created: number;
  updated: number;
  rejected: number;
  skipped: number;
}

export interface ImportInput {
  bytes: Uint8Array;
  options: ImportRequestOptions;
  /** Refuse files with more data rows than this (the API's limit). */
  maxRows?: number;
  /** Entries written at once (default 4; rows of one address are one entry). */
  concurrency?: number;
  onProgress?: (progress: ImportProgress) => void;
  /** Stops after the entries in flight; a later run of the same file resumes. */
  signal?: AbortSignal;
  /** Who runs it (the token's owner id or e-mail): the owner it names is mailed unless it is themselves. */
  by?: string | undefined;
  /** False: no mail to the owner (the CLI on a local table with no runtime, hence no SES to send through). */
  ownerMail?: boolean;
}

export type { FileProblem, RowProblem };

export interface RejectedRow {
  line: number;
  email: string;
  /** Why, in English (the CLI's error file). */
  reason: string;
  /** Why, as codes per field (the console words them in its language). */
  problems: RowProblem[];
}

export interface ImportSummary {
  importId: string;
  encoding: CsvEncoding;
  rows: number;
  created: number;
  updated: number;
  rejected: number;
  /** Entries done by an earlier run of the same file (resume, or the same file again). */
  skipped: number;
  /** Rows merged into an earlier row of the same address. */
  duplicates: number;
  unmappedColumns: string[];
  /** Each column of the file and the field it fills (null: ignored), in file order: the mapping preview. */
  columns: { header: string; field: string | null }[];
  dryRun: boolean;
  interrupted: boolean;
  /**
   * With `ownerId`, after a run that finished: the one mail telling the owner what the import gave them
   * (`#app/alert-owner` → `alertImportOwner`; none when they ran it themselves).
   */
  ownerMail?: ImportOwnerMail;
}

/** The import's mail to its owner, as the summary reports it. */
export type ImportOwnerMail =
  | { outcome: Exclude<ImportMailOutcome['outcome'], 'skipped'> }
  | { outcome: 'skipped'; why: Extract<ImportMailOutcome, { outcome: 'skipped' }>['why'] };

export type ImportResult =
  | { kind: 'bad_file'; errors: FileProblem[] }
  | { kind: 'too_many_rows'; rows: number; limit: number }
  /** `ownerId` names no configured owner: nothing imported. */
  | { kind: 'unknown_owner'; ownerId: string }
  | { kind: 'done'; summary: ImportSummary; rejected: RejectedRow[]; errorCsv: string | null };

/**
 * Import leads from a CSV file: decode (UTF-8 / Shift_JIS), map headers, validate rows, merge rows of one
 * address, then write each entry through the creation path of `POST /v1/ops/leads` (`enterLead`), refusing
 * erased addresses. Idempotent and resumable: each entry is `import:<importId>:<line>` with `importId` the
 * hash of the file, the options and how the file was read (encoding, column mapping: a run with a corrected
 * `map` or `encoding` is a new import, not a replay); a marker per finished entry lets a later run skip it.
 * The marker is a separate write after the entry's transaction; an entry interrupted between the two is named
 * done by its own timeline entry (written in that transaction; `upsertLead` reads it strongly for rows of an
 * existing lead), however many events the lead had since, so it is counted `skipped` and changes nothing when
 * run again.
 */
export async function importLeads(input: ImportInput): Promise<ImportResult> {
  const { options } = input;
  if (options.ownerId !== undefined && !isKnownOwner(options.ownerId))
    return { kind: 'unknown_owner', ownerId: options.ownerId };
  const importOptions: ImportOptions = {
    channel: options.channel,
    source: options.source,
    consentBasis: options.consent,
    ...(options.ownerId ? { ownerId: options.ownerId } : {}),
  };
  let parsed: ReturnType<typeof parseCsv>;
  let overrides: ReturnType<typeof parseMapSpec>;
  let encoding: CsvEncoding;
  try {
    overrides = parseMapSpec(options.map);
    const decoded = decodeCsv(input.bytes, options.encoding);
    encoding = decoded.encoding;
    parsed = parseCsv(decoded.text);
  } catch (error) {
    if (error instanceof CsvFormatError || error instanceof MapSpecError)
      return { kind: 'bad_file', errors: [error.problem] };
    throw error;
  }
  const mapping = mapHeaders(parsed.headers, overrides);
  if (mapping.errors.length) return { kind: 'bad_file', errors: mapping.errors };
  if (input.maxRows !== undefined && parsed.rows.length > input.maxRows) {
    return { kind: 'too_many_rows', rows: parsed.rows.length, limit: input.maxRows };
  }

  const importId = importIdOf(input.bytes, importOptions, {
    encoding,
    headers: parsed.headers,
    columns: mapping.columns,
  });
  const results: RowResult[] = parsed.rows.map((row) => validateRow(row, mapping, importOptions));
  const rejected: RejectedRow[] = results.flatMap((r) =>
    r.ok ? [] : [{ line: r.line, email: r.email, reason: r.reason, problems: r.problems }],
  );
  const entries = mergeDuplicates(results.filter((r): r is Extract<RowResult, { ok: true }> => r.ok));
  const progress: ImportProgress = {
    total: entries.length,
    done: 0,
    created: 0,
    updated: 0,
    rejected: 0,
    skipped: 0,
  };
  const dryRun = options.dryRun === true;
  /** Rows this run handed off to the import's owner, by line (the owner's mail lists them). */
  const assigned: { line: number; lead: ImportedLead }[] = [];

  const one = async (item: MergedEntry): Promise<void> => {
    const rowId = `${importId}:${item.line}`;
    if (await idempotencySeen('import-row', rowId)) {
      progress.skipped += 1;
      return;
    }
    if (dryRun) {
      if (await isErasedAddress(item.entry.email)) rejected.push(erasedRow(item));
      else if (await findLeadIdByEmail(item.emailKey)) progress.updated += 1;
      else progress.created += 1;
      return;
    }
    const now = clock();
    const outcome = await enterLead(item.entry, { kind: 'import', importId, line: item.line }, now, input.by);
    if (outcome.kind === 'unknown_owner')
      throw new Error(`owner '${outcome.ownerId}' vanished during the import`);
    if (outcome.kind === 'erased') {
      rejected.push(erasedRow(item));
      return;
    }
    const handedOff = outcome.assignment;
    if (
      handedOff &&
      'handoffNumber' in handedOff &&
      handedOff.ownerId === options.ownerId &&
      !handedOff.already
    )
      assigned.push({ line: item.line, lead: importedLead(outcome.leadId, item, handedOff) });
    if (outcome.kind === 'created') progress.created += 1;
    else if (outcome.kind === 'updated') progress.updated += 1;
    else progress.skipped += 1;
    await markFirstTime('import-row', rowId, now);
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (input.signal?.aborted) return;
      const item = entries[next++];
      if (!item) return;
      await one(item);
      progress.done += 1;
      progress.rejected = rejected.length;
      input.onProgress?.({ ...progress });
    }
  };
  const concurrency = Math.max(1, Math.min(16, input.concurrency ?? 4));
  await Promise.all(Array.from({ length: concurrency }, worker));

  rejected.sort((a, b) => a.line - b.line);
  const summary: ImportSummary = {
    importId,
    encoding,
    rows: parsed.rows.length,
    created: progress.created,
    updated: progress.updated,
    rejected: rejected.length,
    skipped: progress.skipped,
    duplicates: entries.reduce((n, e) => n + e.merged.length, 0),
    unmappedColumns: mapping.unmapped,
    columns: parsed.headers.map((header, i) => ({ header, field: mapping.columns[i] ?? null })),
    dryRun,
    interrupted: progress.done < entries.length,
  };
  if (!dryRun) countMetric('LeadsImported', { channel: options.channel }, summary.created + summary.updated);
  const owner = settings.handoff.owners.find((o) => o.ownerId === options.ownerId);
  if (owner && !dryRun && !summary.interrupted && input.ownerMail !== false) {
    const mailed = await alertImportOwner({
      importId,
      owner: toOwnerRef(owner),
      by: input.by,
      source: options.source,
      leads: assigned.sort((a, b) => a.line - b.line).map((a) => a.lead),
      earlier: progress.skipped,
    });
    summary.ownerMail =
      mailed.outcome === 'skipped' ? { outcome: 'skipped', why: mailed.why } : { outcome: mailed.outcome };
  }
  return { kind: 'done', summary, rejected, errorCsv: rejected.length ? errorCsv(rejected) : null };
}

const importedLead = (
  leadId: string,
  item: MergedEntry,
  handoff: { dueAt?: string; firstContactDueAt?: string },
): ImportedLead => {
  // As the lead's record has them (one 氏名 column split into family and given names).
  const a = entryLeadAttributes(item.entry.attributes);
  return {
    leadId,
    email: item.entry.email,
    company: a.company,
    lastName: a.lastName,
    firstName: a.firstName,
    phone: a.phone,
    ...(handoff.dueAt ? { acceptBy: Date.parse(handoff.dueAt) } : {}),
    ...(handoff.firstContactDueAt ? { firstContactBy: Date.parse(handoff.firstContactDueAt) } : {}),
  };
};

const erasedRow = (item: MergedEntry): RejectedRow => ({
  line: item.line,
  email: item.entry.email,
  reason: 'email: this address was erased on request (本人の削除請求); it cannot be imported',
  problems: [{ field: 'email', code: 'erased' }],
});
