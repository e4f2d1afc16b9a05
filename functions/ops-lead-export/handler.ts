import { exportLead } from '#app/export-lead';
import { httpHandler } from '#http/api';
import { NotFoundError } from '#http/errors';
import { json } from '#http/responses';

/**
 * `GET /v1/ops/leads/{leadId}/export` (IAM in AWS, bearer token locally): everything stored about the lead
 * as one JSON document (a data subject's access request). 404 for an unknown or erased lead.
 */
export const handler = httpHandler(async (event) => {
  const outcome = await exportLead(event.pathParameters?.leadId ?? '');
  if (outcome.kind === 'not_found') throw new NotFoundError('No such lead.');
  return json(200, outcome.document);
});
