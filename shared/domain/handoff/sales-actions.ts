/**
 * The hand-off lifecycle: opening a hand-off when a lead qualifies (owner, CRM record, SLA clock,
 * events), and sales' answers to it (accept, qualify, convert, disqualify, recycle) checked against
 * one transition table. Pure: (lead, action or config, now) → new state + events to write to the outbox.
 */
import {
  type AssignmentConfig,
  assignOwner,
  type RoundRobinState,
  recordAssignment,
  toOwnerRef,
} from '#domain/handoff/assignment';
import { type CrmLeadView, type CrmMapping, mapLeadToCrm } from '#domain/handoff/crm-mapping';
import { type HandoffState, type SlaPolicy, slaDueAt } from '#domain/handoff/sla';
import {
  type AnyDomainEvent,
  buildDomainEvent,
  type ConversionTarget,
  type CrmSystem,
  isoAt,
  type SalesAction,
  type SalesActionName,
} from '#domain/lead/events';
import type { EpochMs, Stage, StageTransition, TimelineEntry } from '#domain/lead/types';

export {
  acceptActionSchema,
  convertActionSchema,
  disqualifyActionSchema,
  qualifyActionSchema,
  recycleActionSchema,
  type SalesAction,
  salesActionSchema,
} from '#domain/lead/events';

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Opening a hand-off
// ---------------------------------------------------------------------------------------------

export type HandoffTrigger = { on: 'hot' } | { on: 'stage'; stage: Stage };

export interface HandoffPolicy extends AssignmentConfig {
  trigger: HandoffTrigger;
  sla: SlaPolicy;
  crm: { system: CrmSystem; mapping: CrmMapping };
}

export interface HandoffLead extends CrmLeadView {
  handoff?: HandoffState;
}

/** Stages sales already owns (or that ended): no new hand-off from these. */
const SALES_OWNED: readonly Stage[] = ['sal', 'sql', 'opportunity', 'customer', 'disqualified'];
const FUNNEL_ORDER: readonly Stage[] = ['subscriber', 'lead', 'mql', 'sal', 'sql', 'opportunity', 'customer'];

export const hasOpenHandoff = (lead: { handoff?: HandoffState | undefined }): boolean =>
  lead.handoff !== undefined && lead.handoff.closedAt === undefined;

/** Whether the lead should be handed off now: trigger met, not already with sales, no open hand-off. */
export const shouldHandOff = (
  lead: Pick<HandoffLead, 'stage' | 'temperature' | 'handoff'>,
  trigger: HandoffTrigger,
): boolean => {
  if (hasOpenHandoff(lead) || SALES_OWNED.includes(lead.stage)) return false;
  if (trigger.on === 'hot') return lead.temperature === 'hot';
  return FUNNEL_ORDER.indexOf(lead.stage) >= FUNNEL_ORDER.indexOf(trigger.stage);
};

export type HandoffPlan =
  | {
      ok: true;
      handoff: HandoffState;
      /** Present when the lead was below MQL: a hand-off makes it marketing-qualified, so sales can accept it. */
      transition?: StageTransition;
      stage: Stage;
      roundRobinState: RoundRobinState;
      /** `Lead Stage Changed` (when moved), `Lead Assigned`, `Lead Handed Off`, in that order. */
      events: AnyDomainEvent[];
      /** When the SLA timer should fire. */
      slaCheckAt: EpochMs;
    }
  | { ok: false; code: 'not_triggered' | 'no_owner_available'; message: string };

/** Opens the n-th hand-off of a lead: owner, CRM record, SLA deadline and the events announcing them. */
export const planHandoff = (
  lead: HandoffLead,
  policy: HandoffPolicy,
  roundRobinState: RoundRobinState,
  recentActivity: readonly TimelineEntry[],
  now: EpochMs,
): HandoffPlan => {
  if (!shouldHandOff(lead, policy.trigger)) {
    return {
      ok: false,
      code: 'not_triggered',
      message: `lead ${lead.leadId} does not meet the hand-off trigger`,
    };
  }
  const assignment = assignOwner(lead, policy, roundRobinState, now);
  if (!assignment.ok) return { ok: false, code: assignment.code, message: assignment.message };

  const n = (lead.handoff?.n ?? 0) + 1;
  const owner = toOwnerRef(assignment.owner);
  const dueAt = slaDueAt(now, policy.sla);
  const handoff: HandoffState = {
    n,
    owner,
    rule: assignment.rule,
    startedAt: now,
    dueAt,
    reassignments: 0,
    previousOwnerIds: [],
  };
  const stage: Stage = FUNNEL_ORDER.indexOf(lead.stage) >= FUNNEL_ORDER.indexOf('mql') ? lead.stage : 'mql';
  const transition: StageTransition | undefined =
    stage === lead.stage ? undefined : { from: lead.stage, to: stage, at: now, reason: 'handoff' };

  const base = { version: 1 as const, occurredAt: isoAt(now), leadId: lead.leadId };
  const record =
    policy.crm.system === 'none'
      ? {}
      : mapLeadToCrm({ ...lead, stage, owner }, policy.crm.mapping, recentActivity);
  const events: AnyDomainEvent[] = [];
  if (transition) {
    events.push(
      buildDomainEvent('Lead Stage Changed', {
        ...base,
        eventId: `${lead.leadId}:stage:handoff:${n}`,
        from: transition.from,
        to: transition.to,
        reason: transition.reason,
      }),
    );
  }
  events.push(
    buildDomainEvent('Lead Assigned', {
      ...base,
      eventId: `${lead.leadId}:assign:${n}:0`,
      handoffNumber: n,
      owner,
      previousOwner: null,
      reason: 'handoff',
      rule: assignment.rule,
    }),
    buildDomainEvent('Lead Handed Off', {
      ...base,
      eventId: `${lead.leadId}:handoff:${n}`,
      handoffNumber: n,
      owner,
      crm: { system: policy.crm.system, record },
      score: lead.score,
      ...(lead.grade === undefined ? {} : { grade: lead.grade }),
      temperature: lead.temperature,
      stage,
      slaDueAt: isoAt(dueAt),
    }),
  );
  return {
    ok: true,
    handoff,
    ...(transition ? { transition } : {}),
    stage,
    roundRobinState: recordAssignment(roundRobinState, owner.ownerId, now),
    events,
    slaCheckAt: dueAt,
  };
};

// ---------------------------------------------------------------------------------------------
// Sales actions
// ---------------------------------------------------------------------------------------------

const OPEN_STAGES = ['subscriber', 'lead', 'mql', 'sal', 'sql', 'opportunity', 'recycled'] as const;

/**
 * Allowed transitions: action → (from stage → to stage). Anything not listed is refused with 409.
 * Accept additionally needs an open, not yet accepted hand-off (the SLA clock it stops).
 */
export const SALES_ACTION_TRANSITIONS: Readonly<
  Record<SalesActionName, Readonly<Partial<Record<Stage, Stage>>>>
> = {
  accept: { mql: 'sal' },
  qualify: { sal: 'sql' },
  convert: { sql: 'opportunity', opportunity: 'customer' },
  disqualify: Object.fromEntries(OPEN_STAGES.map((s) => [s, 'disqualified'])),
  recycle: { mql: 'recycled', sal: 'recycled', sql: 'recycled' },
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
      /** The action's own event, then `Lead Stage Changed`. */
      events: AnyDomainEvent[];
      /** For a recycle: enrol into `sequenceId` at `at`. */
      nurture?: { at: EpochMs; sequenceId: string };
    }
  | { ok: false; code: 'invalid_transition'; message: string };

const refuse = (message: string): SalesActionResult => ({ ok: false, code: 'invalid_transition', message });

/** The stage an action leads to from `from`, or undefined when the table forbids it. */
export const targetStage = (action: SalesActionName, from: Stage): Stage | undefined =>
  SALES_ACTION_TRANSITIONS[action][from];

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
          withinSla: handoff.breachedAt === undefined && now <= handoff.dueAt,
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

/** Applies a validated sales action, or refuses it when the transition table does not allow it. */
export const applySalesAction = (
  lead: SalesActionLead,
  action: SalesAction,
  now: EpochMs,
  recycle: RecyclePolicy = DEFAULT_RECYCLE,
): SalesActionResult => {
  const to = targetStage(action.action, lead.stage);
  if (to === undefined) return refuse(`cannot ${action.action} a lead in stage '${lead.stage}'`);
  if (action.action === 'convert' && action.to !== undefined && action.to !== to) {
    return refuse(`a lead in stage '${lead.stage}' converts to '${to}', not '${action.to}'`);
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
  const handoff = updatedHandoff(lead.handoff, action.action, to, now);
  return {
    ok: true,
    stage: to,
    transition,
    ...(handoff === undefined ? {} : { handoff }),
    events: [event, stageChanged],
    ...(nurture === undefined ? {} : { nurture }),
  };
};
