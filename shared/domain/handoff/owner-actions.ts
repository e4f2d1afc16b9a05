/**
 * Owner actions of the ops API — a manual hand-off (from the call list) and a reassignment — and accepting a
 * lead that has no open hand-off (it opens one for the accepting owner in the same step), on top of sales'
 * answers (`#domain/handoff/sales-actions`). Pure: (lead, action, now, policy + round-robin state) → the
 * new stage, hand-off, events, round-robin state and SLA bookkeeping the use case writes in one transaction.
 */
import {
  assignOwner,
  colleaguesOf,
  isActor,
  type Owner,
  type RoundRobinState,
  recordAssignment,
  toOwnerRef,
} from '#domain/handoff/assignment';
import {
  type HandoffLead,
  type HandoffPolicy,
  hasOpenHandoff,
  mayHandOffByHand,
  mayOpenHandoff,
  planHandoff,
} from '#domain/handoff/handoff';
import {
  applySalesAction,
  availableSalesActions,
  type RecyclePolicy,
  recordsBantch,
  targetStage,
} from '#domain/handoff/sales-actions';
import {
  clockDeadlines,
  type HandoffState,
  nextSlaCheckAt,
  overdueClocks,
  type SlaCounter,
  slaBreachEvents,
  slaCountersOnAccept,
  slaCountersOnBreach,
  slaDueAt,
  slaReassignmentsOf,
  withBreaches,
} from '#domain/handoff/sla';
import type { LeadAction, OwnerAction, SalesAction } from '#domain/lead/actions';
import { type AnyDomainEvent, buildDomainEvent, isoAt } from '#domain/lead/events';
import type { EpochMs, Stage, StageTransition, TimelineEntry } from '#domain/lead/types';

/** What an owner-aware decision needs besides the lead: hand-off policy, round-robin state, recent activity. */
export interface OwnerContext {
  policy: HandoffPolicy;
  roundRobin: RoundRobinState;
  recent: readonly TimelineEntry[];
  recycle?: RecyclePolicy;
}

/** The lead-route actions this module decides: all but `bantch`, which only records (the deal path). */
export type HandoffLeadAction = Exclude<LeadAction, { action: 'bantch' }>;

/** The lead as an action decides on it: the hand-off view (scores, attributes for the CRM record, hand-off). */
export type ActionLead = HandoffLead;

export type LeadActionDecision =
  | {
      ok: true;
      stage: Stage;
      /** Stage moves in order (a hand-off to MQL, then the action's own). */
      transitions: StageTransition[];
      handoff?: HandoffState;
      events: AnyDomainEvent[];
      nurture?: { at: EpochMs; sequenceId: string };
      /** Set when an owner was assigned: store it (version-checked) with the change. */
      roundRobinState?: RoundRobinState;
      /** Arm the SLA timer of hand-off `n` at `at`, or clear it. */
      slaTimer?: { n: number; at: EpochMs } | 'clear';
      slaCounters: SlaCounter[];
    }
  | { ok: false; code: 'invalid_transition' | 'no_owner_available'; message: string }
  | { ok: false; code: 'unknown_owner'; message: string; field: 'ownerId' };

type Decision = LeadActionDecision;
const refuseAction = (message: string): Decision => ({ ok: false, code: 'invalid_transition', message });

/** A named owner: unknown → 404 (field ownerId), away → 409. */
function namedOwner(owners: readonly Owner[], ownerId: string): Owner | Decision {
  const owner = owners.find((o) => o.ownerId === ownerId);
  if (!owner) {
    return { ok: false, code: 'unknown_owner', field: 'ownerId', message: `no owner '${ownerId}'` };
  }
  if (!owner.available) return refuseAction(`owner '${ownerId}' is not available`);
  return owner;
}
const isDecision = (value: Owner | Decision): value is Decision => 'ok' in value;

/**
 * The owner an accept names: `ownerId`, else the configured owner whose id or e-mail `by` is (a sales
 * person accepting with their own token). Undefined when neither names an owner (ops or a manager acting
 * for the holder); an owner who is away is refused either way.
 */
function acceptingOwner(
  owners: readonly Owner[],
  action: Extract<SalesAction, { action: 'accept' }>,
): Owner | Decision | undefined {
  if (action.ownerId !== undefined) return namedOwner(owners, action.ownerId);
  const owner = owners.find((o) => isActor(action.by, o));
  return owner ? namedOwner(owners, owner.ownerId) : undefined;
}

/** A sales answer as the transition table decides it, with the SLA bookkeeping it implies. */
function answer(lead: ActionLead, action: SalesAction, now: EpochMs, ctx: OwnerContext): Decision {
  const decided = applySalesAction(lead, action, now, ctx.recycle);
  if (!decided.ok) return decided;
  const before = lead.handoff;
  const accepted = action.action === 'accept' && before !== undefined;
  const closedNow = decided.handoff?.closedAt !== undefined && before?.closedAt === undefined;
  return {
    ok: true,
    stage: decided.stage,
    transitions: [decided.transition],
    ...(decided.handoff ? { handoff: decided.handoff } : {}),
    events: decided.events,
    ...(decided.nurture ? { nurture: decided.nurture } : {}),
    ...(accepted || closedNow ? { slaTimer: timerAfter(decided.handoff) } : {}),
    slaCounters: [...decided.slaCounters, ...(accepted && before ? slaCountersOnAccept(before, now) : [])],
  };
}

/** Opens a hand-off for `owner` (or the rules' pick) outside the score trigger: by hand or by an accept. */
function openByHand(
  lead: ActionLead,
  opening: { trigger: 'manual' | 'accept'; reason: string; owner?: Owner; by?: string },
  now: EpochMs,
  ctx: OwnerContext,
): Extract<Decision, { ok: true }> | Decision {
  if (hasOpenHandoff(lead)) {
    return refuseAction(
      `lead already has an open hand-off (owner '${lead.handoff?.owner.ownerId}'); use reassign to change the owner`,
    );
  }
  if (!mayOpenHandoff(lead, ctx.policy.trigger, opening)) {
    return refuseAction(`cannot hand off a lead in stage '${lead.stage}'`);
  }
  const plan = planHandoff(lead, ctx.policy, ctx.roundRobin, ctx.recent, now, opening);
  if (!plan.ok) {
    return plan.code === 'no_owner_available'
      ? { ok: false, code: 'no_owner_available', message: plan.message }
      : refuseAction(plan.message);
  }
  return {
    ok: true,
    stage: plan.stage,
    transitions: plan.transition ? [plan.transition] : [],
    handoff: plan.handoff,
    events: plan.events,
    roundRobinState: plan.roundRobinState,
    slaTimer: { n: plan.handoff.n, at: plan.slaCheckAt },
    slaCounters: ['started'],
  };
}

/**
 * Gives the open hand-off to `owner` (or, unnamed, the next colleague in the current owner's team by round-robin,
 * never the current owner); the SLA clock restarts.
 */
function reassignOpen(
  lead: ActionLead,
  handoff: HandoffState,
  owner: Owner | undefined,
  now: EpochMs,
  ctx: OwnerContext,
): Decision {
  let next: { owner: Owner; rule: string | null };
  if (owner) {
    if (owner.ownerId === handoff.owner.ownerId) {
      return refuseAction(`lead is already owned by '${owner.ownerId}'`);
    }
    next = { owner, rule: null };
  } else {
    const picked = assignOwner(lead, colleaguesOf(ctx.policy, handoff.owner.team), ctx.roundRobin, now, [
      handoff.owner.ownerId,
    ]);
    if (!picked.ok) return { ok: false, code: 'no_owner_available', message: picked.message };
    next = picked;
  }
  const newOwner = toOwnerRef(next.owner);
  const reassignments = handoff.reassignments + 1;
  const accepted = handoff.acceptedAt !== undefined;
  // A deadline of the current owner that passed before any SLA timer saw it is their breach: published and
  // counted now, against them, before their clocks give way to the new owner's.
  const overdue = overdueClocks(handoff, now);
  const held = withBreaches(handoff, overdue, now);
  // The new owner gets fresh clocks: accept (unless already accepted) and first contact (unless made).
  const fresh = handoff.clocks
    ? clockDeadlines(now, handoff.clocks, ctx.policy.sla.window)
    : { dueAt: slaDueAt(now, ctx.policy.sla) };
  const firstContactDueAt =
    handoff.firstContactAt === undefined ? fresh.firstContactDueAt : handoff.firstContactDueAt;
  const reassigned: HandoffState = {
    ...held,
    owner: newOwner,
    rule: next.rule,
    startedAt: now,
    dueAt: accepted ? handoff.dueAt : fresh.dueAt,
    ...(firstContactDueAt === undefined ? {} : { firstContactDueAt }),
    reassignments,
    // A manual reassignment is not an escalation: the SLA timer's own budget stays as it was.
    slaReassignments: slaReassignmentsOf(handoff),
    previousOwnerIds: [...handoff.previousOwnerIds, handoff.owner.ownerId],
  };
  const checkAt = nextSlaCheckAt(reassigned);
  return {
    ok: true,
    stage: lead.stage,
    transitions: [],
    handoff: reassigned,
    events: [
      ...slaBreachEvents(lead.leadId, handoff, overdue, { action: 'reassign', reassignTo: newOwner }, now),
      buildDomainEvent('Lead Assigned', {
        version: 1,
        occurredAt: isoAt(now),
        leadId: lead.leadId,
        eventId: `${lead.leadId}:assign:${handoff.n}:${reassignments}`,
        handoffNumber: handoff.n,
        owner: newOwner,
        previousOwner: handoff.owner,
        reason: 'manual',
        rule: next.rule,
      }),
    ],
    roundRobinState: recordAssignment(ctx.roundRobin, newOwner.ownerId, now),
    ...(checkAt === undefined ? {} : { slaTimer: { n: handoff.n, at: checkAt } }),
    slaCounters: slaCountersOnBreach(handoff, false, overdue),
  };
}

/** Two decisions applied one after the other in one step (the second read the first's result). */
function chain(first: Extract<Decision, { ok: true }>, second: Decision): Decision {
  if (!second.ok) return second;
  return {
    ...second,
    transitions: [...first.transitions, ...second.transitions],
    events: [...first.events, ...second.events],
    roundRobinState: second.roundRobinState ?? first.roundRobinState,
    ...(second.slaTimer === undefined && first.slaTimer !== undefined ? { slaTimer: first.slaTimer } : {}),
    slaCounters: [...first.slaCounters, ...second.slaCounters],
  };
}

const after = (lead: ActionLead, d: Extract<Decision, { ok: true }>): ActionLead => ({
  ...lead,
  stage: d.stage,
  ...(d.handoff ? { handoff: d.handoff } : {}),
});

/** An accept: opens a hand-off for the accepting owner when none is open, or takes over another's. */
function accept(
  lead: ActionLead,
  action: Extract<SalesAction, { action: 'accept' }>,
  now: EpochMs,
  ctx: OwnerContext,
): Decision {
  const owner = acceptingOwner(ctx.policy.owners, action);
  if (owner !== undefined && isDecision(owner)) return owner;
  const open = hasOpenHandoff(lead) ? lead.handoff : undefined;
  if (open === undefined) {
    if (owner === undefined) {
      return refuseAction(
        'no open hand-off to accept; name the accepting owner (ownerId, or by as an owner id or e-mail) to take the lead',
      );
    }
    const opened = openByHand(
      lead,
      { trigger: 'accept', reason: `accepted by ${owner.ownerId}`, owner },
      now,
      ctx,
    );
    if (!opened.ok) return opened;
    // Opened and accepted in one step: the clock starts and stops together (the accept clears the timer).
    return chain(opened, answer(after(lead, opened), action, now, ctx));
  }
  // An owner accepting a colleague's unaccepted hand-off takes it over (a reassignment to them, then their
  // accept), whether they named themselves (`ownerId`) or only acted with their own token (`by`): the accept
  // is never recorded as the colleague's, whose clock would then count as met.
  const takeOver =
    owner !== undefined && open.acceptedAt === undefined && open.owner.ownerId !== owner.ownerId;
  if (!takeOver) return answer(lead, action, now, ctx);
  const moved = reassignOpen(lead, open, owner, now, ctx);
  if (!moved.ok) return moved;
  return chain(moved, answer(after(lead, moved), action, now, ctx));
}

/**
 * The actions of the ops API's lead-action route that this lead's stage and hand-off allow, in the order of
 * the funnel: sales' answers (the transition table; `accept` also where it would first open the missing
 * hand-off for the accepting owner), `bantch` wherever the lead is still worked (the deal path decides it:
 * `decideDealAction`), then a hand-off by hand or a reassignment. The lead view lists them
 * (`availableActions`), so the console offers only these forms; one can still be refused for a reason of
 * its own (qualify: BANTCH incomplete; accept: no accepting owner named; every owner away).
 */
export function availableLeadActions(lead: Pick<ActionLead, 'stage' | 'handoff'>): LeadAction['action'][] {
  const open = hasOpenHandoff(lead);
  const accept = open
    ? lead.handoff?.acceptedAt === undefined && targetStage('accept', lead.stage) !== undefined
    : mayHandOffByHand(lead);
  return [
    ...(accept ? (['accept'] as const) : []),
    ...availableSalesActions(lead.stage).filter((action) => action !== 'accept'),
    ...(recordsBantch(lead.stage) ? (['bantch'] as const) : []),
    ...(open ? (['reassign'] as const) : mayHandOffByHand(lead) ? (['handoff'] as const) : []),
  ];
}

/**
 * Decides any action of the ops API's lead-action route: sales' answers (the transition table), a manual
 * hand-off (refused while one is open or once sales owns the lead), a reassignment (of an open hand-off),
 * and an accept that opens the missing hand-off for the accepting owner in the same step.
 */
export function decideLeadAction(
  lead: ActionLead,
  action: HandoffLeadAction,
  now: EpochMs,
  ctx: OwnerContext,
): LeadActionDecision {
  switch (action.action) {
    case 'handoff':
    case 'reassign':
      return ownerAction(lead, action, now, ctx);
    case 'accept':
      return accept(lead, action, now, ctx);
    default:
      return answer(lead, action, now, ctx);
  }
}

function ownerAction(lead: ActionLead, action: OwnerAction, now: EpochMs, ctx: OwnerContext): Decision {
  const owner = action.ownerId === undefined ? undefined : namedOwner(ctx.policy.owners, action.ownerId);
  if (owner !== undefined && isDecision(owner)) return owner;
  if (action.action === 'handoff') {
    return openByHand(
      lead,
      {
        trigger: 'manual',
        reason: action.reason,
        ...(owner ? { owner } : {}),
        ...(action.by === undefined ? {} : { by: action.by }),
      },
      now,
      ctx,
    );
  }
  const open = hasOpenHandoff(lead) ? lead.handoff : undefined;
  if (open === undefined) return refuseAction('no open hand-off to reassign; use handoff to open one');
  return reassignOpen(lead, open, owner, now, ctx);
}

/** After an accept or a close: the timer goes, unless the first-contact clock still runs (then it fires at its deadline). */
function timerAfter(handoff: HandoffState | undefined): { n: number; at: EpochMs } | 'clear' {
  const next = handoff ? nextSlaCheckAt(handoff) : undefined;
  return handoff === undefined || next === undefined ? 'clear' : { n: handoff.n, at: next };
}
