/**
 * The SLA clocks of a hand-off: time to ACCEPT (`dueAt`) and time to FIRST CONTACT (`firstContactDueAt`,
 * stopped by the owner's first logged activity after the hand-off). When a clock runs out: an escalation
 * event naming the clock, optionally reassignment to the next owner (a bounded number of times, both clocks
 * restart for the new owner), and met/breached counting for reports. One SLA timer per lead fires at the
 * earliest deadline still pending (`nextSlaCheckAt`).
 *
 * The clocks belong to the owner who holds the lead. A reassignment (by the SLA timer or by hand) restarts
 * the clocks not yet met for the new owner, and each deadline is decided once, for the owner who held the
 * lead when it passed: met (accepted or contacted by it) or breached (seen passing by the timer, or by the
 * accept, contact or reassignment that came after it first). So a new owner who accepts in time after the
 * first owner's breach is within SLA, and the first owner's breach is counted against them only.
 */
import {
  type AssignmentConfig,
  assignOwner,
  colleaguesOf,
  type RoundRobinState,
  recordAssignment,
  toOwnerRef,
} from '#domain/handoff/assignment';
import type { HandoffClocks, HandoffTriggerName } from '#domain/handoff/routing';
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
  /** On breach, hand the lead to the next owner of the same team (round-robin, excluding earlier owners). */
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
  /** First accept breach of this hand-off, whoever held it (shown on the lead; counting is per deadline). */
  breachedAt?: EpochMs;
  /**
   * The accept deadline whose breach was last handled (published and counted): a re-fired timer for it
   * changes nothing, and an accept after it counts nothing more. A reassignment gives a new deadline.
   */
  lastBreachedDueAt?: EpochMs;
  /** Every reassignment of this hand-off, by the SLA timer or by hand (numbers the `Lead Assigned` events). */
  reassignments: number;
  /**
   * Reassignments the SLA timer made: what `maxReassignments` caps. A manager's manual `reassign` is not an
   * escalation and leaves it alone. Absent on hand-offs stored before it existed: `reassignments` stands in.
   */
  slaReassignments?: number;
  previousOwnerIds: string[];
  /** What opened the hand-off (absent on hand-offs opened before routing by trigger existed: `hot`/`mql`). */
  trigger?: HandoffTriggerName;
  /** The clocks this hand-off runs (kept so a reassignment restarts the same ones). */
  clocks?: HandoffClocks;
  /** First-contact deadline of the current owner (absent: no first-contact clock). */
  firstContactDueAt?: EpochMs;
  /** When the owner first contacted the lead (activity time) after the hand-off. */
  firstContactAt?: EpochMs;
  /** First first-contact breach of this hand-off, whoever held it (shown on the lead). */
  firstContactBreachedAt?: EpochMs;
  /** The first-contact deadline whose breach was last handled. */
  lastFirstContactBreachedDueAt?: EpochMs;
  /** The owner's planned next contact: when, by whom, planned when (#domain/handoff/follow-up). */
  followUp?: { at: EpochMs; by: string; setAt: EpochMs };
}

export type SlaClockName = 'accept' | 'first_contact';

/** The SLA timer's reassignments of a hand-off so far (see `HandoffState.slaReassignments`). */
export const slaReassignmentsOf = (h: HandoffState): number => h.slaReassignments ?? h.reassignments;

const acceptPending = (h: HandoffState): boolean => h.acceptedAt === undefined && h.closedAt === undefined;
const firstContactPending = (h: HandoffState): boolean =>
  h.closedAt === undefined && h.firstContactDueAt !== undefined && h.firstContactAt === undefined;

/** Whether the current owner's accept deadline was already seen breached (published and counted). */
const acceptBreachHandled = (h: HandoffState): boolean => h.lastBreachedDueAt === h.dueAt;
/** Whether the current owner's first-contact deadline was already seen breached. */
const firstContactBreachHandled = (h: HandoffState): boolean =>
  h.firstContactDueAt !== undefined && h.lastFirstContactBreachedDueAt === h.firstContactDueAt;

/**
 * The clocks of the current owner whose deadline has passed at `now` with the breach not handled yet (no
 * timer saw it): accept first. What a reassignment must publish and count before the clocks restart.
 */
export function overdueClocks(h: HandoffState, now: EpochMs): SlaClockName[] {
  const fc = h.firstContactDueAt;
  return [
    ...(acceptPending(h) && now > h.dueAt && !acceptBreachHandled(h) ? ['accept' as const] : []),
    ...(fc !== undefined && firstContactPending(h) && now > fc && !firstContactBreachHandled(h)
      ? ['first_contact' as const]
      : []),
  ];
}

/** The hand-off with the breach of each clock in `clocks` handled at `now` (the hand-off's first breach kept). */
export function withBreaches(h: HandoffState, clocks: readonly SlaClockName[], now: EpochMs): HandoffState {
  return {
    ...h,
    ...(clocks.includes('accept') ? { breachedAt: h.breachedAt ?? now, lastBreachedDueAt: h.dueAt } : {}),
    ...(clocks.includes('first_contact') && h.firstContactDueAt !== undefined
      ? {
          firstContactBreachedAt: h.firstContactBreachedAt ?? now,
          lastFirstContactBreachedDueAt: h.firstContactDueAt,
        }
      : {}),
  };
}

/**
 * `Lead SLA Breached` for each clock in `clocks`, naming the owner who held the lead when the deadline passed.
 * Event ids derive from the hand-off, the clock and the reassignment count (one deadline per count).
 */
export function slaBreachEvents(
  leadId: string,
  h: HandoffState,
  clocks: readonly SlaClockName[],
  escalation: { action: 'notify' | 'reassign'; reassignTo?: OwnerRef },
  now: EpochMs,
): AnyDomainEvent[] {
  return clocks.map((clock) =>
    buildDomainEvent('Lead SLA Breached', {
      version: 1,
      occurredAt: isoAt(now),
      leadId,
      eventId:
        clock === 'accept'
          ? `${leadId}:sla:${h.n}:${h.reassignments}`
          : `${leadId}:sla-first-contact:${h.n}:${h.reassignments}`,
      handoffNumber: h.n,
      clock,
      dueAt: isoAt(clock === 'accept' ? h.dueAt : (h.firstContactDueAt ?? h.dueAt)),
      owner: h.owner,
      escalation,
      reassignments: h.reassignments,
    }),
  );
}

/** The earliest deadline not yet met nor handled: when the SLA timer must fire next (undefined: none). */
export function nextSlaCheckAt(h: HandoffState): EpochMs | undefined {
  const due: EpochMs[] = [];
  if (acceptPending(h) && h.lastBreachedDueAt !== h.dueAt) due.push(h.dueAt);
  const fc = h.firstContactDueAt;
  if (fc !== undefined && firstContactPending(h) && h.lastFirstContactBreachedDueAt !== fc) due.push(fc);
  return due.length ? Math.min(...due) : undefined;
}

/** A deadline the owner still has to meet: which clock, and when it runs out. */
export interface OpenDeadline {
  clock: SlaClockName;
  at: EpochMs;
}

/**
 * The deadline the current owner works against next: the earlier of a pending accept and a pending first
 * contact, passed or not (a passed one stays the owner's to meet until they act: it is what a list marks
 * overdue). None when both are met, the hand-off has no first-contact clock left, or it is closed. What the
 * lead list shows beside an owned lead, so a rep sees which leads to take first.
 */
export function openDeadline(h: HandoffState | undefined): OpenDeadline | undefined {
  if (!h) return undefined;
  const open: OpenDeadline[] = [];
  if (acceptPending(h)) open.push({ clock: 'accept', at: h.dueAt });
  const fc = h.firstContactDueAt;
  if (fc !== undefined && firstContactPending(h)) open.push({ clock: 'first_contact', at: fc });
  return open.sort((a, b) => a.at - b.at)[0];
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
  | {
      due: false;
      reason: 'not_yet' | 'accepted' | 'closed' | 'already_handled';
      /** When a pending deadline is still ahead: fire again then. */
      nextCheckAt?: EpochMs;
    }
  | {
      due: true;
      escalate: true;
      action: 'notify' | 'reassign';
      /** The clocks that ran out (accept first when both did). */
      clocks: SlaClockName[];
      /** The next owner, when reassigning. */
      reassignTo?: OwnerRef;
      handoff: HandoffState;
      /** `Lead SLA Breached` per clock, then `Lead Assigned` when reassigned. */
      events: AnyDomainEvent[];
      /** Round-robin state with the new owner recorded (unchanged when notifying). */
      roundRobinState: RoundRobinState;
      /** When to check again: the earliest deadline still pending; undefined when nothing more is due. */
      nextCheckAt?: EpochMs;
    };

export interface SlaLead {
  leadId: string;
  attributes: LeadAttributes;
}

/** The deadlines a hand-off's clocks give an owner who got the lead at `startedAt`. */
export function clockDeadlines(
  startedAt: EpochMs,
  clocks: HandoffClocks,
  window: BusinessWindow,
): { dueAt: EpochMs; firstContactDueAt?: EpochMs } {
  const dueAt = slaDueAt(startedAt, { ...clocks.accept, window });
  return clocks.firstContact
    ? { dueAt, firstContactDueAt: slaDueAt(startedAt, { ...clocks.firstContact, window }) }
    : { dueAt };
}

/**
 * Handles an SLA timer firing at `now`, for both clocks. Idempotent: a timer that fires early, late, twice,
 * or after sales accepted and contacted yields `due: false` or the same events (event ids derive from the
 * hand-off, the clock and the reassignment count). A breach reassigns (when configured and allowed) only a
 * hand-off not yet accepted: an owner who accepted but did not call is escalated, not replaced.
 */
export function onSlaTimer(
  lead: SlaLead,
  handoff: HandoffState,
  policy: SlaPolicy,
  assignment: AssignmentConfig,
  roundRobinState: RoundRobinState,
  now: EpochMs,
): SlaBreachOutcome {
  const clocks = overdueClocks(handoff, now);
  if (clocks.length === 0) {
    const nextCheckAt = nextSlaCheckAt(handoff);
    if (nextCheckAt !== undefined) return { due: false, reason: 'not_yet', nextCheckAt };
    if (handoff.closedAt !== undefined) return { due: false, reason: 'closed' };
    if (handoff.acceptedAt !== undefined) return { due: false, reason: 'accepted' };
    return { due: false, reason: 'already_handled' };
  }

  const breached = withBreaches(handoff, clocks, now);
  const base = { version: 1 as const, occurredAt: isoAt(now), leadId: lead.leadId };
  const breachEvents = (escalation: { action: 'notify' | 'reassign'; reassignTo?: OwnerRef }) =>
    slaBreachEvents(lead.leadId, handoff, clocks, escalation, now);

  const escalations = slaReassignmentsOf(handoff);
  const mayReassign =
    policy.reassignOnBreach && escalations < policy.maxReassignments && handoff.acceptedAt === undefined;
  const next = mayReassign
    ? assignOwner(lead, colleaguesOf(assignment, handoff.owner.team), roundRobinState, now, [
        handoff.owner.ownerId,
        ...handoff.previousOwnerIds,
      ])
    : undefined;
  if (!next?.ok) {
    const nextCheckAt = nextSlaCheckAt(breached);
    return {
      due: true,
      escalate: true,
      action: 'notify',
      clocks,
      handoff: breached,
      events: breachEvents({ action: 'notify' }),
      roundRobinState,
      ...(nextCheckAt === undefined ? {} : { nextCheckAt }),
    };
  }

  const newOwner = toOwnerRef(next.owner);
  const reassignments = handoff.reassignments + 1;
  const deadlines = handoff.clocks
    ? clockDeadlines(now, handoff.clocks, policy.window)
    : { dueAt: slaDueAt(now, policy) };
  const { firstContactDueAt: _previousFc, ...rest } = breached;
  const reassigned: HandoffState = {
    ...rest,
    owner: newOwner,
    rule: next.rule,
    startedAt: now,
    ...deadlines,
    reassignments,
    slaReassignments: escalations + 1,
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
  const nextCheckAt = nextSlaCheckAt(reassigned);
  return {
    due: true,
    escalate: true,
    action: 'reassign',
    clocks,
    reassignTo: newOwner,
    handoff: reassigned,
    events: [...breachEvents({ action: 'reassign', reassignTo: newOwner }), assigned],
    roundRobinState: recordAssignment(roundRobinState, newOwner.ownerId, now),
    ...(nextCheckAt === undefined ? {} : { nextCheckAt }),
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

export const SLA_COUNTERS = [
  'started',
  'met',
  'breached',
  'reassigned',
  'firstContactMet',
  'firstContactBreached',
] as const;
export type SlaCounter = (typeof SLA_COUNTERS)[number];

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

/**
 * What a handled breach counts: each clock that ran out (`clocks`, from `overdueClocks`: each deadline is
 * handled once, so counted once, for the owner who held it), and the reassignment when the timer made one.
 */
export function slaCountersOnBreach(
  before: HandoffState,
  reassigned: boolean,
  clocks: readonly SlaClockName[],
): SlaCounter[] {
  const overdue = clocks.filter((clock) =>
    clock === 'accept' ? !acceptBreachHandled(before) : !firstContactBreachHandled(before),
  );
  return [
    ...(overdue.includes('accept') ? (['breached'] as const) : []),
    ...(overdue.includes('first_contact') ? (['firstContactBreached'] as const) : []),
    ...(reassigned ? (['reassigned'] as const) : []),
  ];
}

export interface ContactActivity {
  activityId: string;
  type: string;
  outcome?: string | undefined;
  /** Owner id of whoever logged it. */
  by: string;
  occurredAt: EpochMs;
}

/**
 * Does this activity reach (or try to reach) the lead? A `note` is internal and touches nobody; a call that
 * reached a `wrong_number` reached nobody related to the lead. Every other activity counts: a meeting, an
 * e-mail, and a call attempt whatever its outcome (`no_answer` and `voicemail` included), as speed-to-lead
 * SLAs usually count the first attempt.
 */
export function isContactAttempt(activity: { type: string; outcome?: string | undefined }): boolean {
  return activity.type !== 'note' && activity.outcome !== 'wrong_number';
}

/**
 * The first contact of a hand-off: the first contact attempt (`isContactAttempt`) BY THE CURRENT OWNER at or
 * after the hand-off reached them, while the hand-off is open. Returns the hand-off with the contact
 * recorded, the counters (met when by the deadline with no breach before; a late contact the sweeper had not
 * seen yet is the breach, counted once) and `Lead First Contacted`; undefined when the activity is not a
 * first contact.
 */
export function recordFirstContact(
  leadId: string,
  handoff: HandoffState | undefined,
  activity: ContactActivity,
  now: EpochMs,
): { handoff: HandoffState; counters: SlaCounter[]; event: AnyDomainEvent } | undefined {
  if (!handoff || handoff.closedAt !== undefined || handoff.firstContactAt !== undefined) return undefined;
  if (activity.by !== handoff.owner.ownerId || activity.occurredAt < handoff.startedAt) return undefined;
  if (!isContactAttempt(activity)) return undefined;
  const at = Math.min(activity.occurredAt, now);
  const due = handoff.firstContactDueAt;
  // The current owner's own deadline decides (a breach of an earlier owner's is theirs, counted already).
  const seenBreached = firstContactBreachHandled(handoff);
  const withinSla = due === undefined || (!seenBreached && at <= due);
  const counters: SlaCounter[] =
    due === undefined || seenBreached ? [] : [withinSla ? 'firstContactMet' : 'firstContactBreached'];
  const event = buildDomainEvent('Lead First Contacted', {
    version: 1,
    eventId: `${leadId}:first-contact:${handoff.n}`,
    occurredAt: isoAt(now),
    leadId,
    handoffNumber: handoff.n,
    owner: handoff.owner,
    activityId: activity.activityId,
    activityType: activity.type,
    ...(activity.outcome === undefined ? {} : { outcome: activity.outcome }),
    contactedAt: isoAt(at),
    ...(due === undefined ? {} : { dueAt: isoAt(due) }),
    withinSla,
  });
  return { handoff: { ...handoff, firstContactAt: at }, counters, event };
}

/**
 * A hand-off leaving its holder at `now` without a reassignment: closed (the lead disqualified, recycled, won
 * or lost) or replaced by the TQL hand-off. A deadline of the holder that passed before any SLA timer saw it
 * is their breach, published (`escalation: notify`) and counted now, once: the close takes the timer away,
 * which would otherwise have counted it. `closed` is the hand-off as the close leaves it.
 */
export function breachesOnLeaving(
  leadId: string,
  before: HandoffState,
  closed: HandoffState,
  now: EpochMs,
): { handoff: HandoffState; events: AnyDomainEvent[]; counters: SlaCounter[] } {
  const clocks = overdueClocks(before, now);
  return {
    handoff: withBreaches(closed, clocks, now),
    events: slaBreachEvents(leadId, before, clocks, { action: 'notify' }, now),
    counters: slaCountersOnBreach(before, false, clocks),
  };
}

/** Whether an accept at `now` is within the current owner's SLA (by their deadline, not seen breached). */
export function acceptedWithinSla(before: HandoffState, now: EpochMs): boolean {
  return !acceptBreachHandled(before) && now <= before.dueAt;
}

/**
 * What accepting a hand-off counts, for the owner who holds it. Met: accepted by their deadline (an earlier
 * owner's breach was counted against that owner). A late accept the sweeper had not yet seen is a breach,
 * counted here once (the timer is gone, so it will not count it again); a breach of this deadline already
 * counted counts nothing more.
 */
export function slaCountersOnAccept(before: HandoffState, now: EpochMs): SlaCounter[] {
  if (acceptBreachHandled(before)) return [];
  return [acceptedWithinSla(before, now) ? 'met' : 'breached'];
}
