import { randomBytes } from 'node:crypto';
import { errorFields, logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { MailNotSentError, MailRejectedError } from '#adapters/ses';
import { type EmailCount, emailKpiDay, sentCounted, sentCountWrite } from '#app/email-kpis';
import { completesSequence, endedAt, finishStep, nextTimerAt, type StepRunResult } from '#app/finish-step';
import { unsubscribeUrl } from '#app/links';
import { ownerVars, sendTemplate } from '#app/mail';
import { timelineEntry } from '#app/nurture-timeline';
import type { SequenceConfig } from '#config/sequences';
import { sequenceById, settings } from '#config/settings';
import type { Lead } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import {
  attemptStatus,
  isOwnAttempt,
  type StepPosition,
  withoutStepAttempt,
  withStepAttempt,
  withUncertainAttempt,
} from '#domain/nurture/attempts';
import { SENT_DAY_TAG } from '#domain/nurture/email-kpis';
import { type EnrollmentRecord, enrollmentTag, snapshotOf } from '#domain/nurture/enrollment';
import { applyDecision, planStep, type StepDecision } from '#domain/nurture/sequences';
import {
  clearStepTimerUpdate,
  isStepTimerAt,
  readStepAttempts,
  readStepTimer,
  reserveStepSend,
  type StepTimer,
  stepTimerUpdate,
} from '#store/enrollments';
import { leadIdFromPk } from '#store/keys';
import { getLead, type StoredTimelineEntry, writeLead } from '#store/leads';
import { CONFLICT, ContentionError, retryOnConflict } from '#store/retry';
import { CLAIM_LEASE_MS, type DueTimer } from '#store/timers';

export type { StepRunResult } from '#app/finish-step';

/**
 * Running one due step for the sweeper (`runStepTimer`): plan with the pure planner, then wait, skip, exit
 * or send, at most once, with no claim written on the timer: the send is reserved on the lead state (with
 * the frequency-cap entry) before SES is called, and the enrollment is moved on by one write conditioned on
 * where it was read (see `#domain/nurture/attempts`).
 */

/** The sweeper's `step` processor: run the due step; `claim_lost` when another sweeper has it. */
export async function runStepTimer(
  timer: DueTimer,
  work: { now: EpochMs; sendPermit: () => Promise<void> },
): Promise<StepRunResult> {
  const result = await runDueStep(timer, work);
  if (result === 'claim_lost') logger.info('step timer moved on meanwhile', { pk: timer.pk, sk: timer.sk });
  return result;
}

/**
 * Run one due enrollment timer. At most one mail per step, even across crashes and racing sweepers: before
 * calling SES the send is reserved in ONE write of the lead state (conditioned on its version): the send in
 * `recentSends` and the attempt (sequence, run, step) in `stepAttempts`. A sweeper that then finds the
 * attempt for the step it is about to run leaves it alone while it is young (another sweeper is sending it)
 * and, after the lease, records it as `uncertain` and moves on without resending. The lead is read BEFORE the
 * enrollment, so a reservation made after our read fails our version condition, and one made before is in
 * what we read. Reserving the send in the state is also what makes the frequency cap hold across sequences:
 * two sequences due for the same lead at once cannot both pass the cap, because the second reservation
 * conflicts, re-plans and sees the first. The attempt carries this run's nonce, so a reservation that
 * committed while its answer was lost is known as ours and sent (`reserveSend`), not left to the lease.
 */
async function runDueStep(
  due: DueTimer,
  work: { now: EpochMs; sendPermit: () => Promise<void> },
): Promise<StepRunResult> {
  const now = work.now;
  const leadId = leadIdFromPk(due.pk) ?? '';
  // This run's id on the attempt it reserves (8 characters, no `:`), the same on every retry below.
  const nonce = randomBytes(6).toString('base64url');
  return retryOnConflict(`step ${due.sk} of lead ${leadId}`, async () => {
    const lead = await getLead(leadId);
    const read = await readStepTimer(due);
    if (!read) return 'claim_lost';
    const { timer, enrollment } = read;
    const sequence = sequenceById(enrollment.sequenceId);
    if (!sequence) {
      const exit = { action: 'exit', reason: 'sequence_removed' } as const;
      const result = await finishStep(timer, enrollment, exit, now, undefined);
      return result === 'claim_lost' ? result : 'sequence_removed';
    }
    if (!lead) {
      // Erased: take the timer off the due index; there is no timeline left to write to.
      const saved = await writeLead({}, { leadId, extra: [clearStepTimerUpdate(timer)], at: now });
      return saved === 'saved' ? 'lead_not_found' : 'claim_lost';
    }
    const position: StepPosition = { sequenceId: sequence.id, run: timer.run, stepIndex: timer.stepIndex };
    const attempt = attemptStatus(lead.state.stepAttempts, position, now, CLAIM_LEASE_MS);
    if (attempt.kind === 'in_flight') return 'claim_lost';
    const stepId = sequence.steps[timer.stepIndex]?.id;
    const planned =
      attempt.kind === 'uncertain' && stepId
        ? withUncertainAttempt(enrollment, stepId, attempt.attempt)
        : enrollment;
    const decision = planStep(
      planned,
      sequence,
      snapshotOf(lead, enrollment),
      lead.state.recentSends,
      settings.nurtureSettings,
      now,
    );
    if (decision.action !== 'send') return finishStep(timer, planned, decision, now, lead);

    // The link needs the signing key: built before the reservation, so a key that cannot be read fails the
    // timer with nothing reserved (the next sweep runs it again) instead of leaving an attempt behind.
    // The link names this mail (its sequence and step), so an unsubscribe through it counts under them.
    const unsubscribe = await unsubscribeUrl(leadId, { sequenceId: sequence.id, stepId: decision.step.id });
    await work.sendPermit();
    const reserved = await reserveSend(lead, position, now, nonce);
    // The lead changed meanwhile (another sequence's reservation, a tracked event): read and plan again.
    if (reserved === 'conflict') return CONFLICT;
    return sendStep(timer, enrollment, sequence, decision, { lead, now, nonce, unsubscribe });
  });
}

/**
 * Reserve the step's send on the lead state read (`reserveStepSend`), with our nonce on the attempt. The put
 * may commit while its answer is lost (a timeout on the way back): the SDK's retry of it then fails its
 * version condition against that very write (`conflict`), or the error reaches us. Either way the attempts
 * are read again, and an attempt at this position with our nonce is our reservation: `saved`, send. Anything
 * else is not ours (never twice): a conflict re-plans, an error stands (the timer comes back on the next
 * sweep, where a put that committed after all is an attempt in flight, left alone and then taken as
 * uncertain).
 */
async function reserveSend(
  lead: Lead,
  position: StepPosition,
  now: EpochMs,
  nonce: string,
): Promise<'saved' | 'conflict'> {
  const ours = async () => isOwnAttempt(await readStepAttempts(lead.profile.leadId), position, nonce);
  let reserved: 'saved' | 'conflict';
  try {
    reserved = await reserveStepSend(
      withStepAttempt(lead.state, position, now, nonce),
      lead.state.version,
      now,
    );
  } catch (error) {
    if (await ours().catch(() => false)) return 'saved';
    throw error;
  }
  if (reserved === 'conflict' && (await ours())) {
    logger.info('step reservation committed, its answer lost: sending', {
      leadId: lead.profile.leadId,
      sequenceId: position.sequenceId,
    });
    return 'saved';
  }
  return reserved;
}

async function sendStep(
  timer: StepTimer,
  enrollment: EnrollmentRecord,
  sequence: SequenceConfig,
  decision: Extract<StepDecision, { action: 'send' }>,
  { lead, now, nonce, unsubscribe }: { lead: Lead; now: EpochMs; nonce: string; unsubscribe: string },
): Promise<StepRunResult> {
  const { step } = decision;
  const leadId = lead.profile.leadId;
  let messageId: string;
  try {
    messageId = await sendTemplate({
      templateId: step.templateId,
      lead: lead.profile,
      vars: { ...ownerVars(lead), ...step.vars },
      unsubscribeUrl: unsubscribe,
      tags: {
        sequence: sequence.id,
        step: step.id,
        enrollment: enrollmentTag(sequence.id, enrollment.run),
        // The day this mail's `sent` counts on (below): SES returns it on the mail's events, which count there.
        [SENT_DAY_TAG]: emailKpiDay(now),
      },
    });
  } catch (error) {
    if (error instanceof MailNotSentError)
      return deferStep(timer, enrollment, step.id, { leadId, now, nonce }, error);
    if (!(error instanceof MailRejectedError)) throw error; // unknown result: the reserved attempt stands
    // SES refused it outright (nothing was sent): record the step as skipped and go on.
    logger.warn('step mail rejected', {
      leadId,
      sequenceId: sequence.id,
      stepId: step.id,
      ...errorFields(error),
    });
    const skip = { action: 'skip', step, reason: 'condition_not_met', detail: 'rejected by SES' } as const;
    const result = await finishStep(timer, enrollment, skip, now, lead);
    return result === 'claim_lost' ? result : 'rejected';
  }

  const next = applyDecision(enrollment, sequence, decision, now, { messageId, outcome: 'sent' });
  // The KPI count rides on the transaction that records the send, its fact on the mail's timeline entry:
  // counted exactly once with its record (the transaction commits once: it is conditioned on the position).
  const sent: EmailCount = {
    kpi: 'sent',
    id: `${sequence.id}:${enrollment.run}:${step.id}`,
    at: now,
    day: emailKpiDay(now),
    mail: { sequenceId: sequence.id, stepId: step.id, templateId: step.templateId },
  };
  // The last step's line also says the run completed (`completesSequence`): no line of its own for that.
  const mailEntry = timelineEntry(
    `nurture:${sequence.id}:${enrollment.run}:${step.id}:sent`,
    'email_sent',
    now,
    {
      sequenceId: sequence.id,
      stepId: step.id,
      templateId: step.templateId,
      messageId,
      ...completesSequence(next),
    },
  );
  const { entry, adds } = sentCountWrite(leadId, mailEntry, sent);
  const timeline: StoredTimelineEntry[] = [entry];
  const update = stepTimerUpdate(timer, nextTimerAt(next, sequence, lead), {
    next,
    outcome: { kind: 'sent', at: now, stepId: step.id, messageId },
    endedAt: endedAt(next, now),
  });
  // The mail went: record it, retrying a momentary transaction conflict while the enrollment is still ours.
  const recorded = await retryOnConflict(`record step ${step.id} of lead ${leadId}`, async () => {
    if ((await writeLead({}, { leadId, timeline, extra: [update, ...adds], at: now })) === 'saved')
      return true;
    // The entry carries its count only if this very transaction committed (its answer was lost).
    if (await sentCounted(leadId, mailEntry.eventId)) return true;
    return (await isStepTimerAt(timer)) ? CONFLICT : false;
  }).catch((error: unknown) => {
    // Contention that outlasts the budget is treated like a lost position: the mail's record must not be lost.
    if (error instanceof ContentionError) return false;
    throw error;
  });
  if (!recorded) {
    // The enrollment moved on without us (unsubscribed meanwhile, or taken as uncertain after the lease):
    // the mail went, keep its timeline entry and its count.
    logger.warn('step sent but the enrollment moved on', {
      leadId,
      sequenceId: sequence.id,
      stepId: step.id,
    });
    if (!(await sentCounted(leadId, mailEntry.eventId)))
      await writeLead({}, { leadId, timeline: [entry], extra: adds, at: now });
  }
  countMetric('StepEmailSent', { sequenceId: sequence.id });
  return 'sent';
}

/** How long a step SES refused for now (throttled) waits before it is tried again. */
export const THROTTLED_RETRY_MS = 60_000;

/**
 * SES refused to take the mail for now (throttled, quota): nothing went out. Undo the reservation in one
 * transaction while the enrollment is still where we read it: the attempt and its frequency-cap send are
 * released from the state, the step is recorded `not_sent` (the planner may send it again) and the timer
 * comes back in a minute. If the enrollment moved on meanwhile, the reservation stays and the step is not
 * sent again: at most once beats at least once.
 */
async function deferStep(
  timer: StepTimer,
  enrollment: EnrollmentRecord,
  stepId: string,
  reserved: { leadId: string; now: EpochMs; nonce: string },
  error: MailNotSentError,
): Promise<StepRunResult> {
  const { leadId, now, nonce } = reserved;
  const until = now + THROTTLED_RETRY_MS;
  logger.warn(`step mail not sent (SES ${error.reason}): retried later`, {
    leadId,
    sequenceId: enrollment.sequenceId,
    stepId,
    ...errorFields(error),
  });
  const update = stepTimerUpdate(timer, until, {
    next: { ...enrollment, history: [...enrollment.history, { stepId, outcome: 'not_sent', at: now }] },
    outcome: { kind: 'delayed', at: now, stepId, reason: `ses_${error.reason}`, until },
  });
  const position: StepPosition = {
    sequenceId: enrollment.sequenceId,
    run: timer.run,
    stepIndex: timer.stepIndex,
  };
  return retryOnConflict(`defer step ${stepId} of lead ${leadId}`, async () => {
    const lead = await getLead(leadId);
    if (!lead) return 'lead_not_found';
    const state = withoutStepAttempt(lead.state, position, now, nonce);
    if (!state) return 'claim_lost';
    const saved = await writeLead(
      { state: lead.state.version },
      { previous: lead, state, extra: [update], at: now },
    );
    if (saved === 'saved') return 'delayed';
    return (await isStepTimerAt(timer)) ? CONFLICT : 'claim_lost';
  });
}
