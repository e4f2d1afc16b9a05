import { dealAction, opportunityActionSchema } from '#app/deal-action';
import { ACTION_SCHEMAS, LEAD_ACTIONS, type LeadActionName, salesAction } from '#app/sales-action';
import { actorOf, callerOf } from '#http/access';
import { httpHandler, issuesToFields, readBody } from '#http/api';
import { BadRequestError, ConflictError, HttpError, NotFoundError } from '#http/errors';
import { json } from '#http/responses';

/**
 * `POST /v1/ops/leads/{leadId}/{action}` (JWT in AWS): sales' answers to a hand-off (accept, qualify,
 * convert, disqualify, recycle), BANTCH saved without a stage move (`bantch`: the answer names the items SQL
 * still needs), the owner actions (handoff, reassign) and deals (`opportunity`) with a JSON body, e.g.
 * `{"actionId":"…","bant":{…}}` for qualify or bantch, `{"actionId":"…","ownerId":"sato","reason":"…"}` for
 * handoff. 200 with the result; a replayed `actionId` returns the first result (header
 * `idempotent-replay: true`); 400 with field errors, 404 unknown lead or owner, 409 refused action, 422 when
 * qualify lacks the BANTCH items SQL needs. `convert` opens the opportunity, `opportunity` moves its phase
 * (`{actionId, phase, …}`; won / lost). The CRM's door to the same use case is `functions/sales-actions-crm`.
 */

type RouteAction = LeadActionName | 'opportunity';
const isAction = (value: string | undefined): value is RouteAction =>
  value !== undefined && (value === 'opportunity' || (LEAD_ACTIONS as readonly string[]).includes(value));

export const handler = httpHandler(async (event) => {
  const leadId = event.pathParameters?.leadId ?? '';
  const action = event.pathParameters?.action;
  if (!isAction(action))
    throw new NotFoundError(`Unknown action; use one of: ${[...LEAD_ACTIONS, 'opportunity'].join(', ')}.`);
  if (leadId === '' || leadId.length > 64) throw new NotFoundError('No such lead.');
  const body = readBody(event, { accept: ['json'] });
  if (typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
    throw new BadRequestError('The body must be a JSON object.');
  }
  const raw = body.value as Record<string, unknown>;
  if (raw.action !== undefined && raw.action !== action) {
    throw new BadRequestError('The body names a different action than the path.', [
      { field: 'action', code: 'mismatch', message: `expected '${action}' or nothing` },
    ]);
  }
  // `by` comes from the token for a person (a body cannot act in someone else's name).
  const by = actorOf(callerOf(event), typeof raw.by === 'string' ? raw.by : undefined);
  const input = { ...raw, ...(by === undefined ? {} : { by }) };
  const outcome =
    action === 'opportunity' ? await opportunity(leadId, input) : await lead(leadId, input, action);
  switch (outcome.status) {
    case 'bantch_incomplete':
      throw new HttpError(422, 'bantch_incomplete', outcome.message, {
        errors: outcome.missing.map((field) => ({
          field: `bant.${field}`,
          code: 'required_for_sql',
          message: `${field} must be known before the lead becomes SQL`,
        })),
      });
    case 'invalid':
      throw new BadRequestError('Some fields need attention.', [
        { field: outcome.field, code: 'invalid', message: outcome.message },
      ]);
    case 'not_found':
      throw new NotFoundError('No such lead.');
    case 'unknown_owner':
      throw new HttpError(404, 'unknown_owner', `No such owner: ${outcome.message}.`, {
        errors: [{ field: outcome.field, code: 'unknown_owner', message: outcome.message }],
      });
    case 'invalid_transition':
      throw new ConflictError(outcome.message, 'invalid_transition');
    case 'no_owner_available':
      throw new ConflictError(outcome.message, 'no_owner_available');
    case 'action_id_reused':
      throw new ConflictError(outcome.message, 'action_id_reused');
    case 'replayed':
      return json(200, outcome.result, { 'idempotent-replay': 'true' });
    case 'applied':
      return json(200, outcome.result);
  }
});

/**
 * Each request names one action, so only that action's schema is parsed with (and built, on its first use:
 * a cold start builds one of nine instead of all; the issues and paths are those of the union's option).
 */
async function lead(leadId: string, raw: Record<string, unknown>, action: LeadActionName) {
  const parsed = ACTION_SCHEMAS[action]().safeParse({ ...raw, action });
  if (!parsed.success)
    throw new BadRequestError('Some fields need attention.', issuesToFields(parsed.error.issues));
  return salesAction({ leadId }, parsed.data);
}

async function opportunity(leadId: string, raw: Record<string, unknown>) {
  const parsed = opportunityActionSchema().safeParse({ ...raw, action: 'opportunity' });
  if (!parsed.success)
    throw new BadRequestError('Some fields need attention.', issuesToFields(parsed.error.issues));
  return dealAction(leadId, parsed.data);
}
