import { createHash } from 'node:crypto';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb, isConditionalCheckFailure, tableName } from '#adapters/dynamodb';
import { dueAttributes, keys, PREFIX } from '#adapters/keys';
import {
  backoff,
  getLead,
  type StoredTimelineEntry,
  type TransactItem,
  writeLead,
} from '#adapters/lead-store';
import { errorFields, logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { MailRejectedError, suppressInAccount } from '#adapters/ses';
import { type ClaimedTimer, completeTimerUpdate } from '#adapters/timers';
import type { SequenceConfig } from '#config/sequences';
import { formById, sequenceById, settings } from '#config/settings';
import { civilDateKey, localParts } from '#domain/calendar';
import { buildDomainEvent, type UnsubscribeMethod } from '#domain/events';
import {
  type Lead,
  type LeadProfile,
  type LeadState,
  type MarketingStatus,
  marketingAllowed,
  recentSendsAt,
  type SuppressionReason,
} from '#domain/lead';
import {
  applyDecision,
  type EnrollmentState,
  type EnrollmentTrigger,
  firstDueAt,
  type LeadSnapshot,
  newEnrollment,
  nextDueAt,
  planStep,
  type StepDecision,
  shouldEnroll,
} from '#domain/sequences';
import { CONFIRM_TOKEN_TTL_MS } from '#domain/tokens';
import type { EpochMs, Temperature } from '#domain/types';
import { recordActivity } from '#services/activity';
import { unsubscribeUrl } from '#services/links';
import { sendTemplate } from '#services/mail';

/**
 * Step-email sequences end to end, between the pure planner (`#domain/sequences`) and the handlers:
 * - enrollment from bus events (`enrollFromTrigger`), honouring each sequence's re-entry policy;
 * - running one due step for the sweeper (`runDueStep`): plan, then wait / skip / exit / send at most once;
 * - unsubscribe, suppression and transient-bounce counting, each ending the lead's sequences in the same
 *   transaction that changes the profile (and, for an unsubscribe, puts `Lead Unsubscribed` in the outbox);
 * - SES engagement (opens, clicks) scored as behaviour and remembered on the enrollment for step conditions;
 * - e-mail KPI counters (one item per counter and day, `ADD`), so a report costs the same at any volume.
 *
 * The enrollment item (`keys.enrollment(leadId, sequenceId)`) is also the step's timer: while a step is
 * pending it carries the due-index attributes with timer kind `step`.
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

const entry = (
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

const iso = (at: EpochMs): string => new Date(at).toISOString();

/** The enrollment's own attributes to SET when its timer completes (never an undefined value). */
const enrollmentSet = (
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

const stripUndefined = <T extends object>(value: T): T =>
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
      if (!(await stillClaimed(timer))) return 'claim_lost';
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

const stillClaimed = async (timer: ClaimedTimer): Promise<boolean> => {
  const result = await dynamodb.send(
    new GetCommand({
      TableName: tableName,
      Key: { pk: timer.pk, sk: timer.sk },
      ConsistentRead: true,
      ProjectionExpression: 'claimId',
    }),
  );
  return result.Item?.claimId === timer.claimId;
};

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
  for (let attempt = 1; saved === 'conflict' && attempt <= 3 && (await stillClaimed(timer)); attempt++) {
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

// ------------------------------------------------------------------------------------------------------
// Unsubscribe, suppression, bounces

/** Ends a run now (exit reason given), off the due index; any sweeper's claim on it is void. */
const endEnrollmentUpdate = (
  leadId: string,
  sequenceId: string,
  reason: string,
  now: EpochMs,
): TransactItem => ({
  Update: {
    TableName: tableName,
    Key: keys.enrollment(leadId, sequenceId),
    UpdateExpression:
      'SET #status = :exited, exitReason = :reason, endedAt = :now, lastOutcome = :outcome REMOVE dueShard, dueAt, claimId, claimedAt',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':exited': 'exited',
      ':reason': reason,
      ':now': now,
      ':outcome': { kind: 'exited', at: now, reason },
    },
  },
});

const IDEMPOTENCY_RETENTION_S = 30 * 86_400;

const idempotencyPut = (scope: string, id: string, now: EpochMs): TransactItem => ({
  Put: {
    TableName: tableName,
    Item: {
      ...keys.idempotency(scope, id),
      at: now,
      expiresAt: Math.floor(now / 1000) + IDEMPOTENCY_RETENTION_S,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

const idempotencySeen = async (scope: string, id: string): Promise<boolean> => {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.idempotency(scope, id), ConsistentRead: true }),
  );
  return result.Item !== undefined;
};

interface MarketingChange {
  marketing: MarketingStatus;
  /** End every active enrollment with this exit reason. */
  endSequences?: string;
  timeline: StoredTimelineEntry[];
  unsubscribedHow?: UnsubscribeMethod;
}

/**
 * Change a lead's marketing status: the profile (version-checked), the timeline line, the end of its
 * active sequences and the `Lead Unsubscribed` event, all in one transaction, re-decided on conflict.
 * With an idempotency key, a redelivered SES event is recognised and changes nothing.
 */
const changeMarketing = async <R extends string>(
  leadId: string,
  now: EpochMs,
  decide: (profile: LeadProfile) => { change: MarketingChange | null; result: R },
  idempotency?: { scope: string; id: string },
): Promise<R | 'not_found' | 'duplicate'> => {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const lead = await getLead(leadId);
    if (!lead) return 'not_found';
    if (idempotency && (await idempotencySeen(idempotency.scope, idempotency.id))) return 'duplicate';
    const { change, result } = decide(lead.profile);
    if (!change) return result;
    const version = lead.profile.version + 1;
    const extra: TransactItem[] = [];
    if (change.endSequences) {
      const reason = change.endSequences;
      for (const enrollment of await listEnrollments(leadId)) {
        if (enrollment.status === 'active')
          extra.push(endEnrollmentUpdate(leadId, enrollment.sequenceId, reason, now));
      }
    }
    if (idempotency) extra.push(idempotencyPut(idempotency.scope, idempotency.id, now));
    const events = change.unsubscribedHow
      ? [
          buildDomainEvent('Lead Unsubscribed', {
            eventId: `${leadId}:unsubscribed:${version}`,
            version: 1,
            occurredAt: iso(now),
            leadId,
            how: change.unsubscribedHow,
          }),
        ]
      : [];
    const saved = await writeLead(
      { profile: lead.profile.version },
      {
        profile: { ...lead.profile, marketing: change.marketing, updatedAt: now, version },
        timeline: change.timeline,
        events,
        extra,
        at: now,
      },
    );
    if (saved === 'saved') return result;
    await backoff(attempt);
  }
  throw new Error(`lead ${leadId} is too busy to change its marketing status`);
};

/**
 * Opt the lead out of marketing mail, effective at once: the profile says so, every active sequence ends
 * (exit reason `unsubscribed`, off the due index) and `Lead Unsubscribed` goes to the outbox, in one
 * transaction. Idempotent: a second click changes nothing. Transactional mail is not affected.
 */
export const unsubscribeLead = async (
  leadId: string,
  how: UnsubscribeMethod,
  now: EpochMs,
): Promise<'unsubscribed' | 'already' | 'not_found'> => {
  const result = await changeMarketing(leadId, now, (profile) => {
    if (profile.marketing.unsubscribedAt !== undefined) return { change: null, result: 'already' as const };
    return {
      change: {
        marketing: { ...profile.marketing, unsubscribedAt: now, unsubscribeMethod: how },
        endSequences: 'unsubscribed',
        unsubscribedHow: how,
        timeline: [entry(`marketing:unsubscribed:${profile.version + 1}`, 'unsubscribed', now, { how })],
      },
      result: 'unsubscribed' as const,
    };
  });
  if (result === 'duplicate') return 'already';
  if (result === 'unsubscribed') {
    await countEmail('unsubscribed', now);
    countMetric('Unsubscribed', { how });
  }
  return result;
};

/**
 * Suppress the lead's address (hard bounce, complaint): no marketing mail again and every sequence ends.
 * A complaint is also an unsubscribe (`Lead Unsubscribed`, how `complaint`). `eventKey` is the SES event's
 * identity: the same event delivered twice changes nothing.
 */
export const suppressLead = async (
  leadId: string,
  reason: Extract<SuppressionReason, 'bounce' | 'complaint'>,
  eventKey: string,
  now: EpochMs,
): Promise<'suppressed' | 'already' | 'not_found' | 'duplicate'> =>
  changeMarketing(
    leadId,
    now,
    (profile) => {
      const m = profile.marketing;
      const unsubscribe = reason === 'complaint' && m.unsubscribedAt === undefined;
      if (m.suppressedAt !== undefined && !unsubscribe) return { change: null, result: 'already' as const };
      const marketing: MarketingStatus = {
        ...m,
        ...(m.suppressedAt === undefined ? { suppressedAt: now, suppressionReason: reason } : {}),
        ...(unsubscribe ? { unsubscribedAt: now, unsubscribeMethod: 'complaint' } : {}),
      };
      return {
        change: {
          marketing,
          endSequences: unsubscribe ? 'unsubscribed' : 'suppressed',
          ...(unsubscribe ? { unsubscribedHow: 'complaint' as const } : {}),
          timeline: [
            entry(`marketing:suppressed:${profile.version + 1}`, 'email_suppressed', now, { reason }),
          ],
        },
        result: 'suppressed' as const,
      };
    },
    { scope: 'ses', id: eventKey },
  );

/**
 * A soft bounce: counted on the profile; at `transientBounceLimit` in a row (no delivery between) the
 * address is suppressed and its sequences end.
 */
export const recordTransientBounce = async (
  leadId: string,
  eventKey: string,
  now: EpochMs,
): Promise<'counted' | 'suppressed' | 'already' | 'not_found' | 'duplicate'> =>
  changeMarketing(
    leadId,
    now,
    (profile) => {
      const m = profile.marketing;
      if (m.suppressedAt !== undefined) return { change: null, result: 'already' as const };
      const count = (m.transientBounces ?? 0) + 1;
      const limit = settings.nurtureSettings.transientBounceLimit;
      if (count < limit) {
        return {
          change: {
            marketing: { ...m, transientBounces: count },
            timeline: [
              entry(`marketing:soft-bounce:${profile.version + 1}`, 'email_soft_bounce', now, {
                count,
                limit,
              }),
            ],
          },
          result: 'counted' as const,
        };
      }
      return {
        change: {
          marketing: {
            ...m,
            transientBounces: count,
            suppressedAt: now,
            suppressionReason: 'transient_bounces',
          },
          endSequences: 'suppressed',
          timeline: [
            entry(`marketing:suppressed:${profile.version + 1}`, 'email_suppressed', now, {
              reason: 'transient_bounces',
              count,
            }),
          ],
        },
        result: 'suppressed' as const,
      };
    },
    { scope: 'ses', id: eventKey },
  );

/** A delivery ends a run of soft bounces (only written when there was one). */
export const recordDelivery = async (
  leadId: string,
  now: EpochMs,
): Promise<'reset' | 'unchanged' | 'not_found'> => {
  const result = await changeMarketing(leadId, now, (profile) =>
    (profile.marketing.transientBounces ?? 0) > 0
      ? {
          change: { marketing: { ...profile.marketing, transientBounces: 0 }, timeline: [] },
          result: 'reset' as const,
        }
      : { change: null, result: 'unchanged' as const },
  );
  return result === 'duplicate' ? 'unchanged' : result;
};

// ------------------------------------------------------------------------------------------------------
// SES engagement

/** An SES engagement event as the email-events handler parsed it from EventBridge. */
export interface SesEngagement {
  kind: 'delivery' | 'bounce' | 'complaint' | 'open' | 'click';
  messageId: string;
  occurredAt: EpochMs;
  /** From the mail's tags (`lead`, `sequence`, `step`); the lead falls back to the recipient address. */
  leadId?: string;
  recipients: string[];
  sequenceId?: string;
  stepId?: string;
  bounceType?: string;
  feedbackId?: string;
  link?: string;
}

export type EngagementResult =
  | 'applied'
  | 'duplicate'
  | 'suppressed'
  | 'counted'
  | 'ignored'
  | 'lead_not_found'
  | 'already';

/** A click's event id names its link; a long link is hashed so the timeline key stays small. */
const linkKey = (link: string): string =>
  link.length <= 200 ? link : `sha256:${createHash('sha256').update(link).digest('base64url')}`;

/**
 * One SES engagement event for one lead. Hard bounces and complaints suppress (complaint = unsubscribe
 * too), soft bounces count up to the limit, deliveries reset that count, opens and clicks are scored once
 * per message (and link) and remembered on the enrollment for `previous_not_opened/clicked` conditions.
 * A click on our own unsubscribe link is not engagement.
 */
export const handleEngagement = async (
  event: SesEngagement,
  leadId: string,
  now: EpochMs,
): Promise<EngagementResult> => {
  switch (event.kind) {
    case 'delivery': {
      const result = await recordDelivery(leadId, now);
      if (result === 'not_found') return 'lead_not_found';
      await countEmail('delivered', now, event.sequenceId);
      return 'applied';
    }
    case 'bounce': {
      const key = `${event.messageId}:bounce:${event.feedbackId ?? 'none'}`;
      if (event.bounceType === 'Permanent') {
        if (settings.nurtureSettings.suppressInSesAccountList) {
          // Before our own write: a failure here is retried by EventBridge, ours then is the duplicate guard.
          for (const recipient of event.recipients) await suppressInAccount(recipient, 'BOUNCE');
        }
        const result = await suppressLead(leadId, 'bounce', key, now);
        if (result === 'not_found') return 'lead_not_found';
        if (result !== 'duplicate') await countEmail('bounced', now, event.sequenceId);
        return result === 'suppressed' ? 'suppressed' : result;
      }
      const result = await recordTransientBounce(leadId, key, now);
      if (result === 'not_found') return 'lead_not_found';
      if (result !== 'duplicate') await countEmail('bounced', now, event.sequenceId);
      return result;
    }
    case 'complaint': {
      if (settings.nurtureSettings.suppressInSesAccountList) {
        for (const recipient of event.recipients) await suppressInAccount(recipient, 'COMPLAINT');
      }
      const result = await suppressLead(leadId, 'complaint', `${event.messageId}:complaint`, now);
      if (result === 'not_found') return 'lead_not_found';
      if (result !== 'duplicate') await countEmail('complained', now, event.sequenceId);
      return result === 'suppressed' ? 'suppressed' : result;
    }
    case 'open':
    case 'click': {
      if (event.kind === 'click' && event.link && isUnsubscribeLink(event.link)) return 'ignored';
      const type = event.kind === 'open' ? 'email_open' : 'email_click';
      const eventId =
        event.kind === 'open'
          ? `ses:${event.messageId}:open`
          : `ses:${event.messageId}:click:${linkKey(event.link ?? '')}`;
      const properties: Record<string, string> = { messageId: event.messageId };
      if (event.sequenceId) properties.sequenceId = event.sequenceId;
      if (event.stepId) properties.stepId = event.stepId;
      const result = await recordActivity(
        leadId,
        {
          eventId,
          type,
          occurredAt: Math.min(event.occurredAt, now),
          ...(event.link ? { url: event.link.slice(0, 2000) } : {}),
          properties,
        },
        now,
      );
      if (result === 'not_found') return 'lead_not_found';
      if (event.sequenceId) {
        await rememberEngagement(
          leadId,
          event.sequenceId,
          event.kind === 'open' ? 'opened' : 'clicked',
          event.messageId,
        );
      }
      if (result === 'applied')
        await countEmail(event.kind === 'open' ? 'opened' : 'clicked', now, event.sequenceId);
      return result === 'applied' ? 'applied' : 'duplicate';
    }
  }
};

const isUnsubscribeLink = (link: string): boolean => {
  try {
    return new URL(link).pathname === '/v1/unsubscribe';
  } catch {
    return false;
  }
};

/** Add the message id to the enrollment's opened/clicked set (a set: a replay adds nothing). */
const rememberEngagement = async (
  leadId: string,
  sequenceId: string,
  kind: 'opened' | 'clicked',
  messageId: string,
): Promise<void> => {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.enrollment(leadId, sequenceId),
        UpdateExpression: 'ADD #kind :ids',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#kind': kind },
        ExpressionAttributeValues: { ':ids': new Set([messageId]) },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
  }
};

// ------------------------------------------------------------------------------------------------------
// KPI counters

export const EMAIL_KPIS = [
  'sent',
  'delivered',
  'bounced',
  'opened',
  'clicked',
  'unsubscribed',
  'complained',
] as const;
export type EmailKpi = (typeof EMAIL_KPIS)[number];

/** The counter period: the calendar day in the app's time zone (YYYY-MM-DD). */
export const kpiDay = (at: EpochMs): string => civilDateKey(localParts(at, settings.app.timeZone));

/** Counter item names: `email_sent`, and per sequence `email_sent#whitepaper-nurture`. */
export const kpiCounterName = (kpi: EmailKpi, sequenceId?: string): string =>
  sequenceId ? `email_${kpi}#${sequenceId}` : `email_${kpi}`;

/** Add one to the day's counter (and the sequence's). A lost increment on a crash is accepted. */
export const countEmail = async (kpi: EmailKpi, at: EpochMs, sequenceId?: string): Promise<void> => {
  const names = [kpiCounterName(kpi), ...(sequenceId ? [kpiCounterName(kpi, sequenceId)] : [])];
  await Promise.all(
    names.map((name) =>
      dynamodb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.counter(name, kpiDay(at)),
          UpdateExpression: 'ADD #count :one',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      ),
    ),
  ).catch((error: unknown) => {
    // A report off by one beats a retried event that would send or suppress twice.
    logger.warn('counter not updated', { kpi, ...errorFields(error) });
  });
};

/** Read a day's counter (reports, tests). */
export const readCounter = async (name: string, day: string): Promise<number> => {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.counter(name, day), ConsistentRead: true }),
  );
  return typeof result.Item?.count === 'number' ? result.Item.count : 0;
};
