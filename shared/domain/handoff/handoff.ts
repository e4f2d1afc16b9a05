/**
 * Opening a hand-off when a lead qualifies: the trigger, the owner (assignment rules or round-robin), the
 * CRM record, the SLA deadline and the events announcing them. Pure: (lead, policy, round-robin state,
 * recent activity, now) → the plan the use case writes in one transaction.
 */
import {
  type AssignmentConfig,
  type AssignmentResult,
  type AssignmentRule,
  assignOwner,
  type Owner,
  type RoundRobinState,
  recordAssignment,
  toOwnerRef,
} from '#domain/handoff/assignment';
import { type CrmLeadView, type CrmMapping, mapLeadToCrm } from '#domain/handoff/crm-mapping';
import {
  assignmentFor,
  automaticTrigger,
  clocksFor,
  type HandoffRoute,
  type HandoffTriggerName,
  routeFor,
  type SlaClock,
} from '#domain/handoff/routing';
import { clockDeadlines, type HandoffState, nextSlaCheckAt, type SlaPolicy } from '#domain/handoff/sla';
import {
  type AnyDomainEvent,
  buildDomainEvent,
  type CrmSystem,
  type HandoffTriggerKind,
  isoAt,
} from '#domain/lead/events';
import { type Lead, type LeadState, withStageTransitions } from '#domain/lead/lead';
import { stageRank } from '#domain/lead/lifecycle';
import {
  type EpochMs,
  FUNNEL_STAGES,
  type Stage,
  type StageTransition,
  TEMPERATURES,
  type TimelineEntry,
} from '#domain/lead/types';

export type HandoffTrigger = { on: 'hot' } | { on: 'stage'; stage: Stage };

export interface HandoffPolicy extends AssignmentConfig {
  trigger: HandoffTrigger;
  sla: SlaPolicy & { firstContact?: SlaClock | undefined };
  /** Team and clocks per trigger (see `#domain/handoff/routing`); absent: rules, default team and clocks. */
  routes?: readonly HandoffRoute[];
  /** TQL on: `appointment_set` moves the lead to tql and opens a second hand-off. */
  tql?: { enabled: boolean };
  crm: { system: CrmSystem; mapping: CrmMapping };
}

export interface HandoffLead extends CrmLeadView {
  handoff?: HandoffState;
}

/** Stages sales already owns (or that ended): no new hand-off from these. */
const SALES_OWNED: readonly Stage[] = ['tql', 'sal', 'sql', 'opportunity', 'customer', 'disqualified'];
const FUNNEL_ORDER: readonly Stage[] = FUNNEL_STAGES;

export function hasOpenHandoff(lead: { handoff?: HandoffState | undefined }): boolean {
  return lead.handoff !== undefined && lead.handoff.closedAt === undefined;
}

/** Whether the lead should be handed off now: trigger met, not already with sales, no open hand-off. */
export function shouldHandOff(
  lead: Pick<HandoffLead, 'stage' | 'temperature' | 'handoff'>,
  trigger: HandoffTrigger,
): boolean {
  if (hasOpenHandoff(lead) || SALES_OWNED.includes(lead.stage)) return false;
  if (trigger.on === 'hot') return lead.temperature === 'hot';
  return FUNNEL_ORDER.indexOf(lead.stage) >= FUNNEL_ORDER.indexOf(trigger.stage);
}

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

/**
 * A hand-off opened by something other than the score/stage trigger: an inquiry form (`handoff:
 * 'immediate'`), a person, or an accept. It opens whatever the score, but never while a hand-off is open
 * or once sales owns the lead. `owner` names who gets it (else the assignment rules pick).
 */
export interface HandoffOpening {
  trigger: Extract<HandoffTriggerKind, 'inquiry' | 'manual' | 'accept'>;
  reason: string;
  owner?: Owner;
  /** Who opened it by hand (the action's `by`): the owner it names is told unless it is themselves. */
  by?: string;
}

/**
 * The inquiry a lead made that no hand-off has answered yet: its last touch is a form posted after its last
 * hand-off opened (or it never had one), and `inquiryOf` says that form opens a hand-off at once. A score
 * trigger for such a lead is that inquiry's hand-off: a capture announces `Lead Captured` and the crossing
 * together, and the bus delivers them in any order.
 */
export function unansweredInquiry(
  lead: Lead,
  inquiryOf: (formId: string) => HandoffOpening | undefined,
): HandoffOpening | undefined {
  const touch = lead.profile.attribution?.lastTouch;
  if (!touch?.formId || (lead.state.handoff?.startedAt ?? Number.NEGATIVE_INFINITY) >= touch.at)
    return undefined;
  return inquiryOf(touch.formId);
}

/** Whether a hand-off may open now: by the configured trigger, or for an inquiry/person whatever the score. */
export function mayOpenHandoff(
  lead: Pick<HandoffLead, 'stage' | 'temperature' | 'handoff'>,
  trigger: HandoffTrigger,
  opening?: HandoffOpening,
): boolean {
  if (opening === undefined) return shouldHandOff(lead, trigger);
  return mayHandOffByHand(lead);
}

/** A hand-off by hand (the ops API's `handoff`, an accept that opens one): none open, not sales' stage yet. */
export function mayHandOffByHand(lead: Pick<HandoffLead, 'stage' | 'handoff'>): boolean {
  return !hasOpenHandoff(lead) && !SALES_OWNED.includes(lead.stage);
}

/**
 * A trigger event (a crossing, an inquiry's capture) that happened before the lead's last hand-off closed:
 * sales has dealt with the lead since (recycled, disqualified, won or lost it), so the event is spent. Bus
 * delivery is at least once, and a retried run, a DLQ redrive or an outbox republish can bring an old event
 * back; a recycled lead keeps its temperature, so without this it would open a second hand-off. A trigger
 * after the close (the lead heats up again, a new inquiry) opens one as usual.
 */
export function isSpentTrigger(
  lead: Pick<HandoffLead, 'handoff'>,
  triggeredAt: EpochMs | undefined,
): boolean {
  const closedAt = lead.handoff?.closedAt;
  return triggeredAt !== undefined && closedAt !== undefined && triggeredAt <= closedAt;
}

/**
 * Opens the n-th hand-off of a lead: owner, CRM record, SLA deadlines and the events announcing them.
 * Without `opening` it is the configured automatic trigger (`hot` or `mql`); an opening (`inquiry`,
 * `manual`, `accept`) hands off whatever the score, as long as no hand-off is open and sales does not own
 * the lead yet. The trigger picks the route (team and clocks). `appointment_set` goes through `planTqlHandoff`.
 */
export function planHandoff(
  lead: HandoffLead,
  policy: HandoffPolicy,
  roundRobinState: RoundRobinState,
  recentActivity: readonly TimelineEntry[],
  now: EpochMs,
  opening?: HandoffOpening,
  /** When the trigger event happened (automatic triggers only): a spent one opens nothing. */
  triggeredAt?: EpochMs,
): HandoffPlan {
  if (isSpentTrigger(lead, triggeredAt)) {
    return {
      ok: false,
      code: 'not_triggered',
      message: `lead ${lead.leadId}: the trigger predates the close of its last hand-off`,
    };
  }
  if (!mayOpenHandoff(lead, policy.trigger, opening)) {
    return {
      ok: false,
      code: 'not_triggered',
      message: `lead ${lead.leadId} does not meet the hand-off trigger`,
    };
  }
  const stage: Stage = FUNNEL_ORDER.indexOf(lead.stage) >= FUNNEL_ORDER.indexOf('mql') ? lead.stage : 'mql';
  const trigger: HandoffTriggerName = opening?.trigger ?? automaticTrigger(policy.trigger);
  return openHandoff(lead, policy, roundRobinState, recentActivity, now, trigger, stage, 'handoff', opening);
}

/**
 * TQL: inside sales booked an appointment. When TQL is on and the lead is below tql (and not disqualified),
 * it moves to tql and a NEW hand-off (n + 1, trigger `appointment_set`) replaces the current one: its own
 * owner (the route's team, else the assignment rules: field sales), clocks, timer and events. A lead whose
 * open hand-off is already field sales' is not handed off again (see `tqlEligible`).
 */
export function planTqlHandoff(
  lead: HandoffLead,
  policy: HandoffPolicy,
  roundRobinState: RoundRobinState,
  recentActivity: readonly TimelineEntry[],
  now: EpochMs,
): HandoffPlan {
  if (!policy.tql?.enabled || !tqlEligible(lead, fieldSalesTeams(policy))) {
    return {
      ok: false,
      code: 'not_triggered',
      message: `lead ${lead.leadId} is not eligible for TQL (stage ${lead.stage}, owner ${lead.handoff?.owner.ownerId ?? 'none'})`,
    };
  }
  return openHandoff(
    lead,
    policy,
    roundRobinState,
    recentActivity,
    now,
    'appointment_set',
    'tql',
    'appointment_set',
  );
}

/**
 * Field sales: every team an `appointment_set` hand-off can go to, at any temperature. A route naming a team
 * gives that team; a route without one (or no route) gives the assignment rules' teams (a rule naming an
 * owner: that owner's team) and the default team (also the fallback when a rule's team has nobody).
 */
export function fieldSalesTeams(
  policy: Pick<HandoffPolicy, 'routes' | 'assignmentRules' | 'defaultTeam' | 'owners'>,
): ReadonlySet<string> {
  const teamOf = (assignTo: AssignmentRule['assignTo']): string | undefined =>
    'team' in assignTo ? assignTo.team : policy.owners.find((o) => o.ownerId === assignTo.owner)?.team;
  const byRules = [policy.defaultTeam, ...policy.assignmentRules.map((rule) => teamOf(rule.assignTo))];
  const teams = new Set<string>();
  for (const temperature of TEMPERATURES) {
    const route = routeFor(policy.routes ?? [], 'appointment_set', temperature);
    for (const team of route?.team === undefined ? byRules : [route.team]) {
      if (team !== undefined) teams.add(team);
    }
  }
  return teams;
}

/**
 * Below tql (not disqualified), or at sal by inside sales' own accept: with TQL on, inside sales qualifies
 * by booking the appointment, so a lead whose inside-sales hand-off (any trigger but `appointment_set`) was
 * accepted (mql → sal) still goes to field sales on `appointment_set` (sal → tql, then field sales'
 * accept: tql → sal). A lead field sales already has is not handed off again and keeps its stage and owner:
 * past sal, a TQL hand-off, or an open hand-off whose owner is on a field-sales team (a field rep who took
 * the lead with `accept`, or was given it by `handoff`, and books the appointment themself).
 */
function tqlEligible(lead: Pick<HandoffLead, 'stage' | 'handoff'>, fieldSales: ReadonlySet<string>): boolean {
  if (lead.stage === 'disqualified') return false;
  if (hasOpenHandoff(lead) && fieldSales.has(lead.handoff?.owner.team ?? '')) return false;
  if (stageRank(lead.stage) < stageRank('tql')) return true;
  return lead.stage === 'sal' && lead.handoff !== undefined && lead.handoff.trigger !== 'appointment_set';
}

function openHandoff(
  lead: HandoffLead,
  policy: HandoffPolicy,
  roundRobinState: RoundRobinState,
  recentActivity: readonly TimelineEntry[],
  now: EpochMs,
  trigger: HandoffTriggerName,
  stage: Stage,
  reason: string,
  opening?: HandoffOpening,
): HandoffPlan {
  const route = routeFor(policy.routes ?? [], trigger, lead.temperature);
  const assignment: AssignmentResult = opening?.owner
    ? {
        ok: true,
        owner: opening.owner,
        team: opening.owner.team,
        rule: null,
        via: 'rule_owner',
        fallback: false,
      }
    : assignOwner(lead, assignmentFor(policy, route), roundRobinState, now);
  if (!assignment.ok) return { ok: false, code: assignment.code, message: assignment.message };

  const n = (lead.handoff?.n ?? 0) + 1;
  const owner = toOwnerRef(assignment.owner);
  const clocks = clocksFor(
    { routes: policy.routes ?? [], sla: policy.sla, tql: policy.tql ?? { enabled: false } },
    route,
  );
  const deadlines = clockDeadlines(now, clocks, policy.sla.window);
  const handoff: HandoffState = {
    n,
    owner,
    rule: assignment.rule,
    startedAt: now,
    ...deadlines,
    reassignments: 0,
    slaReassignments: 0,
    previousOwnerIds: [],
    trigger,
    clocks,
  };
  const transition: StageTransition | undefined =
    stage === lead.stage ? undefined : { from: lead.stage, to: stage, at: now, reason };

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
      reason: opening === undefined || opening.trigger === 'inquiry' ? 'handoff' : 'manual',
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
      slaDueAt: isoAt(deadlines.dueAt),
      trigger,
      ...(opening === undefined ? {} : { reason: opening.reason }),
      ...(opening?.by === undefined ? {} : { by: opening.by }),
      ...(deadlines.firstContactDueAt === undefined
        ? {}
        : { firstContactDueAt: isoAt(deadlines.firstContactDueAt) }),
    }),
  );
  return {
    ok: true,
    handoff,
    ...(transition ? { transition } : {}),
    stage,
    roundRobinState: recordAssignment(roundRobinState, owner.ownerId, now),
    events,
    slaCheckAt: nextSlaCheckAt(handoff) ?? deadlines.dueAt,
  };
}

/** The part of a lead a hand-off reads: scores, stage, attributes for the CRM record, the last touch's UTM. */
export function handoffView(lead: Lead): HandoffLead {
  const { profile, state } = lead;
  const utm = profile.attribution?.lastTouch.utm ?? profile.attribution?.firstTouch.utm;
  return {
    leadId: state.leadId,
    attributes: profile.attributes,
    score: state.score,
    grade: state.grade,
    temperature: state.temperature,
    stage: state.stage,
    channel: profile.channel,
    ...(utm ? { utm } : {}),
    ...(state.handoff ? { handoff: state.handoff } : {}),
    ...(profile.consent?.doubleOptIn && profile.consent.confirmedAt === undefined
      ? { awaitingConfirmation: true }
      : {}),
  };
}

/** The lead state once a planned hand-off is opened (stage moved to MQL when it was below, or to TQL). */
export function stateWithHandoff(state: LeadState, plan: Extract<HandoffPlan, { ok: true }>): LeadState {
  return {
    ...state,
    stage: plan.stage,
    ...withStageTransitions(state, plan.transition ? [plan.transition] : []),
    handoff: plan.handoff,
    version: state.version + 1,
  };
}
