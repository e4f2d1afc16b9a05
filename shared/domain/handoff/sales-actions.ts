/**
 * Sales' answers to a hand-off (accept, qualify, convert, disqualify, recycle), checked against one
 * transition table, and the result view an action returns (and a replay returns again). Pure: (lead,
 * action, now, recycle policy) → new stage, hand-off, events to write to the outbox.
 */
import {
  acceptedWithinSla,
  breachesOnLeaving,
  type HandoffState,
  type SlaCounter,
} from '#domain/handoff/sla';
import type { LeadAction, SalesAction } from '#domain/lead/actions';
import {
  type AnyDomainEvent,
  buildDomainEvent,
  type ConversionTarget,
  isoAt,
  SALES_ACTIONS,
  type SalesActionName,
} from '#domain/lead/events';
import { type EpochMs, STAGES, type Stage, type StageTransition } from '#domain/lead/types';

const DAY_MS = 86_400_000;

/**
 * Stages a lead can be disqualified from. Not `opportunity`: its open deal would stay open with nothing
 * left to close it (a phase move needs the lead in opportunity), so the deal is closed first: lost recycles
 * the lead (see `leavingAnOpportunity`).
 */
const OPEN_STAGES = ['subscriber', 'lead', 'mql', 'tql', 'sal', 'sql', 'recycled'] as const;

/**
 * Stages where the lead is still worked, so sales may record BANTCH on it (`bantch`, the stage unchanged):
 * every stage but the two ends, `disqualified` and `customer`.
 */
export const BANTCH_STAGES: readonly Stage[] = STAGES.filter(
  (stage) => stage !== 'disqualified' && stage !== 'customer',
);

/** Whether a lead in `stage` may have BANTCH recorded (`bantch`). */
export function recordsBantch(stage: Stage): boolean {
  return BANTCH_STAGES.includes(stage);
}

/**
 * Allowed transitions: action → (from stage → to stage). Anything not listed is refused with 409.
 * Accept additionally needs an open, not yet accepted hand-off (the SLA clock it stops).
 */
export const SALES_ACTION_TRANSITIONS: Readonly<
  Record<SalesActionName, Readonly<Partial<Record<Stage, Stage>>>>
> = {
  accept: { mql: 'sal', tql: 'sal' },
  qualify: { sal: 'sql' },
  convert: { sql: 'opportunity', opportunity: 'customer' },
  disqualify: Object.fromEntries(OPEN_STAGES.map((s) => [s, 'disqualified'])),
  recycle: { mql: 'recycled', tql: 'recycled', sal: 'recycled', sql: 'recycled' },
};

export interface RecyclePolicy {
  nurtureAfterDays: number;
  /** Sequence the lead is enrolled in when it re-enters nurture. */
  sequenceId: string;
}
const DEFAULT_RECYCLE: RecyclePolicy = { nurtureAfterDays: 30, sequenceId: 'recycle-nurture' };

export interface SalesActionLead {
  leadId: string;
  stage: Stage;
  handoff?: HandoffState;
}

export type SalesActionResult =
  | {
      ok: true;
      stage: Stage;
      transition: StageTransition;
      /** Updated hand-off (accepted or closed); undefined when the lead had none. */
      handoff?: HandoffState;
      /**
       * The action's own event, then `Lead Stage Changed`; before them, when the action closes the hand-off
       * after a deadline no SLA timer saw pass, that owner's `Lead SLA Breached` (see `breachesOnLeaving`).
       */
      events: AnyDomainEvent[];
      /** SLA counters of those breaches (empty otherwise). */
      slaCounters: SlaCounter[];
      /** For a recycle: enrol into `sequenceId` at `at`. */
      nurture?: { at: EpochMs; sequenceId: string };
    }
  | { ok: false; code: 'invalid_transition'; message: string };

const refuse = (message: string): SalesActionResult => ({ ok: false, code: 'invalid_transition', message });

/** The stage an action leads to from `from`, or undefined when the table forbids it. */
export function targetStage(action: SalesActionName, from: Stage): Stage | undefined {
  return SALES_ACTION_TRANSITIONS[action][from];
}

const actionDetail = (
  lead: SalesActionLead,
  action: SalesAction,
  to: Stage,
  now: EpochMs,
  recycle: RecyclePolicy,
): { event: AnyDomainEvent; nurture?: { at: EpochMs; sequenceId: string } } => {
  const base = {
    version: 1 as const,
    occurredAt: isoAt(now),
    leadId: lead.leadId,
    eventId: `${lead.leadId}:${action.action}:${action.actionId}`,
    ...(action.by === undefined ? {} : { by: action.by }),
  };
  switch (action.action) {
    case 'accept': {
      const handoff = lead.handoff;
      if (handoff === undefined) throw new Error('accept needs a hand-off'); // applySalesAction checks first
      return {
        event: buildDomainEvent('Lead Accepted', {
          ...base,
          eventId: `${lead.leadId}:accept:${handoff.n}`,
          handoffNumber: handoff.n,
          ownerId: handoff.owner.ownerId,
          withinSla: acceptedWithinSla(handoff, now),
        }),
      };
    }
    case 'qualify':
      return { event: buildDomainEvent('Lead Qualified', { ...base, bant: action.bant }) };
    case 'convert':
      return {
        event: buildDomainEvent('Lead Converted', {
          ...base,
          to: to as ConversionTarget,
          amount: action.amount,
          currency: action.currency,
          expectedCloseDate: action.expectedCloseDate,
        }),
      };
    case 'disqualify':
      return { event: buildDomainEvent('Lead Disqualified', { ...base, reason: action.reason }) };
    case 'recycle': {
      const at = now + (action.nurtureAfterDays ?? recycle.nurtureAfterDays) * DAY_MS;
      return {
        event: buildDomainEvent('Lead Recycled', {
          ...base,
          reason: action.reason,
          nurtureAt: isoAt(at),
          sequenceId: recycle.sequenceId,
        }),
        nurture: { at, sequenceId: recycle.sequenceId },
      };
    }
  }
};

const updatedHandoff = (
  handoff: HandoffState | undefined,
  action: SalesActionName,
  to: Stage,
  now: EpochMs,
) => {
  if (handoff === undefined) return undefined;
  if (action === 'accept') return { ...handoff, acceptedAt: now };
  const leavesPipeline = to === 'disqualified' || to === 'recycled' || to === 'customer';
  return leavesPipeline && handoff.closedAt === undefined ? { ...handoff, closedAt: now } : handoff;
};

/**
 * Why a lead in `opportunity` cannot be disqualified or recycled: the deal is closed through its phase
 * (`lost` recycles the lead, `won` makes it a customer), never around it.
 */
function leavingAnOpportunity(action: SalesActionName, stage: Stage): string | undefined {
  if (stage !== 'opportunity' || (action !== 'disqualify' && action !== 'recycle')) return undefined;
  return (
    `cannot ${action} a lead in stage 'opportunity': mark the opportunity lost first ` +
    `(POST /v1/ops/leads/{leadId}/opportunity {"phase":"lost","reason":…}), which recycles the lead`
  );
}

/**
 * The sales actions the lead's stage allows (the transition table), in the order of the funnel. The lead
 * view lists them (`availableActions`), so the console offers a form only where the stage lets the API take
 * it; an action can still be refused for a reason of its own (accept: the hand-off is someone else's or
 * already accepted; qualify: BANTCH incomplete). At `opportunity` this is `convert` with `"to":"customer"`,
 * winning the deal (the console's deal section does that).
 */
export function availableSalesActions(stage: Stage): SalesActionName[] {
  return SALES_ACTIONS.filter((action) => targetStage(action, stage) !== undefined);
}

/** Applies a validated sales action, or refuses it when the transition table does not allow it. */
export function applySalesAction(
  lead: SalesActionLead,
  action: SalesAction,
  now: EpochMs,
  recycle: RecyclePolicy = DEFAULT_RECYCLE,
): SalesActionResult {
  const to = targetStage(action.action, lead.stage);
  if (to === undefined) {
    return refuse(
      leavingAnOpportunity(action.action, lead.stage) ??
        `cannot ${action.action} a lead in stage '${lead.stage}'`,
    );
  }
  if (action.action === 'convert' && action.to !== undefined && action.to !== to) {
    return refuse(`a lead in stage '${lead.stage}' converts to '${to}', not '${action.to}'`);
  }
  // Winning a deal is said out loud: a convert sent twice (a double click on 商談を作成, a resent CRM
  // message; each with its own actionId) must not turn the opportunity it just opened into a won deal.
  if (action.action === 'convert' && to === 'customer' && action.to === undefined) {
    return refuse(
      `the lead is already in an open opportunity: to win it, move it to won ` +
        `(POST /v1/ops/leads/{leadId}/opportunity {"phase":"won"}) or convert with "to":"customer"`,
    );
  }
  if (action.action === 'accept') {
    const h = lead.handoff;
    if (h === undefined || h.closedAt !== undefined) return refuse('no open hand-off to accept');
    if (h.acceptedAt !== undefined) return refuse(`hand-off ${h.n} was already accepted`);
  }

  const transition: StageTransition = { from: lead.stage, to, at: now, reason: action.action };
  const { event, nurture } = actionDetail(lead, action, to, now, recycle);
  const stageChanged = buildDomainEvent('Lead Stage Changed', {
    eventId: `${lead.leadId}:stage:${action.action}:${action.actionId}`,
    version: 1,
    occurredAt: isoAt(now),
    leadId: lead.leadId,
    from: lead.stage,
    to,
    reason: action.action,
  });
  const updated = updatedHandoff(lead.handoff, action.action, to, now);
  const before = lead.handoff;
  const closing =
    before !== undefined &&
    updated !== undefined &&
    before.closedAt === undefined &&
    updated.closedAt !== undefined
      ? breachesOnLeaving(lead.leadId, before, updated, now)
      : undefined;
  const handoff = closing?.handoff ?? updated;
  return {
    ok: true,
    stage: to,
    transition,
    ...(handoff === undefined ? {} : { handoff }),
    events: [...(closing?.events ?? []), event, stageChanged],
    slaCounters: closing?.counters ?? [],
    ...(nurture === undefined ? {} : { nurture }),
  };
}

// ---------------------------------------------------------------------------------------------
// The result view (returned, stored with the idempotency record, returned again on replay)
// ---------------------------------------------------------------------------------------------

export interface HandoffSummary {
  n: number;
  ownerId: string;
  startedAt: string;
  /** The accept deadline. */
  dueAt: string;
  /** The first-contact deadline (absent: no first-contact clock). */
  firstContactDueAt?: string;
  acceptedAt?: string;
  closedAt?: string;
}

export interface SalesActionView {
  leadId: string;
  action: LeadAction['action'];
  actionId: string;
  from: Stage;
  stage: Stage;
  handoff: HandoffSummary | null;
  /** Ids of the events announced (targets de-duplicate on them). */
  eventIds: string[];
  nurture?: { at: string; sequenceId: string };
}

/** A hand-off as an action's answer shows it (times as ISO strings), or null. */
export function summarizeHandoff(h: HandoffState | undefined): HandoffSummary | null {
  return h
    ? {
        n: h.n,
        ownerId: h.owner.ownerId,
        startedAt: isoAt(h.startedAt),
        dueAt: isoAt(h.dueAt),
        ...(h.firstContactDueAt === undefined ? {} : { firstContactDueAt: isoAt(h.firstContactDueAt) }),
        ...(h.acceptedAt === undefined ? {} : { acceptedAt: isoAt(h.acceptedAt) }),
        ...(h.closedAt === undefined ? {} : { closedAt: isoAt(h.closedAt) }),
      }
    : null;
}

/** What an applied action answers: the move, the hand-off after it, the events' ids and any nurture plan. */
export function salesActionView(
  leadId: string,
  from: Stage,
  action: LeadAction,
  decided: Pick<Extract<SalesActionResult, { ok: true }>, 'stage' | 'handoff' | 'events' | 'nurture'>,
): SalesActionView {
  return actionView(leadId, from, action, decided);
}

/** The same answer for any action that names itself (a sales action, a deal action). */
export function actionView<A extends string>(
  leadId: string,
  from: Stage,
  action: { action: A; actionId: string },
  decided: Pick<Extract<SalesActionResult, { ok: true }>, 'stage' | 'handoff' | 'events' | 'nurture'>,
): Omit<SalesActionView, 'action'> & { action: A } {
  return {
    leadId,
    action: action.action,
    actionId: action.actionId,
    from,
    stage: decided.stage,
    handoff: summarizeHandoff(decided.handoff),
    eventIds: decided.events.map((e) => e.detail.eventId),
    ...(decided.nurture
      ? { nurture: { at: isoAt(decided.nurture.at), sequenceId: decided.nurture.sequenceId } }
      : {}),
  };
}
