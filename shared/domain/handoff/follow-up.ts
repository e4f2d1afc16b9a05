/**
 * The follow-up an owner plans on a lead they work (次回連絡予定): "no answer, call again tomorrow at 10",
 * "asked to be called back after the budget meeting". Planned with the activity that leads to it (`POST
 * …/activities` with `followUpAt`), kept on the open hand-off, shown where the rep works (their list, the call
 * list's own hand-offs, nearest first, the lead page) and marked overdue once its time has passed. The next
 * contact attempt of the lead (a call, a meeting, an e-mail) is the follow-up done, unless it plans the next
 * one; a note leaves it. It belongs to the hand-off: a closed hand-off's follow-up is gone with it, a new
 * hand-off starts without one. Pure.
 */
import { type HandoffState, isContactAttempt, openDeadline } from '#domain/handoff/sla';
import { buildDomainEvent, type DomainEvent, isoAt } from '#domain/lead/events';
import type { EpochMs } from '#domain/lead/types';

/**
 * A follow-up planned on the open hand-off: when, who planned it (the activity's `by`), and when it was planned
 * (an activity from before then, entered late, does not count as doing it).
 */
export type FollowUp = NonNullable<HandoffState['followUp']>;

/** How far ahead a follow-up may be planned. */
export const MAX_FOLLOW_UP_DAYS = 366;
const DAY_MS = 86_400_000;

/** What an activity asks of the follow-up: its time, type and outcome, who, and the planned time if any. */
export interface FollowUpActivity {
  type: string;
  outcome?: string | undefined;
  by: string;
  occurredAt: string;
  followUpAt?: string | undefined;
}

/** Why a planned follow-up is refused, as a code a client words in its own language. */
export const FOLLOW_UP_PROBLEM_CODES = [
  'follow_up_not_after_activity',
  'follow_up_too_far',
  'no_open_handoff',
] as const;

/** A refused follow-up: the field, its code, and the English. */
export interface FollowUpProblem {
  field: 'followUpAt';
  code: (typeof FOLLOW_UP_PROBLEM_CODES)[number];
  message: string;
}

/** Why the planned time is refused whatever the lead, or undefined. */
export function followUpTimeProblem(activity: FollowUpActivity, now: EpochMs): FollowUpProblem | undefined {
  if (activity.followUpAt === undefined) return undefined;
  const at = Date.parse(activity.followUpAt);
  if (at <= Date.parse(activity.occurredAt))
    return {
      field: 'followUpAt',
      code: 'follow_up_not_after_activity',
      message: 'followUpAt must be after the activity',
    };
  if (at > now + MAX_FOLLOW_UP_DAYS * DAY_MS)
    return {
      field: 'followUpAt',
      code: 'follow_up_too_far',
      message: `followUpAt is more than ${MAX_FOLLOW_UP_DAYS} days ahead`,
    };
  return undefined;
}

/**
 * The hand-off after an activity: the planned follow-up set (refused when no hand-off is open: a follow-up is
 * the owner's), or the standing one done by a contact attempt made since it was planned; unchanged otherwise.
 */
export function followUpAfter(
  handoff: HandoffState | undefined,
  activity: FollowUpActivity,
  now: EpochMs,
): { ok: true; handoff: HandoffState | undefined } | ({ ok: false } & FollowUpProblem) {
  const open = handoff && handoff.closedAt === undefined ? handoff : undefined;
  if (activity.followUpAt !== undefined) {
    if (!open)
      return {
        ok: false,
        field: 'followUpAt',
        code: 'no_open_handoff',
        message: 'a follow-up is planned by the lead’s owner: accept the lead or hand it off first',
      };
    return {
      ok: true,
      handoff: { ...open, followUp: { at: Date.parse(activity.followUpAt), by: activity.by, setAt: now } },
    };
  }
  const planned = open?.followUp;
  if (open && planned && isContactAttempt(activity) && Date.parse(activity.occurredAt) >= planned.setAt) {
    const { followUp: _done, ...rest } = open;
    return { ok: true, handoff: rest };
  }
  return { ok: true, handoff };
}

/**
 * When its timer fires: `Lead Follow-up Due` for the follow-up the timer was armed for (`plannedAt`: the one
 * planned then), if the open hand-off still carries it, else nothing (done, replaced, or the hand-off closed).
 * The event id names the lead, the hand-off and when it was planned: one announcement per planned follow-up,
 * however often its timer fires.
 */
export function followUpDue(
  leadId: string,
  handoff: HandoffState | undefined,
  plannedAt: EpochMs,
  now: EpochMs,
): DomainEvent<'Lead Follow-up Due'> | undefined {
  const planned = openFollowUp(handoff);
  if (!handoff || !planned || planned.setAt !== plannedAt) return undefined;
  return buildDomainEvent('Lead Follow-up Due', {
    eventId: `${leadId}:follow-up:${handoff.n}:${planned.setAt}`,
    version: 1,
    occurredAt: isoAt(now),
    leadId,
    handoffNumber: handoff.n,
    owner: handoff.owner,
    dueAt: isoAt(planned.at),
    plannedBy: planned.by,
    plannedAt: isoAt(planned.setAt),
  });
}

/** The follow-up the owner of an open hand-off has planned, or undefined. */
export const openFollowUp = (handoff: HandoffState | undefined): FollowUp | undefined =>
  handoff && handoff.closedAt === undefined ? handoff.followUp : undefined;

/**
 * What the owner of an open hand-off has to do next, and when: the nearest of its SLA deadline still to meet
 * (`openDeadline`) and its planned follow-up, passed or not; undefined when neither is open (or the hand-off is
 * closed). The order of a rep's queue (their list by `sort=due`, the call list's own hand-offs).
 */
export function ownerNextDue(handoff: HandoffState | undefined): EpochMs | undefined {
  // Both are undefined without an open hand-off (none, or closed).
  const times = [openDeadline(handoff)?.at, openFollowUp(handoff)?.at].filter(
    (at): at is EpochMs => at !== undefined,
  );
  return times.length ? Math.min(...times) : undefined;
}
