import { logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { type DealActionOutcome, dealAction } from '#app/deal-action';
import { applyLeadAction, type SalesActionOutcome } from '#app/lead-action';
import { emailKey } from '#domain/capture/email-address';
import type { SalesActionView } from '#domain/handoff/sales-actions';
import {
  crmSalesActionEventSchemaFor,
  type LeadAction,
  type OpportunityAction,
  salesActionFromCrm,
} from '#domain/lead/actions';
import { findLeadIdByEmail } from '#store/leads';

/** What the ops API's handler parses a request with (one validation for both doors). */
export {
  ACTION_SCHEMAS,
  type LeadAction,
  leadActionSchema,
  type SalesAction,
  salesActionSchema,
} from '#domain/lead/actions';
export {
  LEAD_ACTIONS,
  type LeadActionName,
  SALES_ACTIONS,
  type SalesActionName,
} from '#domain/lead/events';
export type { SalesActionOutcome, SalesActionView };

/** How a caller names the lead: our id (ops API, CRM records that stored it) or the e-mail address. */
export type LeadRef = { leadId: string } | { email: string };

async function resolveLeadId(ref: LeadRef): Promise<string | undefined> {
  if ('leadId' in ref) return ref.leadId.length > 0 && ref.leadId.length <= 128 ? ref.leadId : undefined;
  const key = emailKey(ref.email);
  return key ? findLeadIdByEmail(key) : undefined;
}

/**
 * Applies an action to a lead named by id or e-mail (the ops API, a CRM event; same validation before).
 * Qualify, convert and bantch keep the deal (BANTCH, opportunity) beside the stage move (`#app/deal-action`); every
 * other action is `applyLeadAction` (`#app/lead-action`). Idempotent on `actionId` either way.
 */
export async function salesAction(ref: LeadRef, action: LeadAction): Promise<SalesActionOutcome> {
  const leadId = await resolveLeadId(ref);
  if (!leadId) return { status: 'not_found' };
  // (The view's `action` is the request's: qualify, convert or bantch, never 'opportunity', hence the cast.)
  if (action.action === 'qualify' || action.action === 'convert' || action.action === 'bantch')
    return (await dealAction(leadId, action)) as SalesActionOutcome;
  return applyLeadAction(leadId, action);
}

/**
 * `CRM Sales Action` events (`source: leadloop.crm`) on the leads bus: the ops API's bodies plus `leadId` or
 * `email`. Bad or refused actions are logged and counted, never retried; only infrastructure errors throw.
 */
export async function crmSalesAction(event: unknown): Promise<void> {
  const parsed = crmSalesActionEventSchemaFor(event).safeParse(event);
  if (!parsed.success) {
    logger.warn('CRM sales action rejected: invalid event', {
      id: (event as { id?: unknown } | null)?.id,
      errors: parsed.error.issues.map((i) => ({
        field: i.path.map(String).join('.') || '(body)',
        code: i.code,
        message: i.message,
      })),
    });
    countMetric('CrmSalesActionRejected', { reason: 'invalid' });
    return;
  }
  const { detail } = parsed.data;
  const ref: LeadRef =
    detail.leadId !== undefined ? { leadId: detail.leadId } : { email: detail.email ?? '' };
  const action = salesActionFromCrm(detail);
  const outcome: SalesActionOutcome | DealActionOutcome =
    action.action === 'opportunity' ? await opportunityFromCrm(ref, action) : await salesAction(ref, action);
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
}

/** A phase move from the CRM (the ops API's `POST …/opportunity` body): the deal path, the lead named either way. */
async function opportunityFromCrm(ref: LeadRef, action: OpportunityAction): Promise<DealActionOutcome> {
  const leadId = await resolveLeadId(ref);
  return leadId ? dealAction(leadId, action) : { status: 'not_found' };
}
