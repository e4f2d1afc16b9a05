import { errorFields, logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { MailNotSentError, MailRejectedError } from '#adapters/ses';
import { type EmailCount, emailCounted, emailCountWrite } from '#app/email-kpis';
import { completedEntry, endedAt, finishStep, nextTimerAt, type StepRunResult } from '#app/finish-step';
import { unsubscribeUrl } from '#app/links';
import { ownerVars, sendTemplate } from '#app/mail';
import { timelineEntry } from '#app/nurture-timeline';
import type { SequenceConfig } from '#config/sequences';
import { sequenceById, settings } from '#config/settings';
import { type Lead, type LeadState, recentSendsAt } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import { type EnrollmentRecord, enrollmentTag, snapshotOf } from '#domain/nurture/enrollment';
import { applyDecision, planStep, type StepDecision } from '#domain/nurture/sequences';
import { enrollmentFromItem, stepAttemptUpdate, stepTimerUpdate } from '#store/enrollments';
import { getLead, writeLead } from '#store/leads';
import { CONFLICT, ContentionError, retryOnConflict } from '#store/retry';
import { type ClaimedTimer, completeTimerUpdate, isStillClaimed } from '#store/timers';

export type { StepRunResult } from '#app/finish-step';

/**
 * Running one due step for the sweeper (`runStepTimer`): plan with the pure planner, then wait, skip, exit
 * or send, at most once: the attempt (and the frequency-cap reservation) is written before SES is called, and
 * an interrupted claim never resends.
 */

/** The sweeper's `step` processor: run the due step, noting a timer that moved on meanwhile. */
export async function runStepTimer(
  timer: ClaimedTimer,
  work: { now: EpochMs; sendPermit: () => Promise<void> },
): Promise<StepRunResult> {
  const result = await runDueStep(timer, work);
  if (result === 'claim_lost') logger.info('step timer moved on meanwhile', { pk: timer.pk, sk: timer.sk });
  return result;
}

/**
 * Run one claimed enrollment timer. At most one mail per step, even across crashes and racing sweepers:
 * before calling SES the attempt is recorded as `uncertain` together with the send in the lead state's
 * `recentSends` (one transaction, conditioned on our claim and the state version); a claim that comes back
 * after a crash finds the uncertain attempt and moves on without resending. Reserving the send in the state
 * before the mail goes out is what makes the frequency cap hold across sequences: two sequences due for
 * the same lead at once cannot both pass the cap, because the second reservation conflicts, re-plans and
 * sees the first.
 */
async function runDueStep(
  timer: ClaimedTimer,
  work: { now: EpochMs; sendPermit: () => Promise<void> },
): Promise<StepRunResult> {
  const now = work.now;
  const enrollment = enrollmentFromItem(timer.item);
  const leadId = enrollment.leadId;
  const sequence = sequenceById(enrollment.sequenceId);
  if (!sequence) {
    await finishStep(timer, enrollment, { action: 'exit', reason: 'sequence_removed' }, now, undefined);
    return 'sequence_removed';
  }
  return retryOnConflict(`step ${enrollment.sequenceId} of lead ${leadId}`, async () => {
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
    if (decision.action !== 'send') return finishStep(timer, enrollment, decision, now, lead);

    await work.sendPermit();
    const reserved = await writeLead(
      { state: lead.state.version },
      {
        previous: lead,
        state: withSend(lead.state, now),
        extra: [stepAttemptUpdate(timer, enrollment.stepIndex, decision.step.id, now)],
        at: now,
      },
    );
    if (reserved === 'conflict') {
      // The lead changed meanwhile: plan again on fresh state, unless the timer is no longer ours.
      return (await isStillClaimed(timer)) ? CONFLICT : 'claim_lost';
    }
    return sendStep(timer, enrollment, sequence, decision, lead, now);
  });
}

function withSend(state: LeadState, now: EpochMs): LeadState {
  return {
    ...state,
    recentSends: [...recentSendsAt(state.recentSends, now), now],
    version: state.version + 1,
  };
}

async function sendStep(
  timer: ClaimedTimer,
  enrollment: EnrollmentRecord,
  sequence: SequenceConfig,
  decision: Extract<StepDecision, { action: 'send' }>,
  lead: Lead,
  now: EpochMs,
): Promise<StepRunResult> {
  const { step } = decision;
  const leadId = lead.profile.leadId;
  let messageId: string;
  try {
    messageId = await sendTemplate({
      templateId: step.templateId,
      lead: lead.profile,
      vars: { ...ownerVars(lead), ...step.vars },
      unsubscribeUrl: unsubscribeUrl(leadId),
      tags: { sequence: sequence.id, step: step.id, enrollment: enrollmentTag(sequence.id, enrollment.run) },
    });
  } catch (error) {
    if (error instanceof MailNotSentError) return deferStep(timer, enrollment, step.id, lead, now, error);
    if (!(error instanceof MailRejectedError)) throw error; // unknown result: the uncertain attempt stands
    // SES refused it outright (nothing was sent): record the step as skipped and go on.
    logger.warn('step mail rejected', {
      leadId,
      sequenceId: sequence.id,
      stepId: step.id,
      ...errorFields(error),
    });
    await finishStep(
      timer,
      enrollment,
      { action: 'skip', step, reason: 'condition_not_met', detail: 'rejected by SES' },
      now,
      lead,
    );
    return 'rejected';
  }

  const next = applyDecision(enrollment, sequence, decision, now, { messageId, outcome: 'sent' });
  const timeline = [
    timelineEntry(`nurture:${sequence.id}:${enrollment.run}:${step.id}:sent`, 'email_sent', now, {
      sequenceId: sequence.id,
      stepId: step.id,
      templateId: step.templateId,
      messageId,
    }),
  ];
  if (next.status === 'completed') timeline.push(completedEntry(sequence.id, enrollment.run, now));
  const update = stepTimerUpdate(timer, nextTimerAt(next, sequence, lead), {
    next,
    outcome: { kind: 'sent', at: now, stepId: step.id, messageId },
    endedAt: endedAt(next, now),
  });
  // The KPI count rides on the transaction that records the send: counted exactly once with its record.
  const sent: EmailCount = {
    kpi: 'sent',
    id: `${sequence.id}:${enrollment.run}:${step.id}`,
    at: now,
    mail: { sequenceId: sequence.id, stepId: step.id, templateId: step.templateId },
  };
  const count = emailCountWrite(leadId, sent);
  // The mail went: record it, retrying a momentary transaction conflict while the claim is still ours.
  const recorded = await retryOnConflict(`record step ${step.id} of lead ${leadId}`, async () => {
    if ((await writeLead({}, { leadId, timeline, extra: [update, ...count], at: now })) === 'saved')
      return true;
    // The count's fact exists only if this very transaction committed (its answer was lost).
    if (await emailCounted(leadId, sent)) return true;
    return (await isStillClaimed(timer)) ? CONFLICT : false;
  }).catch((error: unknown) => {
    // Contention that outlasts the budget is treated like a lost claim: the mail's record must not be lost.
    if (error instanceof ContentionError) return false;
    throw error;
  });
  if (!recorded) {
    // Our claim was taken (unsubscribed meanwhile, or the lease ran out): the mail went, keep its record.
    logger.warn('step sent but the enrollment moved on', {
      leadId,
      sequenceId: sequence.id,
      stepId: step.id,
    });
    const counted = await emailCounted(leadId, sent);
    await writeLead({}, { leadId, timeline, extra: counted ? [] : count, at: now });
  }
  countMetric('StepEmailSent', { sequenceId: sequence.id });
  return 'sent';
}

/** How long a step SES refused for now (throttled) waits before it is tried again. */
export const THROTTLED_RETRY_MS = 60_000;

/**
 * SES refused to take the mail for now (throttled, quota): nothing went out. Undo the attempt in one
 * transaction while the claim is still ours: the attempt becomes `not_sent` (the planner may send the step
 * again), the frequency-cap reservation is released, and the timer comes back in a minute. If the claim was
 * lost meanwhile, the attempt stays `uncertain` and the step is not sent again: at most once beats at least once.
 */
async function deferStep(
  timer: ClaimedTimer,
  enrollment: EnrollmentRecord,
  stepId: string,
  reserved: Lead,
  now: EpochMs,
  error: MailNotSentError,
): Promise<StepRunResult> {
  const leadId = reserved.profile.leadId;
  const until = now + THROTTLED_RETRY_MS;
  logger.warn('step mail not sent (SES throttled): retried later', {
    leadId,
    sequenceId: enrollment.sequenceId,
    stepId,
    ...errorFields(error),
  });
  const update = stepTimerUpdate(timer, until, {
    next: { ...enrollment, history: [...enrollment.history, { stepId, outcome: 'not_sent', at: now }] },
    outcome: { kind: 'delayed', at: now, stepId, reason: 'ses_throttled', until },
  });
  return retryOnConflict(`defer step ${stepId} of lead ${leadId}`, async () => {
    const lead = await getLead(leadId);
    if (!lead) return 'lead_not_found';
    const at = lead.state.recentSends.lastIndexOf(now);
    const state: LeadState = {
      ...lead.state,
      recentSends: lead.state.recentSends.filter((_, i) => i !== at),
      version: lead.state.version + 1,
    };
    const saved = await writeLead(
      { state: lead.state.version },
      { previous: lead, state, extra: [update], at: now },
    );
    if (saved === 'saved') return 'delayed';
    return (await isStillClaimed(timer)) ? CONFLICT : 'claim_lost';
  });
}
