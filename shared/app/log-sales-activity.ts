import { now as clockNow } from '#adapters/clock';
import { countMetric } from '#adapters/metrics';
import { countSlaBreaches, slaCounterItems } from '#app/sla-counting';
import { settings } from '#config/settings';
import {
  activityAt,
  activityCounterAdds,
  activityEvent,
  activityProblem,
  type SalesActivity,
  type SalesActivityRequest,
} from '#domain/handoff/activities';
import {
  type FollowUpProblem,
  followUpAfter,
  followUpTimeProblem,
  openFollowUp,
} from '#domain/handoff/follow-up';
import { handoffView, planTqlHandoff, stateWithHandoff } from '#domain/handoff/handoff';
import { movesToTql } from '#domain/handoff/routing';
import { breachesOnLeaving, nextSlaCheckAt, recordFirstContact, type SlaCounter } from '#domain/handoff/sla';
import type { AnyDomainEvent } from '#domain/lead/events';
import type { Lead, LeadState } from '#domain/lead/lead';
import type { EpochMs, Stage } from '#domain/lead/types';
import { dayOf } from '#domain/reports/periods';
import { decideActivities } from '#domain/tracking/activity';
import { activityRecordPuts, readActivityRecord } from '#store/idempotency';
import { getLead, getTimeline, type TransactItem, writeScoredEvents } from '#store/leads';
import { counterAddItems } from '#store/report-counters';
import { CONFLICT, retryOnConflict } from '#store/retry';
import { type RoundRobinRecord, readRoundRobin, roundRobinPut } from '#store/round-robin';
import { followUpTimerDelete, followUpTimerPut, slaTimerDelete, slaTimerPut } from '#store/timers';

export type { SalesActivityRequest } from '#domain/handoff/activities';
export { salesActivityGate } from '#domain/handoff/activity-gate';

/** What `POST …/activities` answers (and a replay answers again, unchanged). */
export interface ActivityView {
  leadId: string;
  activityId: string;
  type: string;
  outcome: string | null;
  /** Points the activity earned (scoring rules for `sales_activity` in config/scoring.ts). */
  points: number;
  stage: Stage;
  /** True when this activity was the first contact of the open hand-off. */
  firstContact: boolean;
  /** The hand-off opened by this activity (appointment_set → TQL → field sales), if any. */
  handoff: { handoffNumber: number; ownerId: string; team: string; trigger: string } | null;
}

export type LogActivityOutcome =
  | { status: 'recorded' | 'replayed'; result: ActivityView }
  | { status: 'not_found' }
  | { status: 'invalid'; field: string; message: string; code?: string }
  | { status: 'activity_id_reused'; message: string };

/**
 * Logs a sales activity on a lead, in ONE transaction: the timeline entry and its points (the tracking
 * path's exact scoring: state version-checked, entry conditioned on not existing), the first contact of the
 * open hand-off (`Lead First Contacted`, first-contact SLA counters, the SLA timer re-armed or cleared), for
 * `appointment_set` with TQL on the move to tql and a new hand-off to field sales (owner, round-robin, SLA
 * timer, `Lead Stage Changed`/`Lead Assigned`/`Lead Handed Off`), the activity counters, and the
 * idempotency record with the answer. Idempotent on `activityId`: a replay returns the first answer and
 * writes nothing; the same id on another lead is refused.
 */
export async function logSalesActivity(
  leadId: string,
  request: SalesActivityRequest,
): Promise<LogActivityOutcome> {
  const now = clockNow();
  const activity = activityAt(request, now);
  const problem = activityProblem(activity, now) ?? followUpTimeProblem(activity, now);
  if (problem) return { status: 'invalid', ...problem };
  const event = activityEvent(activity);
  const policy = settings.handoff;
  const tql = movesToTql(activity.outcome, policy);
  // The CRM record of a TQL hand-off summarizes recent activity: read once, outside the retry loop.
  const recent =
    tql && policy.crm.system !== 'none'
      ? await getTimeline(leadId, policy.crm.mapping.summary.maxActivities)
      : [];
  const replays = new Set<string>();
  return retryOnConflict(`activity ${activity.activityId} on lead ${leadId}`, async () => {
    const lead = await getLead(leadId);
    const previous = await readActivityRecord<ActivityView>(activity.activityId);
    if (previous) {
      if (previous.leadId !== leadId) {
        return {
          status: 'activity_id_reused',
          message: `activityId '${activity.activityId}' was already used for another lead`,
        } as const;
      }
      return { status: 'replayed', result: previous.result } as const;
    }
    if (!lead) return { status: 'not_found' } as const;
    // A person's record: never refused by the lead's hourly event bound (a page loop's page views fill it).
    const decision = decideActivities(lead.state, [event], replays, settings.scoring, now, 'person');
    const outcome = decision.outcomes.get(event.eventId);
    const entry = decision.entries[0];
    if (outcome !== 'applied' || !decision.after || !entry) {
      // On the timeline but its record expired (kept 90 days): an old replay, answered from what is known.
      return {
        status: 'replayed',
        result: view(leadId, activity, 0, lead.state.stage, false, null),
      } as const;
    }
    const roundRobin = tql ? await readRoundRobin() : undefined;
    const effects = salesEffects(lead, decision.after, activity, roundRobin, recent, now);
    if (!effects.ok) {
      const { ok: _refused, ...problem } = effects;
      return { status: 'invalid', ...problem } as const;
    }
    const result = view(
      leadId,
      activity,
      entry.entry.points,
      effects.state.stage,
      effects.firstContact,
      effects.handoff,
    );
    const written = await writeScoredEvents(lead.state, {
      state: effects.state,
      timeline: [{ ...entry.entry, baseVersion: entry.baseVersion, recordedAt: now }],
      events: [...decision.events, ...effects.events],
      ...(decision.decay !== undefined ? { decayTimerAt: decision.decay } : {}),
      extra: [
        ...effects.extra,
        ...counterAddItems(
          leadId,
          activityCounterAdds(
            activity,
            ownerTeam(activity.by),
            dayOf(event.occurredAt, settings.app.timeZone),
          ),
        ),
        ...activityRecordPuts(activity.activityId, { leadId, result }, now),
      ],
      at: now,
    });
    if (written === 'saved') {
      countMetric('SalesActivity', { type: activity.type });
      countSlaBreaches(effects.events);
      return { status: 'recorded', result } as const;
    }
    // Our entry exists: a replay whose record a concurrent writer just committed; decide again to answer it.
    for (const id of written.replayed) replays.add(id);
    return CONFLICT;
  });
}

const ownerTeam = (ownerId: string): string | undefined =>
  settings.handoff.owners.find((o) => o.ownerId === ownerId)?.team;

function view(
  leadId: string,
  activity: SalesActivity,
  points: number,
  stage: Stage,
  firstContact: boolean,
  handoff: ActivityView['handoff'],
): ActivityView {
  return {
    leadId,
    activityId: activity.activityId,
    type: activity.type,
    outcome: activity.outcome ?? null,
    points,
    stage,
    firstContact,
    handoff,
  };
}

interface Effects {
  ok: true;
  state: LeadState;
  events: AnyDomainEvent[];
  extra: TransactItem[];
  firstContact: boolean;
  handoff: ActivityView['handoff'];
}

/**
 * What the activity does to the hand-off (on the scored state, whose version is already the next one): the
 * first contact, then for appointment_set the TQL hand-off, which replaces the current one, then the
 * follow-up it plans or does and its timer (refused with the field named when no hand-off is open to plan it
 * on).
 */
function salesEffects(
  lead: Lead,
  scored: LeadState,
  activity: SalesActivity,
  roundRobin: RoundRobinRecord | undefined,
  recent: Awaited<ReturnType<typeof getTimeline>>,
  now: EpochMs,
): Effects | ({ ok: false } & FollowUpProblem) {
  const leadId = lead.state.leadId;
  let state = scored;
  const events: AnyDomainEvent[] = [];
  const counters: SlaCounter[] = [];
  const contact = recordFirstContact(
    leadId,
    state.handoff,
    {
      activityId: activity.activityId,
      type: activity.type,
      outcome: activity.outcome,
      by: activity.by,
      occurredAt: Date.parse(activity.occurredAt),
    },
    now,
  );
  if (contact) {
    state = { ...state, handoff: contact.handoff };
    events.push(contact.event);
    counters.push(...contact.counters);
  }
  const extra: TransactItem[] = [];
  let opened: ActivityView['handoff'] = null;
  const plan = roundRobin
    ? planTqlHandoff(
        handoffView({ profile: lead.profile, state }),
        settings.handoff,
        roundRobin.state,
        recent,
        now,
      )
    : undefined;
  if (plan?.ok && roundRobin) {
    // The hand-off it replaces: a deadline its owner let pass unseen by the SLA timer is their breach.
    const replaced = state.handoff?.closedAt === undefined ? state.handoff : undefined;
    if (replaced) {
      const leaving = breachesOnLeaving(leadId, replaced, replaced, now);
      events.push(...leaving.events);
      counters.push(...leaving.counters);
    }
    state = { ...stateWithHandoff(state, plan), version: state.version };
    events.push(...plan.events);
    counters.push('started');
    extra.push(
      roundRobinPut(roundRobin, plan.roundRobinState, now),
      slaTimerPut(leadId, plan.handoff.n, plan.slaCheckAt),
    );
    opened = {
      handoffNumber: plan.handoff.n,
      ownerId: plan.handoff.owner.ownerId,
      team: plan.handoff.owner.team,
      trigger: 'appointment_set',
    };
  } else if (contact) {
    const next = nextSlaCheckAt(contact.handoff);
    extra.push(next === undefined ? slaTimerDelete(leadId) : slaTimerPut(leadId, contact.handoff.n, next));
  }
  extra.push(...slaCounterItems(now, counters));
  const followUp = followUpAfter(state.handoff, activity, now);
  if (!followUp.ok) return followUp;
  if (followUp.handoff !== state.handoff) state = { ...state, handoff: followUp.handoff };
  // Its timer: armed for a new plan (re-armed for a replacing one), taken away when the contact was made.
  const planned = openFollowUp(lead.state.handoff);
  const plans = openFollowUp(state.handoff);
  if (plans && plans.setAt !== planned?.setAt) extra.push(followUpTimerPut(leadId, plans.at, plans.setAt));
  else if (planned && !plans) extra.push(followUpTimerDelete(leadId));
  return { ok: true, state, events, extra, firstContact: contact !== undefined, handoff: opened };
}
