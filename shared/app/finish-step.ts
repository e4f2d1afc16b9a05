import { exitedEntry, timelineEntry } from '#app/nurture-timeline';
import type { SequenceConfig } from '#config/sequences';
import { sequenceById, settings } from '#config/settings';
import { isoAt } from '#domain/lead/events';
import type { Lead } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import type { EnrollmentRecord, StepOutcomeRecord } from '#domain/nurture/enrollment';
import { applyDecision, type EnrollmentState, nextDueAt, type StepDecision } from '#domain/nurture/sequences';
import { type StepTimer, stepTimerUpdate } from '#store/enrollments';
import { type StoredTimelineEntry, writeLead } from '#store/leads';

/**
 * Recording a step decision on its timer (a helper of `run-step`): re-arm or clear the timer and write the
 * enrollment's progress with its timeline line, in one write conditioned on where the enrollment was read.
 */

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

export function endedAt(next: EnrollmentState, now: EpochMs): EpochMs | undefined {
  return next.status === 'active' ? undefined : now;
}

/** When the run's next step is due (null once the run has ended). */
export function nextTimerAt(
  next: EnrollmentState,
  sequence: SequenceConfig,
  lead: Lead | undefined,
): EpochMs | null {
  return next.status === 'active'
    ? (nextDueAt(
        sequence,
        next.stepIndex,
        next.lastStepAt ?? next.enrolledAt,
        settings.nurtureSettings,
        lead?.profile.timeZone,
        lead?.profile.leadId,
      ) ?? null)
    : null;
}

/**
 * The line of a run that completes with no step line of its own (nothing left to send or skip). A last step's
 * sent or skipped line says so instead (`completesSequence`): the run's end costs no timeline item then.
 */
function completedEntry(sequenceId: string, run: number, now: EpochMs): StoredTimelineEntry {
  return timelineEntry(`nurture:${sequenceId}:${run}:completed`, 'sequence_completed', now, { sequenceId });
}

/** The property a step's line carries when that step completes the run. */
export const completesSequence = (next: EnrollmentState): { completesSequence?: true } =>
  next.status === 'completed' ? { completesSequence: true } : {};

/** Store the outcome of a decision that sends nothing: re-arm or clear the timer, with a timeline line. */
export async function finishStep(
  timer: StepTimer,
  enrollment: EnrollmentRecord,
  decision: Exclude<StepDecision, { action: 'send' }>,
  now: EpochMs,
  lead: Lead | undefined,
): Promise<StepRunResult> {
  const leadId = enrollment.leadId;
  const sequenceId = enrollment.sequenceId;
  const run = enrollment.run;
  const steps = sequenceById(sequenceId)?.steps ?? [];
  let nextAt: EpochMs | null;
  let change: { outcome: StepOutcomeRecord; next?: EnrollmentState; endedAt?: EpochMs };
  const timeline: StoredTimelineEntry[] = [];
  let result: StepRunResult;
  switch (decision.action) {
    case 'wait': {
      nextAt = decision.until;
      const stepId = steps[enrollment.stepIndex]?.id;
      change = { outcome: { kind: 'delayed', at: now, stepId, reason: decision.reason, until: nextAt } };
      if (NOTABLE_WAITS.has(decision.reason)) {
        timeline.push(
          timelineEntry(
            `nurture:${sequenceId}:${run}:${stepId}:delayed:${decision.reason}`,
            'email_delayed',
            now,
            { sequenceId, stepId, reason: decision.reason, until: isoAt(decision.until) },
          ),
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
      change = {
        next,
        outcome: { kind: 'skipped', at: now, stepId: decision.step.id, reason },
        endedAt: endedAt(next, now),
      };
      timeline.push(
        timelineEntry(`nurture:${sequenceId}:${run}:${decision.step.id}:skipped`, 'email_skipped', now, {
          sequenceId,
          stepId: decision.step.id,
          reason,
          ...completesSequence(next),
        }),
      );
      result = 'skipped';
      break;
    }
    case 'exit': {
      const next = applyDecision(enrollment, { steps }, decision, now);
      nextAt = null;
      change = { next, outcome: { kind: 'exited', at: now, reason: decision.reason }, endedAt: now };
      timeline.push(exitedEntry(sequenceId, run, decision.reason, now));
      result = 'exited';
      break;
    }
    case 'complete': {
      const next = applyDecision(enrollment, { steps }, decision, now);
      nextAt = null;
      change = { next, outcome: { kind: 'completed', at: now }, endedAt: now };
      timeline.push(completedEntry(sequenceId, run, now));
      result = 'completed';
      break;
    }
  }
  const saved = await writeLead(
    {},
    { leadId, ...(lead ? { timeline } : {}), extra: [stepTimerUpdate(timer, nextAt, change)], at: now },
  );
  if (saved === 'conflict') return 'claim_lost';
  return result;
}
