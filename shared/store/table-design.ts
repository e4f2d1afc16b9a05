/**
 * The single-table design: keys, indexes and TTL. The CDK app and the local runtime both build the table
 * from this one definition, so a key or index can never differ between AWS and DynamoDB Local.
 * Pure data: no SDK, no CDK.
 */

export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;
export const TTL_ATTRIBUTE = 'expiresAt';

export interface IndexDesign {
  name: string;
  partitionKey: { name: string; type: 'S' | 'N' };
  sortKey: { name: string; type: 'S' | 'N' };
  /** Projected non-key attributes; empty = KEYS_ONLY. */
  include: readonly string[];
}

/**
 * `due`: sparse and sharded. Only items with a pending timer (next step email, SLA deadline, temperature
 * decay) carry `dueShard`/`dueAt`, so the sweeper queries what is due now and never scans. Shards spread
 * the write load of one busy minute over several partitions.
 * `byStage` / `byTemperature`: lead states ordered by score band within a stage or temperature (lists).
 * Only the small state item carries their keys, so a profile edit never rewrites an index.
 *
 * Write-sharded: their partition keys are `<value>#<shard>` (`mql#3`, `hot#0`), the shard a hash of the lead
 * id (`INDEX_SHARDS` of them), and reads scatter over every shard and merge by the sort key, so no single
 * value (`hot`, `mql`) is one hot partition key. The sort key is the score BAND (`SCORE_BAND` points), not the
 * exact score, so a scored event moves an index item only when the lead crosses a band; and the projections
 * hold only attributes that change at thresholds (stage, temperature, owner, grade, e-mail), never the
 * volatile ones (exact score, last activity: the state item stores that as `activityAt`, unprojected), so a
 * steady-state tracking event writes no index at all.
 * `callList`: sparse; only leads waiting for sales (warm/hot, not yet with sales, no owner) carry `callKey`
 * (`hot#3`), so the call list reads nothing it throws away. KEYS_ONLY: the rows are completed from the state
 * and profile items.
 * `timeline`: sparse; a lead's timeline entries (`EVT#<eventId>`, keyed by id for the exact replay guard) by
 * time (`timelineAt` = `<ISO occurredAt>#<eventId>`), so the lead view reads only the newest page (a
 * descending query with a limit) instead of the whole timeline. Costs one index write per timeline entry.
 * `byOwner`: sparse; only leads with an open hand-off carry `ownerQueue`, under their owner's id: a rep's
 * queue, nearest SLA deadline or planned contact first (`ownerQueueKey`), however many leads they own, with
 * nothing read for other owners' leads. KEYS_ONLY; the key moves only when the hand-off does (accept, contact,
 * a planned follow-up, a breach), so a tracking event on an owned lead writes no index. One partition key per
 * owner: a person's own hand-off changes are far below a partition's 1,000 WCU/s.
 * `byCompany`: sparse; only profiles with a company carry it: partition key the first letter of the company's
 * search key (`companyInitial`, `#domain/lead/company-search`), sort key the search key (`companyKey`), so a
 * company search is one query (`begins_with`) in one partition, in name order. On the profile item, so only a
 * new lead or a changed company writes it (never a tracking event); the first letters of company names spread
 * the writes over thousands of partition keys (kana, kanji, letters). KEYS_ONLY: rows are completed like a list.
 * `byPhone`: sparse; only profiles with a phone number of 4 to 15 digits carry it: partition key the number's
 * last two digits (`phoneTail`), sort key its search digits reversed (`phoneKey`, `#domain/lead/phone-search`),
 * so the leads whose number ends with the digits a rep types (or a phone system passes) are one query
 * (`begins_with`) in one of 100 partitions. On the profile item, like `byCompany`: only a new lead or a changed
 * number writes it. KEYS_ONLY.
 * `byActivity`: every lead by last-activity DAY (`activityDay`, days since the epoch), sharded the same
 * way (`act#<shard>`): `sort=lastActivity` and `updatedSince=` lists. The key moves at most once a day a lead.
 */
export const INDEXES = {
  due: {
    name: 'due',
    partitionKey: { name: 'dueShard', type: 'S' },
    sortKey: { name: 'dueAt', type: 'S' },
    include: ['timerKind'],
  },
  byStage: {
    name: 'byStage',
    partitionKey: { name: 'stageKey', type: 'S' },
    sortKey: { name: 'scoreKey', type: 'N' },
    // `lastActivityAt` stays in the definition only so a deployed index is not replaced (a projection cannot
    // change in place); state items no longer carry an attribute of that name, so nothing volatile is projected.
    include: ['email', 'stage', 'temperature', 'grade', 'ownerId', 'lastActivityAt'],
  },
  byTemperature: {
    name: 'byTemperature',
    partitionKey: { name: 'temperatureKey', type: 'S' },
    sortKey: { name: 'scoreKey', type: 'N' },
    include: ['email', 'stage', 'temperature', 'grade', 'ownerId', 'lastActivityAt'],
  },
  callList: {
    name: 'callList',
    partitionKey: { name: 'callKey', type: 'S' },
    sortKey: { name: 'scoreKey', type: 'N' },
    include: [],
  },
  timeline: {
    name: 'timeline',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'timelineAt', type: 'S' },
    include: [
      'eventId',
      'type',
      'occurredAt',
      'points',
      'rule',
      'url',
      'title',
      'properties',
      'baseVersion',
      'recordedAt',
    ],
  },
  byOwner: {
    name: 'byOwner',
    partitionKey: { name: 'ownerId', type: 'S' },
    sortKey: { name: 'ownerQueue', type: 'N' },
    include: [],
  },
  byActivity: {
    name: 'byActivity',
    partitionKey: { name: 'activityKey', type: 'S' },
    sortKey: { name: 'activityDay', type: 'N' },
    include: ['stage', 'temperature', 'ownerId'],
  },
  byCompany: {
    name: 'byCompany',
    partitionKey: { name: 'companyInitial', type: 'S' },
    sortKey: { name: 'companyKey', type: 'S' },
    include: [],
  },
  byPhone: {
    name: 'byPhone',
    partitionKey: { name: 'phoneTail', type: 'S' },
    sortKey: { name: 'phoneKey', type: 'S' },
    include: [],
  },
} as const satisfies Record<string, IndexDesign>;

export const ALL_INDEXES: readonly IndexDesign[] = Object.values(INDEXES);

/** Number of due-index shards; the sweeper queries each one. */
export const DUE_SHARDS = 8;

/**
 * Write shards of the lead-list index partition keys (`byStage`, `byTemperature`, `callList`, `byActivity`).
 * Sizing: an index item under 1 KB costs at most 2 WCU per key move (delete + put), so 1,000 scored events a
 * second that ALL moved a key into the same value (`hot`) put 2,000 WCU/s on it; over 8 shards that is about
 * 250 WCU/s each, a quarter of one partition's 1,000 WCU/s (see test/unit/store/index-shards.test.ts).
 * A list page reads every shard (scatter-gather), so more shards cost reads: 8 keeps both sides small.
 */
export const INDEX_SHARDS = 8;

/** Width of the score bands the list indexes sort by (a lead's index item moves only when it changes band). */
export const SCORE_BAND = 10;

/** Width of the last-activity bands of `byActivity`: one day. */
export const ACTIVITY_BAND_MS = 86_400_000;
