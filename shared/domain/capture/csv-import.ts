/**
 * CSV import of leads, the pure part: bytes → text (UTF-8 with or without BOM, or Shift_JIS/CP932 as Excel
 * in Japan writes it), text → rows (csv-parse), headers → entry fields (Japanese and English names, or an
 * explicit `--map`), rows → validated lead entries, and rows of one address merged into one. The use case
 * (`#app/import-leads`) writes the entries through the same path as `POST /v1/ops/leads`.
 *
 * Identity: an import is named by a hash of the file's bytes, its options and how the file was read (encoding
 * and column mapping: `importIdOf`), a row by its line number, so the same file imported twice the same way
 * (or resumed after Ctrl-C) names the same rows and changes nothing, while a run with a corrected `--map` or
 * `--encoding` is a new import.
 */
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { decodeCp932 } from '#domain/capture/cp932';
import { normalizeEmail } from '#domain/capture/email-address';
import {
  type FileProblem,
  HEADER_ALIASES,
  type ImportField,
  type RowProblem,
} from '#domain/capture/import-headers';
import {
  CONSENT_BASES,
  type ConsentBasis,
  ENTRY_ATTRIBUTES,
  ENTRY_CHANNELS,
  type EntryAttribute,
  type EntryChannel,
  type LeadEntry,
  leadEntryGate,
  maxValueLength,
  valueProblemOf,
} from '#domain/capture/manual-entry';
import * as g from '#domain/lead/request-gate';

export const CSV_ENCODINGS = ['utf8', 'sjis'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

export type { FileProblem, ImportField, RowProblem };
export { HEADER_ALIASES };
export const IMPORT_FIELDS: readonly ImportField[] = ['email', ...ENTRY_ATTRIBUTES];

/** A header as compared: NFKC (full-width → half-width), lower case, no spaces, `_`, `-`, `.`, `:`. */
export function headerKey(header: string): string {
  return header
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-.:()]+/g, ''); // after NFKC, full-width ：（） are :()
}

/** `POST /v1/ops/imports` with a JSON body, as checked (`importRequestSchema`'s output, #domain/capture/entry-schema). */
export interface ImportRequest {
  csv: string;
  channel: EntryChannel;
  source: string;
  consent: ConsentBasis;
  ownerId?: string | undefined;
  encoding?: CsvEncoding | undefined;
  map?: string | undefined;
  dryRun?: boolean | undefined;
}
/** The options in a query string, as checked (`importQuerySchema`'s output): `dryRun` as text. */
export interface ImportQueryInput extends Omit<ImportRequest, 'csv' | 'dryRun'> {
  dryRun?: 'true' | 'false' | undefined;
}
/** The options either door gives, `dryRun` as a boolean. */
export type ImportQuery = Omit<ImportRequest, 'csv'>;

// The options' gates: twins of `importRequestSchema` and `importQuerySchema` (#domain/capture/entry-schema).
const importOptionFields = {
  channel: g.enumOf(ENTRY_CHANNELS),
  source: g.string(g.trim(), g.minLength(1), g.maxLength(200)),
  consent: g.enumOf(CONSENT_BASES),
  ownerId: g.optional(g.string(g.trim(), g.minLength(1), g.maxLength(128))),
  encoding: g.optional(g.enumOf(CSV_ENCODINGS)),
  map: g.optional(g.string(g.maxLength(2000))),
};
/** `POST /v1/ops/imports` with a JSON body: the CSV text and the import's options. */
export const importRequestGate = g.strictObject<ImportRequest>({
  csv: g.string(g.minLength(1)),
  ...importOptionFields,
  dryRun: g.optional(g.boolean()),
});
/**
 * `POST /v1/ops/imports` with a `text/csv` body (and `leadloop import`): the options in the query string,
 * where `dryRun` is the text `true` or `false`.
 */
export const importQueryGate = g.strictObject<ImportQueryInput>({
  ...importOptionFields,
  dryRun: g.optional(g.enumOf(['true', 'false'] as const)),
});

/** The query's options as `ImportQuery` (`dryRun=true` → `true`). */
export function queryOptions({ dryRun, ...rest }: ImportQueryInput): ImportQuery {
  return dryRun === undefined ? rest : { ...rest, dryRun: dryRun === 'true' };
}

export class MapSpecError extends Error {
  override readonly name = 'MapSpecError';
  readonly problem: FileProblem = { code: 'bad_map', message: this.message };
}

/**
 * `--map 'col=field,…'`: explicit column → field pairs (header as written or normalized; field one of
 * `IMPORT_FIELDS`, or `-` to ignore the column). Throws `MapSpecError` naming the bad pair.
 */
export function parseMapSpec(spec: string | undefined): Map<string, ImportField | null> {
  const out = new Map<string, ImportField | null>();
  if (!spec) return out;
  for (const pair of spec.split(',')) {
    if (!pair.trim()) continue;
    const at = pair.lastIndexOf('=');
    if (at <= 0) throw new MapSpecError(`--map: "${pair}" is not column=field`);
    const column = headerKey(pair.slice(0, at));
    const field = pair.slice(at + 1).trim();
    if (field === '-') out.set(column, null);
    else if ((IMPORT_FIELDS as readonly string[]).includes(field)) out.set(column, field as ImportField);
    else
      throw new MapSpecError(`--map: "${field}" is not a field (one of ${IMPORT_FIELDS.join(', ')}, or -)`);
  }
  return out;
}

export interface HeaderMapping {
  /** Per column index, the field it fills (null: ignored). */
  columns: (ImportField | null)[];
  /** Headers mapped to nothing (shown to the user so a typo is visible). */
  unmapped: string[];
  /** Problems that make the file unusable (no e-mail column, a field given twice). */
  errors: FileProblem[];
}

/** Map a header row: explicit `--map` first, then the known names; each field at most once. */
export function mapHeaders(
  headers: readonly string[],
  overrides = new Map<string, ImportField | null>(),
): HeaderMapping {
  const columns: (ImportField | null)[] = [];
  const unmapped: string[] = [];
  const errors: FileProblem[] = [];
  const seen = new Map<ImportField, string>();
  for (const header of headers) {
    const key = headerKey(header);
    // Own keys only: a header such as `constructor` must not find Object.prototype's.
    const alias = Object.hasOwn(HEADER_ALIASES, key) ? HEADER_ALIASES[key] : undefined;
    const field = overrides.has(key) ? (overrides.get(key) ?? null) : (alias ?? null);
    if (field === null) {
      if (!overrides.has(key) && header.trim() !== '') unmapped.push(header);
      columns.push(null);
      continue;
    }
    const previous = seen.get(field);
    if (previous !== undefined)
      errors.push({
        code: 'duplicate_column',
        message: `columns "${previous}" and "${header}" both map to ${field}`,
        field,
        columns: [previous, header],
      });
    seen.set(field, header);
    columns.push(field);
  }
  if (!seen.has('email'))
    errors.push({
      code: 'no_email_column',
      message: 'no e-mail column (メールアドレス / email), or name it with --map COLUMN=email',
      field: 'email',
    });
  return { columns, unmapped, errors };
}

/** The encoding of a file: a UTF-8 BOM or valid UTF-8 → utf8, anything else → Shift_JIS (CP932). */
export function detectEncoding(bytes: Uint8Array): CsvEncoding {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf8';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'utf8';
  } catch {
    return 'sjis';
  }
}

/**
 * Bytes → text in the given (or detected) encoding; a UTF-8 BOM is dropped. CP932 covers Excel's extras (①, ㈱,
 * 髙). Text that could not be read whole is refused (`CsvFormatError`, naming the line) rather than stored with
 * U+FFFD in place of the Japanese: bytes that are not valid in the encoding (a Shift_JIS file forced as
 * `utf8`), or a replacement character already in the text, which is what a Shift_JIS file becomes when it
 * travels as text (`text/csv` or a JSON string: API Gateway hands the function UTF-8 text).
 */
export function decodeCsv(
  bytes: Uint8Array,
  encoding?: CsvEncoding,
): { text: string; encoding: CsvEncoding } {
  const used = encoding ?? detectEncoding(bytes);
  const text = used === 'utf8' ? new TextDecoder('utf-8').decode(bytes) : decodeCp932(bytes);
  const unreadable = text.indexOf('\uFFFD');
  if (unreadable !== -1) {
    const line = text.slice(0, unreadable).split('\n').length;
    throw new CsvFormatError(
      'bad_encoding',
      used === 'utf8'
        ? `line ${line} has characters that are not UTF-8 (read as U+FFFD): a Shift_JIS file sent as text ` +
            '(text/csv, a JSON string) loses its Japanese on the way; send its bytes as application/octet-stream ' +
            '(or import it with the CLI, --encoding sjis)'
        : `line ${line} has bytes that are not Shift_JIS (CP932): check the file's encoding (--encoding utf8 or sjis)`,
      line,
    );
  }
  return { text: text.replace(/^\uFEFF/, ''), encoding: used };
}

/** How the file was read: the encoding used and, per column, the field it fills (`mapHeaders(…).columns`). */
export interface ImportReading {
  encoding: CsvEncoding;
  /** The header row as decoded with `encoding`. */
  headers: readonly string[];
  columns: readonly (ImportField | null)[];
}

/**
 * The import's id: the file's bytes and everything that changes what is written: the options, the encoding
 * the file was decoded with, and the resolved column mapping. A run that reads the file differently (a
 * corrected `--map` or `--encoding`) is another import and writes its rows; one that reads it the same way
 * is a replay and skips them, however its `--map` was spelled (the resolved columns are hashed, not the
 * spec). A file read as it would be without `--map` and `--encoding` (the detected encoding, the known
 * header names) keeps the id of the file and options alone, the id imports had before the reading was
 * hashed, so those stay replays.
 */
export function importIdOf(bytes: Uint8Array, options: ImportOptions, reading: ImportReading): string {
  const named = [options.channel, options.source, options.consentBasis, options.ownerId ?? ''];
  const automatic =
    reading.encoding === detectEncoding(bytes) &&
    sameColumns(reading.columns, mapHeaders(reading.headers).columns);
  return createHash('sha256')
    .update(bytes)
    .update(JSON.stringify(automatic ? named : [...named, reading.encoding, reading.columns]))
    .digest('hex')
    .slice(0, 20);
}

const sameColumns = (a: readonly (ImportField | null)[], b: readonly (ImportField | null)[]): boolean =>
  a.length === b.length && a.every((field, i) => field === b[i]);

export interface ImportOptions {
  channel: EntryChannel;
  source: string;
  consentBasis: ConsentBasis;
  ownerId?: string | undefined;
}

/** One data row: its first line in the file and its raw values. */
export interface CsvRow {
  line: number;
  values: string[];
}

export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError';
  readonly problem: FileProblem;
  constructor(code: 'empty_file' | 'not_csv' | 'bad_encoding', message: string, line?: number) {
    super(message);
    this.problem = { code, message, ...(line === undefined ? {} : { line }) };
  }
}

/**
 * A whole cell `="<digits>"` (at most one `+` first; ASCII or full-width digits): how our exports write a
 * phone number so Excel keeps its leading 0 (`#http/csv`). A CSV parser refuses the quote after `=` in an
 * unquoted cell, so such a cell is rewritten to the quoted digits before parsing. It cannot match inside a
 * quoted cell: there a `"` is doubled or ends the cell, and here it follows `=` and precedes a digit.
 * Excel writes the same cell back (CSV UTF-8 or Shift_JIS) as the bare digits, which read as they are.
 */
const EXCEL_DIGITS_CELL = /(?<=^|[,\r\n])="(\+?[0-9\uFF10-\uFF19]+)"(?=[,\r\n]|$)/g; // digits: 0-9 and ０-９

/** The text with each `="<digits>"` cell as the quoted digits; every other cell is left as it is. */
const unwrapDigitCells = (text: string): string => text.replace(EXCEL_DIGITS_CELL, '"$1"');

/**
 * Text → header and data rows, with each row's first line number (1 = the header). Blank rows are skipped.
 * A cell `="0312345678"` (our exports' phone numbers) reads as 0312345678 (`unwrapDigitCells`).
 */
export function parseCsv(text: string): { headers: string[]; rows: CsvRow[] } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(unwrapDigitCells(text), {
      info: true,
      relax_column_count: true,
      skip_empty_lines: false,
      bom: true,
    }) as unknown as typeof records;
  } catch (error) {
    throw new CsvFormatError('not_csv', `not a readable CSV: ${(error as Error).message}`);
  }
  const [head, ...data] = records;
  if (!head) throw new CsvFormatError('empty_file', 'the file is empty');
  const rows: CsvRow[] = [];
  for (const { record, info } of data) {
    if (record.every((v) => v.trim() === '')) continue;
    const breaks = record.reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
    rows.push({ line: info.lines - breaks, values: record });
  }
  return { headers: head.record, rows };
}

export type RowResult =
  | { ok: true; line: number; entry: LeadEntry; emailKey: string }
  | { ok: false; line: number; email: string; reason: string; problems: RowProblem[] };

const isEntryAttribute = (key: unknown): key is EntryAttribute =>
  typeof key === 'string' && (ENTRY_ATTRIBUTES as readonly string[]).includes(key);

/** An issue of the entry's gate as a row problem, from the row's own values (what the gate was given). */
function rowProblemOf(issue: g.Issue, email: string, attributes: Record<string, string>): RowProblem {
  const [where, key] = issue.path;
  if (where === 'email') {
    if (email === '') return { field: 'email', code: 'missing' };
    const address = normalizeEmail(email);
    return { field: 'email', code: 'invalid_email', ...(address.ok ? {} : { detail: address.error }) };
  }
  if (where === 'attributes' && isEntryAttribute(key)) {
    const code = valueProblemOf(key, attributes[key] ?? '');
    if (code) return { field: key, code, ...(code === 'too_long' ? { limit: maxValueLength(key) } : {}) };
    return { field: key, code: 'invalid' };
  }
  return { field: 'email', code: 'invalid' };
}

/**
 * A cell as it was before our exports' formula guard (`#http/csv`): `'+81-3-1234-5678` and `'=…` read without
 * the `'` the export put before a leading =, +, - or @, so an exported list imports as it was. A `'` before
 * anything else (`'s-Hertogenbosch`) is the value's own.
 */
const unguarded = (value: string | undefined): string | undefined =>
  value !== undefined && /^'[=+\-@]/.test(value) ? value.slice(1) : value;

/** One row → an entry for the creation path, or the reason it is refused (fields named). */
export function validateRow(row: CsvRow, mapping: HeaderMapping, options: ImportOptions): RowResult {
  const raw: Record<string, string> = {};
  mapping.columns.forEach((field, i) => {
    const value = unguarded(row.values[i]?.trim());
    if (field && value) raw[field] = value;
  });
  const { email = '', ...attributes } = raw;
  const parsed = leadEntryGate.safeParse({
    email,
    attributes,
    channel: options.channel,
    source: options.source,
    consentBasis: options.consentBasis,
    ...(options.ownerId ? { ownerId: options.ownerId } : {}),
  });
  if (!parsed.success) {
    const reason = parsed.error.issues
      .map(
        (i) =>
          `${i.path[0] === 'attributes' ? String(i.path[1]) : String(i.path[0] ?? 'row')}: ${email === '' && i.path[0] === 'email' ? 'missing' : i.message}`,
      )
      .join('; ');
    const problems = parsed.error.issues.map((i) => rowProblemOf(i, email, attributes));
    // One per field and code: an over-long address fails its length and its syntax.
    const distinct = problems.filter(
      (p, i) => problems.findIndex((q) => q.field === p.field && q.code === p.code) === i,
    );
    return { ok: false, line: row.line, email, reason, problems: distinct };
  }
  const key = normalizeEmail(parsed.data.email);
  if (!key.ok)
    return {
      ok: false,
      line: row.line,
      email,
      reason: 'email: not a valid e-mail address',
      problems: [{ field: 'email', code: 'invalid_email', detail: key.error }],
    };
  return { ok: true, line: row.line, entry: parsed.data, emailKey: key.key };
}

/** Rows of one address merged into the first: later rows fill what earlier ones left empty. */
export interface MergedEntry {
  line: number;
  entry: LeadEntry;
  emailKey: string;
  /** Lines of later rows merged into this one. */
  merged: number[];
}

export function mergeDuplicates(rows: readonly Extract<RowResult, { ok: true }>[]): MergedEntry[] {
  const byKey = new Map<string, MergedEntry>();
  for (const row of rows) {
    const first = byKey.get(row.emailKey);
    if (!first) {
      byKey.set(row.emailKey, { line: row.line, entry: row.entry, emailKey: row.emailKey, merged: [] });
      continue;
    }
    first.entry = { ...first.entry, attributes: { ...row.entry.attributes, ...first.entry.attributes } };
    first.merged.push(row.line);
  }
  return [...byKey.values()].sort((a, b) => a.line - b.line);
}

/** The error CSV: line, e-mail and reason per refused row (UTF-8 with BOM, so Excel opens it as such). */
export function errorCsv(rejected: readonly { line: number; email: string; reason: string }[]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    // A leading =, +, - or @ would be a formula in a spreadsheet: quote it away.
    const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const lines = [['line', 'email', 'reason'], ...rejected.map((r) => [r.line, r.email, r.reason])];
  return `\uFEFF${lines.map((l) => l.map(cell).join(',')).join('\r\n')}\r\n`;
}
