import { createLeadManually, createLeadRequestGate } from '#app/create-lead';
import { httpHandler } from '#http/api';
import { ConflictError, HttpError } from '#http/errors';
import { json } from '#http/responses';

/**
 * `POST /v1/ops/leads` (ops auth): a lead entered by sales, e.g. from a business card or a call.
 * 201 `{leadId, created: true}` for a new address, 200 `{leadId, created: false}` when the normalized
 * address already had a lead (updated, with a timeline entry); 400 naming the fields; 409 for an address
 * erased on request (nothing stored). With `ownerId` the lead is handed off to that owner (the manual
 * hand-off path; `assignment` in the answer), 404 when no such owner is configured (nothing stored).
 */
export const handler = httpHandler({ body: createLeadRequestGate }, async ({ body }) => {
  const outcome = await createLeadManually(body);
  if (outcome.kind === 'unknown_owner') {
    throw new HttpError(404, 'unknown_owner', `No such owner: '${outcome.ownerId}'.`, {
      errors: [{ field: 'ownerId', code: 'unknown_owner', message: `no owner '${outcome.ownerId}'` }],
    });
  }
  if (outcome.kind === 'erased') {
    throw new ConflictError(
      'This address was erased on request and cannot be entered again by ops; only the person can sign up again.',
      'address_erased',
    );
  }
  return json(outcome.kind === 'created' ? 201 : 200, {
    leadId: outcome.leadId,
    created: outcome.kind === 'created',
    ...(body.ownerId === undefined ? {} : { assignment: outcome.assignment }),
  });
});
