import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { now } from '#adapters/clock';
import { logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { type LeadRef, performSalesAction } from '#app/handoff';
import { settings } from '#config/settings';
import {
  crmSalesActionEventSchema,
  SALES_ACTIONS,
  type SalesActionName,
  salesActionFromCrm,
  salesActionSchema,
} from '#domain/lead/events';
import { type HttpEvent, type HttpResult, httpHandler, readBody } from '#http/api';
import { BadRequestError, ConflictError, type FieldError, NotFoundError } from '#http/errors';
import { json } from '#http/responses';

/**
 * Sales' answers to a hand-off, from two doors with one validation and one domain:
 * - `POST /v1/ops/leads/{leadId}/{action}` (IAM in AWS) with a JSON body, e.g.
 *   `{"actionId":"…","bant":{…}}` for qualify. 200 with the result; a replayed `actionId` returns the first
 *   result (header `idempotent-replay: true`); 400 with field errors, 404 unknown lead, 409 refused transition.
 * - `CRM Sales Action` events (`source: leadloop.crm`) on the leads bus: the same bodies plus `leadId` or
 *   `email`. Bad or refused actions are logged and counted, never retried; only infrastructure errors throw.
 */

const issuesToFields = (issues: readonly z.core.$ZodIssue[]): FieldError[] =>
  issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', code: i.code, message: i.message }));

const isAction = (value: string | undefined): value is SalesActionName =>
  value !== undefined && (SALES_ACTIONS as readonly string[]).includes(value);

const http = httpHandler(async (event) => {
  const leadId = event.pathParameters?.leadId ?? '';
  const action = event.pathParameters?.action;
  if (!isAction(action)) throw new NotFoundError(`Unknown action; use one of: ${SALES_ACTIONS.join(', ')}.`);
  if (leadId === '' || leadId.length > 64) throw new NotFoundError('No such lead.');
  const body = readBody(event, { maxBytes: settings.app.api.maxBodyBytes, accept: ['json'] });
  if (typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
    throw new BadRequestError('The body must be a JSON object.');
  }
  const raw = body.value as Record<string, unknown>;
  if (raw.action !== undefined && raw.action !== action) {
    throw new BadRequestError('The body names a different action than the path.', [
      { field: 'action', code: 'mismatch', message: `expected '${action}' or nothing` },
    ]);
  }
  const parsed = salesActionSchema.safeParse({ ...raw, action });
  if (!parsed.success)
    throw new BadRequestError('Some fields need attention.', issuesToFields(parsed.error.issues));

  const outcome = await performSalesAction({ leadId }, parsed.data, now());
  switch (outcome.status) {
    case 'not_found':
      throw new NotFoundError('No such lead.');
    case 'invalid_transition':
      throw new ConflictError(outcome.message, 'invalid_transition');
    case 'action_id_reused':
      throw new ConflictError(outcome.message, 'action_id_reused');
    case 'replayed':
      return json(200, outcome.result, { 'idempotent-replay': 'true' });
    case 'applied':
      return json(200, outcome.result);
  }
});

const fromCrm = async (event: unknown): Promise<void> => {
  const parsed = crmSalesActionEventSchema.safeParse(event);
  if (!parsed.success) {
    logger.warn('CRM sales action rejected: invalid event', {
      id: (event as { id?: unknown }).id,
      errors: issuesToFields(parsed.error.issues),
    });
    countMetric('CrmSalesActionRejected', { reason: 'invalid' });
    return;
  }
  const { detail } = parsed.data;
  const ref: LeadRef =
    detail.leadId !== undefined ? { leadId: detail.leadId } : { email: detail.email ?? '' };
  const outcome = await performSalesAction(ref, salesActionFromCrm(detail), now());
  if (outcome.status === 'applied' || outcome.status === 'replayed') {
    logger.info('CRM sales action', { status: outcome.status, ...outcome.result });
    return;
  }
  logger.warn('CRM sales action refused', {
    status: outcome.status,
    action: detail.action,
    actionId: detail.actionId,
    ...('message' in outcome ? { message: outcome.message } : {}),
  });
  countMetric('CrmSalesActionRejected', { reason: outcome.status });
};

const isHttpEvent = (event: unknown): event is HttpEvent =>
  typeof event === 'object' && event !== null && 'requestContext' in event && 'routeKey' in event;

export const handler = async (event: unknown, context: Context): Promise<HttpResult | undefined> => {
  if (isHttpEvent(event)) return http(event, context);
  await fromCrm(event);
  return undefined;
};
