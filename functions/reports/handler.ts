import { REPORT_NAMES, type ReportName, viewReport } from '#app/report-view';
import { header, httpHandler } from '#http/api';
import { toCsv } from '#http/csv';
import { BadRequestError, NotFoundError } from '#http/errors';
import { json, text } from '#http/responses';

/**
 * GET /v1/ops/reports/{funnel|leads|email|sla|scores} (IAM in AWS, bearer token locally): figures from the
 * report counters. JSON, or CSV with `?format=csv` (or `Accept: text/csv`): UTF-8 with BOM, formula-safe.
 * Bad parameters get 400 naming the field.
 */
const PARAMS = ['from', 'to', 'groupBy', 'view', 'interval'] as const;

/**
 * The parameters each report reads (and `format`). Any other is a 400 naming it: a misspelt `group_by` or
 * a `view=cohort` on the leads report was ignored, and the answer looked like what was asked for; the
 * scores report is the current gauges, which no range changes.
 */
const ACCEPTED: Record<ReportName, readonly string[]> = {
  funnel: ['from', 'to', 'groupBy', 'view'],
  leads: ['from', 'to', 'groupBy', 'interval'],
  email: ['from', 'to', 'groupBy'],
  sla: ['from', 'to', 'groupBy'],
  scores: [],
};

export const handler = httpHandler(async (event) => {
  const name = event.pathParameters?.report ?? event.rawPath.split('/').pop() ?? '';
  if (!(REPORT_NAMES as readonly string[]).includes(name)) throw new NotFoundError('No such report.');
  const query = event.queryStringParameters ?? {};
  const accepted = [...ACCEPTED[name as ReportName], 'format'];
  const unknown = Object.keys(query).filter((p) => !accepted.includes(p));
  if (unknown.length)
    throw new BadRequestError(
      'Some parameters need attention.',
      unknown.map((field) => ({
        field,
        code: 'unknown',
        message: `not a parameter of the ${name} report (${accepted.join(', ')})`,
      })),
    );
  const format = query.format ?? ((header(event, 'accept') ?? '').includes('text/csv') ? 'csv' : 'json');
  if (format !== 'csv' && format !== 'json') {
    throw new BadRequestError('Unknown format.', [
      { field: 'format', code: 'invalid', message: 'csv or json' },
    ]);
  }
  const raw = Object.fromEntries(PARAMS.flatMap((p) => (query[p] === undefined ? [] : [[p, query[p]]])));
  const outcome = await viewReport(name as ReportName, raw);
  if (outcome.kind === 'invalid')
    throw new BadRequestError('Some parameters need attention.', outcome.errors);
  if (format === 'json') return json(200, outcome.body);
  // The file says which days it covers: two weeks' downloads no longer share one name.
  const { from, to } = outcome.body;
  const range = typeof from === 'string' && typeof to === 'string' ? `-${from}_${to}` : '';
  return text(200, toCsv(outcome.table), 'text/csv; charset=utf-8', {
    'content-disposition': `attachment; filename="${name}-report${range}.csv"`,
    'cache-control': 'no-store',
  });
});
