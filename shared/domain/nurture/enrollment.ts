/**
 * Enrollments as the nurture rules see them: the stored run of a sequence for a lead, which sequences a bus
 * signal starts, and what the step planner needs to know about the lead. Pure: no clock, no I/O.
 */
import { CONFIRM_TOKEN_TTL_MS } from '#domain/capture/tokens';
import { eventHash, type Lead, marketingAllowed } from '#domain/lead/lead';
import type { EpochMs, Temperature } from '#domain/lead/types';
import {
  type EnrollmentPolicy,
  type EnrollmentState,
  type EnrollmentTrigger,
  type ExitReason,
  exitReasonFor,
  type LeadSnapshot,
  type PlannableSequence,
} from '#domain/nurture/sequences';

/** What happened last to an enrollment, for ops and the timeline. */
export interface StepOutcomeRecord {
  kind: 'sent' | 'skipped' | 'delayed' | 'exited' | 'completed' | 'attempting';
  at: EpochMs;
  stepId?: string;
  messageId?: string;
  reason?: string;
  until?: EpochMs;
}

export interface EnrollmentRecord extends EnrollmentState {
  leadId: string;
  /** 1 for the first enrollment in this sequence; each re-entry starts run n+1 (replacing the item). */
  run: number;
  /** Id of the bus event that started this run: a redelivered event finds it and changes nothing. */
  triggerEventId: string;
  /**
   * The events that started the runs before this one (`eventHash` of each id, oldest first, at most
   * `REMEMBERED_TRIGGERS - 1`): with `triggerEventId`, the last runs' triggers, so that a redelivered older
   * trigger starts nothing either. Absent on a first run.
   */
  earlierTriggers?: string[];
  trigger: EnrollmentTrigger['kind'];
  /**
   * When the run was written. `enrolledAt` is when it starts, later for a delayed start (a recycled lead
   * re-enters nurture after `nurtureAt`); absent on runs written before it was kept (`enrolledAt` stands in).
   */
  createdAt?: EpochMs;
  /** SES message ids of this run's mails the lead opened / clicked (step conditions read them). */
  opened?: Set<string>;
  clicked?: Set<string>;
  lastOutcome?: StepOutcomeRecord;
  endedAt?: EpochMs;
}

/**
 * How many of a sequence's latest triggers an enrollment remembers (the current run's and the runs' before
 * it): EventBridge delivers at least once, a failed invocation is retried and a dead-letter queue can be
 * redriven, so an event may come back after later events started newer runs. Hashes of 8 characters keep the
 * item small (the enrollment is rewritten on every step).
 */
export const REMEMBERED_TRIGGERS = 8;

/**
 * The event started one of the runs before the current one (a redelivery): it starts nothing now. Without
 * this, a sequence with re-entry `always` (or `after_exit`, once the run ended) would start another run for
 * an old event and mail its first step again.
 */
export function startedEarlierRun(
  existing: Pick<EnrollmentRecord, 'earlierTriggers'> | undefined,
  eventId: string,
): boolean {
  return existing?.earlierTriggers?.includes(eventHash(eventId)) ?? false;
}

/** What a run that replaces `existing` remembers of the triggers before it (none for a first run). */
export function earlierTriggersAfter(
  existing: Pick<EnrollmentRecord, 'triggerEventId' | 'earlierTriggers'> | undefined,
): string[] | undefined {
  if (!existing) return undefined;
  return [...(existing.earlierTriggers ?? []), eventHash(existing.triggerEventId)].slice(
    -(REMEMBERED_TRIGGERS - 1),
  );
}

/** A bus event that may start sequences, as the nurture-enroll use case parsed it. */
export type EnrollmentSignal =
  | { kind: 'captured'; eventId: string; leadId: string; formId: string }
  | {
      kind: 'temperature';
      eventId: string;
      leadId: string;
      to: Temperature;
      /** When the temperature changed (the event's `occurredAt`), if the event said. */
      occurredAt?: EpochMs;
    }
  | { kind: 'recycled'; eventId: string; leadId: string; sequenceId: string; nurtureAt: EpochMs };

/** A sequence as enrollment reads it (the configured sequence satisfies it). */
export type EnrollableSequence = EnrollmentPolicy & { id: string };

/** The configured sequences and, per form, the sequences it lists. */
export interface EnrollmentCatalog<S extends EnrollableSequence> {
  sequences: readonly S[];
  forms: readonly { id: string; sequenceIds: readonly string[]; handoff?: 'score' | 'immediate' }[];
}

export interface EnrollmentCandidate<S extends EnrollableSequence> {
  sequence: S;
  /** The sequence as the re-entry policy sees it (its entry made to match when a form lists it). */
  policy: EnrollmentPolicy;
  trigger: EnrollmentTrigger;
  /** When the run starts (a recycled lead re-enters nurture later); default now. */
  startAt?: EpochMs;
  /**
   * Started by an inquiry form (`handoff: 'immediate'`): the sequence runs once per hand-off
   * (`ranForOpenHandoff`), so a second post while sales has the lead does not mail the follow-up again.
   */
  oncePerHandoff?: true;
}

/**
 * The sequences a signal may start. A form post starts the form's `sequenceIds` and every sequence whose
 * entry names the form (an inquiry form with `handoff: 'immediate'`: only its `sequenceIds`); a temperature change the sequences entered at that temperature; a recycle the
 * sequence named in the event (hand-off config's recycle sequence), starting at `nurtureAt`.
 */
export function candidatesFor<S extends EnrollableSequence>(
  signal: EnrollmentSignal,
  catalog: EnrollmentCatalog<S>,
): EnrollmentCandidate<S>[] {
  switch (signal.kind) {
    case 'captured': {
      const form = catalog.forms.find((f) => f.id === signal.formId);
      const listed = form?.sequenceIds ?? [];
      // An inquiry form (fast lane) starts only the sequences it names: its people are with sales now.
      const onlyListed = form?.handoff === 'immediate';
      const trigger: EnrollmentTrigger = { kind: 'form', formId: signal.formId };
      return catalog.sequences
        .filter(
          (q) =>
            listed.includes(q.id) ||
            (!onlyListed && q.entry.kind === 'form' && q.entry.formIds.includes(signal.formId)),
        )
        .map((sequence) => ({
          sequence,
          policy: { reentry: sequence.reentry, entry: { kind: 'form', formIds: [signal.formId] } },
          trigger,
          ...(onlyListed ? { oncePerHandoff: true as const } : {}),
        }));
    }
    case 'temperature': {
      const trigger: EnrollmentTrigger = { kind: 'temperature', temperature: signal.to };
      return catalog.sequences
        .filter((q) => q.entry.kind === 'temperature' && q.entry.temperatures.includes(signal.to))
        .map((sequence) => ({ sequence, policy: sequence, trigger }));
    }
    case 'recycled': {
      const sequence = catalog.sequences.find((q) => q.id === signal.sequenceId);
      if (!sequence) return [];
      return [
        {
          sequence,
          policy: { reentry: sequence.reentry, entry: { kind: 'recycled' } },
          trigger: { kind: 'recycled' },
          startAt: signal.nurtureAt,
        },
      ];
    }
  }
}

/**
 * The last run of an inquiry form's sequence ended while the lead's current hand-off was open: the inquiry
 * follow-up (「担当者よりご連絡いたします」, naming the owner) already went to this hand-off, and a second post
 * of the form (a person unsure the first went through) finds the same open hand-off, so it starts no run. A
 * hand-off closed since (recycled, disqualified) or reassigned after that run ended lets a new inquiry start
 * one (it names the new owner).
 */
export function ranForOpenHandoff(
  existing: Pick<EnrollmentRecord, 'status' | 'endedAt'> | undefined,
  handoff: { startedAt: EpochMs; closedAt?: EpochMs | undefined } | undefined,
): boolean {
  if (!existing || existing.status === 'active' || existing.endedAt === undefined) return false;
  if (!handoff || handoff.closedAt !== undefined) return false;
  return existing.endedAt >= handoff.startedAt;
}

/** The signal says the lead turned hot. */
export const turnedHot = (
  signal: EnrollmentSignal,
): signal is Extract<EnrollmentSignal, { kind: 'temperature' }> =>
  signal.kind === 'temperature' && signal.to === 'hot';

/**
 * The runs a signal ends. A lead that turns hot leaves, at once, every active run of a sequence that exits on
 * `became_hot` and was written before it turned hot (a run that starts later included): the planner's own
 * check sees only the temperature when the next step comes due, and a lead that has cooled by then would get
 * the step. A run this very signal started is kept (a redelivered event changes nothing); so is one written
 * after the lead turned hot (a late delivery).
 */
export function runsEndedBy(
  signal: EnrollmentSignal,
  enrollments: readonly Pick<
    EnrollmentRecord,
    'sequenceId' | 'run' | 'status' | 'enrolledAt' | 'createdAt' | 'triggerEventId'
  >[],
  sequences: readonly { id: string; exit: readonly string[] }[],
): { sequenceId: string; run: number }[] {
  if (!turnedHot(signal)) return [];
  const { occurredAt } = signal;
  const exitsOnHot = new Set(sequences.filter((q) => q.exit.includes('became_hot')).map((q) => q.id));
  return enrollments
    .filter(
      (e) =>
        e.status === 'active' &&
        exitsOnHot.has(e.sequenceId) &&
        e.triggerEventId !== signal.eventId &&
        (occurredAt === undefined || (e.createdAt ?? e.enrolledAt) <= occurredAt),
    )
    .map((e) => ({ sequenceId: e.sequenceId, run: e.run }));
}

/** The tag SES carries back on engagement events: which run of which sequence a mail belongs to. */
export function enrollmentTag(sequenceId: string, run: number): string {
  return `${sequenceId}.${run}`;
}

/** What the planner needs to know about the lead, from the lead and this run's engagement. */
export function snapshotOf(
  lead: Lead,
  enrollment: Pick<EnrollmentRecord, 'opened' | 'clicked' | 'enrolledAt'>,
): LeadSnapshot {
  const { profile, state } = lead;
  const stagesEntered = state.stageHistory.filter((t) => t.at >= enrollment.enrolledAt).map((t) => t.to);
  const allowed = marketingAllowed(profile);
  const pending = !allowed.ok && allowed.reason === 'not_confirmed' && profile.consent;
  // With sales now, or since this run began (a hand-off closed before it, e.g. the recycle that started a
  // recycle-nurture run, does not count).
  const handoff = state.handoff;
  const handedOff =
    handoff !== undefined && (handoff.closedAt === undefined || handoff.closedAt > enrollment.enrolledAt);
  return {
    stage: state.stage,
    ...(stagesEntered.length > 0 ? { stagesEntered } : {}),
    temperature: state.temperature,
    handedOff,
    unsubscribed: profile.marketing.unsubscribedAt !== undefined,
    suppressed: profile.marketing.suppressedAt !== undefined,
    marketingConsent: allowed.ok || (allowed.reason !== 'no_consent' && allowed.reason !== 'not_confirmed'),
    ...(pending ? { consentPendingUntil: pending.at + CONFIRM_TOKEN_TTL_MS } : {}),
    ...(profile.timeZone ? { timeZone: profile.timeZone } : {}),
    engagement: { opened: [...(enrollment.opened ?? [])], clicked: [...(enrollment.clicked ?? [])] },
  };
}

/**
 * The exit a lead already meets when a run starts now: a customer who went cold (a re-engagement sequence
 * exits at SAL and beyond), a disqualified lead, a lead with sales downloading a whitepaper (nurture exits on
 * hand-off), an unsubscribed one. No run starts then: its first step would only find the exit, and the lead's
 * timeline would show a sequence started and ended for nothing. Only exits that hold until the first step
 * are decided here: being hot is not (decay may cool the lead before the step, which then goes out), and a run
 * that starts later (a recycled lead's nurture, months on) is left to its first step's own check. Consent is
 * not decided here either: a pending double opt-in starts a run that waits.
 */
export function exitMetAtStart(
  sequence: Pick<PlannableSequence, 'exit'>,
  lead: Lead,
  startAt: EpochMs,
  now: EpochMs,
): ExitReason | undefined {
  if (startAt > now) return undefined;
  const lasting = { exit: sequence.exit.filter((e) => e !== 'became_hot') };
  const reason = exitReasonFor(lasting, snapshotOf(lead, { enrolledAt: startAt }));
  return reason === 'no_consent' ? undefined : reason;
}
