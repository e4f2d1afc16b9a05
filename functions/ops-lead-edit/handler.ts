import { editLead, leadEditGate } from '#app/edit-lead';
import { actorOf, callerOf } from '#http/access';
import { httpHandler } from '#http/api';
import { BadRequestError, ConflictError, NotFoundError } from '#http/errors';
import { json } from '#http/responses';

/**
 * `POST /v1/ops/leads/{leadId}/attributes` (sales and marketing): set or clear a lead's details and decide
 * the changes unverified form posts proposed, e.g. `{"actionId":"…","attributes":{"title":"部長"},
 * "proposals":{"company":"apply"}}`. 200 with the lead's details after the edit (`changed` names what
 * changed; an edit that changes nothing writes nothing); a replayed `actionId` answers the first result
 * (header `idempotent-replay: true`); 400 with field errors; 404 for no such lead; 409 for an `actionId` used
 * for another action or lead, or an address another lead has (`email_taken`) or erased (`address_erased`).
 * A signed-in person is recorded as themselves; a machine client names `by`.
 */
export const handler = httpHandler({ body: leadEditGate }, async ({ body }, event) => {
  const leadId = event.pathParameters?.leadId ?? '';
  if (leadId === '' || leadId.length > 64) throw new NotFoundError('No such lead.');
  const by = actorOf(callerOf(event), body.by) ?? 'ops';
  const outcome = await editLead(leadId, body, by);
  switch (outcome.status) {
    case 'not_found':
      throw new NotFoundError('No such lead.');
    case 'invalid':
      throw new BadRequestError('Some fields need attention.', [
        { field: outcome.field, code: 'invalid', message: outcome.message },
      ]);
    case 'action_id_reused':
      throw new ConflictError(outcome.message, 'action_id_reused');
    case 'email_taken':
    case 'address_erased':
      throw new ConflictError(outcome.message, outcome.status);
    case 'replayed':
      return json(200, outcome.result, { 'idempotent-replay': 'true' });
    case 'applied':
    case 'unchanged':
      return json(200, outcome.result);
  }
});
