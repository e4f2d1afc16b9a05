import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb, isConditionalCheckFailure, tableName } from '#store/dynamodb';
import { allDueShards, dueAtKey, dueAttributes, dueShardFor, keys, leadIdFromPk } from '#store/keys';
import type { TransactItem } from '#store/leads';
import { INDEXES } from '#store/table-design';

/**
 * Timers on the sparse due index: step emails, SLA deadlines and temperature decay all wait here. The
 * sweeper queries what is due (never scans), claims each timer with a conditional write so concurrent
 * sweepers never run the same one twice, and the processor either re-arms it or clears it.
 */
export interface TimerKey {
  pk: string;
  sk: string;
}

export interface DueTimer extends TimerKey {
  dueAt: string;
  timerKind: string;
}

export interface ClaimedTimer extends DueTimer {
  claimId: string;
  /** The item as it is after the claim. */
  item: Record<string, unknown>;
  /** A previous claim was never completed: a sweeper died while working on this timer. */
  interrupted: boolean;
}

/** How long a claim holds a timer; after that another sweeper may pick it up again. */
export const CLAIM_LEASE_MS = 5 * 60_000;

/** One page of due timers from one shard, oldest first. */
export async function queryDue(
  shard: string,
  now: number,
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<{ timers: DueTimer[]; next?: Record<string, unknown> }> {
  const result = await dynamodb.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: INDEXES.due.name,
      KeyConditionExpression: 'dueShard = :shard AND dueAt <= :now',
      ExpressionAttributeValues: { ':shard': shard, ':now': dueAtKey(now) },
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return {
    timers: (result.Items ?? []).map((i) => ({
      pk: String(i.pk),
      sk: String(i.sk),
      dueAt: String(i.dueAt),
      timerKind: String(i.timerKind),
    })),
    next: result.LastEvaluatedKey,
  };
}

export const dueShards = allDueShards;

/**
 * When the earliest timer on the due index falls due (epoch ms), or undefined when none is armed: one query
 * per shard, oldest first, one item each. The local runtime's clock uses it to sweep when something is due.
 */
export async function nextDueAt(): Promise<number | undefined> {
  const firsts = await Promise.all(
    allDueShards().map(async (shard) => {
      const result = await dynamodb.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEXES.due.name,
          KeyConditionExpression: 'dueShard = :shard',
          ExpressionAttributeValues: { ':shard': shard },
          ProjectionExpression: 'dueAt',
          Limit: 1,
        }),
      );
      const at = result.Items?.[0]?.dueAt;
      return typeof at === 'string' ? Date.parse(at) : undefined;
    }),
  );
  const times = firsts.filter((t): t is number => t !== undefined && Number.isFinite(t));
  return times.length > 0 ? Math.min(...times) : undefined;
}

/**
 * Claim a due timer: only succeeds if it is still due at the time we saw (nobody else claimed or moved it).
 * The claim pushes `dueAt` out by the lease, so if this sweeper dies the timer comes back later, marked
 * `interrupted` so the processor can refuse to repeat a side effect it cannot prove did not happen.
 */
export async function claimTimer(
  timer: DueTimer,
  now: number,
  claimId: string = randomUUID(),
): Promise<ClaimedTimer | undefined> {
  try {
    const result = await dynamodb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: timer.pk, sk: timer.sk },
        UpdateExpression: 'SET dueAt = :lease, claimId = :claim, claimedAt = :now',
        ConditionExpression: 'dueAt = :seen',
        ExpressionAttributeValues: {
          ':lease': dueAtKey(now + CLAIM_LEASE_MS),
          ':claim': claimId,
          ':now': now,
          ':seen': timer.dueAt,
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const old = result.Attributes ?? {};
    return {
      ...timer,
      claimId,
      item: { ...old, claimId, claimedAt: now },
      interrupted: typeof old.claimId === 'string',
    };
  } catch (error) {
    if (isConditionalCheckFailure(error)) return undefined;
    throw error;
  }
}

/**
 * Is this sweeper's claim still the timer's current one? False once another writer re-armed the timer, a
 * later claim took it over, or this claim already completed it: then the caller must not write again.
 */
export async function isStillClaimed(claimed: Pick<ClaimedTimer, 'pk' | 'sk' | 'claimId'>): Promise<boolean> {
  const result = await dynamodb.send(
    new GetCommand({
      TableName: tableName,
      Key: { pk: claimed.pk, sk: claimed.sk },
      ConsistentRead: true,
      ProjectionExpression: 'claimId',
    }),
  );
  return result.Item?.claimId === claimed.claimId;
}

/**
 * The update that completes a claim: re-arm the timer at `nextAt`, or take it off the due index when
 * `nextAt` is null. Conditioned on our claim, so a sweeper whose lease ran out cannot overwrite a newer one.
 * Returned as a transaction entry so processors can write it together with the state change and outbox.
 */
export function completeTimerUpdate(
  claimed: Pick<ClaimedTimer, 'pk' | 'sk' | 'claimId' | 'timerKind'>,
  nextAt: number | null,
  extra?: { set?: Record<string, unknown>; remove?: string[] },
) {
  return timerUpdate(claimed, nextAt, extra, {
    expression: 'claimId = :claim',
    values: { ':claim': claimed.claimId },
  });
}

/**
 * Re-arm a timer at `nextAt` (or take it off the due index with null), with extra attributes set or removed,
 * under `condition` (what makes the write the one that completes this round of the timer). Any claim left on
 * the item is cleared.
 */
export function timerUpdate(
  timer: Pick<DueTimer, 'pk' | 'sk' | 'timerKind'>,
  nextAt: number | null,
  extra: { set?: Record<string, unknown>; remove?: string[] } | undefined,
  condition: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
) {
  const names: Record<string, string> = { ...(condition.names ?? {}) };
  const values: Record<string, unknown> = { ...(condition.values ?? {}) };
  const sets: string[] = [];
  const removes = ['claimId', 'claimedAt', ...(extra?.remove ?? [])];
  Object.entries(extra?.set ?? {}).forEach(([k, v], i) => {
    names[`#s${i}`] = k;
    values[`:s${i}`] = v;
    sets.push(`#s${i} = :s${i}`);
  });
  if (nextAt === null) {
    removes.push('dueShard', 'dueAt');
  } else {
    sets.push('dueShard = :shard', 'dueAt = :due', 'timerKind = :kind');
    values[':shard'] = dueShardFor(timer.pk, timer.sk);
    values[':due'] = dueAtKey(nextAt);
    values[':kind'] = timer.timerKind;
  }
  removes.forEach((attr, i) => {
    names[`#r${i}`] = attr;
  });
  const expression = [
    sets.length ? `SET ${sets.join(', ')}` : '',
    `REMOVE ${removes.map((_, i) => `#r${i}`).join(', ')}`,
  ]
    .filter(Boolean)
    .join(' ');
  return {
    TableName: tableName,
    Key: { pk: timer.pk, sk: timer.sk },
    UpdateExpression: expression,
    ConditionExpression: condition.expression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

export async function completeTimer(
  claimed: Pick<ClaimedTimer, 'pk' | 'sk' | 'claimId' | 'timerKind'>,
  nextAt: number | null,
  extra?: { set?: Record<string, unknown>; remove?: string[] },
): Promise<void> {
  await dynamodb.send(new UpdateCommand(completeTimerUpdate(claimed, nextAt, extra)));
}

/** The lead a claimed timer belongs to: its `leadId` attribute, else the lead partition it lives in. */
export function timerLeadId(timer: Pick<ClaimedTimer, 'pk' | 'item'>): string | undefined {
  return typeof timer.item.leadId === 'string' ? timer.item.leadId : leadIdFromPk(timer.pk);
}

/**
 * Arm the lead's timer of `kind` at `at` (one per lead and kind: a later put re-arms it), carrying `attributes`
 * for its processor; a transaction entry, written with the change that arms it.
 */
function leadTimerPut(
  leadId: string,
  kind: string,
  at: number,
  attributes: Record<string, unknown>,
): TransactItem {
  const key = keys.timer(leadId, kind);
  return {
    Put: {
      TableName: tableName,
      Item: { ...key, leadId, ...attributes, ...dueAttributes(key.pk, key.sk, at, kind) },
    },
  };
}

/** Take the lead's timer of `kind` away. */
const leadTimerDelete = (leadId: string, kind: string): TransactItem => ({
  Delete: { TableName: tableName, Key: keys.timer(leadId, kind) },
});

/** Arm a hand-off's SLA timer at `at` (written in the hand-off's transaction). */
export const slaTimerPut = (leadId: string, handoffNumber: number, at: number): TransactItem =>
  leadTimerPut(leadId, 'sla', at, { handoffNumber });

/** Take a hand-off's SLA timer away (accepted or closed). */
export const slaTimerDelete = (leadId: string): TransactItem => leadTimerDelete(leadId, 'sla');

/** The `follow-up` timer kind: announces a planned next contact when its time comes (#domain/handoff/follow-up). */
export const FOLLOW_UP_TIMER = 'follow-up';

/**
 * Arm the lead's follow-up timer at the planned time (written in the activity's transaction). `plannedAt`
 * names the follow-up it is for: a later plan re-arms the same timer for itself.
 */
export const followUpTimerPut = (leadId: string, at: number, plannedAt: number): TransactItem =>
  leadTimerPut(leadId, FOLLOW_UP_TIMER, at, { plannedAt });

/** Take the lead's follow-up timer away (the contact was made). */
export const followUpTimerDelete = (leadId: string): TransactItem => leadTimerDelete(leadId, FOLLOW_UP_TIMER);

/** The `capture-mail` timer kind: a form's mail that SES did not take, sent again by the sweeper. */
export const CAPTURE_MAIL_TIMER = 'capture-mail';

/** What a `capture-mail` timer carries besides its due time. */
export interface CaptureMailRetry {
  leadId: string;
  formId: string;
  /** The double opt-in request (true) or the form's auto-reply (false). */
  pending: boolean;
  /** When SES first refused it (or the mail limits could not be taken): the retries stop a day later. */
  firstFailedAt: number;
  /** Mail limits the mail must still take before it may go (a form post's, whose quota write failed). */
  limits?: CaptureMailLimits;
}

/**
 * A capture mail's limits not taken yet: the recipient address's (`address`, keyed from the lead's e-mail
 * key when taken) and the source IP's, as its one-way key (`sourceKey`, never the IP itself).
 */
export interface CaptureMailLimits {
  address?: boolean;
  sourceKey?: string;
}

/** One `capture-mail` timer per lead and form (`TIMER#capture-mail#<formId>`). */
const captureMailKey = (leadId: string, formId: string) =>
  keys.timer(leadId, `${CAPTURE_MAIL_TIMER}#${formId}`);

const captureMailItem = (retry: CaptureMailRetry, at: number) => {
  const key = captureMailKey(retry.leadId, retry.formId);
  return { ...key, ...retry, ...dueAttributes(key.pk, key.sk, at, CAPTURE_MAIL_TIMER) };
};

/**
 * Arm (or re-arm) the retry of one form's mail to one lead at `at`: one item per lead and form
 * (`TIMER#capture-mail#<formId>`), so a second failure of the same mail replaces the first, never doubles it.
 */
export async function armCaptureMailRetry(retry: CaptureMailRetry, at: number): Promise<void> {
  await dynamodb.send(new PutCommand({ TableName: tableName, Item: captureMailItem(retry, at) }));
}

/**
 * The same timer as part of a lead's transaction: a mail that the change itself makes due (the auto-reply a
 * double opt-in confirmation owes), armed in the commit so that it is owed even if the answer is lost.
 */
export function captureMailTimerPut(retry: CaptureMailRetry, at: number): TransactItem {
  return { Put: { TableName: tableName, Item: captureMailItem(retry, at) } };
}

/**
 * A lead's `capture-mail` timer for a form while it is armed and no sweeper has claimed it (strongly
 * consistent), with the item as read (what the mail is: `formId`, `pending`, `firstFailedAt`, `limits`);
 * undefined once it was claimed or completed.
 */
export async function armedCaptureMailTimer(
  leadId: string,
  formId: string,
): Promise<(DueTimer & { item: Record<string, unknown> }) | undefined> {
  const key = captureMailKey(leadId, formId);
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
  );
  const item = result.Item;
  if (!item || typeof item.dueAt !== 'string' || item.claimId !== undefined) return undefined;
  return { ...key, dueAt: item.dueAt, timerKind: CAPTURE_MAIL_TIMER, item };
}
