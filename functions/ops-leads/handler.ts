import { now } from '#adapters/clock';
import { leadView } from '#app/lead-view';
import { emailKey } from '#domain/capture/email-address';
import { httpHandler } from '#http/api';
import { BadRequestError, NotFoundError } from '#http/errors';
import { json } from '#http/responses';
import { findLeadIdByEmail, getLead } from '#store/leads';

/**
 * GET /v1/ops/leads/{leadId} and GET /v1/ops/leads?email=…: one lead with its score breakdown and
 * timeline. IAM-authorized in AWS (bearer token locally); e-mail lookups go through the e-mail index, never a scan.
 */
export const handler = httpHandler(async (event) => {
  let leadId = event.pathParameters?.leadId;
  if (!leadId) {
    const email = event.queryStringParameters?.email;
    if (!email) throw new BadRequestError('Give a leadId in the path or ?email=.');
    const key = emailKey(email);
    if (!key)
      throw new BadRequestError('That is not a valid e-mail address.', [
        { field: 'email', code: 'invalid', message: 'invalid e-mail address' },
      ]);
    leadId = await findLeadIdByEmail(key);
  }
  if (!leadId || leadId.length > 64) throw new NotFoundError('No such lead.');
  const lead = await getLead(leadId);
  if (!lead) throw new NotFoundError('No such lead.');
  return json(200, await leadView(lead, now()));
});
