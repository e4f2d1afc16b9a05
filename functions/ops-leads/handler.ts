import { viewLead } from '#app/view-lead';
import { httpHandler } from '#http/api';
import { BadRequestError, NotFoundError } from '#http/errors';
import { json } from '#http/responses';

/**
 * GET /v1/ops/leads/{leadId} and GET /v1/ops/leads?email=…: one lead with its score breakdown and
 * timeline. IAM-authorized in AWS (bearer token locally); e-mail lookups go through the e-mail index, never a scan.
 */
export const handler = httpHandler(async (event) => {
  const result = await viewLead({
    ...(event.pathParameters?.leadId ? { leadId: event.pathParameters.leadId } : {}),
    ...(event.queryStringParameters?.email ? { email: event.queryStringParameters.email } : {}),
  });
  switch (result.kind) {
    case 'missing_key':
      throw new BadRequestError('Give a leadId in the path or ?email=.');
    case 'invalid_email':
      throw new BadRequestError('That is not a valid e-mail address.', [
        { field: 'email', code: 'invalid', message: 'invalid e-mail address' },
      ]);
    case 'not_found':
      throw new NotFoundError('No such lead.');
    case 'found':
      return json(200, result.lead);
  }
});
