import { type CallListItem, callList, decodeCursor, InvalidCursorError } from '#app/call-list';
import { header, httpHandler } from '#http/api';
import { csvCell } from '#http/csv';
import { BadRequestError } from '#http/errors';
import { json, text } from '#http/responses';

/**
 * GET /v1/ops/call-list (IAM in AWS): warm and hot leads not yet with sales, best first, for outbound
 * calls. JSON pages (`limit` ≤ 200, `cursor` from the previous page's `nextCursor`), or CSV with
 * `?format=csv` or `Accept: text/csv` (`limit` ≤ 1000, next cursor in the `x-next-cursor` header): UTF-8 with
 * a BOM so Excel in Japan opens it correctly, every text cell guarded against formula injection, and a phone
 * number of digits only written as `="0312345678"` so Excel keeps its leading 0 (`#http/csv`).
 */

const LIMITS = { json: { default: 50, max: 200 }, csv: { default: 1000, max: 1000 } } as const;

const COLUMNS: readonly (keyof CallListItem)[] = [
  'leadId',
  'lastName',
  'firstName',
  'company',
  'department',
  'title',
  'email',
  'phone',
  'prefecture',
  'score',
  'temperature',
  'stage',
  'grade',
  'lastActivityAt',
];

/** The call list as CSV: the header row, then one line per lead, its cells written by `#http/csv`. */
export const toCsv = (items: readonly CallListItem[]): string =>
  `\uFEFF${[COLUMNS.join(','), ...items.map((item) => COLUMNS.map((c) => csvCell(item[c])).join(','))].join('\r\n')}\r\n`;

export const handler = httpHandler(async (event) => {
  const query = event.queryStringParameters ?? {};
  const format = query.format ?? ((header(event, 'accept') ?? '').includes('text/csv') ? 'csv' : 'json');
  if (format !== 'csv' && format !== 'json') {
    throw new BadRequestError('Unknown format.', [
      { field: 'format', code: 'invalid', message: 'csv or json' },
    ]);
  }
  const bounds = LIMITS[format];
  const limit = query.limit === undefined ? bounds.default : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > bounds.max) {
    throw new BadRequestError('The limit is out of range.', [
      { field: 'limit', code: 'out_of_range', message: `an integer from 1 to ${bounds.max}` },
    ]);
  }
  let cursor: ReturnType<typeof decodeCursor> | undefined;
  if (query.cursor) {
    try {
      cursor = decodeCursor(query.cursor);
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw new BadRequestError('The cursor is invalid.', [
          { field: 'cursor', code: 'invalid', message: 'use the nextCursor of a previous page' },
        ]);
      }
      throw error;
    }
  }
  const page = await callList({ limit, ...(cursor ? { cursor } : {}) });
  if (format === 'json') return json(200, page);
  return text(200, toCsv(page.items), 'text/csv; charset=utf-8', {
    'content-disposition': 'attachment; filename="call-list.csv"',
    'cache-control': 'no-store',
    ...(page.nextCursor ? { 'x-next-cursor': page.nextCursor } : {}),
  });
});
