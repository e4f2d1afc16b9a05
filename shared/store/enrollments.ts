import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { EpochMs } from '#domain/lead/types';
import type { EnrollmentRecord, StepOutcomeRecord } from '#domain/nurture/enrollment';
import type { EnrollmentState } from '#domain/nurture/sequences';
import { dynamodb, isConditionalCheckFailure, tableName } from '#store/dynamodb';
import { dueAttributes, keys, PREFIX } from '#store/keys';
import type { TransactItem } from '#store/leads';
import { type ClaimedTimer, completeTimerUpdate } from '#store/timers';

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
}

/**
 * Start a run: the item put on the due index at `dueAt`, conditioned on the run it replaces (or on there
 * being none), so two triggers racing to enroll cannot both win.
 */
export function enrollmentPut(
  record: Omit<EnrollmentRecord, 'opened' | 'clicked' | 'lastOutcome' | 'endedAt'>,
  dueAt: EpochMs,
  replacesRun: number | undefined,
): TransactItem {
  const key = keys.enrollment(record.leadId, record.sequenceId);
  return {
    Put: {
      TableName: tableName,
      Item: { ...key, ...dueAttributes(key.pk, key.sk, dueAt, STEP_TIMER_KIND), ...record },
      ...(replacesRun !== undefined
        ? {
            ConditionExpression: '#run = :run',
            ExpressionAttributeNames: { '#run': 'run' },
            ExpressionAttributeValues: { ':run': replacesRun },
          }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    },
  };
}

/** Ends a run now (exit reason given), off the due index; any sweeper's claim on it is void. */
export function endEnrollmentUpdate(
  leadId: string,
  sequenceId: string,
  reason: string,
  now: EpochMs,
): TransactItem {
  return {
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
  };
}

/** Record a send attempt as `uncertain` before SES is called; only the claim holder, at this step, may. */
export function stepAttemptUpdate(
  timer: Pick<ClaimedTimer, 'pk' | 'sk' | 'claimId'>,
  stepIndex: number,
  stepId: string,
  now: EpochMs,
): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: { pk: timer.pk, sk: timer.sk },
      UpdateExpression: 'SET #history = list_append(#history, :attempt), #outcome = :outcome',
      ConditionExpression: 'claimId = :claim AND #stepIndex = :index',
      ExpressionAttributeNames: {
        '#history': 'history',
        '#outcome': 'lastOutcome',
        '#stepIndex': 'stepIndex',
      },
      ExpressionAttributeValues: {
        ':attempt': [{ stepId, outcome: 'uncertain', at: now }],
        ':outcome': { kind: 'attempting', at: now, stepId },
        ':claim': timer.claimId,
        ':index': stepIndex,
      },
    },
  };
}

/**
 * Complete a step timer's claim: re-arm it at `nextAt` (or clear it with null) and store the outcome, and
 * with `next` the enrollment's progress (never an undefined value). Conditioned on the claim.
 */
export function stepTimerUpdate(
  timer: Pick<ClaimedTimer, 'pk' | 'sk' | 'claimId' | 'timerKind'>,
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
  return { Update: completeTimerUpdate(timer, nextAt, { set }) };
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
