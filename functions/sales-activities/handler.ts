import { logSalesActivity, salesActivityGate } from '#app/log-sales-activity';
import { actorOf, callerOf } from '#http/access';
import { httpHandler } from '#http/api';
import { BadRequestError, ConflictError, NotFoundError } from '#http/errors';
import { json } from '#http/responses';

/**
 * `POST /v1/ops/leads/{leadId}/activities` (IAM in AWS): a call, meeting, e-mail or note logged by sales.
 * 201 with the result the first time; a replayed `activityId` answers the same body with 200 (header
 * `idempotent-replay: true`) and changes nothing. 400 naming the field (a refused `followUpAt` with its own
 * code: `no_open_handoff`, `follow_up_not_after_activity`, `follow_up_too_far`), 404 unknown lead, 409 when the
 * `activityId` was used for another lead. The lead's hourly event bound (a page loop's page views) never refuses
 * an activity: a person's record is kept.
 */
export const handler = httpHandler({ body: salesActivityGate }, async ({ body }, event) => {
  const leadId = event.pathParameters?.leadId ?? '';
  if (leadId === '' || leadId.length > 64) throw new NotFoundError('No such lead.');
  // A person logs in their own name (the token's owner id, else e-mail), whatever the body says, as for the
  // sales actions; a machine client (CRM, script) names the rep it acts for.
  const by = actorOf(callerOf(event), body.by) ?? body.by;
  const outcome = await logSalesActivity(leadId, { ...body, by });
  switch (outcome.status) {
    case 'not_found':
      throw new NotFoundError('No such lead.');
    case 'invalid':
      throw new BadRequestError('Some fields need attention.', [
        { field: outcome.field, code: outcome.code ?? 'invalid', message: outcome.message },
      ]);
    case 'activity_id_reused':
      throw new ConflictError(outcome.message, 'activity_id_reused');
    case 'replayed':
      return json(200, outcome.result, { 'idempotent-replay': 'true' });
    case 'recorded':
      return json(201, outcome.result);
  }
});
