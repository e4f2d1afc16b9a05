import {
  DueNeedsOwnerError,
  InvalidCursorError,
  LIST_LIMITS,
  leadSheet,
  listLeads,
  listLeadsQuerySchema,
  NothingToSearchError,
  TwoSearchesError,
} from '#app/list-leads';
import { viewLead } from '#app/view-lead';
import { callerOf } from '#http/access';
import { type HttpEvent, type HttpResult, header, httpHandler, issuesToFields } from '#http/api';
import { toCsv } from '#http/csv';
import { BadRequestError, NotFoundError } from '#http/errors';
import { json, text } from '#http/responses';

/**
 * GET /v1/ops/leads/{leadId} and GET /v1/ops/leads?email=…: one lead with its score breakdown and the newest
 * page of its timeline (`?timelineCursor=` for older entries). GET /v1/ops/leads?stage=&temperature=&owner=
 * &channel=&updatedSince=&company=&phone=&sort=&limit=&cursor=&format=&lang=: a list served by the indexes, never
 * a scan (`sort=due`: one owner's queue from `byOwner`, nearest deadline or planned contact first; `company=`: a
 * company-name search in `byCompany`, in name order; `phone=`: the leads whose number ends with it, `byPhone`)
 * (JSON `{items, cursor}` or CSV with the next cursor in `x-next-cursor`). IAM-authorized in AWS (bearer token
 * locally); e-mail lookups go through the e-mail index.
 */
export const handler = httpHandler(async (event) => {
  const query = event.queryStringParameters ?? {};
  if (event.pathParameters?.leadId || query.email !== undefined) return showLead(event);
  return listPage(event);
});

async function listPage(event: HttpEvent): Promise<HttpResult> {
  const parsed = listLeadsQuerySchema().safeParse(event.queryStringParameters ?? {});
  if (!parsed.success)
    throw new BadRequestError(
      'Some list parameters need attention.',
      issuesToFields(parsed.error.issues, '(query)'),
    );
  const q = parsed.data;
  const format = q.format ?? ((header(event, 'accept') ?? '').includes('text/csv') ? 'csv' : 'json');
  const bounds = LIST_LIMITS[format];
  const limit = q.limit ?? bounds.default;
  if (limit > bounds.max)
    throw new BadRequestError('The limit is out of range.', [
      { field: 'limit', code: 'out_of_range', message: `an integer from 1 to ${bounds.max}` },
    ]);
  let ownerId = q.owner;
  if (ownerId === 'me') {
    ownerId = callerOf(event)?.ownerId;
    if (!ownerId)
      throw new BadRequestError('owner=me needs a signed-in owner', [
        { field: 'owner', code: 'no_owner', message: 'owner=me needs a signed-in owner' },
      ]);
  }
  let page: Awaited<ReturnType<typeof listLeads>>;
  try {
    page = await listLeads({
      ...(q.stage ? { stage: q.stage } : {}),
      ...(q.temperature ? { temperature: q.temperature } : {}),
      ...(ownerId ? { ownerId } : {}),
      ...(q.channel ? { channel: q.channel } : {}),
      ...(q.updatedSince ? { updatedSince: Date.parse(q.updatedSince) } : {}),
      ...(q.company ? { company: q.company } : {}),
      ...(q.phone ? { phone: q.phone } : {}),
      sort: q.sort,
      limit,
      ...(q.cursor ? { cursor: q.cursor } : {}),
    });
  } catch (error) {
    if (error instanceof InvalidCursorError)
      throw new BadRequestError('The cursor is invalid.', [
        { field: 'cursor', code: 'invalid', message: 'use the cursor of a previous page of the same list' },
      ]);
    if (error instanceof NothingToSearchError)
      throw error.field === 'company'
        ? new BadRequestError('Give more of the company name than its legal form.', [
            {
              field: 'company',
              code: 'nothing_to_search',
              message: 'a company name, not only 株式会社 or Co., Ltd.',
            },
          ])
        : new BadRequestError('Give at least the last 4 digits of the phone number.', [
            {
              field: 'phone',
              code: 'nothing_to_search',
              message: 'a phone number, or at least its last 4 digits (up to 15 digits)',
            },
          ]);
    if (error instanceof TwoSearchesError)
      throw new BadRequestError('Search by company or by phone number, not both at once.', [
        { field: 'phone', code: 'one_search', message: 'give company= or phone=, not both' },
      ]);
    if (error instanceof DueNeedsOwnerError)
      throw new BadRequestError('sort=due lists one owner’s queue.', [
        { field: 'sort', code: 'due_needs_owner', message: 'give owner= (or owner=me) with sort=due' },
      ]);
    throw error;
  }
  if (format === 'json') return json(200, page);
  return text(200, toCsv(leadSheet(page.items, q.lang)), 'text/csv; charset=utf-8', {
    'content-disposition': 'attachment; filename="leads.csv"',
    'cache-control': 'no-store',
    ...(page.cursor ? { 'x-next-cursor': page.cursor } : {}),
  });
}

async function showLead(event: HttpEvent): Promise<HttpResult> {
  const query = event.queryStringParameters ?? {};
  const result = await viewLead({
    ...(event.pathParameters?.leadId ? { leadId: event.pathParameters.leadId } : {}),
    ...(query.email ? { email: query.email } : {}),
    ...(query.timelineCursor !== undefined ? { timelineCursor: query.timelineCursor } : {}),
  });
  switch (result.kind) {
    case 'missing_key':
      throw new BadRequestError('Give a leadId in the path or ?email=.');
    case 'invalid_email':
      throw new BadRequestError('That is not a valid e-mail address.', [
        { field: 'email', code: 'invalid', message: 'invalid e-mail address' },
      ]);
    case 'invalid_cursor':
      throw new BadRequestError('The timeline cursor is invalid.', [
        { field: 'timelineCursor', code: 'invalid', message: 'use the timelineCursor of this lead’s view' },
      ]);
    case 'not_found':
      throw new NotFoundError('No such lead.');
    case 'found':
      return json(200, result.lead);
  }
}
