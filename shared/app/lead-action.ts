import { now as clockNow } from '#adapters/clock';
import { countMetric } from '#adapters/metrics';
import { replayOf } from '#app/action-replay';
import { countSlaBreaches, slaCounterItems } from '#app/sla-counting';
import { settings } from '#config/settings';
import { handoffView } from '#domain/handoff/handoff';
import { decideLeadAction, type LeadActionDecision } from '#domain/handoff/owner-actions';
import { type SalesActionView, salesActionView } from '#domain/handoff/sales-actions';
import type { LeadAction } from '#domain/lead/actions';
import { type LeadState, withStageTransitions } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import { retentionDueAt } from '#domain/privacy/retention';
import { readSalesActionRecord, salesActionRecordPut, salesActionRefPut } from '#store/idempotency';
import { getLead, getTimeline, type TransactItem, writeLead } from '#store/leads';
import { retentionTimerPut } from '#store/retention';
import { CONFLICT, retryOnConflict } from '#store/retry';
import { type RoundRobinRecord, readRoundRobin, roundRobinPut } from '#store/round-robin';
import { slaTimerDelete, slaTimerPut } from '#store/timers';

/**
 * The lead actions that are not deals (hand-off, reassign, accept, disqualify, recycle, …), on a lead named
 * by id: `#app/sales-action` sends qualify, convert and bantch to the deal path (`#app/deal-action`) and everything
 * else here. Apart so that what only hands a lead off (an ops entry naming its owner, `#app/create-lead`)
 * does not load the deal path and the CRM event parsing (a smaller bundle, a faster cold start).
 */

export type SalesActionOutcome =
  | { status: 'applied' | 'replayed'; result: SalesActionView }
  | { status: 'not_found' }
  | { status: 'unknown_owner'; message: string; field: string }
  | { status: 'invalid_transition' | 'no_owner_available'; message: string }
  | { status: 'action_id_reused'; message: string }
  // Deals (qualify, convert): BANTCH required for SQL missing (422), or a bad field such as the phase (400).
  | { status: 'bantch_incomplete'; message: string; missing: string[] }
  | { status: 'invalid'; message: string; field: string };

/** Actions that may assign an owner read the round-robin state (and write it, version-checked). */
const assigns = (action: LeadAction): boolean =>
  action.action === 'handoff' || action.action === 'reassign' || action.action === 'accept';

/**
 * Applies an action to a lead (from the ops API or a CRM event, same validation before). Idempotent on
 * `actionId`: the first result is stored with the change in the same transaction, and a replay returns it
 * unchanged. Accepting stops the SLA timer (and counts the SLA met or breached); leaving the pipeline closes
 * the hand-off and clears its timer. A manual hand-off, a reassignment and an accept that opens the missing
 * hand-off write the owner, the round-robin state (version-checked), the SLA timer and the same events as
 * the automatic hand-off in that one transaction, so a concurrent automatic hand-off either commits first
 * (and the action decides again on it) or finds the hand-off open and writes nothing.
 */
export async function applyLeadAction(
  leadId: string,
  action: Exclude<LeadAction, { action: 'qualify' | 'convert' | 'bantch' }>,
): Promise<SalesActionOutcome> {
  const now = clockNow();
  const policy = settings.handoff;
  const recent =
    assigns(action) && policy.crm.system !== 'none'
      ? await getTimeline(leadId, policy.crm.mapping.summary.maxActivities)
      : [];
  return retryOnConflict(`sales action ${action.actionId} on lead ${leadId}`, async () => {
    // The lead first, then the record: the action and its record commit together, so if the lead read
    // predates a concurrent duplicate's commit, the record read either sees it or our write conflicts.
    const lead = await getLead(leadId);
    const replay = replayOf(await readSalesActionRecord<SalesActionView>(action.actionId), leadId, action);
    if (replay) return replay;
    if (!lead) return { status: 'not_found' } as const;
    const roundRobin: RoundRobinRecord = assigns(action)
      ? await readRoundRobin()
      : { state: {}, version: undefined };
    const { state } = lead;
    const decided = decideLeadAction(handoffView(lead), action, now, {
      policy,
      roundRobin: roundRobin.state,
      recent,
      recycle: settings.handoff.recycle,
    });
    if (!decided.ok) {
      return decided.code === 'unknown_owner'
        ? ({ status: 'unknown_owner', message: decided.message, field: decided.field } as const)
        : ({ status: decided.code, message: decided.message } as const);
    }

    const view = salesActionView(leadId, state.stage, action, decided);
    const result = await writeLead(
      { state: state.version },
      {
        previous: lead,
        state: stateAfter(state, decided),
        events: decided.events,
        extra: extraItems(leadId, action, state, decided, view, roundRobin, now),
        at: now,
      },
    );
    if (result !== 'saved') return CONFLICT;
    countMetric('SalesAction', { action: action.action });
    countSlaBreaches(decided.events);
    return { status: 'applied', result: view } as const;
  });
}

type Decided = Extract<LeadActionDecision, { ok: true }>;

function stateAfter(state: LeadState, decided: Decided): LeadState {
  return {
    ...state,
    stage: decided.stage,
    ...withStageTransitions(state, decided.transitions),
    ...(decided.handoff ? { handoff: decided.handoff } : {}),
    version: state.version + 1,
  };
}

/** The idempotency record, the owner's round-robin mark, the SLA timer and counters that commit with the action. */
function extraItems(
  leadId: string,
  action: LeadAction,
  state: LeadState,
  decided: Decided,
  view: SalesActionView,
  roundRobin: RoundRobinRecord,
  now: EpochMs,
): TransactItem[] {
  const timer = decided.slaTimer;
  return [
    salesActionRecordPut(action.actionId, { leadId, action: action.action, result: view }, now),
    salesActionRefPut(leadId, action.actionId, now),
    ...retentionTimer(leadId, state, decided),
    ...(decided.roundRobinState ? [roundRobinPut(roundRobin, decided.roundRobinState, now)] : []),
    ...(timer === 'clear' ? [slaTimerDelete(leadId)] : timer ? [slaTimerPut(leadId, timer.n, timer.at)] : []),
    ...slaCounterItems(now, decided.slaCounters),
  ];
}

/** Disqualified: arm the retention timer that erases the lead after the configured inactive period. */
function retentionTimer(leadId: string, state: LeadState, decided: Decided): TransactItem[] {
  const at = retentionDueAt(
    { stage: decided.stage, lastActivityAt: state.lastActivityAt },
    settings.app.retention,
  );
  return at === null ? [] : [retentionTimerPut(leadId, at)];
}
