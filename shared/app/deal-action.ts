import { now as clockNow } from '#adapters/clock';
import { countMetric } from '#adapters/metrics';
import { replayOf } from '#app/action-replay';
import { type OpportunityView, opportunityView } from '#app/deal-view';
import { countSlaBreaches, slaCounterItems } from '#app/sla-counting';
import { settings } from '#config/settings';
import { crmSyncDueAt } from '#domain/deals/crm-sync';
import { type DealAction, type DealDecided, decideDealAction } from '#domain/deals/deal-actions';
import { type BantchField, emptyDeal } from '#domain/deals/opportunity';
import { actionView, type SalesActionView } from '#domain/handoff/sales-actions';
import { opportunityActionSchema } from '#domain/lead/actions';
import type { Bantch } from '#domain/lead/events';
import { type LeadState, withStageTransitions } from '#domain/lead/lead';
import type { Stage } from '#domain/lead/types';
import { leadDims } from '#domain/reports/counting';
import { crmChangeUpdate, dealPut, getDeal } from '#store/deals';
import { readSalesActionRecord, salesActionRecordPut, salesActionRefPut } from '#store/idempotency';
import { getLead, writeLead } from '#store/leads';
import { CONFLICT, retryOnConflict } from '#store/retry';
import { slaTimerDelete } from '#store/timers';

export type { DealAction, OpportunityView };
/** The body of `POST /v1/ops/leads/{leadId}/opportunity` (the handler adds `action` from the path). */
export { opportunityActionSchema };

export interface DealActionView extends Omit<SalesActionView, 'action'> {
  action: DealAction['action'];
  opportunity?: OpportunityView;
  /** qualify and bantch: BANTCH as kept after the action (the items given merged over the earlier ones). */
  bantch?: Bantch;
  /** bantch: the items `config/deals.ts` requires for SQL that are still unknown (empty: qualify may go). */
  missingForSql?: BantchField[];
}

export type DealActionOutcome =
  | { status: 'applied' | 'replayed'; result: DealActionView }
  | { status: 'not_found' }
  | { status: 'invalid_transition'; message: string }
  | { status: 'action_id_reused'; message: string }
  | { status: 'bantch_incomplete'; message: string; missing: string[] }
  | { status: 'invalid'; message: string; field: string };

/**
 * Qualify, convert, BANTCH recorded along the way (`bantch`) and the opportunity's phase moves on a lead (ops
 * API and CRM, through `salesAction`). Same guarantees as every sales action: idempotent on `actionId` (the
 * first result is stored with the change), the state (version-checked, even when the stage stays), the deal
 * item, the timeline line and the events commit in one transaction, a refused move changes nothing.
 */
export async function dealAction(leadId: string, action: DealAction): Promise<DealActionOutcome> {
  const now = clockNow();
  return retryOnConflict(`deal action ${action.actionId} on lead ${leadId}`, async () => {
    const lead = await getLead(leadId);
    const replay = replayOf(await readSalesActionRecord<DealActionView>(action.actionId), leadId, action);
    if (replay) return replay;
    if (!lead) return { status: 'not_found' } as const;
    const { state, profile } = lead;
    const deal = (await getDeal(leadId)) ?? emptyDeal(leadId);
    const decided = decideDealAction(
      {
        leadId,
        stage: state.stage,
        channel: leadDims(profile, settings.reports.channelGrouping).channel,
        ...(state.handoff ? { handoff: state.handoff } : {}),
      },
      deal,
      action,
      { deals: settings.deals, recycle: settings.handoff.recycle },
      now,
    );
    if (!decided.ok) {
      switch (decided.code) {
        case 'bantch_incomplete':
          return { status: 'bantch_incomplete', message: decided.message, missing: decided.missing } as const;
        case 'invalid':
          return { status: 'invalid', message: decided.message, field: decided.field } as const;
        case 'invalid_transition':
          return { status: 'invalid_transition', message: decided.message } as const;
      }
    }
    const view = dealView(leadId, state.stage, action, decided);
    const closedNow = decided.handoff?.closedAt !== undefined && state.handoff?.closedAt === undefined;
    const result = await writeLead(
      { state: state.version },
      {
        previous: lead,
        state: stateAfter(state, decided),
        events: decided.events,
        // Not scored (no points), so never "in flight" for a rescoring (baseVersion 0, as nurture's lines).
        timeline: (decided.timeline ?? []).map((entry) => ({ ...entry, baseVersion: 0, recordedAt: now })),
        extra: [
          dealPut(decided.deal, deal.version),
          salesActionRecordPut(action.actionId, { leadId, action: action.action, result: view }, now),
          salesActionRefPut(leadId, action.actionId, now),
          ...(closedNow ? [slaTimerDelete(leadId)] : []),
          ...slaCounterItems(now, decided.slaCounters ?? []),
          // BANTCH saved on a handed-off lead: the CRM record carries it, and no event will arm the sync.
          ...(decided.crmRecordChanged
            ? [crmChangeUpdate(leadId, now, crmSyncDueAt(now, settings.deals))]
            : []),
        ],
        at: now,
      },
    );
    if (result !== 'saved') return CONFLICT;
    countMetric('SalesAction', { action: action.action });
    countSlaBreaches(decided.events);
    return { status: 'applied', result: view } as const;
  });
}

function stateAfter(state: LeadState, decided: DealDecided): LeadState {
  return {
    ...state,
    stage: decided.stage,
    ...withStageTransitions(state, decided.transition ? [decided.transition] : []),
    ...(decided.handoff ? { handoff: decided.handoff } : {}),
    version: state.version + 1,
  };
}

function dealView(leadId: string, from: Stage, action: DealAction, decided: DealDecided): DealActionView {
  return {
    ...actionView(leadId, from, action, decided),
    ...(decided.opportunity ? { opportunity: opportunityView(decided.opportunity) } : {}),
    ...((action.action === 'qualify' || action.action === 'bantch') && decided.deal.bantch
      ? { bantch: decided.deal.bantch }
      : {}),
    ...(decided.missingForSql ? { missingForSql: decided.missingForSql } : {}),
  };
}
