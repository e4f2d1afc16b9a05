/**
 * The first-contact SLA of a hand-off: when sales must accept by, what happens when it does not
 * (an escalation event, optionally reassignment to the next owner, a bounded number of times), and
 * met/breached counting for reports.
 */
import {
  type AssignmentConfig,
  assignOwner,
  type RoundRobinState,
  recordAssignment,
  toOwnerRef,
} from '#domain/handoff/assignment';
import { type AnyDomainEvent, buildDomainEvent, isoAt, type OwnerRef } from '#domain/lead/events';
import type { EpochMs, LeadAttributes } from '#domain/lead/types';
import { addBusinessHours, type BusinessWindow } from '#domain/nurture/calendar';

const HOUR_MS = 3_600_000;

export interface SlaPolicy {
  /** Time sales has to accept a hand-off. */
  hours: number;
  /** Count only time inside `window` (e.g. 24h = three 09:00–18:00 days less a bit), else wall-clock hours. */
  businessHours: boolean;
  window: BusinessWindow;
  /** On breach, hand the lead to the next owner (round-robin, excluding earlier owners). */
  reassignOnBreach: boolean;
  /** Reassignments allowed per hand-off; after that a breach only notifies. */
  maxReassignments: number;
}

/** The hand-off record kept on the lead: who has it, since when, and the SLA clock. */
export interface HandoffState {
  /** 1-based hand-off count for this lead. */
  n: number;
  owner: OwnerRef;
  /** Assignment rule that chose the owner, if any. */
  rule: string | null;
  /** When the current owner got the lead (restarts on reassignment). */
  startedAt: EpochMs;
  dueAt: EpochMs;
  acceptedAt?: EpochMs;
  /** Set when the lead leaves the sales pipeline (disqualified, recycled, became a customer). */
  closedAt?: EpochMs;
  /** First breach of this hand-off, kept across reassignments so compliance counts it once. */
  breachedAt?: EpochMs;
  /** The deadline whose breach was last handled: a re-fired timer for it changes nothing. */
  lastBreachedDueAt?: EpochMs;
  reassignments: number;
  previousOwnerIds: string[];
}

export function slaDueAt(
  startedAt: EpochMs,
  policy: Pick<SlaPolicy, 'hours' | 'businessHours' | 'window'>,
): EpochMs {
  return policy.businessHours
    ? addBusinessHours(startedAt, policy.hours, policy.window)
    : startedAt + Math.round(policy.hours * HOUR_MS);
}

export type SlaStatus = 'pending' | 'met' | 'breached' | 'closed';

export interface SlaRecord {
  dueAt: EpochMs;
  acceptedAt?: EpochMs;
  breachedAt?: EpochMs;
  closedAt?: EpochMs;
}

/**
 * Where a hand-off stands against its SLA at `now`. Met means accepted by the (current) deadline with
 * no earlier breach; a hand-off closed before acceptance and before its deadline is `closed`.
 */
export function slaStatus(record: SlaRecord, now: EpochMs): SlaStatus {
  if (record.acceptedAt !== undefined) {
    return record.breachedAt === undefined && record.acceptedAt <= record.dueAt ? 'met' : 'breached';
  }
  if (record.breachedAt !== undefined) return 'breached';
  if (record.closedAt !== undefined) return record.closedAt > record.dueAt ? 'breached' : 'closed';
  return now > record.dueAt ? 'breached' : 'pending';
}

export type SlaBreachOutcome =
  | { due: false; reason: 'not_yet' | 'accepted' | 'closed' | 'already_handled' }
  | {
      due: true;
      escalate: true;
      action: 'notify' | 'reassign';
      /** The next owner, when reassigning. */
      reassignTo?: OwnerRef;
      handoff: HandoffState;
      /** `Lead SLA Breached`, then `Lead Assigned` when reassigned. */
      events: AnyDomainEvent[];
      /** Round-robin state with the new owner recorded (unchanged when notifying). */
      roundRobinState: RoundRobinState;
      /** When to check again: the new owner's deadline; undefined when nothing more is due. */
      nextCheckAt?: EpochMs;
    };

export interface SlaLead {
  leadId: string;
  attributes: LeadAttributes;
}

/**
 * Handles an SLA timer firing at `now`. Idempotent: a timer that fires early, late, twice, or after
 * sales accepted yields `due: false` or the same events (event ids derive from the hand-off and the
 * reassignment count).
 */
export function onSlaTimer(
  lead: SlaLead,
  handoff: HandoffState,
  policy: SlaPolicy,
  assignment: AssignmentConfig,
  roundRobinState: RoundRobinState,
  now: EpochMs,
): SlaBreachOutcome {
  if (handoff.acceptedAt !== undefined) return { due: false, reason: 'accepted' };
  if (handoff.closedAt !== undefined) return { due: false, reason: 'closed' };
  if (now <= handoff.dueAt) return { due: false, reason: 'not_yet' };
  if (handoff.lastBreachedDueAt === handoff.dueAt) return { due: false, reason: 'already_handled' };

  const breached: HandoffState = {
    ...handoff,
    breachedAt: handoff.breachedAt ?? now,
    lastBreachedDueAt: handoff.dueAt,
  };
  const base = { version: 1 as const, occurredAt: isoAt(now), leadId: lead.leadId };
  const breachEvent = (escalation: { action: 'notify' | 'reassign'; reassignTo?: OwnerRef }) =>
    buildDomainEvent('Lead SLA Breached', {
      ...base,
      eventId: `${lead.leadId}:sla:${handoff.n}:${handoff.reassignments}`,
      handoffNumber: handoff.n,
      dueAt: isoAt(handoff.dueAt),
      owner: handoff.owner,
      escalation,
      reassignments: handoff.reassignments,
    });

  const mayReassign = policy.reassignOnBreach && handoff.reassignments < policy.maxReassignments;
  const next = mayReassign
    ? assignOwner(lead, assignment, roundRobinState, now, [
        handoff.owner.ownerId,
        ...handoff.previousOwnerIds,
      ])
    : undefined;
  if (!next?.ok) {
    return {
      due: true,
      escalate: true,
      action: 'notify',
      handoff: breached,
      events: [breachEvent({ action: 'notify' })],
      roundRobinState,
    };
  }

  const newOwner = toOwnerRef(next.owner);
  const reassignments = handoff.reassignments + 1;
  const dueAt = slaDueAt(now, policy);
  const reassigned: HandoffState = {
    ...breached,
    owner: newOwner,
    rule: next.rule,
    startedAt: now,
    dueAt,
    reassignments,
    previousOwnerIds: [...handoff.previousOwnerIds, handoff.owner.ownerId],
  };
  const assigned = buildDomainEvent('Lead Assigned', {
    ...base,
    eventId: `${lead.leadId}:assign:${handoff.n}:${reassignments}`,
    handoffNumber: handoff.n,
    owner: newOwner,
    previousOwner: handoff.owner,
    reason: 'sla_reassign',
    rule: next.rule,
  });
  return {
    due: true,
    escalate: true,
    action: 'reassign',
    reassignTo: newOwner,
    handoff: reassigned,
    events: [breachEvent({ action: 'reassign', reassignTo: newOwner }), assigned],
    roundRobinState: recordAssignment(roundRobinState, newOwner.ownerId, now),
    nextCheckAt: dueAt,
  };
}

export interface SlaCompliance {
  met: number;
  breached: number;
  pending: number;
  /** Closed (disqualified/recycled) before acceptance and before the deadline: counted neither way. */
  closed: number;
  /** met / (met + breached); null when nothing has been decided yet. */
  rate: number | null;
}

/** Met/breached counts over hand-offs, for the SLA compliance report. */
export function slaCompliance(records: readonly SlaRecord[], now: EpochMs): SlaCompliance {
  const out: SlaCompliance = { met: 0, breached: 0, pending: 0, closed: 0, rate: null };
  for (const r of records) out[slaStatus(r, now)] += 1;
  const decided = out.met + out.breached;
  out.rate = decided === 0 ? null : out.met / decided;
  return out;
}

// ---------------------------------------------------------------------------------------------
// SLA counters (one item per report period)
// ---------------------------------------------------------------------------------------------

export type SlaCounter = 'started' | 'met' | 'breached' | 'reassigned';

/**
 * Month of `at` in the SLA's time zone (report periods follow the sales team's calendar). Outcomes are
 * counted in the month they are decided (a hand-off started on the 31st and met on the 1st counts as met
 * in the new month).
 */
export function reportPeriod(at: EpochMs, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
  }).formatToParts(new Date(at));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}`;
}

/** What a handled breach counts: the hand-off's first breach once, and each reassignment. */
export function slaCountersOnBreach(before: HandoffState, reassigned: boolean): SlaCounter[] {
  return [
    ...(before.breachedAt === undefined ? (['breached'] as const) : []),
    ...(reassigned ? (['reassigned'] as const) : []),
  ];
}

/**
 * What accepting a hand-off counts. Met: accepted by the (current) deadline with no earlier breach. A late
 * accept the sweeper had not yet seen is a breach, counted here once (the timer is gone, so it will not
 * count it again); a breach already counted counts nothing more.
 */
export function slaCountersOnAccept(before: HandoffState, now: EpochMs): SlaCounter[] {
  if (before.breachedAt !== undefined) return [];
  return [now <= before.dueAt ? 'met' : 'breached'];
}
