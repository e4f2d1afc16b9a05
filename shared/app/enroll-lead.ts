import { now } from '#adapters/clock';
import { logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { exitedEntry, timelineEntry } from '#app/nurture-timeline';
import type { SequenceConfig } from '#config/sequences';
import { settings } from '#config/settings';
import { isoAt } from '#domain/lead/events';
import { type Lead, marketingAllowed } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import {
  candidatesFor,
  type EnrollmentCandidate,
  type EnrollmentSignal,
  earlierTriggersAfter,
  exitMetAtStart,
  ranForOpenHandoff,
  runsEndedBy,
  startedEarlierRun,
  turnedHot,
} from '#domain/nurture/enrollment';
import { type ExitReason, firstDueAt, newEnrollment, shouldEnroll } from '#domain/nurture/sequences';
import { endEnrollmentUpdate, getEnrollment, listEnrollments, startEnrollment } from '#store/enrollments';
import { getLead, putTimelineEntry, writeLead } from '#store/leads';
import { CONFLICT, retryOnConflict } from '#store/retry';

export { TEMPERATURES } from '#domain/lead/types';
export type { EnrollmentSignal } from '#domain/nurture/enrollment';

/**
 * Enrollment from bus events (`Lead Captured`, `Lead Temperature Changed`, `Lead Recycled`): the lead enters
 * every sequence the event starts, honouring each sequence's re-entry policy.
 */

export type EnrollOutcome =
  | 'enrolled'
  /** A run this signal ended (the lead turned hot). */
  | 'exited'
  | 'duplicate'
  | 'not_eligible'
  /** The lead already meets one of the sequence's exits (a customer gone cold, a lead with sales): no run. */
  | 'meets_exit'
  | 'not_allowed'
  | 'lead_not_found'
  | 'unknown_sequence';

export type EnrollResult = { sequenceId: string; outcome: EnrollOutcome }[];

/** What the nurture-enroll handler parsed: a signal (none for a capture without a form), or a drop. */
export type EnrollRequest =
  | { detailType: string; signal: EnrollmentSignal | undefined }
  | { detailType: string; ignoredEventId: string | undefined };

/** The nurture-enroll entry: enroll on a parsed signal (logged), log and drop an event that did not parse. */
export async function enrollLead(request: EnrollRequest): Promise<EnrollResult> {
  if (!('signal' in request)) {
    logger.warn('nurture-enroll: event ignored', {
      detailType: request.detailType,
      id: request.ignoredEventId,
    });
    return [];
  }
  // A lead captured without a form (import, API) starts no form sequences.
  if (!request.signal) return [];
  const results = await enrollFromSignal(request.signal, now());
  logger.info('nurture-enroll', { detailType: request.detailType, leadId: request.signal.leadId, results });
  return results;
}

/**
 * Apply a bus signal to the lead it names: first end the runs it ends (a lead that turned hot, `endRunsOn`),
 * then enroll the lead into every sequence it starts. Idempotent: the run's item remembers the
 * triggering event id and those of the runs before it (the last `REMEMBERED_TRIGGERS`), and the write is
 * conditioned on the run it replaces (or on there being none), so a redelivered or concurrent event enrolls
 * at most once, also when it comes back after newer events restarted the sequence. A lead who can never get
 * marketing mail (unsubscribed, suppressed, no consent) is not enrolled; one whose double opt-in is pending
 * is, and the first step waits for the confirmation.
 */
async function enrollFromSignal(signal: EnrollmentSignal, at: EpochMs): Promise<EnrollResult> {
  const ended = await endRunsOn(signal, at);
  return [...ended, ...(await enrollCandidates(signal, at))];
}

async function enrollCandidates(signal: EnrollmentSignal, at: EpochMs): Promise<EnrollResult> {
  const candidates = candidatesFor(signal, settings);
  if (candidates.length === 0) {
    return signal.kind === 'recycled' ? [{ sequenceId: signal.sequenceId, outcome: 'unknown_sequence' }] : [];
  }
  const lead = await getLead(signal.leadId);
  if (!lead) return candidates.map((c) => ({ sequenceId: c.sequence.id, outcome: 'lead_not_found' }));
  const allowed = marketingAllowed(lead.profile);
  if (!allowed.ok && allowed.reason !== 'not_confirmed') {
    return candidates.map((c) => ({ sequenceId: c.sequence.id, outcome: 'not_allowed' }));
  }
  const results: EnrollResult = [];
  for (const candidate of candidates) {
    results.push({
      sequenceId: candidate.sequence.id,
      outcome: await enrollOne(lead, candidate, signal.eventId, at),
    });
  }
  return results;
}

const BECAME_HOT: ExitReason = 'became_hot';

/**
 * End the runs the signal ends (`runsEndedBy`: a lead that turned hot leaves the sequences that exit on
 * `became_hot`): each run off the due index with its `sequence_exited` line, in one transaction conditioned
 * on each run still being the active one, so a sweeper or a newer run that got there first is re-read.
 */
async function endRunsOn(signal: EnrollmentSignal, at: EpochMs): Promise<EnrollResult> {
  if (!turnedHot(signal)) return [];
  const { leadId } = signal;
  return retryOnConflict(`end runs of ${leadId} on ${signal.eventId}`, async () => {
    const runs = runsEndedBy(signal, await listEnrollments(leadId), settings.sequences);
    if (runs.length === 0) return [];
    const saved = await writeLead(
      {},
      {
        leadId,
        timeline: runs.map((r) => exitedEntry(r.sequenceId, r.run, BECAME_HOT, at)),
        extra: runs.map((r) => endEnrollmentUpdate(leadId, r.sequenceId, BECAME_HOT, at, r.run)),
        at,
      },
    );
    if (saved !== 'saved') return CONFLICT;
    return runs.map((r) => ({ sequenceId: r.sequenceId, outcome: 'exited' as const }));
  });
}

async function enrollOne(
  lead: Lead,
  candidate: EnrollmentCandidate<SequenceConfig>,
  eventId: string,
  at: EpochMs,
): Promise<EnrollOutcome> {
  const { sequence } = candidate;
  const leadId = lead.profile.leadId;
  const outcome = await retryOnConflict(`enroll ${leadId} in ${sequence.id}`, async () => {
    const existing = await getEnrollment(leadId, sequence.id);
    if (existing?.triggerEventId === eventId) {
      // This event started the run already. If that invocation stopped before the run's timeline line, put it
      // now, dated now (only where it is missing: the line first written stays as it was).
      const firstStep = firstStepAt(sequence, existing.enrolledAt, lead);
      const line = enrolledLine(sequence.id, existing.run, existing.trigger, at, firstStep);
      await putTimelineEntry(leadId, line, { ifAbsent: true });
      return 'duplicate' as const;
    }
    // An event that started an earlier run, delivered again after newer triggers (a retried invocation, a
    // redriven dead letter): its run happened; another would mail its first step again.
    if (startedEarlierRun(existing, eventId)) return 'duplicate' as const;
    if (!shouldEnroll(candidate.policy, candidate.trigger, existing)) return 'not_eligible' as const;
    // An inquiry posted again while sales has the lead: its follow-up went to this hand-off already.
    if (candidate.oncePerHandoff && ranForOpenHandoff(existing, lead.state.handoff))
      return 'not_eligible' as const;
    const enrolledAt = candidate.startAt ?? at;
    if (exitMetAtStart(sequence, lead, enrolledAt, at)) return 'meets_exit' as const;
    const run = (existing?.run ?? 0) + 1;
    const dueAt = firstStepAt(sequence, enrolledAt, lead);
    const earlierTriggers = earlierTriggersAfter(existing);
    const record = {
      ...newEnrollment(sequence.id, enrolledAt),
      createdAt: at,
      leadId,
      run,
      triggerEventId: eventId,
      ...(earlierTriggers ? { earlierTriggers } : {}),
      trigger: candidate.trigger.kind,
    };
    const line = enrolledLine(sequence.id, run, candidate.trigger.kind, at, dueAt);
    // Another trigger enrolled meanwhile: decide again on what is there now.
    const result = await startEnrollment(record, dueAt, existing?.run, line);
    return result === 'saved' ? ('enrolled' as const) : CONFLICT;
  });
  if (outcome === 'enrolled') countMetric('SequenceEnrolled', { sequenceId: sequence.id });
  return outcome;
}

/** When a run started at `enrolledAt` sends its first step (the sequence's delay, send window, holidays). */
const firstStepAt = (sequence: SequenceConfig, enrolledAt: EpochMs, lead: Lead): EpochMs =>
  firstDueAt(sequence, enrolledAt, settings.nurtureSettings, lead.profile.timeZone, lead.profile.leadId) ??
  enrolledAt;

/** The run's `sequence_enrolled` timeline line, dated `at` (its id is the run's: one line per run). */
const enrolledLine = (sequenceId: string, run: number, trigger: string, at: EpochMs, firstStep: EpochMs) =>
  timelineEntry(`nurture:${sequenceId}:${run}:enrolled`, 'sequence_enrolled', at, {
    sequenceId,
    run,
    trigger,
    firstStepAt: isoAt(firstStep),
  });
