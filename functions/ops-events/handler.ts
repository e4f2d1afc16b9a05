import { ingestEvents } from '#app/ingest-events';
import { httpHandler, readBody } from '#http/api';
import { BadRequestError } from '#http/errors';
import { json } from '#http/responses';

/**
 * POST /v1/ops/events (IAM in AWS): behaviour events from trusted systems - the webinar platform's webhook,
 * the CRM, the back office - naming the lead by `leadId` or `email`. Same batch format and bounds as
 * /v1/track; an unknown lead is a rejected entry `unknown_lead`, never a new lead.
 */
export const handler = httpHandler(async (event) => {
  const body = readBody(event, { accept: ['json'] });
  const result = await ingestEvents(body.value, 'trusted');
  if (!result.ok) throw new BadRequestError(result.message);
  return json(202, { accepted: result.accepted, rejected: result.rejected });
});
