import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LeadState } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import type { EnrollmentRecord, StepOutcomeRecord } from '#domain/nurture/enrollment';
import type { EnrollmentState } from '#domain/nurture/sequences';
import { dynamodb, isConditionalCheckFailure, queryPages, tableName } from '#store/dynamodb';
import { dueAttributes, keys, PREFIX } from '#store/keys';
import { stateItem } from '#store/lead-items';
import { putTimelineEntry, type StoredTimelineEntry, settledState, type TransactItem } from '#store/leads';
import { type DueTimer, timerUpdate } from '#store/timers';

/**
 * Enrollment items (`keys.enrollment(leadId, sequenceId)`): one per lead and sequence, holding the current
 * run. While a step is pending the item is also the step's timer on the due index (timer kind `step`).
 */

export const STEP_TIMER_KIND = 'step';

const TIMER_ATTRIBUTES = ['pk', 'sk', 'dueShard', 'dueAt', 'timerKind', 'claimId', 'claimedAt'];

export function enrollmentFromItem(item: Record<string, unknown>): EnrollmentRecord {
  const copy = { ...item };
  for (const attribute of TIMER_ATTRIBUTES) delete copy[attribute];
  return copy as unknown as EnrollmentRecord;
}

export async function getEnrollment(
  leadId: string,
  sequenceId: string,
): Promise<EnrollmentRecord | undefined> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.enrollment(leadId, sequenceId), ConsistentRead: true }),
  );
  return result.Item ? enrollmentFromItem(result.Item) : undefined;
}

/** Every enrollment of a lead (a handful: one item per sequence). */
export async function listEnrollments(leadId: string): Promise<EnrollmentRecord[]> {
  const out: EnrollmentRecord[] = [];
  for await (const items of queryPages({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.profile(leadId).pk, ':prefix': PREFIX.enrollment },
    ConsistentRead: true,
  }))
    for (const item of items) out.push(enrollmentFromItem(item));
  return out;
}

/**
 * Start a run with two single writes instead of one transaction (1 + 1 write units instead of 2 + 2): the
 * enrollment first, put on the due index at `dueAt` and conditioned on the run it replaces (or on there being
 * none), so of two triggers racing to enroll only one wins and the other decides again; then its timeline line.
 * The put replaces the whole item: `record` carries the triggers the new run remembers (`earlierTriggers`),
 * so they are written by the same conditional write that starts the run.
 * If the process stops between the two, the run stands without its line until the triggering event is
 * delivered again (the failed invocation is retried): the caller finds its run already started and puts the
 * line if it is missing (`putTimelineEntry`, `ifAbsent`).
 */
export async function startEnrollment(
  record: Omit<EnrollmentRecord, 'opened' | 'clicked' | 'lastOutcome' | 'endedAt'>,
  dueAt: EpochMs,
  replacesRun: number | undefined,
  line: StoredTimelineEntry,
): Promise<'saved' | 'conflict'> {
  const key = keys.enrollment(record.leadId, record.sequenceId);
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...key, ...dueAttributes(key.pk, key.sk, dueAt, STEP_TIMER_KIND), ...record },
        ...(replacesRun !== undefined
          ? {
              ConditionExpression: '#run = :run',
              ExpressionAttributeNames: { '#run': 'run' },
              ExpressionAttributeValues: { ':run': replacesRun },
            }
          : { ConditionExpression: 'attribute_not_exists(pk)' }),
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailure(error)) return 'conflict';
    throw error;
  }
  await putTimelineEntry(record.leadId, line);
  return 'saved';
}

/**
 * Ends a run now (exit reason given), off the due index; a sweeper that read it before cannot record over it.
 * With `run`: only that run while it is active (a newer run or an ended one refuses the write).
 */
export function endEnrollmentUpdate(
  leadId: string,
  sequenceId: string,
  reason: string,
  now: EpochMs,
  run?: number,
): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: keys.enrollment(leadId, sequenceId),
      UpdateExpression:
        'SET #status = :exited, exitReason = :reason, endedAt = :now, lastOutcome = :outcome REMOVE dueShard, dueAt, claimId, claimedAt',
      ...(run === undefined ? {} : { ConditionExpression: '#run = :run AND #status = :active' }),
      ExpressionAttributeNames: { '#status': 'status', ...(run === undefined ? {} : { '#run': 'run' }) },
      ExpressionAttributeValues: {
        ':exited': 'exited',
        ':reason': reason,
        ':now': now,
        ':outcome': { kind: 'exited', at: now, reason },
        ...(run === undefined ? {} : { ':run': run, ':active': 'active' }),
      },
    },
  };
}

/**
 * Moves the lead state's version on (`version + 1`, nothing else), so that a step send reserved on a state
 * read before (`reserveStepSend`, conditioned on that version) fails and is planned again on what this
 * transaction wrote: put in a transaction that stops the lead's mail (unsubscribe, suppression). Only while
 * the state exists (an erased lead: the transaction fails and is decided again). Every state write already
 * moves the version by one, so it stays unique per write and every version-conditioned writer simply reads
 * again; the state itself (score, stage, report gauges, pending entries) is untouched.
 */
export function stateVersionFence(leadId: string): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: keys.state(leadId),
      UpdateExpression: 'SET version = version + :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':one': 1 },
    },
  };
}

/**
 * A due step timer as a sweeper found it, with the position it was read at: the enrollment item's `dueAt`
 * (as the due index showed it), run and step index. Every write that completes this round of the timer is
 * conditioned on that position (`stepTimerCondition`), so of racing sweepers only one moves the enrollment
 * on; no claim is written (a claim that moves `dueAt` costs 1 write unit and 2 due-index writes per step).
 */
export interface StepTimer extends DueTimer {
  run: number;
  stepIndex: number;
}

/**
 * Read a due step timer's enrollment (strongly consistent). Undefined when the item is gone or has moved on
 * since the due index listed it (another sweeper recorded the step, or it was re-armed or ended).
 */
export async function readStepTimer(
  timer: DueTimer,
): Promise<{ timer: StepTimer; enrollment: EnrollmentRecord } | undefined> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: { pk: timer.pk, sk: timer.sk }, ConsistentRead: true }),
  );
  const item = result.Item;
  if (!item || item.dueAt !== timer.dueAt) return undefined;
  const enrollment = enrollmentFromItem(item);
  return { timer: { ...timer, run: enrollment.run, stepIndex: enrollment.stepIndex }, enrollment };
}

/** True while the enrollment is still where the sweeper read it (strongly consistent). */
export async function isStepTimerAt(timer: StepTimer): Promise<boolean> {
  const result = await dynamodb.send(
    new GetCommand({
      TableName: tableName,
      Key: { pk: timer.pk, sk: timer.sk },
      ConsistentRead: true,
      ProjectionExpression: 'dueAt, #run, stepIndex',
      ExpressionAttributeNames: { '#run': 'run' },
    }),
  );
  const item = result.Item;
  return item?.dueAt === timer.dueAt && item.run === timer.run && item.stepIndex === timer.stepIndex;
}

/** The enrollment is still where the sweeper read it: same run, same step, same due time. */
function stepTimerCondition(timer: StepTimer) {
  return {
    expression: 'dueAt = :seenDue AND #run = :seenRun AND #seenIndex = :seenIndex',
    names: { '#run': 'run', '#seenIndex': 'stepIndex' },
    values: { ':seenDue': timer.dueAt, ':seenRun': timer.run, ':seenIndex': timer.stepIndex },
  };
}

/**
 * Complete a step timer's round: re-arm it at `nextAt` (or clear it with null) and store the outcome, and
 * with `next` the enrollment's progress (never an undefined value). Conditioned on the position it was read
 * at, so only one writer moves the enrollment on from there.
 */
export function stepTimerUpdate(
  timer: StepTimer,
  nextAt: EpochMs | null,
  change: { outcome: StepOutcomeRecord; next?: EnrollmentState; endedAt?: EpochMs },
): TransactItem {
  const set: Record<string, unknown> = {};
  if (change.next) {
    set.stepIndex = change.next.stepIndex;
    set.history = change.next.history;
    set.status = change.next.status;
  }
  set.lastOutcome = withoutUndefined(change.outcome);
  if (change.next?.lastStepAt !== undefined) set.lastStepAt = change.next.lastStepAt;
  if (change.next?.exitReason !== undefined) set.exitReason = change.next.exitReason;
  if (change.endedAt !== undefined) set.endedAt = change.endedAt;
  return { Update: timerUpdate(timer, nextAt, { set }, stepTimerCondition(timer)) };
}

/** Take a step timer off the due index (its lead is gone), if it is still where it was read. */
export function clearStepTimerUpdate(timer: StepTimer): TransactItem {
  return { Update: timerUpdate(timer, null, undefined, stepTimerCondition(timer)) };
}

/**
 * Reserve a step mail: ONE plain conditional put of the lead's state item (`withStepAttempt`: the send in
 * `recentSends` and the attempt in `stepAttempts`), conditioned on the version read. About 1 write unit while
 * the state item stays under 1 KB, against 4 for a transaction with the enrollment. Only for a state change
 * that nothing counts: the reservation moves no gauge, stage or index attribute, so it needs none of the
 * report items `writeLead` would add. `conflict` when the state changed meanwhile (plan again), or when the
 * SDK retried a put that had committed (its answer lost): the caller tells the two apart with
 * `readStepAttempts` and the attempt's nonce.
 */
export async function reserveStepSend(
  state: LeadState,
  readVersion: number,
  at: EpochMs,
): Promise<'saved' | 'conflict'> {
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: tableName,
        Item: stateItem(settledState(state, state.timelinePending ?? [], [], at)),
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': readVersion },
      }),
    );
    return 'saved';
  } catch (error) {
    if (isConditionalCheckFailure(error)) return 'conflict';
    throw error;
  }
}

/**
 * The lead's step-mail attempts as they are now (strongly consistent: 1 read unit while the state item stays
 * under 4 KB; only that attribute is returned): read after a reservation whose outcome is unknown.
 */
export async function readStepAttempts(leadId: string): Promise<LeadState['stepAttempts']> {
  const result = await dynamodb.send(
    new GetCommand({
      TableName: tableName,
      Key: keys.state(leadId),
      ConsistentRead: true,
      ProjectionExpression: 'stepAttempts',
    }),
  );
  return result.Item?.stepAttempts as LeadState['stepAttempts'];
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Add an SES message id to the enrollment's opened/clicked set (a set: a replay adds nothing). */
export async function addEngagement(
  leadId: string,
  sequenceId: string,
  kind: 'opened' | 'clicked',
  messageId: string,
): Promise<void> {
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
}
