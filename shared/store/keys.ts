import { createHash } from 'node:crypto';
import { ACTIVITY_BAND_MS, DUE_SHARDS, INDEX_SHARDS, SCORE_BAND } from '#store/table-design';

/** Key builders for every item type in the single table: the only place key strings are spelled. */
export const keys = {
  profile: (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'PROFILE' }),
  state: (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'STATE' }),
  emailIndex: (emailKey: string) => ({ pk: `EMAIL#${emailKey}`, sk: 'EMAIL' }),
  timelineEvent: (leadId: string, eventId: string) => ({ pk: `LEAD#${leadId}`, sk: `EVT#${eventId}` }),
  anonymousEvent: (anonymousId: string, eventId: string) => ({
    pk: `ANON#${anonymousId}`,
    sk: `EVT#${eventId}`,
  }),
  anonymousLink: (anonymousId: string) => ({ pk: `ANON#${anonymousId}`, sk: 'LINK' }),
  /** How many events an anonymous visitor has kept in the current window (the per-visitor cap). */
  anonymousQuota: (anonymousId: string) => ({ pk: `ANON#${anonymousId}`, sk: 'QUOTA' }),
  /** A tracking event parked under contention, waiting for the sweeper (`pending-events` timer). */
  pendingEvent: (leadId: string, eventId: string) => ({ pk: `LEAD#${leadId}`, sk: `PENDING#${eventId}` }),
  enrollment: (leadId: string, sequenceId: string) => ({ pk: `LEAD#${leadId}`, sk: `ENR#${sequenceId}` }),
  timer: (leadId: string, kind: string) => ({ pk: `LEAD#${leadId}`, sk: `TIMER#${kind}` }),
  outbox: (leadId: string, eventId: string) => ({ pk: `LEAD#${leadId}`, sk: `OUTBOX#${eventId}` }),
  roundRobin: () => ({ pk: 'ASSIGNMENT', sk: 'ROUND_ROBIN' }),
  /** The HMAC signing key of tokens and erasure hashes (created once, by the first function that needs it). */
  signingKey: () => ({ pk: 'SECRET#signing', sk: 'KEY' }),
  counter: (name: string, period: string) => ({ pk: `COUNTER#${name}`, sk: period }),
  idempotency: (scope: string, id: string) => ({ pk: `IDEMPOTENCY#${scope}`, sk: id }),
  /** One entry of a lead's append-only consent ledger, sorted by time. */
  consentEntry: (leadId: string, at: number, entryId: string) => ({
    pk: `LEAD#${leadId}`,
    sk: `CONSENT#${dueAtKey(at)}#${entryId}`,
  }),
  /** A rate-limit counter: `scope` (e.g. `mail-address`), a hashed subject, the window (e.g. an hour). */
  quota: (scope: string, subject: string, window: string) => ({
    pk: `QUOTA#${scope}#${subject}`,
    sk: window,
  }),
  /**
   * Report counters: ONE item per write shard and day (or `current`, the gauges), holding every dimension
   * kind's fields (`f:channel/<value>|<metric>`). The shard is in the partition key (`REPORTS#07`), so the
   * writes of one busy day spread over `REPORT_SHARDS` partition keys; a report reads each shard's range of
   * days (scatter-gather). Concurrent transactions of different leads touch different items.
   */
  reportCounter: (period: string, shard: string) => ({ pk: `REPORTS#${shard}`, sk: period }),
  /**
   * The gauges' fold (`foldGaugeDays`): the last day whose gauge moves have been folded from the day items into
   * `current` (`through`). Outside the shards' partitions, so no report range ever reads it as a period.
   */
  gaugeFold: () => ({ pk: 'REPORTS#fold', sk: 'gauges' }),
  /** The earlier layout (before 2026-12): one partition key per kind, the shard in the sort key. Migration only. */
  legacyReportCounter: (kind: string, period: string, shard: string) => ({
    pk: `REPORT#${kind}`,
    sk: `${period}#${shard}`,
  }),
  /** A counted fact of a lead (what a stage change or hand-off event added to the reports). */
  reportFact: (leadId: string, eventId: string) => ({ pk: `LEAD#${leadId}`, sk: `RPT#${eventId}` }),
  /** A pointer, under the lead's partition, to an item elsewhere that names the lead (export and erase follow it). */
  leadRef: (leadId: string, scope: string, id: string) => ({
    pk: `LEAD#${leadId}`,
    sk: `REF#${scope}#${id}`,
  }),
  /**
   * A pointer, under the lead's partition, to an anonymous visitor stitched to it (`ANON#<id>`: the link and
   * the kept events), written with the link. The profile remembers only the newest ids; export and erase
   * follow these to every one.
   */
  anonymousRef: (leadId: string, anonymousId: string) => ({
    pk: `LEAD#${leadId}`,
    sk: `REF#anon#${anonymousId}`,
  }),
  /** An erased address: only a salted one-way hash of the normalized e-mail (no personal data). */
  suppression: (addressHash: string) => ({ pk: `SUPPRESSED#${addressHash}`, sk: 'SUPPRESSED' }),
  /** The record that a lead was erased (id, time, reason): makes a second erase answer `alreadyErased`. */
  erasure: (leadId: string) => ({ pk: `ERASED#${leadId}`, sk: 'ERASED' }),
  /** The lead's deal item: BANTCH and its opportunities (shared/domain/deals). */
  deal: (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'DEAL' }),
  /** When an operations alert (e.g. `sweeper-lagging`) was last raised: its quiet period (#store/alerts). */
  alert: (name: string) => ({ pk: `ALERT#${name}`, sk: 'ALERT' }),
  /** The claim of one week's review digest (its Monday, `YYYY-MM-DD`): sent at most once (#store/mail-claims). */
  digest: (week: string) => ({ pk: `DIGEST#${week}`, sk: 'DIGEST' }),
  /** The claim of one alert mail to an owner, named by the event it tells of (#store/mail-claims). */
  ownerAlert: (eventId: string) => ({ pk: `OWNER_MAIL#${eventId}`, sk: 'OWNER_MAIL' }),
} as const;

export const PREFIX = {
  timeline: 'EVT#',
  enrollment: 'ENR#',
  timer: 'TIMER#',
  outbox: 'OUTBOX#',
  consent: 'CONSENT#',
  pending: 'PENDING#',
  reportFact: 'RPT#',
  ref: 'REF#',
  anonymousRef: 'REF#anon#',
} as const;

/**
 * The kind of an item under a lead's partition (`LEAD#<id>`), read from its sort key: a single-word key
 * (`PROFILE`, `STATE`) is its own kind, otherwise the part before the first `#` (`EVT#…` → `evt`). A kind
 * added later (`CONSENT#…`) is therefore classified, exported and erased without touching this function.
 */
export function leadItemKind(sk: string): string {
  const hash = sk.indexOf('#');
  return (hash === -1 ? sk : sk.slice(0, hash)).toLowerCase();
}

/** Readable names of the kinds this file spells (anything else is exported under its own kind). */
export const LEAD_ITEM_KIND_NAMES: Record<string, string> = {
  profile: 'profile',
  state: 'state',
  evt: 'timeline',
  enr: 'enrollments',
  timer: 'timers',
  outbox: 'outbox',
  ref: 'references',
  consent: 'consentHistory',
  pending: 'pendingEvents',
  rpt: 'reportFacts',
  deal: 'deal',
};

/**
 * A `REF#<scope>#<id>` sort key back to the idempotency record it points at (an anonymous visitor's pointer,
 * `REF#anon#<id>`, points at no record: `anonymousIdOfRef`).
 */
export function refTarget(sk: string): { scope: string; id: string } | undefined {
  if (!sk.startsWith(PREFIX.ref) || sk.startsWith(PREFIX.anonymousRef)) return undefined;
  const rest = sk.slice(PREFIX.ref.length);
  const hash = rest.indexOf('#');
  return hash <= 0 ? undefined : { scope: rest.slice(0, hash), id: rest.slice(hash + 1) };
}

/** The anonymous id a `REF#anon#<id>` sort key names. */
export function anonymousIdOfRef(sk: string): string | undefined {
  const id = sk.startsWith(PREFIX.anonymousRef) ? sk.slice(PREFIX.anonymousRef.length) : '';
  return id === '' ? undefined : id;
}

export const leadIdFromPk = (pk: string): string | undefined =>
  pk.startsWith('LEAD#') ? pk.slice('LEAD#'.length) : undefined;

/** Stable shard for an item, so re-scheduling the same timer keeps it in one shard. */
export const dueShardFor = (pk: string, sk: string): string => {
  const n = createHash('sha1').update(`${pk}|${sk}`).digest().readUInt32BE(0) % DUE_SHARDS;
  return `DUE#${n}`;
};

export const allDueShards = (): string[] => Array.from({ length: DUE_SHARDS }, (_, n) => `DUE#${n}`);

/** Sortable due time; ISO-8601 UTC sorts lexicographically. */
export const dueAtKey = (at: number): string => new Date(at).toISOString();

/** Attributes that put an item on the due index (spread into a Put, or SET in an update). */
export const dueAttributes = (pk: string, sk: string, at: number, timerKind: string) => ({
  dueShard: dueShardFor(pk, sk),
  dueAt: dueAtKey(at),
  timerKind,
});

/** The write shard (0 … INDEX_SHARDS-1) of a lead's list-index items: a hash of its id, so it never changes. */
export function indexShard(leadId: string): number {
  return createHash('sha1').update(leadId).digest().readUInt32BE(0) % INDEX_SHARDS;
}

/** A sharded list-index partition key: `mql#3`, `hot#0`, `act#5`. */
export const shardedIndexKey = (value: string, leadId: string): string => `${value}#${indexShard(leadId)}`;

/** Every shard of a list-index partition key value, shard 0 first (the reads scatter over these). */
export const allIndexKeys = (value: string): string[] =>
  Array.from({ length: INDEX_SHARDS }, (_, n) => `${value}#${n}`);

/** The `byActivity` partition key value (all leads, sharded). */
export const ACTIVITY_INDEX_VALUE = 'act';

/** The score band an index sorts by: the band's lower bound (`87` → `80`). */
export const scoreBand = (score: number): number => Math.floor(score / SCORE_BAND) * SCORE_BAND;

/** The last-activity band (days since the epoch) `byActivity` sorts by. */
export const activityDay = (at: number): number => Math.floor(at / ACTIVITY_BAND_MS);

/**
 * The `byOwner` sort key of an owned lead (read descending, as every list index): a lead with something due
 * (`ownerNextDue`) sorts by that time, earliest first, overdue before the rest (`OWNER_DUE_BASE - at`); a lead
 * with nothing due comes after all of those, newest hand-off first (`startedAt`, below every due value while
 * due times stay within a year of now and now before the year 2128).
 */
export const OWNER_DUE_BASE = 10_000_000_000_000;
export const ownerQueueKey = (nextDueAt: number | undefined, handoffStartedAt: number): number =>
  nextDueAt === undefined ? handoffStartedAt : OWNER_DUE_BASE - nextDueAt;

/** The `timeline` index sort key of an entry: newest first when read descending, ties by event id. */
export const timelineAtKey = (occurredAt: number, eventId: string): string =>
  `${new Date(occurredAt).toISOString()}#${eventId}`;

/** The erasure record's attribute holding what the erased lead left for a rebuild of the reports. */
export const REPORT_REMAINS = 'reportRemains';
