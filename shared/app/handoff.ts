import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { logger } from '#adapters/logger';
import { countMetric } from '#adapters/metrics';
import { settings } from '#config/settings';
import { emailKey } from '#domain/capture/email-address';
import type { RoundRobinState } from '#domain/handoff/assignment';
import { applySalesAction, type HandoffLead, planHandoff } from '#domain/handoff/sales-actions';
import { type HandoffState, onSlaTimer } from '#domain/handoff/sla';
import type { SalesAction } from '#domain/lead/events';
import { appendStageHistory, type Lead, type LeadState } from '#domain/lead/lead';
import type { EpochMs, Stage } from '#domain/lead/types';
import { dynamodb, isConditionalCheckFailure, tableName } from '#store/dynamodb';
import { dueAttributes, keys, leadIdFromPk } from '#store/keys';
import {
  backoff,
  findLeadIdByEmail,
  getLead,
  getProfiles,
  getTimeline,
  queryByTemperature,
  type TemperatureIndexRow,
  type TransactItem,
  writeLead,
} from '#store/leads';
import { TTL_ATTRIBUTE } from '#store/table-design';
import { type ClaimedTimer, completeTimer, completeTimerUpdate, isStillClaimed } from '#store/timers';

/**
 * The hand-off loop's orchestration: opening a hand-off (owner, CRM record, SLA timer, events), the SLA
 * timer firing, and sales' answers (accept, qualify, convert, disqualify, recycle). The rules are the pure
 * domain's (`planHandoff`, `onSlaTimer`, `applySalesAction`); this module reads what they need and writes
 * what they decide in ONE transaction per decision: the lead state (version-checked), the round-robin
 * item (version-checked), the SLA timer, counters, the idempotency record and the outbox events. A
 * conflict re-reads and decides again, so concurrent writers never lose a change and a replay changes
 * nothing.
 */

/** Many concurrent hand-offs contend for the one round-robin item: allow enough rounds for a burst. */
const MAX_ATTEMPTS = 40;
const SALES_ACTION_RETENTION_S = 90 * 86_400;

/** A write lost a race: a version/condition check failed or DynamoDB cancelled a conflicting transaction. */
// ---------------------------------------------------------------------------------------------
// Round-robin state and counters
// ---------------------------------------------------------------------------------------------

interface RoundRobinRecord {
  state: RoundRobinState;
  /** Undefined while the item does not exist yet. */
  version: number | undefined;
}

export const readRoundRobin = async (): Promise<RoundRobinRecord> => {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.roundRobin(), ConsistentRead: true }),
  );
  const item = result.Item;
  if (!item) return { state: {}, version: undefined };
  return { state: (item.lastAssignedAt ?? {}) as RoundRobinState, version: Number(item.version) };
};

/** Put of the new round-robin state, conditioned on the version read: two hand-offs cannot pick from one stale state. */
const roundRobinPut = (before: RoundRobinRecord, state: RoundRobinState, now: EpochMs): TransactItem => ({
  Put: {
    TableName: tableName,
    Item: { ...keys.roundRobin(), lastAssignedAt: state, version: (before.version ?? 0) + 1, updatedAt: now },
    ...(before.version === undefined
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } }),
  },
});

/**
 * Month of `at` in the SLA's time zone (report periods follow the sales team's calendar). Outcomes are
 * counted in the month they are decided (a hand-off started on the 31st and met on the 1st counts as met
 * in the new month).
 */
export const reportPeriod = (at: EpochMs, timeZone = settings.handoff.sla.window.timeZone): string => {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
  }).formatToParts(new Date(at));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}`;
};

export type SlaCounter = 'started' | 'met' | 'breached' | 'reassigned';

/**
 * One counter item per month (`COUNTER#sla`): hand-offs started, SLA met, breached, reassignments. Written in
 * the transaction of the change it counts, so a replay (which writes nothing) never counts twice, and the
 * compliance report reads one item per month, whatever the number of leads.
 */
const slaCounterUpdate = (at: EpochMs, counters: readonly SlaCounter[]): TransactItem => ({
  Update: {
    TableName: tableName,
    Key: keys.counter('sla', reportPeriod(at)),
    UpdateExpression: `ADD ${counters.map((_, i) => `#c${i} :one`).join(', ')}`,
    ExpressionAttributeNames: Object.fromEntries(counters.map((c, i) => [`#c${i}`, c])),
    ExpressionAttributeValues: { ':one': 1 },
  },
});

export const readSlaCounters = async (period: string): Promise<Record<SlaCounter, number>> => {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.counter('sla', period), ConsistentRead: true }),
  );
  const item = result.Item ?? {};
  const n = (k: SlaCounter) => (typeof item[k] === 'number' ? (item[k] as number) : 0);
  return { started: n('started'), met: n('met'), breached: n('breached'), reassigned: n('reassigned') };
};

const slaTimerKey = (leadId: string) => keys.timer(leadId, 'sla');

const deleteSlaTimer = (leadId: string): TransactItem => ({
  Delete: { TableName: tableName, Key: slaTimerKey(leadId) },
});

// ---------------------------------------------------------------------------------------------
// Opening a hand-off
// ---------------------------------------------------------------------------------------------

export type HandoffOutcome =
  | { status: 'handed_off'; handoffNumber: number; ownerId: string }
  | { status: 'not_triggered' | 'not_found' | 'no_owner_available'; message?: string };

const handoffView = (lead: Lead): HandoffLead => {
  const { profile, state } = lead;
  const utm = profile.attribution?.lastTouch.utm ?? profile.attribution?.firstTouch.utm;
  return {
    leadId: state.leadId,
    attributes: profile.attributes,
    score: state.score,
    grade: state.grade,
    temperature: state.temperature,
    stage: state.stage,
    channel: profile.channel,
    ...(utm ? { utm } : {}),
    ...(state.handoff ? { handoff: state.handoff } : {}),
  };
};

/**
 * Hands a lead to sales if the trigger holds and no hand-off is open: one transaction writes the state
 * (hand-off, stage), the round-robin item, the SLA timer, the counter and the outbox events
 * (`Lead Stage Changed` when moved to MQL, `Lead Assigned`, `Lead Handed Off`). A redelivered trigger finds
 * the open hand-off and writes nothing. No available owner is logged and counted, not thrown: retrying
 * would not make anyone available.
 */
export const handOffLead = async (leadId: string, now: EpochMs): Promise<HandoffOutcome> => {
  const policy = settings.handoff;
  // Read once: the CRM summary's recent activity need not be re-read when a retry loses a race.
  const recent =
    policy.crm.system === 'none' ? [] : await getTimeline(leadId, policy.crm.mapping.summary.maxActivities);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const lead = await getLead(leadId);
    if (!lead) return { status: 'not_found' };
    const roundRobin = await readRoundRobin();
    const plan = planHandoff(handoffView(lead), policy, roundRobin.state, recent, now);
    if (!plan.ok) {
      if (plan.code === 'no_owner_available') {
        logger.warn('hand-off: no owner available', { leadId, message: plan.message });
        countMetric('HandoffNoOwner');
      }
      return { status: plan.code, message: plan.message };
    }
    const { state } = lead;
    const after: LeadState = {
      ...state,
      stage: plan.stage,
      stageHistory: plan.transition
        ? appendStageHistory(state.stageHistory, plan.transition)
        : state.stageHistory,
      handoff: plan.handoff,
      version: state.version + 1,
    };
    const timerKey = slaTimerKey(leadId);
    const result = await writeLead(
      { state: state.version },
      {
        state: after,
        events: plan.events,
        extra: [
          roundRobinPut(roundRobin, plan.roundRobinState, now),
          {
            Put: {
              TableName: tableName,
              Item: {
                ...timerKey,
                leadId,
                handoffNumber: plan.handoff.n,
                ...dueAttributes(timerKey.pk, timerKey.sk, plan.slaCheckAt, 'sla'),
              },
            },
          },
          slaCounterUpdate(now, ['started']),
        ],
        at: now,
      },
    );
    if (result === 'saved') {
      countMetric('LeadHandedOff', { team: plan.handoff.owner.team });
      return { status: 'handed_off', handoffNumber: plan.handoff.n, ownerId: plan.handoff.owner.ownerId };
    }
    await backoff(attempt);
  }
  throw new Error(`hand-off of lead ${leadId}: ${MAX_ATTEMPTS} conflicting writes`);
};

// ---------------------------------------------------------------------------------------------
// SLA timer
// ---------------------------------------------------------------------------------------------

export type SlaTimerOutcome = 'breached' | 'reassigned' | 'rearmed' | 'cleared' | 'lost_claim';

/**
 * A due SLA timer: breach → `Lead SLA Breached` (and, if configured, reassignment with `Lead Assigned`
 * `sla_reassign` and a new deadline); accepted or closed → the timer is cleared; early → re-armed at the
 * deadline. The timer's completion is part of the same transaction as the state change, so a re-fired or
 * interrupted timer changes nothing twice (the domain also refuses a deadline already handled).
 */
export const runSlaTimer = async (timer: ClaimedTimer, now: EpochMs): Promise<SlaTimerOutcome> => {
  const leadId = typeof timer.item.leadId === 'string' ? timer.item.leadId : leadIdFromPk(timer.pk);
  const finish = async (nextAt: number | null, outcome: SlaTimerOutcome): Promise<SlaTimerOutcome> => {
    try {
      await completeTimer(timer, nextAt);
      return outcome;
    } catch (error) {
      // Deleted (accepted meanwhile) or claimed by a later sweeper: nothing left for us to do.
      if (isConditionalCheckFailure(error)) return 'lost_claim';
      throw error;
    }
  };
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const lead = leadId ? await getLead(leadId) : undefined;
    const handoff = lead?.state.handoff;
    if (!lead || !handoff) return finish(null, 'cleared');
    const roundRobin = await readRoundRobin();
    const outcome = onSlaTimer(
      { leadId: lead.state.leadId, attributes: lead.profile.attributes },
      handoff,
      settings.handoff.sla,
      settings.handoff,
      roundRobin.state,
      now,
    );
    if (!outcome.due) {
      return outcome.reason === 'not_yet' ? finish(handoff.dueAt, 'rearmed') : finish(null, 'cleared');
    }
    const reassigned = outcome.action === 'reassign';
    const counters: SlaCounter[] = [
      ...(handoff.breachedAt === undefined ? (['breached'] as const) : []),
      ...(reassigned ? (['reassigned'] as const) : []),
    ];
    const state = lead.state;
    const result = await writeLead(
      { state: state.version },
      {
        state: { ...state, handoff: outcome.handoff, version: state.version + 1 },
        events: outcome.events,
        extra: [
          {
            Update: completeTimerUpdate(timer, outcome.nextCheckAt ?? null, {
              set: { handoffNumber: handoff.n },
            }),
          },
          ...(reassigned && outcome.reassignTo
            ? [roundRobinPut(roundRobin, outcome.roundRobinState, now)]
            : []),
          ...(counters.length ? [slaCounterUpdate(now, counters)] : []),
        ],
        at: now,
      },
    );
    if (result === 'saved') {
      countMetric('LeadSlaBreached', { action: outcome.action });
      return reassigned ? 'reassigned' : 'breached';
    }
    if (!(await isStillClaimed(timer))) return 'lost_claim';
    await backoff(attempt);
  }
  throw new Error(`SLA timer of lead ${leadId}: ${MAX_ATTEMPTS} conflicting writes`);
};

// ---------------------------------------------------------------------------------------------
// Sales actions
// ---------------------------------------------------------------------------------------------

export interface SalesActionView {
  leadId: string;
  action: SalesAction['action'];
  actionId: string;
  from: Stage;
  stage: Stage;
  handoff: HandoffSummary | null;
  /** Ids of the events announced (targets de-duplicate on them). */
  eventIds: string[];
  nurture?: { at: string; sequenceId: string };
}

interface HandoffSummary {
  n: number;
  ownerId: string;
  startedAt: string;
  dueAt: string;
  acceptedAt?: string;
  closedAt?: string;
}

export type SalesActionOutcome =
  | { status: 'applied' | 'replayed'; result: SalesActionView }
  | { status: 'not_found' }
  | { status: 'invalid_transition'; message: string }
  | { status: 'action_id_reused'; message: string };

/** How a caller names the lead: our id (ops API, CRM records that stored it) or the e-mail address. */
export type LeadRef = { leadId: string } | { email: string };

const iso = (t: EpochMs): string => new Date(t).toISOString();

const summarizeHandoff = (h: HandoffState | undefined): HandoffSummary | null =>
  h
    ? {
        n: h.n,
        ownerId: h.owner.ownerId,
        startedAt: iso(h.startedAt),
        dueAt: iso(h.dueAt),
        ...(h.acceptedAt === undefined ? {} : { acceptedAt: iso(h.acceptedAt) }),
        ...(h.closedAt === undefined ? {} : { closedAt: iso(h.closedAt) }),
      }
    : null;

const resolveLeadId = async (ref: LeadRef): Promise<string | undefined> => {
  if ('leadId' in ref) return ref.leadId.length > 0 && ref.leadId.length <= 128 ? ref.leadId : undefined;
  const key = emailKey(ref.email);
  return key ? findLeadIdByEmail(key) : undefined;
};

const readActionRecord = async (
  actionId: string,
): Promise<{ leadId: string; action: string; result: SalesActionView } | undefined> => {
  const result = await dynamodb.send(
    new GetCommand({
      TableName: tableName,
      Key: keys.idempotency('sales-action', actionId),
      ConsistentRead: true,
    }),
  );
  const item = result.Item;
  if (!item) return undefined;
  return { leadId: String(item.leadId), action: String(item.action), result: item.result as SalesActionView };
};

/**
 * Applies a sales action to a lead (from the ops API or a CRM event, same validation before). Idempotent on
 * `actionId`: the first result is stored with the change in the same transaction, and a replay returns it
 * unchanged. Accepting stops the SLA timer (and counts the SLA met or breached); leaving the pipeline closes
 * the hand-off and clears its timer.
 */
export const performSalesAction = async (
  ref: LeadRef,
  action: SalesAction,
  now: EpochMs,
): Promise<SalesActionOutcome> => {
  const leadId = await resolveLeadId(ref);
  if (!leadId) return { status: 'not_found' };
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    // The lead first, then the record: the action and its record commit together, so if the lead read
    // predates a concurrent duplicate's commit, the record read either sees it or our write conflicts.
    const lead = await getLead(leadId);
    const previous = await readActionRecord(action.actionId);
    if (previous) {
      if (previous.leadId !== leadId || previous.action !== action.action) {
        return {
          status: 'action_id_reused',
          message: `actionId '${action.actionId}' was already used for another action or lead`,
        };
      }
      return { status: 'replayed', result: previous.result };
    }
    if (!lead) return { status: 'not_found' };
    const { state } = lead;
    const decided = applySalesAction(state, action, now, settings.handoff.recycle);
    if (!decided.ok) return { status: 'invalid_transition', message: decided.message };

    const before = state.handoff;
    const handoff = decided.handoff;
    const view: SalesActionView = {
      leadId,
      action: action.action,
      actionId: action.actionId,
      from: state.stage,
      stage: decided.stage,
      handoff: summarizeHandoff(handoff),
      eventIds: decided.events.map((e) => e.detail.eventId),
      ...(decided.nurture
        ? { nurture: { at: iso(decided.nurture.at), sequenceId: decided.nurture.sequenceId } }
        : {}),
    };
    const accepted = action.action === 'accept' && before !== undefined;
    const closedNow = handoff?.closedAt !== undefined && before?.closedAt === undefined;
    const extra: TransactItem[] = [
      {
        Put: {
          TableName: tableName,
          Item: {
            ...keys.idempotency('sales-action', action.actionId),
            leadId,
            action: action.action,
            result: view,
            at: now,
            [TTL_ATTRIBUTE]: Math.floor(now / 1000) + SALES_ACTION_RETENTION_S,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
    if (accepted || closedNow) extra.push(deleteSlaTimer(leadId));
    if (accepted && before) {
      // Met: accepted by the (current) deadline with no earlier breach. A late accept the sweeper had not
      // yet seen is a breach, counted here once (the timer is gone, so it will not count it again).
      const met = before.breachedAt === undefined && now <= before.dueAt;
      if (met || before.breachedAt === undefined) {
        extra.push(slaCounterUpdate(now, [met ? 'met' : 'breached']));
      }
    }
    const after: LeadState = {
      ...state,
      stage: decided.stage,
      stageHistory: appendStageHistory(state.stageHistory, decided.transition),
      ...(handoff ? { handoff } : {}),
      version: state.version + 1,
    };
    const result = await writeLead(
      { state: state.version },
      { state: after, events: decided.events, extra, at: now },
    );
    if (result === 'saved') {
      countMetric('SalesAction', { action: action.action });
      return { status: 'applied', result: view };
    }
    await backoff(attempt);
  }
  throw new Error(`sales action ${action.actionId} on lead ${leadId}: ${MAX_ATTEMPTS} conflicting writes`);
};

// ---------------------------------------------------------------------------------------------
// Call list
// ---------------------------------------------------------------------------------------------

/** Hot leads first, then warm; inside each, highest score first, then most recent activity. */
const CALL_LIST_TEMPERATURES = ['hot', 'warm'] as const;
/** Not yet with sales: sales owns sal and beyond; disqualified leads are not called. */
const CALL_LIST_STAGES: readonly Stage[] = ['subscriber', 'lead', 'mql', 'recycled'];
/** Upper bound on index items one request reads (a page plus the rest of its last score group). */
const MAX_READ = 2_000;
const INDEX_PAGE = 100;

/** Where the next page starts: temperature index, and inside it a score group and how many of it were shown. */
const cursorSchema = z
  .object({
    t: z
      .number()
      .int()
      .min(0)
      .max(CALL_LIST_TEMPERATURES.length - 1),
    s: z.number().finite().optional(),
    k: z.number().int().min(0).max(MAX_READ).optional(),
  })
  .strict();
type CallListCursor = z.output<typeof cursorSchema>;

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/** Opaque to callers: base64url JSON. Tampering can only move where the read starts inside our own index. */
export const encodeCursor = (cursor: CallListCursor): string =>
  Buffer.from(JSON.stringify(cursor)).toString('base64url');

export const decodeCursor = (text: string): CallListCursor => {
  if (text.length > 200) throw new InvalidCursorError('cursor too long');
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidCursorError('not a cursor this API issued');
  }
};

export interface CallListItem {
  leadId: string;
  email: string;
  lastName?: string;
  firstName?: string;
  company?: string;
  department?: string;
  title?: string;
  phone?: string;
  prefecture?: string;
  score: number;
  temperature: string;
  stage: string;
  grade?: string;
  lastActivityAt: string;
}

const byCallOrder = (a: TemperatureIndexRow, b: TemperatureIndexRow): number =>
  b.score - a.score ||
  b.lastActivityAt - a.lastActivityAt ||
  (a.leadId < b.leadId ? -1 : a.leadId > b.leadId ? 1 : 0);

/**
 * Warm and hot leads nobody in sales has yet, for outbound calls: read from the `byTemperature` index (score
 * descending), never a scan. The index orders by score only, so each page reads on to the end of its last
 * score group and orders the group by recent activity; the cursor remembers how far into a group it got.
 */
export const callList = async (options: {
  limit: number;
  cursor?: CallListCursor;
}): Promise<{ items: CallListItem[]; nextCursor: string | null }> => {
  const rows: TemperatureIndexRow[] = [];
  let position: CallListCursor | undefined = options.cursor ?? { t: 0 };
  while (position && rows.length < options.limit) {
    const temperature = CALL_LIST_TEMPERATURES[position.t] ?? 'hot';
    const need = options.limit - rows.length;
    const skip: number = position.s === undefined ? 0 : (position.k ?? 0);
    const read: TemperatureIndexRow[] = [];
    let startKey: Record<string, unknown> | undefined;
    let exhausted = false;
    for (;;) {
      const page = await queryByTemperature(temperature, {
        ...(position.s === undefined ? {} : { maxScore: position.s }),
        stages: CALL_LIST_STAGES,
        withoutOwner: true,
        limit: INDEX_PAGE,
        ...(startKey ? { startKey } : {}),
      });
      read.push(...page.rows);
      startKey = page.next;
      if (!startKey) {
        exhausted = true;
        break;
      }
      const boundary = read[skip + need - 1];
      const last = read[read.length - 1];
      if (boundary && last && last.score < boundary.score) break; // the boundary's score group is complete
      if (read.length >= MAX_READ) break;
    }
    read.sort(byCallOrder);
    const end = Math.min(read.length, skip + need);
    rows.push(...read.slice(skip, end));
    const t: number = position.t;
    const nextTemperature: CallListCursor | undefined =
      t + 1 < CALL_LIST_TEMPERATURES.length ? { t: t + 1 } : undefined;
    // Resume after read[i]: in its score group, after the ones shown (counted from the top of the group).
    const after = (i: number): CallListCursor | undefined => {
      const row = read[i];
      if (!row || (i === read.length - 1 && exhausted)) return nextTemperature;
      return { t, s: row.score, k: read.slice(0, i + 1).filter((r) => r.score === row.score).length };
    };
    // No progress only past MAX_READ leads with one identical score: move on rather than loop.
    position = end > skip ? after(end - 1) : nextTemperature;
  }
  const profiles = await getProfiles(rows.map((r) => r.leadId));
  const items = rows.map((r): CallListItem => {
    const a = profiles.get(r.leadId)?.attributes ?? {};
    return {
      leadId: r.leadId,
      email: r.email,
      ...(a.lastName ? { lastName: a.lastName } : {}),
      ...(a.firstName ? { firstName: a.firstName } : {}),
      ...(a.company ? { company: a.company } : {}),
      ...(a.department ? { department: a.department } : {}),
      ...(a.title ? { title: a.title } : {}),
      ...(a.phone ? { phone: a.phone } : {}),
      ...(a.prefecture ? { prefecture: a.prefecture } : {}),
      score: r.score,
      temperature: r.temperature,
      stage: r.stage,
      ...(r.grade ? { grade: r.grade } : {}),
      lastActivityAt: iso(r.lastActivityAt),
    };
  });
  return { items, nextCursor: position ? encodeCursor(position) : null };
};
