import { optOutGate, recordOptOut } from '#app/record-opt-out';
import { actorOf, callerOf } from '#http/access';
import { httpHandler } from '#http/api';
import { NotFoundError } from '#http/errors';
import { json } from '#http/responses';

/**
 * `POST /v1/ops/leads/{leadId}/unsubscribe` with `{"note":"…"}` (sales and marketing): records an opt-out
 * the person asked for outside the mail's link. 200 `{leadId, unsubscribed: true}`; again, 200 with
 * `alreadyUnsubscribed: true` and nothing changed; 404 for no such lead; 400 without a note. A signed-in
 * person is recorded as themselves (their owner id, else e-mail); a machine client names `by`.
 */
export const handler = httpHandler({ body: optOutGate }, async ({ body }, event) => {
  const leadId = event.pathParameters?.leadId ?? '';
  if (leadId === '' || leadId.length > 64) throw new NotFoundError('No such lead.');
  const by = actorOf(callerOf(event), body.by) ?? 'ops';
  const outcome = await recordOptOut(leadId, { by, note: body.note });
  if (outcome === 'not_found') throw new NotFoundError('No such lead.');
  return json(200, {
    leadId,
    unsubscribed: true,
    ...(outcome === 'already' ? { alreadyUnsubscribed: true } : {}),
  });
});
