import { eraseLead } from '#app/erase-lead';
import { eraseRequestSchema } from '#app/erase-request';
import { httpHandler } from '#http/api';
import { NotFoundError } from '#http/errors';
import { json } from '#http/responses';

/**
 * `DELETE /v1/ops/leads/{leadId}` with `{"reason":"…"}` (IAM in AWS, bearer token locally): erases the
 * lead. 200 `{erased: true, …}`; a second call answers 200 `{alreadyErased: true, …}` and changes nothing;
 * 404 for a lead that never existed; 400 without a reason.
 */
export const handler = httpHandler({ body: eraseRequestSchema }, async ({ body }, event) => {
  const outcome = await eraseLead(event.pathParameters?.leadId ?? '', body.reason);
  switch (outcome.kind) {
    case 'not_found':
      throw new NotFoundError('No such lead.');
    case 'already_erased':
      return json(200, { leadId: outcome.leadId, erasedAt: outcome.erasedAt, alreadyErased: true });
    case 'erased':
      return json(200, {
        leadId: outcome.leadId,
        erasedAt: outcome.erasedAt,
        erased: true,
        deletedItems: outcome.deletedItems,
      });
  }
});
