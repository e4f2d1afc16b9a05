import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { settings } from '#config/settings';
import { upcastProfile } from '#domain/capture/attribution';
import type { AnyDomainEvent } from '#domain/lead/events';
import {
  type Lead,
  type LeadProfile,
  type LeadState,
  needsStrongReplayCheck,
  type PendingTimelineEntry,
  rememberEvents,
} from '#domain/lead/lead';
import { type EpochMs, FORM_EVENT_PREFIX } from '#domain/lead/types';
import type { ReportFact } from '#domain/reports/counting';
import type { ErasedRemains } from '#domain/reports/erased-remains';
import { readCancellation, type ScoredBatchRefusal } from '#domain/tracking/activity';
import { batchWrite, dynamodb, isConditionalCheckFailure, queryPages, tableName } from '#store/dynamodb';
import { dueAttributes, keys, leadIdFromPk, PREFIX, REPORT_REMAINS, timelineAtKey } from '#store/keys';
import { fromStateItem, PROFILE_INDEX_ATTRS, profileItem, stateItem, stripKeys } from '#store/lead-items';
import { type OutboxEvent, outboxPut } from '#store/outbox';
import {
  countsEvents,
  FUNNEL_FACTS,
  factsPut,
  mergeCounterItems,
  reportCounting,
  reportItems,
} from '#store/report-counters';
import { timelineExpiry } from '#store/retention';
import { CONFLICT, retryOnConflict } from '#store/retry';
import { INDEXES, TTL_ATTRIBUTE } from '#store/table-design';

/**
 * The lead repository: profile, state, e-mail index, timeline and the outbox, in one table. Every write
 * that changes a lead is conditioned on the version it read (optimistic concurrency) and carries the
 * events it announces in the same transaction (outbox), so a crash can lose neither.
 */

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A timeline entry as stored: with the state version it was scored against and when it was recorded. */
export type StoredTimelineEntry = PendingTimelineEntry;

function toOutbox(event: AnyDomainEvent, at: EpochMs): OutboxEvent {
  return {
    leadId: event.detail.leadId,
    source: event.source,
    detailType: event.detailType,
    detail: event.detail as unknown as OutboxEvent['detail'],
    time: at,
  };
}

/** A stored profile, in today's channel vocabulary (legacy `inbound_web` touches upcast on read). */
export function readProfile(item: Record<string, unknown> | undefined): LeadProfile | undefined {
  const profile = stripKeys<LeadProfile>(item, PROFILE_INDEX_ATTRS);
  return profile && upcastProfile(profile, settings.reports.channelGrouping);
}

export async function getLead(leadId: string): Promise<Lead | undefined> {
  const result = await dynamodb.send(
    new BatchGetCommand({
      RequestItems: {
        [tableName]: { Keys: [keys.profile(leadId), keys.state(leadId)], ConsistentRead: true },
      },
    }),
  );
  const items = result.Responses?.[tableName] ?? [];
  const profile = readProfile(items.find((i) => i.sk === 'PROFILE'));
  const state = fromStateItem(items.find((i) => i.sk === 'STATE'));
  return profile && state ? { profile, state: await confirmPending(state) } : undefined;
}

export async function getLeadState(leadId: string): Promise<LeadState | undefined> {
  return (await getStateForEvents(leadId, [])).state;
}

/**
 * The state, read strongly, for scoring events: with its pending timeline entries confirmed (those whose
 * item exists leave `timelinePending` for `timelineSettled`) and the ids among `eventIds` whose timeline item
 * exists (`replayed`: those events were scored before, whatever their age). Both checks share ONE
 * eventually consistent BatchGet (0.5 RRU per entry): a stale "missing" is harmless for a pending entry (it
 * is put again, only if its item is still missing: see `putCarriedEntries`) and cannot hide a replay, since
 * an entry that may not be visible yet still has its hash in the state's recent events (`hasSeenEvent`; why
 * exactly: "the replay guard" in `#domain/lead/lead`). Within `ENTRY_SETTLE_MS` of a burst that overflowed
 * those (more than 32 events of one lead in seconds) the read is strongly consistent instead (1 RRU per
 * entry).
 */
export async function getStateForEvents(
  leadId: string,
  eventIds: readonly string[],
  now?: EpochMs,
): Promise<{ state: LeadState | undefined; replayed: string[] }> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.state(leadId), ConsistentRead: true }),
  );
  const state = fromStateItem(result.Item);
  if (!state) return { state, replayed: [] };
  const pending = state.timelinePending ?? [];
  const strong = eventIds.length > 0 && now !== undefined && needsStrongReplayCheck(state, now);
  const found = await existingEntries(leadId, [...pending.map((e) => e.eventId), ...eventIds], {
    consistent: strong,
  });
  // An event still pending on the state was scored too: a replay as much as one whose item exists.
  const pendingIds = new Set(pending.map((e) => e.eventId));
  return {
    state: confirmed(state, found),
    replayed: eventIds.filter((id) => found.has(id) || pendingIds.has(id)),
  };
}

/** The state with only the pending entries whose timeline item is still missing. */
async function confirmPending(state: LeadState): Promise<LeadState> {
  const pending = state.timelinePending ?? [];
  if (pending.length === 0) return state;
  const found = await existingEntries(
    state.leadId,
    pending.map((e) => e.eventId),
  );
  return confirmed(state, found);
}

/** The pending entries found written leave `timelinePending` for `timelineSettled` (see `settledState`). */
function confirmed(state: LeadState, found: ReadonlySet<string>): LeadState {
  const pending = state.timelinePending ?? [];
  const settled = pending.filter((e) => found.has(e.eventId)).map((e) => e.eventId);
  const rest = withPending(
    state,
    pending.filter((e) => !found.has(e.eventId)),
  );
  return settled.length ? { ...rest, timelineSettled: settled } : rest;
}

function withPending(state: LeadState, pending: PendingTimelineEntry[]): LeadState {
  const { timelinePending: _, ...rest } = state;
  return pending.length ? { ...rest, timelinePending: pending } : rest;
}

/**
 * The state as a write that drops pending entries stores it: the entries its read found written
 * (`timelineSettled`) and those it puts itself before committing (`putFirst`) leave the state, and their
 * hashes are remembered afresh at `at`, so each stays in the recent events until its entry is visible to
 * any read ("the replay guard" in `#domain/lead/lead`). `pending` are the entries the state keeps. Every
 * write of a state read through `getLead` or `getStateForEvents` goes through it.
 */
export function settledState(
  state: LeadState,
  pending: PendingTimelineEntry[],
  putFirst: readonly StoredTimelineEntry[],
  at: EpochMs,
): LeadState {
  const { timelineSettled, ...rest } = withPending(state, pending);
  const ids = [...(timelineSettled ?? []), ...putFirst.map((e) => e.eventId)];
  return ids.length ? { ...rest, ...rememberEvents(rest, ids, at) } : rest;
}

/**
 * Which of these events have a timeline item, read strongly (1 RRU per id, where `getStateForEvents` spends
 * 0.5): for events that may be offered again long after their hash left the state's recent events (an import
 * row, see `upsertLead`), where a stale "missing" would apply the event a second time.
 */
export function timelineEntriesExisting(leadId: string, eventIds: readonly string[]): Promise<Set<string>> {
  return existingEntries(leadId, eventIds, { consistent: true });
}

/** Which of these events have a timeline item (eventually consistent reads unless `consistent`). */
async function existingEntries(
  leadId: string,
  eventIds: readonly string[],
  options: { consistent?: boolean } = {},
): Promise<Set<string>> {
  const found = new Set<string>();
  const unique = [...new Set(eventIds)];
  for (let i = 0; i < unique.length; i += 100) {
    let request:
      | Record<
          string,
          { Keys: Record<string, string>[]; ProjectionExpression: string; ConsistentRead?: boolean }
        >
      | undefined = {
      [tableName]: {
        Keys: unique.slice(i, i + 100).map((id) => keys.timelineEvent(leadId, id)),
        ProjectionExpression: 'eventId',
        ...(options.consistent ? { ConsistentRead: true } : {}),
      },
    };
    while (request && Object.keys(request).length) {
      const result = await dynamodb.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of result.Responses?.[tableName] ?? [])
        if (typeof item.eventId === 'string') found.add(item.eventId);
      request = result.UnprocessedKeys as typeof request;
    }
  }
  return found;
}

export async function findLeadIdByEmail(emailKey: string): Promise<string | undefined> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.emailIndex(emailKey), ConsistentRead: true }),
  );
  return typeof result.Item?.leadId === 'string' ? result.Item.leadId : undefined;
}

/** Profiles of many leads (call list, exports); missing ones are left out. */
export async function getProfiles(leadIds: readonly string[]): Promise<Map<string, LeadProfile>> {
  const out = new Map<string, LeadProfile>();
  for (let i = 0; i < leadIds.length; i += 100) {
    let request: Record<string, { Keys: Record<string, string>[] }> | undefined = {
      [tableName]: { Keys: leadIds.slice(i, i + 100).map((id) => keys.profile(id)) },
    };
    while (request && Object.keys(request).length) {
      const result = await dynamodb.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of result.Responses?.[tableName] ?? []) {
        const profile = readProfile(item);
        if (profile) out.set(profile.leadId, profile);
      }
      request = result.UnprocessedKeys as typeof request;
    }
  }
  return out;
}

/**
 * A timeline entry's item: keyed by its id, placed in the `timeline` index by time, and expiring by the
 * retention policy, unless it carries a capture's report facts (`FUNNEL_FACTS`, kept as long as the lead).
 * An entry read back and written again (rescoring) keeps its facts and their exemption.
 */
function timelineItem(leadId: string, entry: StoredTimelineEntry, facts?: readonly ReportFact[]) {
  const keeps = facts !== undefined || Object.hasOwn(entry, FUNNEL_FACTS);
  return {
    ...keys.timelineEvent(leadId, entry.eventId),
    ...entry,
    ...(facts ? { [FUNNEL_FACTS]: facts } : {}),
    timelineAt: timelineAtKey(entry.occurredAt, entry.eventId),
    ...(keeps ? {} : timelineExpiry(entry.recordedAt)),
  };
}

/**
 * The newest page of a lead's timeline, newest first, from the `timeline` index: one descending query with a
 * limit, whatever the length of the history (read units grow with the page, not with the timeline). `cursor`
 * (from the previous page's `next`) continues with older entries. The index is eventually consistent: an
 * entry written a moment ago may appear a moment later.
 */
export async function getTimelinePage(
  leadId: string,
  options: { limit: number; after?: string },
): Promise<{ entries: StoredTimelineEntry[]; next?: string }> {
  const pk = keys.profile(leadId).pk;
  const eventId = options.after?.slice(options.after.indexOf('#') + 1);
  const result = await dynamodb.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: INDEXES.timeline.name,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ScanIndexForward: false,
      Limit: options.limit,
      ...(options.after && eventId
        ? {
            ExclusiveStartKey: {
              ...keys.timelineEvent(leadId, eventId),
              [INDEXES.timeline.sortKey.name]: options.after,
            },
          }
        : {}),
    }),
  );
  const entries = (result.Items ?? []).flatMap((item) => {
    const entry = stripKeys<StoredTimelineEntry>(item, [TTL_ATTRIBUTE, INDEXES.timeline.sortKey.name]);
    return entry ? [entry] : [];
  });
  const last = result.LastEvaluatedKey?.[INDEXES.timeline.sortKey.name];
  return { entries, ...(typeof last === 'string' ? { next: last } : {}) };
}

/**
 * A lead's WHOLE timeline read from the table, newest first, then cut to `limit` (admin batches such as
 * rescoring, and tests; request paths use `getTimelinePage`).
 */
export async function getTimeline(leadId: string, limit = 200): Promise<StoredTimelineEntry[]> {
  const entries: StoredTimelineEntry[] = [];
  for await (const items of queryPages({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.profile(leadId).pk, ':prefix': PREFIX.timeline },
  })) {
    for (const item of items) {
      const entry = stripKeys<StoredTimelineEntry>(item, [TTL_ATTRIBUTE, INDEXES.timeline.sortKey.name]);
      if (entry) entries.push(entry);
    }
  }
  return entries
    .sort((a, b) => b.occurredAt - a.occurredAt || (a.eventId < b.eventId ? 1 : -1))
    .slice(0, limit);
}

export interface LeadWrite {
  /** Needed when neither profile nor state is written. */
  leadId?: string;
  profile?: LeadProfile;
  state?: LeadState;
  timeline?: StoredTimelineEntry[];
  events?: AnyDomainEvent[];
  /** Arm (or clear, with null) the lead's temperature-decay timer. */
  decayTimerAt?: EpochMs | null;
  /** Anything else that must commit with this change (enrollments, timers, round-robin state). */
  extra?: TransactItem[];
  /**
   * The lead as read before this change, for the report counters (gauges, dimensions). Optional: when the
   * state changes (or counted events need the profile) and it is absent, the store reads it.
   */
  previous?: Lead;
  at: EpochMs;
}

export type WriteResult = 'saved' | 'conflict';

function versionsOf(lead: Lead) {
  return { profile: lead.profile.version, state: lead.state.version };
}

const versionCondition = (before: number | undefined) =>
  before === undefined
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before } };

/**
 * A transaction entry that holds a write to the lead's state as it was read (its version): a change made
 * meanwhile cancels the write, and the caller reads and decides again.
 */
export const stateUnchanged = (leadId: string, version: number): TransactItem => ({
  ConditionCheck: {
    TableName: tableName,
    Key: keys.state(leadId),
    ConditionExpression: 'version = :v',
    ExpressionAttributeValues: { ':v': version },
  },
});

function decayTimerItem(leadId: string, at: EpochMs | null): TransactItem {
  const key = keys.timer(leadId, 'decay');
  return at === null
    ? { Delete: { TableName: tableName, Key: key } }
    : {
        Put: {
          TableName: tableName,
          Item: { ...key, leadId, ...dueAttributes(key.pk, key.sk, at, 'decay') },
        },
      };
}

/**
 * Write a change to a lead in one transaction: new profile/state (each conditioned on the version that was
 * read; pass the item with its version already incremented), timeline entries, the outbox events and any
 * extra items. Entries the state still carries as pending are put before it, each only if missing (see
 * `putCarriedEntries`). Returns 'conflict' when another writer got there first: reload and decide again.
 */
export async function writeLead(
  before: { profile?: number; state?: number },
  change: LeadWrite,
): Promise<WriteResult> {
  return (await commitLeadWrite(before, change, undefined)) === 'saved' ? 'saved' : 'conflict';
}

/**
 * `writeLead`'s transaction, optionally with a `guard`: a ConditionCheck put FIRST in the transaction
 * (`mergeCounterItems` keeps the other items in place), so a cancellation whose first reason is a failed
 * condition is told apart from a lost race: 'refused'.
 */
async function commitLeadWrite(
  before: { profile?: number; state?: number },
  change: LeadWrite,
  guard: TransactItem | undefined,
): Promise<WriteResult | 'refused'> {
  const leadId = change.state?.leadId ?? change.profile?.leadId ?? change.leadId ?? '';
  // Entries a tracking write left pending (rare: its entry write failed, or is still on its way) are put
  // first, each only where its item is missing, so the state below can leave them off: they exist once it
  // commits. Not in the transaction: a put there could not be conditioned without cancelling the whole write.
  await putCarriedEntries(leadId, change.state?.timelinePending ?? []);
  const { counters, facts } = await reportCountingOf(before, change, leadId);
  // A capture's facts ride on its form entry (FUNNEL_FACTS): one item fewer in the transaction.
  const carrier = facts.length
    ? change.timeline?.find((entry) => entry.eventId.startsWith(FORM_EVENT_PREFIX))
    : undefined;
  const items: TransactItem[] = guard ? [guard] : [];
  if (change.profile) {
    items.push({
      Put: { TableName: tableName, Item: profileItem(change.profile), ...versionCondition(before.profile) },
    });
  }
  if (change.state) {
    items.push({
      Put: {
        TableName: tableName,
        Item: stateItem(settledState(change.state, [], change.state.timelinePending ?? [], change.at)),
        ...versionCondition(before.state),
      },
    });
  }
  for (const entry of change.timeline ?? [])
    items.push({
      Put: {
        TableName: tableName,
        Item: timelineItem(leadId, entry, entry === carrier ? facts : undefined),
      },
    });
  if (change.events?.length)
    items.push(
      outboxPut(
        tableName,
        change.events.map((event) => toOutbox(event, change.at)),
      ),
    );
  if (change.decayTimerAt !== undefined) items.push(decayTimerItem(leadId, change.decayTimerAt));
  items.push(...(change.extra ?? []), ...counters);
  const factsItem = carrier ? undefined : factsPut(leadId, facts);
  if (factsItem) items.push(factsItem);
  if (items.length === 0) return 'saved';
  try {
    await dynamodb.send(new TransactWriteCommand({ TransactItems: mergeCounterItems(items, change.at) }));
    return 'saved';
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    return guard && cancellationCodes(error)[0] === 'ConditionalCheckFailed' ? 'refused' : 'conflict';
  }
}

/**
 * The report counters of a write, appended to its transaction (exactly once: see
 * shared/domain/reports/counting.ts). Reads the lead first only when the caller did not pass `previous` and
 * the gauges or counted events need it; a read that does not match `before` is harmless, since the
 * version-conditioned transaction then fails and the caller decides again.
 */
async function reportCountingOf(
  before: { profile?: number; state?: number },
  change: LeadWrite,
  leadId: string,
): Promise<ReturnType<typeof reportCounting>> {
  const counted = countsEvents(change.events);
  if (!change.state && !counted) return { counters: [], facts: [] };
  const isNew = before.state === undefined && change.state !== undefined;
  const needsRead =
    !change.previous && ((!isNew && change.state !== undefined) || (counted && !change.profile));
  const previous = change.previous ?? (needsRead ? await getLead(leadId) : undefined);
  const after = change.state ?? previous?.state;
  // A new lead enters the gauges; a write that leaves the state alone does not move them.
  const gaugeBefore = isNew ? undefined : change.state ? previous?.state : after;
  return reportCounting({
    leadId,
    events: change.events ?? [],
    after,
    before: gaugeBefore,
    profile: change.profile ?? previous?.profile,
  });
}

/**
 * A lead's address changed (sales corrected it): its claim moves, in the transaction of the change. The new
 * claim is put only where none exists (a lead of that address, or a concurrent change to it, makes the
 * transaction fail and the caller read and decide again); the old one is deleted only while it is still
 * this lead's.
 */
export function emailClaimMove(leadId: string, fromKey: string, toKey: string, at: EpochMs): TransactItem[] {
  return [
    {
      Delete: {
        TableName: tableName,
        Key: keys.emailIndex(fromKey),
        ConditionExpression: 'attribute_not_exists(pk) OR leadId = :id',
        ExpressionAttributeValues: { ':id': leadId },
      },
    },
    emailClaimPut(toKey, leadId, at),
  ];
}

/** An address's claim for a lead, put only where none exists (one lead per address). */
function emailClaimPut(emailKey: string, leadId: string, createdAt: EpochMs): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: { ...keys.emailIndex(emailKey), leadId, createdAt },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * The new-lead transaction also claims the e-mail: only one of many concurrent posts can create it
 * ('exists': another writer claimed it first). `guard`, a ConditionCheck that must hold when the lead is
 * created (an ops entry's "the address is not erased"), commits with it: 'refused' when it failed.
 */
export async function createLead(
  lead: Lead,
  change: Omit<LeadWrite, 'profile' | 'state'>,
  guard?: TransactItem,
): Promise<'created' | 'exists' | 'refused'> {
  const claimEmail = emailClaimPut(lead.profile.emailKey, lead.profile.leadId, lead.profile.createdAt);
  const result = await commitLeadWrite(
    {},
    {
      ...change,
      profile: lead.profile,
      state: lead.state,
      extra: [claimEmail, ...(change.extra ?? [])],
    },
    guard,
  );
  return result === 'saved' ? 'created' : result === 'refused' ? 'refused' : 'exists';
}

/**
 * Read-decide-write on one lead through the store's one retry loop: `decide` gets the current lead and
 * returns the write to make (or null for "nothing to do"). On a version conflict the lead is read again and
 * `decide` runs again, so concurrent writers never lose each other's changes.
 */
export async function mutateLead<R>(
  leadId: string,
  decide: (lead: Lead) => { write: LeadWrite | null; result: R },
): Promise<{ found: false } | { found: true; result: R; lead: Lead }> {
  return retryOnConflict(`lead ${leadId}`, async () => {
    const lead = await getLead(leadId);
    if (!lead) return { found: false as const };
    const { write, result } = decide(lead);
    if (!write) return { found: true as const, result, lead };
    if ((await writeLead(versionsOf(lead), { previous: lead, ...write })) === 'conflict') return CONFLICT;
    return {
      found: true as const,
      result,
      lead: { profile: write.profile ?? lead.profile, state: write.state ?? lead.state },
    };
  });
}

/**
 * Behaviour events for one lead, scored on `before` (read with `getStateForEvents`), written exactly once.
 * Two ways, chosen by what the change carries:
 *
 * - The steady state (no announcement, no decay timer, no report counter moves: most tracking events): ONE
 *   plain conditional write of the state (conditioned on the version that was read) that also keeps the new
 *   entries in `timelinePending`, then the entries' timeline items (plain puts). The state write is the
 *   commit: if the entry writes fail or the process dies after it, the entries stay pending on the state,
 *   and the next read that finds their items missing (`getStateForEvents`, `getLead`) hands them to the next
 *   write, which puts each again only if its item is still missing (after its state write for tracking,
 *   before its transaction for `writeLead` and the path below), so the packed form never replaces the full
 *   entry its own writer put. So a point in the state always has its timeline entry, now or at the next
 *   write. Cost for one event: 1 WRU state + 1 WRU entry + 1 timeline-index write, where a transaction
 *   bills 2 + 2 + 1.
 * - Anything else (announcements, the decay timer, report counters, `extra`): the pending entries the state
 *   carried, put where missing, then ONE TransactWrite of the state, each entry conditioned on
 *   `attribute_not_exists` (an exact replay guard), the outbox items, the timer and the counters.
 *
 * Replays: the read names events whose entry exists (`replayed`) and the state's recent hashes catch the
 * rest; the transaction's entry condition catches a replay that raced the read. Returns 'saved', or why
 * not (a version conflict is `otherFailed`: read and decide again).
 */
export async function writeScoredEvents(
  before: LeadState,
  change: {
    state: LeadState;
    timeline: readonly StoredTimelineEntry[];
    events: readonly AnyDomainEvent[];
    decayTimerAt?: EpochMs | null;
    /** Anything else that must commit with the events (after the entries, so the refusal reading holds). */
    extra?: readonly TransactItem[];
    at: EpochMs;
  },
): Promise<'saved' | ScoredBatchRefusal> {
  const leadId = before.leadId;
  const carried = before.timelinePending ?? [];
  // The report counters and score gauges go in the same transaction (exactly once). A crossing that enters
  // a stage needs the profile's dimensions (channel, campaign, form…): read only then, which is rare.
  const profile = countsEvents(change.events) ? (await getLead(leadId))?.profile : undefined;
  const counters = reportItems({ leadId, events: change.events, before, after: change.state, profile });
  const steady =
    change.events.length === 0 &&
    change.decayTimerAt === undefined &&
    (change.extra ?? []).length === 0 &&
    counters.length === 0;
  if (steady) return writeSteadyEvents(before, change.state, change.timeline, carried, change.at);

  // As in `writeLead`: the carried entries first, each only where missing, then the transaction.
  await putCarriedEntries(leadId, carried);
  const items: TransactItem[] = [
    {
      Put: {
        TableName: tableName,
        Item: stateItem(settledState(change.state, [], carried, change.at)),
        ...versionCondition(before.version),
      },
    },
    ...change.timeline.map(
      (entry): TransactItem => ({
        Put: {
          TableName: tableName,
          Item: timelineItem(leadId, entry),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      }),
    ),
    ...(change.events.length
      ? [
          outboxPut(
            tableName,
            change.events.map((event) => toOutbox(event, change.at)),
          ),
        ]
      : []),
  ];
  if (change.decayTimerAt !== undefined) items.push(decayTimerItem(leadId, change.decayTimerAt));
  items.push(...(change.extra ?? []), ...counters);
  try {
    await dynamodb.send(new TransactWriteCommand({ TransactItems: mergeCounterItems(items, change.at) }));
    return 'saved';
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    return readCancellation(
      cancellationCodes(error),
      change.timeline.map((e) => e.eventId),
    );
  }
}

/**
 * The steady-state write: the state, keeping the `carried` entries (pending on the state read) and this
 * write's `own` as pending, first; then the entries' items: its own in full, the carried ones only where
 * still missing.
 */
async function writeSteadyEvents(
  before: LeadState,
  state: LeadState,
  own: readonly StoredTimelineEntry[],
  carried: readonly StoredTimelineEntry[],
  at: EpochMs,
): Promise<'saved' | ScoredBatchRefusal> {
  const after = settledState(state, [...carried, ...own], [], at);
  try {
    await dynamodb.send(
      new PutCommand({ TableName: tableName, Item: stateItem(after), ...versionCondition(before.version) }),
    );
  } catch (error) {
    if (isConditionalCheckFailure(error)) return { replayed: [], otherFailed: true };
    throw error;
  }
  // Plain puts, not BatchWriteItem (no function is granted it); the same units either way.
  await Promise.all([
    ...own.map((entry) => putTimelineEntry(before.leadId, entry)),
    putCarriedEntries(before.leadId, carried),
  ]);
  return 'saved';
}

/**
 * Put entries carried over from a state's `timelinePending`, each only if the lead has no item with its id
 * yet. The pending form keeps what scoring decided, not the event's description (URL, title, properties:
 * an e-mail engagement's messageId and sequenceId): put unconditionally, it would replace the full entry its
 * own writer put meanwhile (after this writer's eventually consistent check missed it, or landing first).
 * A refused put bills its write unit and changes nothing.
 */
async function putCarriedEntries(leadId: string, entries: readonly StoredTimelineEntry[]): Promise<void> {
  await Promise.all(entries.map((entry) => putTimelineEntry(leadId, entry, { ifAbsent: true })));
}

const cancellationCodes = (error: unknown): (string | undefined)[] =>
  ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map((r) => r.Code);

/** Read a timeline entry (to tell a replay from a first delivery). */
export async function getTimelineEntry(
  leadId: string,
  eventId: string,
): Promise<StoredTimelineEntry | undefined> {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.timelineEvent(leadId, eventId), ConsistentRead: true }),
  );
  return stripKeys<StoredTimelineEntry>(result.Item, [TTL_ATTRIBUTE, INDEXES.timeline.sortKey.name]);
}

/**
 * One timeline entry as a single write (no transaction). `ifAbsent`: only when the lead has no entry with that
 * id yet (a refused put changes nothing; it still bills its write unit).
 */
export async function putTimelineEntry(
  leadId: string,
  entry: StoredTimelineEntry,
  options: { ifAbsent?: boolean } = {},
): Promise<void> {
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: tableName,
        Item: timelineItem(leadId, entry),
        ...(options.ifAbsent ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
      }),
    );
  } catch (error) {
    if (!(options.ifAbsent && isConditionalCheckFailure(error))) throw error;
  }
}

/** Rewrite timeline entries (rescoring re-explains points under new rules); derived data, so no transaction. */
export async function putTimelineEntries(
  leadId: string,
  entries: readonly StoredTimelineEntry[],
): Promise<void> {
  await batchWrite(entries.map((entry) => ({ PutRequest: { Item: timelineItem(leadId, entry) } })));
}

/**
 * One page of a parallel scan for lead ids (admin batches such as rescoring only, never a request path: it
 * reads the whole table). Filtered to the state items, whose keys never change, so a scan that resumes from
 * `startKey` neither misses nor repeats a lead while others write; with `erasedRemains`, also to the
 * erasure records that carry what an erased lead left for the reports (written once, never moved).
 */
export async function scanLeadIds(options: {
  segment: number;
  totalSegments: number;
  limit: number;
  startKey?: Record<string, unknown>;
  /** Also return what erased leads left for the reports (their erasure records' `REPORT_REMAINS`). */
  erasedRemains?: boolean;
}): Promise<{
  leadIds: string[];
  remains: ErasedRemains[];
  scanned: number;
  next?: Record<string, unknown>;
}> {
  const erased = options.erasedRemains === true;
  const result = await dynamodb.send(
    new ScanCommand({
      TableName: tableName,
      Segment: options.segment,
      TotalSegments: options.totalSegments,
      Limit: options.limit,
      FilterExpression: erased
        ? 'sk = :state OR (sk = :erased AND attribute_exists(#remains))'
        : 'sk = :state',
      ProjectionExpression: erased ? 'pk, sk, #remains' : 'pk',
      ExpressionAttributeValues: {
        ':state': keys.state('').sk,
        ...(erased ? { ':erased': keys.erasure('').sk } : {}),
      },
      ...(erased ? { ExpressionAttributeNames: { '#remains': REPORT_REMAINS } } : {}),
      ExclusiveStartKey: options.startKey,
    }),
  );
  const leadIds: string[] = [];
  const remains: ErasedRemains[] = [];
  for (const item of result.Items ?? []) {
    if (erased && item.sk === keys.erasure('').sk) remains.push(item[REPORT_REMAINS] as ErasedRemains);
    else {
      const leadId = typeof item.pk === 'string' ? leadIdFromPk(item.pk) : undefined;
      if (leadId !== undefined) leadIds.push(leadId);
    }
  }
  return { leadIds, remains, scanned: result.ScannedCount ?? 0, next: result.LastEvaluatedKey };
}

/** DynamoDB's approximate item count of the table (refreshed about every six hours in AWS): for progress bars. */
export async function approximateItemCount(): Promise<number | undefined> {
  const result = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  return result.Table?.ItemCount;
}
