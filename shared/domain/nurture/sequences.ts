/**
 * Step-email sequence planning: a pure decision for one due enrollment.
 *
 * The sweeper reads due enrollments, calls `planStep`, acts on the decision (send via SES, or
 * just store the new due time) and stores the state from `applyDecision`. Nothing here reads a
 * clock or the network: (enrollment, sequence, lead, recent sends, settings, now) → decision.
 */

import { type EpochMs, FUNNEL_STAGES, type Stage, type Temperature } from '#domain/lead/types';
import {
  addBusinessDays,
  addCalendarDays,
  type BusinessWindow,
  isInWindow,
  isValidTimeZone,
  spreadWindowOpening,
} from '#domain/nurture/calendar';
import type { NurtureSettings, SequenceConfig, SequenceStep } from '#domain/nurture/config';

export const ROLLING_WINDOW_MS = 7 * 86_400_000;

/** How often a step waiting for a double opt-in confirmation looks again. */
export const CONSENT_RECHECK_MS = 3_600_000;

export type StepOutcome = 'sent' | 'skipped' | 'uncertain' | 'not_sent';

export interface EnrollmentHistoryEntry {
  stepId: string;
  /**
   * 'uncertain': a send was attempted but its result is unknown (crash/timeout); never retried.
   * 'not_sent': SES refused to take it for now (throttled): nothing went out, so the step may be sent later.
   */
  outcome: StepOutcome;
  at: EpochMs;
  messageId?: string;
  reason?: string;
}

export interface EnrollmentState {
  /** The lead enrolled (stored records carry it): seeds the send-window spread. */
  leadId?: string;
  sequenceId: string;
  enrolledAt: EpochMs;
  /** Index of the next step to run. */
  stepIndex: number;
  /** When the previous step was sent or skipped; the next delay counts from here. */
  lastStepAt?: EpochMs;
  history: EnrollmentHistoryEntry[];
  status: 'active' | 'completed' | 'exited';
  exitReason?: string;
}

export interface LeadSnapshot {
  stage: Stage;
  /**
   * Stages the lead entered since this run began, oldest first. A stage exit holds once the lead passed
   * through the stage, not only while it is there: a lead accepted by sales and later recycled has left
   * the sequence it was in at acceptance. Absent = only the current stage is known.
   */
  stagesEntered?: readonly Stage[];
  temperature: Temperature;
  /**
   * The lead is with sales: a hand-off is open (an inquiry form, a manual hand-off, a score trigger), or one
   * was closed after this run began (sales recycled or disqualified it meanwhile). Absent = not known.
   */
  handedOff?: boolean;
  unsubscribed: boolean;
  suppressed: boolean;
  marketingConsent: boolean;
  /**
   * Double opt-in: consent was given but not yet confirmed, and the confirmation link is valid until
   * this time. The planner waits (re-checking hourly) instead of exiting with `no_consent`.
   */
  consentPendingUntil?: EpochMs;
  /** The lead's IANA zone; the send window's zone is used when absent or unknown. */
  timeZone?: string;
  /**
   * What the lead engaged with: SES message ids, step refs (`stepRef(sequenceId, stepId)`), or
   * bare step ids.
   */
  engagement: { opened: string[]; clicked: string[] };
}

/** Settings the planner reads; `NurtureSettings` satisfies it. */
export type PlannerSettings = Pick<NurtureSettings, 'frequencyCap' | 'sendWindow'>;

/** The planner needs only these parts of a sequence. */
export type PlannableSequence = Pick<SequenceConfig, 'id' | 'steps' | 'exit' | 'window'>;

export type ExitReason =
  | 'unsubscribed'
  | 'suppressed'
  | 'no_consent'
  | 'became_hot'
  | 'reached_sal'
  | 'handed_off'
  | 'converted'
  | 'disqualified'
  | 'manual'
  | (string & {});

export type SkipReason = 'condition_not_met' | 'already_attempted';

export type StepDecision =
  | { action: 'send'; step: SequenceStep }
  | { action: 'wait'; until: EpochMs; reason: 'delay' | 'window' | 'frequency_cap' | 'consent_pending' }
  | { action: 'skip'; step: SequenceStep; reason: SkipReason; detail?: string }
  | { action: 'exit'; reason: ExitReason }
  | { action: 'complete' };

/** The engagement reference of a step in a sequence (step ids are only unique per sequence). */
export function stepRef(sequenceId: string, stepId: string): string {
  return `${sequenceId}#${stepId}`;
}

/** A send window resolved for one lead: its zone, and the spread of sends that wait for the opening. */
export interface SendWindow extends BusinessWindow {
  /** Whole minutes (0: every waiting send at the opening itself). */
  spreadMinutes: number;
}

/**
 * The send window for this sequence and lead: the sequence's or the default, in the lead's zone. A
 * sequence's window without its own `spreadMinutes` or `closedDates` takes the settings' (absent there too:
 * 0, none).
 */
export function resolveWindow(
  sequence: Pick<PlannableSequence, 'window'>,
  settings: Pick<PlannerSettings, 'sendWindow'>,
  leadTimeZone?: string,
): SendWindow {
  const base = sequence.window ?? settings.sendWindow;
  const timeZone = leadTimeZone && isValidTimeZone(leadTimeZone) ? leadTimeZone : base.timeZone;
  const spreadMinutes = base.spreadMinutes ?? settings.sendWindow.spreadMinutes ?? 0;
  // A sequence's window without closed dates of its own keeps the company's (the settings').
  const closedDates = base.closedDates ?? settings.sendWindow.closedDates;
  return { ...base, timeZone, spreadMinutes, ...(closedDates ? { closedDates } : {}) };
}

/**
 * The seed of an enrollment's place in the spread: the lead (when the caller knows it), the sequence, the
 * step and the instant its delay counts from. All stored state, never random: a replay, a retried sweep or a
 * second sweeper plans the same minute.
 */
export function spreadSeed(sequenceId: string, stepIndex: number, from: EpochMs, leadId?: string): string {
  return `${leadId ?? ''}|${sequenceId}|${stepIndex}|${from}`;
}

/**
 * When a step that may go from `t` on is planned: `t` itself when the window is open then; otherwise the
 * next opening, moved to the enrollment's minute in the window's first `spreadMinutes` (so a morning's
 * backlog arrives spread instead of at 09:00 sharp). Always inside the window (weekends, Japanese holidays
 * and DST days included: `spreadWindowOpening`).
 */
export function plannedSendAt(t: EpochMs, window: SendWindow, seed: string): EpochMs {
  return spreadWindowOpening(t, window, seed, window.spreadMinutes);
}

/** When a step is due by its delay alone (not yet moved into the send window). */
export function stepDueAt(step: Pick<SequenceStep, 'delay'>, from: EpochMs, window: BusinessWindow): EpochMs {
  const { value, unit } = step.delay;
  switch (unit) {
    case 'hours':
      return from + Math.round(value * 3_600_000);
    case 'days':
      return addCalendarDays(from, value, window.timeZone);
    case 'businessDays':
      return addBusinessDays(from, value, window);
  }
}

/**
 * When the step at `stepIndex` should next be looked at: its delay from `from`, moved into the send
 * window (spread over its first minutes when it waits for the opening: `plannedSendAt`). Undefined when
 * there is no such step (the sequence is done). `leadId`, when given, joins the spread's seed.
 */
export function nextDueAt(
  sequence: PlannableSequence,
  stepIndex: number,
  from: EpochMs,
  settings: PlannerSettings,
  leadTimeZone?: string,
  leadId?: string,
): EpochMs | undefined {
  const step = sequence.steps[stepIndex];
  if (!step) return undefined;
  const window = resolveWindow(sequence, settings, leadTimeZone);
  return plannedSendAt(
    stepDueAt(step, from, window),
    window,
    spreadSeed(sequence.id, stepIndex, from, leadId),
  );
}

/** Due time of the first step for a lead enrolled at `enrolledAt`. */
export function firstDueAt(
  sequence: PlannableSequence,
  enrolledAt: EpochMs,
  settings: PlannerSettings,
  leadTimeZone?: string,
  leadId?: string,
): EpochMs | undefined {
  return nextDueAt(sequence, 0, enrolledAt, settings, leadTimeZone, leadId);
}

function reachedSal(stage: Stage): boolean {
  const index = (FUNNEL_STAGES as readonly string[]).indexOf(stage);
  return index >= FUNNEL_STAGES.indexOf('tql');
}

function converted(stage: Stage): boolean {
  return stage === 'opportunity' || stage === 'customer';
}

/** Why the lead must leave the sequence now, or undefined. Compliance exits apply always. */
export function exitReasonFor(
  sequence: Pick<PlannableSequence, 'exit'>,
  lead: LeadSnapshot,
): ExitReason | undefined {
  if (lead.unsubscribed) return 'unsubscribed';
  if (lead.suppressed) return 'suppressed';
  if (!lead.marketingConsent) return 'no_consent';
  const exits = new Set(sequence.exit);
  if (exits.has('became_hot') && lead.temperature === 'hot') return 'became_hot';
  const stages = [lead.stage, ...(lead.stagesEntered ?? [])];
  if (exits.has('converted') && stages.some(converted)) return 'converted';
  if (exits.has('reached_sal') && stages.some(reachedSal)) return 'reached_sal';
  if (exits.has('disqualified') && stages.includes('disqualified')) return 'disqualified';
  if (exits.has('handed_off') && lead.handedOff) return 'handed_off';
  return undefined;
}

function engagedWith(
  refs: readonly string[],
  sequenceId: string,
  stepId: string,
  messageIds: string[],
): boolean {
  const wanted = new Set([stepRef(sequenceId, stepId), stepId, ...messageIds]);
  return refs.some((r) => wanted.has(r));
}

/** Why a step's condition fails, or undefined when it holds (or there is none). */
function conditionFailure(
  sequence: PlannableSequence,
  enrollment: EnrollmentState,
  step: SequenceStep,
  lead: LeadSnapshot,
): string | undefined {
  if (!step.condition) return undefined;
  if (step.condition === 'not_hot') return lead.temperature === 'hot' ? 'lead is hot' : undefined;
  const previous = sequence.steps[enrollment.stepIndex - 1];
  if (!previous) return undefined; // the first step has no previous mail to have engaged with
  const messageIds = enrollment.history.flatMap((h) =>
    h.stepId === previous.id && h.messageId ? [h.messageId] : [],
  );
  if (step.condition === 'previous_not_clicked') {
    return engagedWith(lead.engagement.clicked, sequence.id, previous.id, messageIds)
      ? `previous step ${previous.id} was clicked`
      : undefined;
  }
  // A click implies the mail was opened (image blocking often hides the open itself).
  const opened =
    engagedWith(lead.engagement.opened, sequence.id, previous.id, messageIds) ||
    engagedWith(lead.engagement.clicked, sequence.id, previous.id, messageIds);
  return opened ? `previous step ${previous.id} was opened` : undefined;
}

/**
 * When the frequency cap lets another marketing mail go, or undefined when it does now.
 * A send at `s` counts while `now - s < 7 days`, and so does one reserved a moment after `now` (another
 * sweeper's clock, or a timer that started a moment later): racing sequences must see each other's sends.
 */
export function frequencyCapReleaseAt(
  recentSends: readonly EpochMs[],
  maxPerRolling7Days: number,
  now: EpochMs,
): EpochMs | undefined {
  const inWindow = recentSends.filter((s) => s > now - ROLLING_WINDOW_MS).sort((a, b) => a - b);
  if (inWindow.length < maxPerRolling7Days) return undefined;
  // Once this many of the oldest sends have aged out, one slot is free.
  const releasing = inWindow[inWindow.length - maxPerRolling7Days];
  return (releasing ?? now) + ROLLING_WINDOW_MS;
}

/** Decides what to do with one due enrollment at `now`. */
export function planStep(
  enrollment: EnrollmentState,
  sequence: PlannableSequence,
  lead: LeadSnapshot,
  recentSends: readonly EpochMs[],
  settings: PlannerSettings,
  now: EpochMs,
): StepDecision {
  if (enrollment.status === 'completed') return { action: 'complete' };
  if (enrollment.status === 'exited') return { action: 'exit', reason: enrollment.exitReason ?? 'manual' };

  const exit = exitReasonFor(sequence, lead);
  if (exit === 'no_consent' && lead.consentPendingUntil !== undefined && now < lead.consentPendingUntil) {
    // Double opt-in not confirmed yet: look again later, until the confirmation link expires.
    return {
      action: 'wait',
      until: Math.min(now + CONSENT_RECHECK_MS, lead.consentPendingUntil),
      reason: 'consent_pending',
    };
  }
  if (exit) return { action: 'exit', reason: exit };

  const step = sequence.steps[enrollment.stepIndex];
  if (!step) return { action: 'complete' };

  // At most once: a step already sent, or attempted with an unknown result, is never sent again.
  if (
    enrollment.history.some(
      (h) => h.stepId === step.id && h.outcome !== 'skipped' && h.outcome !== 'not_sent',
    )
  ) {
    return { action: 'skip', step, reason: 'already_attempted' };
  }

  const window = resolveWindow(sequence, settings, lead.timeZone);
  const from = enrollment.lastStepAt ?? enrollment.enrolledAt;
  const dueAt = stepDueAt(step, from, window);
  // Every wait lands inside the window, spread over its first minutes when it waits for the opening.
  const seed = spreadSeed(sequence.id, enrollment.stepIndex, from, enrollment.leadId);
  if (now < dueAt) return { action: 'wait', until: plannedSendAt(dueAt, window, seed), reason: 'delay' };
  if (!isInWindow(now, window))
    return { action: 'wait', until: plannedSendAt(now, window, seed), reason: 'window' };

  const failure = conditionFailure(sequence, enrollment, step, lead);
  if (failure) return { action: 'skip', step, reason: 'condition_not_met', detail: failure };

  const release = frequencyCapReleaseAt(recentSends, settings.frequencyCap.maxPerRolling7Days, now);
  if (release !== undefined) {
    return { action: 'wait', until: plannedSendAt(release, window, seed), reason: 'frequency_cap' };
  }
  return { action: 'send', step };
}

/**
 * The enrollment after acting on a decision at `now` (pure). For 'send', pass the SES message id;
 * pass outcome 'uncertain' when the send's result is unknown so it is never repeated.
 * 'wait' leaves the state unchanged (only the due time moves, which the caller stores).
 */
export function applyDecision(
  enrollment: EnrollmentState,
  sequence: Pick<PlannableSequence, 'steps'>,
  decision: StepDecision,
  now: EpochMs,
  send: { messageId?: string; outcome?: 'sent' | 'uncertain' } = {},
): EnrollmentState {
  switch (decision.action) {
    case 'wait':
      return enrollment;
    case 'complete':
      return { ...enrollment, status: 'completed' };
    case 'exit':
      return { ...enrollment, status: 'exited', exitReason: decision.reason };
    case 'skip':
    case 'send': {
      if (decision.action === 'skip' && decision.reason === 'already_attempted') {
        // Recovery after a crash between send and save: advance without a second history entry,
        // counting the next delay from the original attempt.
        const attempt = enrollment.history.findLast((h) => h.stepId === decision.step.id);
        return advance(enrollment, sequence, attempt?.at ?? now, enrollment.history);
      }
      const entry: EnrollmentHistoryEntry =
        decision.action === 'send'
          ? { stepId: decision.step.id, outcome: send.outcome ?? 'sent', at: now }
          : {
              stepId: decision.step.id,
              outcome: 'skipped',
              at: now,
              reason: decision.detail ?? decision.reason,
            };
      if (decision.action === 'send' && send.messageId) entry.messageId = send.messageId;
      return advance(enrollment, sequence, now, [...enrollment.history, entry]);
    }
  }
}

function advance(
  enrollment: EnrollmentState,
  sequence: Pick<PlannableSequence, 'steps'>,
  lastStepAt: EpochMs,
  history: EnrollmentHistoryEntry[],
): EnrollmentState {
  const stepIndex = enrollment.stepIndex + 1;
  const status = stepIndex >= sequence.steps.length ? 'completed' : 'active';
  return { ...enrollment, stepIndex, lastStepAt, history, status };
}

export type EnrollmentTrigger =
  | { kind: 'form'; formId: string }
  | { kind: 'temperature'; temperature: Temperature }
  | { kind: 'recycled' }
  | { kind: 'dormant_customer'; daysSinceLastActivity: number };

function entryMatches(sequence: Pick<SequenceConfig, 'entry'>, trigger: EnrollmentTrigger): boolean {
  const entry = sequence.entry;
  switch (trigger.kind) {
    case 'form':
      return entry.kind === 'form' && entry.formIds.includes(trigger.formId);
    case 'temperature':
      return entry.kind === 'temperature' && entry.temperatures.includes(trigger.temperature);
    case 'recycled':
      return entry.kind === 'recycled';
    case 'dormant_customer':
      return entry.kind === 'dormant_customer' && trigger.daysSinceLastActivity >= entry.afterDays;
  }
}

/** What the re-entry policy reads of a sequence. */
export type EnrollmentPolicy = Pick<SequenceConfig, 'entry' | 'reentry'>;

/**
 * Whether a trigger enrolls the lead, given its latest enrollment in this sequence (if any).
 * reentry 'never': only once; 'after_exit': again once the previous run has ended (completed or
 * exited); 'always': every trigger, restarting an active run.
 */
export function shouldEnroll(
  sequence: EnrollmentPolicy,
  trigger: EnrollmentTrigger,
  existing: Pick<EnrollmentState, 'status'> | undefined,
): boolean {
  if (!entryMatches(sequence, trigger)) return false;
  if (!existing) return true;
  switch (sequence.reentry) {
    case 'never':
      return false;
    case 'after_exit':
      return existing.status !== 'active';
    case 'always':
      return true;
  }
}

/** A fresh enrollment (the caller stores it with `firstDueAt` as its due time). */
export function newEnrollment(sequenceId: string, enrolledAt: EpochMs): EnrollmentState {
  return { sequenceId, enrolledAt, stepIndex: 0, history: [], status: 'active' };
}
