import { errorFields, logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { MailRejectedError } from '#adapters/ses';
import { countEmail } from '#app/email-kpis';
import {
  type EnrollmentRecord,
  enrollmentFromItem,
  enrollmentSet,
  enrollmentTag,
  entry,
  iso,
  stripUndefined,
} from '#app/enrollments';
import { unsubscribeUrl } from '#app/links';
import { sendTemplate } from '#app/mail';
import type { SequenceConfig } from '#config/sequences';
import { sequenceById, settings } from '#config/settings';
import { CONFIRM_TOKEN_TTL_MS } from '#domain/capture/tokens';
import { type Lead, type LeadState, marketingAllowed, recentSendsAt } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import {
  applyDecision,
  type EnrollmentState,
  type LeadSnapshot,
  nextDueAt,
  planStep,
  type StepDecision,
} from '#domain/nurture/sequences';
import { tableName } from '#store/dynamodb';
import { backoff, getLead, type StoredTimelineEntry, type TransactItem, writeLead } from '#store/leads';
import { type ClaimedTimer, completeTimerUpdate, isStillClaimed } from '#store/timers';

/**
 * Running one due step for the sweeper (`runDueStep`): plan with the pure planner, then wait, skip, exit
 * or send, at most once: the attempt (and the frequency-cap reservation) is written before SES is called, and
 * an interrupted claim never resends.
 */

// ------------------------------------------------------------------------------------------------------
// Running a due step (the sweeper's `step` processor)

/** What the planner needs to know about the lead, from the lead and this run's engagement. */
export const snapshotOf = (lead: Lead, enrollment: EnrollmentRecord): LeadSnapshot => {
  const { profile, state } = lead;
  const allowed = marketingAllowed(profile);
  const pending = !allowed.ok && allowed.reason === 'not_confirmed' && profile.consent;
  return {
    stage: state.stage,
    temperature: state.temperature,
    unsubscribed: profile.marketing.unsubscribedAt !== undefined,
    suppressed: profile.marketing.suppressedAt !== undefined,
    marketingConsent: allowed.ok || (allowed.reason !== 'no_consent' && allowed.reason !== 'not_confirmed'),
    ...(pending ? { consentPendingUntil: pending.at + CONFIRM_TOKEN_TTL_MS } : {}),
    ...(profile.timeZone ? { timeZone: profile.timeZone } : {}),
    engagement: { opened: [...(enrollment.opened ?? [])], clicked: [...(enrollment.clicked ?? [])] },
  };
};

export type StepRunResult =
  | 'sent'
  | 'skipped'
  | 'delayed'
  | 'exited'
  | 'completed'
  | 'rejected'
  | 'claim_lost'
  | 'sequence_removed'
  | 'lead_not_found';

/** Reasons a wait is worth a line on the lead's timeline (a plain delay is just the schedule). */
const NOTABLE_WAITS = new Set(['window', 'frequency_cap', 'consent_pending']);

/**
 * Run one claimed enrollment timer. At most one mail per step, even across crashes and racing sweepers:
 * before calling SES the attempt is recorded as `uncertain` together with the send in the lead state's
 * `recentSends` (one transaction, conditioned on our claim and the state version); a claim that comes back
 * after a crash finds the uncertain attempt and moves on without resending. Reserving the send in the state
 * before the mail goes out is what makes the frequency cap hold across sequences: two sequences due for
 * the same lead at once cannot both pass the cap, because the second reservation conflicts, re-plans and
 * sees the first.
 */
export const runDueStep = async (
  timer: ClaimedTimer,
  work: { now: EpochMs; sendPermit: () => Promise<void> },
): Promise<StepRunResult> => {
  const now = work.now;
  const enrollment = enrollmentFromItem(timer.item);
  const leadId = enrollment.leadId;
  const sequence = sequenceById(enrollment.sequenceId);
  if (!sequence) {
    await finish(timer, enrollment, { action: 'exit', reason: 'sequence_removed' }, now, undefined);
    return 'sequence_removed';
  }
  for (let attempt = 1; attempt <= 5; attempt++) {
    const lead = await getLead(leadId);
    if (!lead) {
      // Erased: take the timer off the due index; there is no timeline left to write to.
      await writeLead({}, { leadId, extra: [{ Update: completeTimerUpdate(timer, null) }], at: now });
      return 'lead_not_found';
    }
    const decision = planStep(
      enrollment,
      sequence,
      snapshotOf(lead, enrollment),
      lead.state.recentSends,
      settings.nurtureSettings,
      now,
    );
    if (decision.action !== 'send') return finish(timer, enrollment, decision, now, lead);

    await work.sendPermit();
    const reserved = await writeLead(
      { state: lead.state.version },
      {
        state: withSend(lead.state, now),
        extra: [attemptUpdate(timer, enrollment, decision.step.id, now)],
        at: now,
      },
    );
    if (reserved === 'conflict') {
      if (!(await isStillClaimed(timer))) return 'claim_lost';
      await backoff(attempt); // the lead changed meanwhile: plan again on fresh state
      continue;
    }
    return sendStep(timer, enrollment, sequence, decision, lead, now);
  }
  throw new Error(`lead ${leadId} too busy to run ${enrollment.sequenceId}; the lease will retry`);
};

const withSend = (state: LeadState, now: EpochMs): LeadState => ({
  ...state,
  recentSends: [...recentSendsAt(state.recentSends, now), now],
  version: state.version + 1,
});

/** Record the attempt as `uncertain` before SES is called; only the claim holder may. */
const attemptUpdate = (
  timer: ClaimedTimer,
  enrollment: EnrollmentRecord,
  stepId: string,
  now: EpochMs,
): TransactItem => ({
  Update: {
    TableName: tableName,
    Key: { pk: timer.pk, sk: timer.sk },
    UpdateExpression: 'SET #history = list_append(#history, :attempt), #outcome = :outcome',
    ConditionExpression: 'claimId = :claim AND #stepIndex = :index',
    ExpressionAttributeNames: { '#history': 'history', '#outcome': 'lastOutcome', '#stepIndex': 'stepIndex' },
    ExpressionAttributeValues: {
      ':attempt': [{ stepId, outcome: 'uncertain', at: now }],
      ':outcome': { kind: 'attempting', at: now, stepId },
      ':claim': timer.claimId,
      ':index': enrollment.stepIndex,
    },
  },
});

const sendStep = async (
  timer: ClaimedTimer,
  enrollment: EnrollmentRecord,
  sequence: SequenceConfig,
  decision: Extract<StepDecision, { action: 'send' }>,
  lead: Lead,
  now: EpochMs,
): Promise<StepRunResult> => {
  const { step } = decision;
  const leadId = lead.profile.leadId;
  let messageId: string;
  try {
    messageId = await sendTemplate({
      templateId: step.templateId,
      lead: lead.profile,
      vars: step.vars,
      unsubscribeUrl: unsubscribeUrl(leadId),
      tags: { sequence: sequence.id, step: step.id, enrollment: enrollmentTag(sequence.id, enrollment.run) },
    });
  } catch (error) {
    if (!(error instanceof MailRejectedError)) throw error; // unknown result: the uncertain attempt stands
    // SES refused it outright (nothing was sent): record the step as skipped and go on.
    logger.warn('step mail rejected', {
      leadId,
      sequenceId: sequence.id,
      stepId: step.id,
      ...errorFields(error),
    });
    await finish(
      timer,
      enrollment,
      { action: 'skip', step, reason: 'condition_not_met', detail: 'rejected by SES' },
      now,
      lead,
    );
    return 'rejected';
  }

  const next = applyDecision(enrollment, sequence, decision, now, { messageId, outcome: 'sent' });
  const nextAt = nextTimerAt(next, sequence, lead);
  const timeline = [
    entry(`nurture:${sequence.id}:${enrollment.run}:${step.id}:sent`, 'email_sent', now, {
      sequenceId: sequence.id,
      stepId: step.id,
      templateId: step.templateId,
      messageId,
    }),
  ];
  if (next.status === 'completed') timeline.push(completedEntry(sequence.id, enrollment.run, now));
  const update = completeTimerUpdate(timer, nextAt, {
    set: enrollmentSet(next, { kind: 'sent', at: now, stepId: step.id, messageId }, endedAt(next, now)),
  });
  // The mail went: record it, retrying a momentary transaction conflict while the claim is still ours.
  let saved = await writeLead({}, { leadId, timeline, extra: [{ Update: update }], at: now });
  for (let attempt = 1; saved === 'conflict' && attempt <= 3 && (await isStillClaimed(timer)); attempt++) {
    await backoff(attempt);
    saved = await writeLead({}, { leadId, timeline, extra: [{ Update: update }], at: now });
  }
  if (saved === 'conflict') {
    // Our claim was taken (unsubscribed meanwhile, or the lease ran out): the mail went, keep its record.
    logger.warn('step sent but the enrollment moved on', {
      leadId,
      sequenceId: sequence.id,
      stepId: step.id,
    });
    await writeLead({}, { leadId, timeline, at: now });
  }
  await countEmail('sent', now, sequence.id);
  countMetric('StepEmailSent', { sequenceId: sequence.id });
  return 'sent';
};

const endedAt = (next: EnrollmentState, now: EpochMs): EpochMs | undefined =>
  next.status === 'active' ? undefined : now;

const nextTimerAt = (
  next: EnrollmentState,
  sequence: SequenceConfig,
  lead: Lead | undefined,
): EpochMs | null =>
  next.status === 'active'
    ? (nextDueAt(
        sequence,
        next.stepIndex,
        next.lastStepAt ?? next.enrolledAt,
        settings.nurtureSettings,
        lead?.profile.timeZone,
      ) ?? null)
    : null;

const completedEntry = (sequenceId: string, run: number, now: EpochMs) =>
  entry(`nurture:${sequenceId}:${run}:completed`, 'sequence_completed', now, { sequenceId });

/** Store the outcome of a decision that sends nothing: re-arm or clear the timer, with a timeline line. */
const finish = async (
  timer: ClaimedTimer,
  enrollment: EnrollmentRecord,
  decision: Exclude<StepDecision, { action: 'send' }>,
  now: EpochMs,
  lead: Lead | undefined,
): Promise<StepRunResult> => {
  const leadId = enrollment.leadId;
  const sequenceId = enrollment.sequenceId;
  const run = enrollment.run;
  const steps = sequenceById(sequenceId)?.steps ?? [];
  let nextAt: EpochMs | null;
  let set: Record<string, unknown>;
  const timeline: StoredTimelineEntry[] = [];
  let result: StepRunResult;
  switch (decision.action) {
    case 'wait': {
      nextAt = decision.until;
      const stepId = steps[enrollment.stepIndex]?.id;
      set = {
        lastOutcome: stripUndefined({
          kind: 'delayed',
          at: now,
          stepId,
          reason: decision.reason,
          until: nextAt,
        }),
      };
      if (NOTABLE_WAITS.has(decision.reason)) {
        timeline.push(
          entry(`nurture:${sequenceId}:${run}:${stepId}:delayed:${decision.reason}`, 'email_delayed', now, {
            sequenceId,
            stepId,
            reason: decision.reason,
            until: iso(decision.until),
          }),
        );
      }
      result = 'delayed';
      break;
    }
    case 'skip': {
      const next = applyDecision(enrollment, { steps }, decision, now);
      const sequence = sequenceById(sequenceId);
      nextAt = sequence ? nextTimerAt(next, sequence, lead) : null;
      const reason = decision.detail ?? decision.reason;
      set = enrollmentSet(
        next,
        { kind: 'skipped', at: now, stepId: decision.step.id, reason },
        endedAt(next, now),
      );
      timeline.push(
        entry(`nurture:${sequenceId}:${run}:${decision.step.id}:skipped`, 'email_skipped', now, {
          sequenceId,
          stepId: decision.step.id,
          reason,
        }),
      );
      if (next.status === 'completed') timeline.push(completedEntry(sequenceId, run, now));
      result = 'skipped';
      break;
    }
    case 'exit': {
      const next = applyDecision(enrollment, { steps }, decision, now);
      nextAt = null;
      set = enrollmentSet(next, { kind: 'exited', at: now, reason: decision.reason }, now);
      timeline.push(
        entry(`nurture:${sequenceId}:${run}:exited`, 'sequence_exited', now, {
          sequenceId,
          reason: decision.reason,
        }),
      );
      result = 'exited';
      break;
    }
    case 'complete': {
      const next = applyDecision(enrollment, { steps }, decision, now);
      nextAt = null;
      set = enrollmentSet(next, { kind: 'completed', at: now }, now);
      timeline.push(completedEntry(sequenceId, run, now));
      result = 'completed';
      break;
    }
  }
  const update = completeTimerUpdate(timer, nextAt, { set });
  const saved = await writeLead(
    {},
    { leadId, ...(lead ? { timeline } : {}), extra: [{ Update: update }], at: now },
  );
  if (saved === 'conflict') return 'claim_lost';
  return result;
};
