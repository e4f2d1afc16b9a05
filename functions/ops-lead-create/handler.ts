import { createLeadManually, createLeadRequestGate } from '#app/create-lead';
import { actorOf, callerOf } from '#http/access';
import { header, httpHandler } from '#http/api';
import { BadRequestError, ConflictError, HttpError } from '#http/errors';
import { json } from '#http/responses';

/** Like an `actionId`: what a client may name an entry with. */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,64}$/;
const IDEMPOTENCY_KEY_RULE = '1 to 64 letters, digits, . _ : or -';

/**
 * `POST /v1/ops/leads` (ops auth): a lead entered by sales, e.g. from a business card or a call.
 * 201 `{leadId, created: true}` for a new address, 200 `{leadId, created: false}` when the normalized
 * address already had a lead (updated, with a timeline entry); 400 naming the fields; 409 for an address
 * erased on request (nothing stored). With `ownerId` the lead is handed off to that owner (the manual
 * hand-off path; `assignment` in the answer), 404 when no such owner is configured (nothing stored). With
 * `inquiry: true` (a phone inquiry) it is handed off as an inquiry: the inquiry route's clocks, to `ownerId`
 * or else the route's team (`assignment`; `already: true` when someone in sales had the lead).
 * An optional `Idempotency-Key` header names the entry: sent again with the same key (a retry after a 503 or a
 * lost answer), it completes what the first attempt left undone (the hand-off) and answers as the first did
 * (header `idempotent-replay: true`), with no second timeline entry.
 */
export const handler = httpHandler({ body: createLeadRequestGate }, async ({ body }, event) => {
  const idempotencyKey = header(event, 'idempotency-key');
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey))
    throw new BadRequestError('The Idempotency-Key header is invalid.', [
      { field: 'Idempotency-Key', code: 'invalid', message: IDEMPOTENCY_KEY_RULE },
    ]);
  // Who entered it: the owner it names is mailed unless it is themselves.
  const by = actorOf(callerOf(event), undefined);
  const outcome = await createLeadManually(body, {
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    ...(by === undefined ? {} : { by }),
  });
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
  const created =
    outcome.kind === 'created' || (outcome.kind === 'unchanged' && outcome.createdByIt === true);
  return json(
    created ? 201 : 200,
    {
      leadId: outcome.leadId,
      created,
      ...(body.ownerId === undefined && !body.inquiry ? {} : { assignment: outcome.assignment }),
    },
    outcome.kind === 'unchanged' ? { 'idempotent-replay': 'true' } : {},
  );
});
