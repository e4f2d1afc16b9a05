import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { countMetric } from '#adapters/metrics';
import type { SequenceConfig } from '#config/sequences';
import { formById, sequenceById, settings } from '#config/settings';
import { type Lead, marketingAllowed } from '#domain/lead/lead';
import type { EpochMs, Temperature } from '#domain/lead/types';
import {
  type EnrollmentState,
  type EnrollmentTrigger,
  firstDueAt,
  newEnrollment,
  shouldEnroll,
} from '#domain/nurture/sequences';
import { dynamodb, tableName } from '#store/dynamodb';
import { dueAttributes, keys, PREFIX } from '#store/keys';
import { backoff, getLead, type StoredTimelineEntry, type TransactItem, writeLead } from '#store/leads';

/**
 * Sequence enrollments: the enrollment item (`keys.enrollment(leadId, sequenceId)`), which is also the
 * step's timer on the due index (timer kind `step`) while a step is pending, and enrollment from bus events
 * (`Lead Captured`, `Lead Temperature Changed`, `Lead Recycled`) honouring each sequence's re-entry policy.
 */

// ------------------------------------------------------------------------------------------------------
// Enrollment items

export const STEP_TIMER_KIND = 'step';

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
  trigger: EnrollmentTrigger['kind'];
  /** SES message ids of this run's mails the lead opened / clicked (step conditions read them). */
  opened?: Set<string>;
  clicked?: Set<string>;
  lastOutcome?: StepOutcomeRecord;
  endedAt?: EpochMs;
}

const TIMER_ATTRIBUTES = ['pk', 'sk', 'dueShard', 'dueAt', 'timerKind', 'claimId', 'claimedAt'];

export const enrollmentFromItem = (item: Record<string, unknown>): EnrollmentRecord => {
  const copy = { ...item };
  for (const attribute of TIMER_ATTRIBUTES) delete copy[attribute];
  return copy as unknown as EnrollmentRecord;
};

export const getEnrollment = async (
  leadId: string,
  sequenceId: string,
): Promise<EnrollmentRecord | undefined> => {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.enrollment(leadId, sequenceId), ConsistentRead: true }),
  );
  return result.Item ? enrollmentFromItem(result.Item) : undefined;
};

/** Every enrollment of a lead (a handful: one item per sequence). */
export const listEnrollments = async (leadId: string): Promise<EnrollmentRecord[]> => {
  const out: EnrollmentRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.profile(leadId).pk, ':prefix': PREFIX.enrollment },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) out.push(enrollmentFromItem(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return out;
};

/** The tag SES carries back on engagement events: which run of which sequence a mail belongs to. */
export const enrollmentTag = (sequenceId: string, run: number): string => `${sequenceId}.${run}`;

export const entry = (
  eventId: string,
  type: string,
  at: EpochMs,
  properties: Record<string, string | number | boolean | undefined>,
): StoredTimelineEntry => ({
  eventId,
  type,
  occurredAt: at,
  points: 0,
  rule: null,
  properties: Object.fromEntries(
    Object.entries(properties).filter((p): p is [string, string | number | boolean] => p[1] !== undefined),
  ),
  baseVersion: 0,
  recordedAt: at,
});

export const iso = (at: EpochMs): string => new Date(at).toISOString();

/** The enrollment's own attributes to SET when its timer completes (never an undefined value). */
export const enrollmentSet = (
  next: EnrollmentState,
  outcome: StepOutcomeRecord,
  endedAt?: EpochMs,
): Record<string, unknown> => {
  const set: Record<string, unknown> = {
    stepIndex: next.stepIndex,
    history: next.history,
    status: next.status,
    lastOutcome: stripUndefined(outcome),
  };
  if (next.lastStepAt !== undefined) set.lastStepAt = next.lastStepAt;
  if (next.exitReason !== undefined) set.exitReason = next.exitReason;
  if (endedAt !== undefined) set.endedAt = endedAt;
  return set;
};

export const stripUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

// ------------------------------------------------------------------------------------------------------
// Enrollment from bus events

/** A bus event that may start sequences, as the nurture-enroll handler parsed it. */
export type EnrollmentSignal =
  | { kind: 'captured'; eventId: string; leadId: string; formId: string }
  | { kind: 'temperature'; eventId: string; leadId: string; to: Temperature }
  | { kind: 'recycled'; eventId: string; leadId: string; sequenceId: string; nurtureAt: EpochMs };

export type EnrollOutcome =
  | 'enrolled'
  | 'duplicate'
  | 'not_eligible'
  | 'not_allowed'
  | 'lead_not_found'
  | 'unknown_sequence';

interface Candidate {
  sequence: SequenceConfig;
  /** The sequence as the re-entry policy sees it (its entry made to match when a form lists it). */
  policy: Pick<SequenceConfig, 'entry' | 'reentry'>;
  trigger: EnrollmentTrigger;
  /** When the run starts (a recycled lead re-enters nurture later); default now. */
  startAt?: EpochMs;
}

/**
 * The sequences a signal may start. A form post starts the form's `sequenceIds` and every sequence whose
 * entry names the form; a temperature change the sequences entered at that temperature; a recycle the
 * sequence named in the event (hand-off config's recycle sequence), starting at `nurtureAt`.
 */
export const candidatesFor = (signal: EnrollmentSignal): Candidate[] => {
  switch (signal.kind) {
    case 'captured': {
      const listed = formById(signal.formId)?.sequenceIds ?? [];
      const trigger: EnrollmentTrigger = { kind: 'form', formId: signal.formId };
      return settings.sequences
        .filter(
          (q) =>
            listed.includes(q.id) || (q.entry.kind === 'form' && q.entry.formIds.includes(signal.formId)),
        )
        .map((sequence) => ({
          sequence,
          policy: { reentry: sequence.reentry, entry: { kind: 'form', formIds: [signal.formId] } },
          trigger,
        }));
    }
    case 'temperature': {
      const trigger: EnrollmentTrigger = { kind: 'temperature', temperature: signal.to };
      return settings.sequences
        .filter((q) => q.entry.kind === 'temperature' && q.entry.temperatures.includes(signal.to))
        .map((sequence) => ({ sequence, policy: sequence, trigger }));
    }
    case 'recycled': {
      const sequence = sequenceById(signal.sequenceId);
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
};

/**
 * Enroll the lead a signal names into every sequence it starts. Idempotent: the run's item remembers the
 * triggering event id, and the write is conditioned on the run it replaces (or on there being none), so a
 * redelivered or concurrent event enrolls at most once. A lead who can never get marketing mail
 * (unsubscribed, suppressed, no consent) is not enrolled; one whose double opt-in is pending is, and the
 * first step waits for the confirmation.
 */
export const enrollFromSignal = async (
  signal: EnrollmentSignal,
  now: EpochMs,
): Promise<{ sequenceId: string; outcome: EnrollOutcome }[]> => {
  const candidates = candidatesFor(signal);
  if (candidates.length === 0) {
    return signal.kind === 'recycled' ? [{ sequenceId: signal.sequenceId, outcome: 'unknown_sequence' }] : [];
  }
  const lead = await getLead(signal.leadId);
  if (!lead) return candidates.map((c) => ({ sequenceId: c.sequence.id, outcome: 'lead_not_found' }));
  const allowed = marketingAllowed(lead.profile);
  if (!allowed.ok && allowed.reason !== 'not_confirmed') {
    return candidates.map((c) => ({ sequenceId: c.sequence.id, outcome: 'not_allowed' }));
  }
  const results: { sequenceId: string; outcome: EnrollOutcome }[] = [];
  for (const candidate of candidates) {
    results.push({
      sequenceId: candidate.sequence.id,
      outcome: await enrollOne(lead, candidate, signal.eventId, now),
    });
  }
  return results;
};

const enrollOne = async (
  lead: Lead,
  candidate: Candidate,
  eventId: string,
  now: EpochMs,
): Promise<EnrollOutcome> => {
  const { sequence } = candidate;
  const leadId = lead.profile.leadId;
  const key = keys.enrollment(leadId, sequence.id);
  for (let attempt = 1; attempt <= 5; attempt++) {
    const existing = await getEnrollment(leadId, sequence.id);
    if (existing?.triggerEventId === eventId) return 'duplicate';
    if (!shouldEnroll(candidate.policy, candidate.trigger, existing)) return 'not_eligible';
    const run = (existing?.run ?? 0) + 1;
    const enrolledAt = candidate.startAt ?? now;
    const dueAt =
      firstDueAt(sequence, enrolledAt, settings.nurtureSettings, lead.profile.timeZone) ?? enrolledAt;
    const item = {
      ...key,
      ...dueAttributes(key.pk, key.sk, dueAt, STEP_TIMER_KIND),
      ...newEnrollment(sequence.id, enrolledAt),
      leadId,
      run,
      triggerEventId: eventId,
      trigger: candidate.trigger.kind,
    };
    const put: TransactItem = {
      Put: {
        TableName: tableName,
        Item: item,
        ...(existing
          ? { ConditionExpression: '#run = :run', ExpressionAttributeNames: { '#run': 'run' } }
          : { ConditionExpression: 'attribute_not_exists(pk)' }),
        ...(existing ? { ExpressionAttributeValues: { ':run': existing.run } } : {}),
      },
    };
    const timeline = entry(`nurture:${sequence.id}:${run}:enrolled`, 'sequence_enrolled', now, {
      sequenceId: sequence.id,
      run,
      trigger: candidate.trigger.kind,
      firstStepAt: iso(dueAt),
    });
    const result = await writeLead({}, { leadId, timeline: [timeline], extra: [put], at: now });
    if (result === 'saved') {
      countMetric('SequenceEnrolled', { sequenceId: sequence.id });
      return 'enrolled';
    }
    await backoff(attempt); // another trigger enrolled meanwhile: decide again on what is there now
  }
  throw new Error(`could not enroll ${leadId} in ${sequence.id}: concurrent enrollments`);
};
