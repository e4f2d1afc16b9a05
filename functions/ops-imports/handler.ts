import {
  type FileProblem,
  type ImportRequestOptions,
  importLeads,
  importQueryGate,
  importRequestGate,
  MAX_API_IMPORT_BYTES,
  MAX_API_IMPORT_ROWS,
  queryOptions,
} from '#app/import-leads';
import { actorOf, callerOf } from '#http/access';
import { header, httpHandler, issuesToFields } from '#http/api';
import { BadRequestError, HttpError, PayloadTooLargeError, UnsupportedMediaTypeError } from '#http/errors';
import { json } from '#http/responses';

/**
 * Entries written at once (rows of one address are one entry, so writers never share a lead). New leads of
 * one day share report counter shards, so many more writers mostly buy transaction conflicts.
 */
const API_IMPORT_CONCURRENCY = 4;

/** What a file problem's message names, for a client that words its code itself (the console). */
const fileProblemParams = (problem: FileProblem): { params?: Record<string, string | number> } => {
  const params: Record<string, string | number> = {};
  if (problem.line !== undefined) params.line = problem.line;
  if (problem.columns) [params.first, params.second] = problem.columns;
  if (problem.field) params.field = problem.field;
  return Object.keys(params).length ? { params } : {};
};

/**
 * `POST /v1/ops/imports` (ops auth): a CSV of up to 1,000 rows, either as `text/csv` (UTF-8 or Shift_JIS
 * bytes; options in the query: `?channel=event&source=…&consent=business_card[&ownerId=…&encoding=sjis&map=…]`)
 * or as JSON `{csv, channel, source, consent, ownerId?, encoding?, map?, dryRun?}`. 200 with the summary
 * and the rejected rows (line, e-mail, reason); 400 for an unusable file or options (`encoding=sjis` with a
 * text body among them), 413 beyond the limits.
 */
export const handler = httpHandler(async (event) => {
  const bytes = event.body
    ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8')
    : Buffer.alloc(0);
  if (bytes.length > MAX_API_IMPORT_BYTES) throw new PayloadTooLargeError(MAX_API_IMPORT_BYTES);
  const mediaType = (header(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  let input: { bytes: Uint8Array; options: ImportRequestOptions };
  // A text/csv body reaches the function as text (UTF-8); send Shift_JIS bytes as application/octet-stream.
  if (mediaType === 'text/csv' || mediaType === 'application/octet-stream') {
    const parsed = importQueryGate.safeParse(event.queryStringParameters ?? {});
    if (!parsed.success)
      throw new BadRequestError(
        'Some options need attention.',
        issuesToFields(parsed.error.issues, '(query)'),
      );
    input = { bytes, options: queryOptions(parsed.data) };
  } else if (mediaType === 'application/json') {
    let value: unknown;
    try {
      // As `readBody` reads every other JSON body: a leading byte order mark (Windows tools write one) is dropped.
      value = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new BadRequestError('The body is not valid JSON.');
    }
    const parsed = importRequestGate.safeParse(value);
    if (!parsed.success)
      throw new BadRequestError('Some fields need attention.', issuesToFields(parsed.error.issues));
    const { csv, ...options } = parsed.data;
    input = { bytes: Buffer.from(csv, 'utf8'), options };
  } else {
    throw new UnsupportedMediaTypeError(['text/csv', 'application/octet-stream', 'application/json']);
  }
  // A text body (text/csv, a JSON string) reaches the function as UTF-8 text: read as Shift_JIS, its Japanese
  // would turn into other kanji (株式会社 → 譬ｪ蠑丈ｼ夂､ｾ), often with no undecodable byte to give it away.
  if (mediaType !== 'application/octet-stream' && input.options.encoding === 'sjis')
    throw new BadRequestError('A text body is UTF-8; send a Shift_JIS file as application/octet-stream.', [
      {
        field: 'encoding',
        code: 'text_body',
        message: `sjis needs the file's bytes (application/octet-stream); a ${mediaType} body is UTF-8 text`,
      },
    ]);
  const result = await importLeads({
    ...input,
    maxRows: MAX_API_IMPORT_ROWS,
    concurrency: API_IMPORT_CONCURRENCY,
    // Who imports: the owner the file is given to is mailed once, unless it is themselves.
    by: actorOf(callerOf(event), undefined),
  });
  switch (result.kind) {
    case 'bad_file':
      // Each problem's code (no_email_column, not_csv, …) lets the console word it in its language.
      throw new BadRequestError(
        `The file cannot be imported: ${result.errors.map((e) => e.message).join('; ')}`,
        result.errors.map((e) => ({
          field: 'csv',
          code: e.code,
          message: e.message,
          ...fileProblemParams(e),
        })),
      );
    case 'too_many_rows':
      throw new HttpError(
        413,
        'too_many_rows',
        `The file has ${result.rows} rows; this route takes up to ${result.limit}. Use \`leadloop import\` for bigger files.`,
      );
    case 'unknown_owner':
      throw new HttpError(404, 'unknown_owner', `No such owner: '${result.ownerId}'.`, {
        errors: [{ field: 'ownerId', code: 'unknown_owner', message: `no owner '${result.ownerId}'` }],
      });
    case 'done':
      return json(200, { ...result.summary, rejectedRows: result.rejected });
  }
});
