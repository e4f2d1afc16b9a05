/**
 * The lead aggregate, split in two on purpose:
 * - the **profile** (who the lead is: attributes, consent, attribution, marketing status) changes on form
 *   posts, imports, unsubscribes and bounces;
 * - the **state** (where the lead is: score, temperature, stage, hand-off) changes on every tracking
 *   event. Keeping it small (well under 1 KB) is what lets one tracking event cost about two write units:
 *   the timeline entry and this item.
 * Both carry a version for optimistic concurrency.
 */
import { createHash } from 'node:crypto';
import type { Attribution } from '#domain/capture/attribution';
import type { HandoffState } from '#domain/handoff/sla';
import { type AnyDomainEvent, buildDomainEvent, isoAt } from '#domain/lead/events';
import { stageBit } from '#domain/lead/lifecycle';
import type {
  Channel,
  ChannelGroup,
  Consent,
  EpochMs,
  Grade,
  LeadAttributes,
  ScoreSummary,
  Stage,
  StageTransition,
  Temperature,
  TimelineEntry,
} from '#domain/lead/types';
import {
  applyEvent,
  type BehaviourState,
  type EventOutcome,
  type LeadScoring,
  type ScoredEvent,
  type ScoringState,
} from '#domain/scoring/scoring';

export type SuppressionReason = 'bounce' | 'complaint' | 'transient_bounces' | 'ops';

export interface MarketingStatus {
  unsubscribedAt?: EpochMs;
  unsubscribeMethod?: string;
  suppressedAt?: EpochMs;
  suppressionReason?: SuppressionReason;
  /** Soft bounces since the last delivery. */
  transientBounces: number;
}

export interface LeadProfile {
  leadId: string;
  /** As given (trimmed, domain lower-cased, IDN in punycode). */
  email: string;
  /** De-duplication key: the normalized address, fully lower-cased. */
  emailKey: string;
  attributes: LeadAttributes;
  fitBreakdown: Record<string, number>;
  consent?: Consent;
  attribution?: Attribution;
  /** The first touch's channel group (a lead stored before the grouping holds a `Channel`: upcast on read). */
  channel: ChannelGroup | Channel;
  marketing: MarketingStatus;
  /** Tracking snippet ids stitched to this lead (most recent last, bounded). */
  anonymousIds: string[];
  /** Per form, the scoring period (e.g. `day:2025-04-01`) its submission last earned points in. */
  formScoredIn?: Record<string, string>;
  /**
   * Attribute changes an unverified form post proposed for non-empty attributes, kept until the address is
   * confirmed (double opt-in link) or sales applies them; latest value per attribute.
   */
  proposedAttributes?: { values: LeadAttributes; formId: string; at: EpochMs };
  /**
   * The address was erased on request, and this lead came back through a post on a double opt-in form: the
   * address's suppression item stays (an ops entry or an import naming it is still refused) until the person
   * confirms the link or posts a form without double opt-in, which lift it in their own write (see
   * `#app/erased-address`). Absent on every other lead.
   */
  erasedAddressHeld?: true;
  timeZone?: string;
  locale: 'ja' | 'en';
  createdAt: EpochMs;
  updatedAt: EpochMs;
  version: number;
}

export interface LeadState {
  leadId: string;
  email: string;
  stage: Stage;
  /** Every stage transition with its time (funnel velocity); bounded to the most recent. */
  stageHistory: StageTransition[];
  /**
   * Every stage the lead has ever been in, as a `stageBit` set: what the bounded history forgets (the cohort
   * report counts a stage on its first reach ever). Absent on states written before it existed: read it with
   * `stagesReachedOf`, and change the history only with `withStageTransitions`, which keeps it.
   */
  stagesReached?: number;
  temperature: Temperature;
  grade: Grade;
  fit: number;
  behaviour: BehaviourState;
  score: ScoreSummary;
  /** Short hashes of recent event ids: the replay guard of the tracking fast path (`rememberEvents`). */
  recentEvents: string[];
  /** When the newest generation of `recentEvents` began (`rememberEvents`). */
  recentEventsAt?: EpochMs;
  /** How many of `recentEvents`, the first ones, are the generation before it (absent: none). */
  recentEventsOlder?: number;
  /**
   * When the ring last dropped a hash whose timeline entry may not be visible to an eventually consistent
   * read yet (more than `MAX_RECENT_EVENTS` events within `ENTRY_SETTLE_MS`): until `ENTRY_SETTLE_MS` after
   * it, replays are checked with strongly consistent reads (`needsStrongReplayCheck`).
   */
  recentOverflowAt?: EpochMs;
  lastActivityAt: EpochMs;
  handoff?: HandoffState;
  /** Marketing mails sent in the last 7 days (frequency cap across sequences). */
  recentSends: EpochMs[];
  /**
   * The latest step-mail attempt per sequence (`<run>:<stepIndex>:<at>:<nonce>`), reserved with the send
   * before SES is called: at most one mail per step without a claim on the timer (see
   * `#domain/nurture/attempts`).
   */
  stepAttempts?: Record<string, string>;
  /** Events kept this hour (per-lead rate bound against page loops). */
  activityWindow?: { hour: number; count: number };
  /** When the temperature-decay timer will next look at this lead, if armed. */
  decayCheckAt?: EpochMs;
  /**
   * Store bookkeeping, not a business fact: timeline entries whose points are in this state but whose own
   * timeline item may not be written yet (the tracking write path writes the state first, then the entries;
   * see `writeScoredEvents` in `#store/leads`). Rules never read it; every state write carries it on.
   */
  timelinePending?: PendingTimelineEntry[];
  /**
   * Store bookkeeping, never stored: ids of pending entries that the read found written (so they leave
   * `timelinePending`); the write that drops them remembers their hashes afresh (`rememberEvents`).
   */
  timelineSettled?: string[];
  version: number;
}

/** A timeline entry as the store keeps it: with the state version it was scored against and when. */
export interface PendingTimelineEntry extends TimelineEntry {
  baseVersion: number;
  recordedAt: EpochMs;
}

export interface Lead {
  profile: LeadProfile;
  state: LeadState;
}

/*
 * The replay guard: recent event hashes kept on the state (`rememberEvents`). They cover what the timeline
 * items cannot answer yet: a replay racing the eventually consistent entry check of the tracking write path
 * (`getStateForEvents` in `#store/leads`), and an import row committed by a concurrent run between capture's
 * strong read of the row's entry and its read of the lead (`upsertLead`). Older replays, a resumed import's
 * rows included, are named by their timeline item.
 *
 * The ring is exact, not a heuristic: a hash leaves it only once its entry is visible to any read. An entry
 * is written with its hash (a transaction) or, on the tracking fast path, kept pending on the state until a
 * read finds it, and the write that drops it remembers the hash again; so every entry that is not pending was
 * written no later than the last time its hash was added. The ring keeps two generations, each at least
 * `ENTRY_SETTLE_MS` long: the first write after the newest generation has lasted that long drops the
 * generation before (every hash in it was added at least `ENTRY_SETTLE_MS` ago, so its entry is visible) and
 * starts a new one. So it holds the events of the last 10 to 20 seconds: for a person browsing, a handful of
 * hashes (8 bytes each) on the state item, which is written on every event. A burst past `MAX_RECENT_EVENTS`
 * drops hashes that may not be visible yet and says so (`recentOverflowAt`): replays are then checked with
 * strongly consistent reads until the burst has settled.
 */

/** The ring's bound within a burst: 32 hashes are 256 bytes, which keeps a typical state item under 1 KB. */
export const MAX_RECENT_EVENTS = 32;
/**
 * How long a timeline entry may stay invisible to an eventually consistent read after the time its hash was
 * remembered: DynamoDB's replication lag (usually well under a second) plus the time between a request's
 * decision and its writes (its SDK retries included), with a wide margin.
 */
export const ENTRY_SETTLE_MS = 10_000;
const MAX_STAGE_HISTORY = 20;
const MAX_ANONYMOUS_IDS = 10;
const SEND_WINDOW_MS = 7 * 86_400_000;

/**
 * 8 base64url characters (48 bits) of SHA-256, stored as one string (a list costs bytes per element): a
 * false "seen" among 32 recent ids has a probability around 1e-13.
 */
export const EVENT_HASH_LENGTH = 8;
export function eventHash(eventId: string): string {
  return createHash('sha256').update(eventId).digest('base64url').slice(0, EVENT_HASH_LENGTH);
}

export function hasSeenEvent(state: Pick<LeadState, 'recentEvents'>, eventId: string): boolean {
  return state.recentEvents.includes(eventHash(eventId));
}

type RecentEvents = Pick<
  LeadState,
  'recentEvents' | 'recentEventsAt' | 'recentEventsOlder' | 'recentOverflowAt'
>;

/**
 * The ring after remembering `eventIds` at `now` (hashes already in it move to the newest end). See "the
 * replay guard" above `MAX_RECENT_EVENTS` for why each hash stays until its entry is visible to any read.
 */
export function rememberEvents(
  recent: RecentEvents,
  eventIds: readonly string[],
  now: EpochMs,
): RecentEvents {
  const added = [...new Set(eventIds.map(eventHash))];
  const start = recent.recentEventsAt;
  const olderCount = recent.recentEventsOlder ?? 0;
  // The generations as they stand at `now`: the newest goes on, becomes the one before, or both have settled.
  const [older, newer, since] =
    start === undefined || now - start >= 2 * ENTRY_SETTLE_MS
      ? [[], [], now]
      : now - start >= ENTRY_SETTLE_MS
        ? [recent.recentEvents.slice(olderCount), [], now]
        : [recent.recentEvents.slice(0, olderCount), recent.recentEvents.slice(olderCount), start];
  const keptOlder = older.filter((h) => !added.includes(h));
  const ring = [...keptOlder, ...newer.filter((h) => !added.includes(h)), ...added];
  const dropped = Math.max(0, ring.length - MAX_RECENT_EVENTS);
  const overflowAt = dropped > 0 ? now : recent.recentOverflowAt;
  return {
    recentEvents: ring.slice(dropped),
    recentEventsAt: since,
    // Absent rather than 0, and the overflow time forgotten once its burst has settled (undefined, so a
    // spread state does not carry either on): bytes on an item written on every event.
    recentEventsOlder: keptOlder.length > dropped ? keptOlder.length - dropped : undefined,
    recentOverflowAt: overflowAt !== undefined && now - overflowAt < ENTRY_SETTLE_MS ? overflowAt : undefined,
  };
}

/**
 * Must a replay check at `now` read the timeline entries strongly? Only within `ENTRY_SETTLE_MS` of a burst
 * that overflowed the ring (an entry whose hash it dropped may not be visible to an eventually consistent
 * read yet).
 */
export function needsStrongReplayCheck(state: Pick<LeadState, 'recentOverflowAt'>, now: EpochMs): boolean {
  return state.recentOverflowAt !== undefined && now - state.recentOverflowAt < ENTRY_SETTLE_MS;
}

/**
 * The stages the lead has ever been in (a `stageBit` set): the stored set joined with the stages of the
 * history, which is all a state written before the set existed has.
 */
export function stagesReachedOf(state: Pick<LeadState, 'stagesReached' | 'stageHistory'>): number {
  return state.stageHistory.reduce(
    (set, t) => set | (t.from === null ? 0 : stageBit(t.from)) | stageBit(t.to),
    state.stagesReached ?? 0,
  );
}

/**
 * Stage transitions recorded on the state: appended to the history (the most recent `MAX_STAGE_HISTORY`
 * kept) and to `stagesReached`, which keeps what the history drops. Every state write that moves the stage
 * goes through here.
 */
export function withStageTransitions(
  state: Pick<LeadState, 'stagesReached' | 'stageHistory'>,
  transitions: readonly StageTransition[],
): Pick<LeadState, 'stagesReached' | 'stageHistory'> {
  return {
    stageHistory: transitions.length
      ? [...state.stageHistory, ...transitions].slice(-MAX_STAGE_HISTORY)
      : state.stageHistory,
    stagesReached: transitions.reduce((set, t) => set | stageBit(t.to), stagesReachedOf(state)),
  };
}

export function rememberAnonymousId(ids: readonly string[], id: string): string[] {
  return ids.includes(id) ? [...ids] : [...ids, id].slice(-MAX_ANONYMOUS_IDS);
}

export function recentSendsAt(sends: readonly EpochMs[], now: EpochMs): EpochMs[] {
  return sends.filter((t) => t > now - SEND_WINDOW_MS);
}

/**
 * A new lead as the capture of its first submission (or an import) creates it: a subscriber, cold, with
 * its fit and no behaviour yet. Both items start at version 1.
 */
export function newLead(input: {
  leadId: string;
  email: string;
  emailKey: string;
  attributes: LeadAttributes;
  scoring: ScoringState;
  channel: ChannelGroup | Channel;
  locale: 'ja' | 'en';
  at: EpochMs;
  consent?: Consent;
  attribution?: Attribution;
  anonymousIds?: string[];
}): Lead {
  return {
    profile: {
      leadId: input.leadId,
      email: input.email,
      emailKey: input.emailKey,
      attributes: { ...input.attributes, email: input.email },
      fitBreakdown: input.scoring.fitBreakdown,
      ...(input.consent ? { consent: input.consent } : {}),
      ...(input.attribution ? { attribution: input.attribution } : {}),
      channel: input.channel,
      marketing: { transientBounces: 0 },
      anonymousIds: input.anonymousIds ?? [],
      locale: input.locale,
      createdAt: input.at,
      updatedAt: input.at,
      version: 1,
    },
    state: {
      leadId: input.leadId,
      email: input.email,
      stage: 'subscriber',
      stageHistory: [{ from: null, to: 'subscriber', at: input.at, reason: 'capture' }],
      stagesReached: stageBit('subscriber'),
      temperature: 'cold',
      grade: input.scoring.grade,
      fit: input.scoring.fit,
      behaviour: input.scoring.behaviour,
      score: { fit: input.scoring.fit, behaviour: 0, total: input.scoring.fit },
      recentEvents: [],
      lastActivityAt: input.at,
      recentSends: [],
      version: 1,
    },
  };
}

/**
 * The state after a scored event: new behaviour, score, temperature and stage (with the transition
 * recorded), the event remembered against replays, activity time moved on, version + 1.
 */
export function stateAfterEvent(
  state: LeadState,
  outcome: Pick<EventOutcome, 'scoring' | 'score' | 'temperature' | 'stage' | 'stageChange'>,
  event: { eventId: string; occurredAt: EpochMs },
  now: EpochMs,
): LeadState {
  return {
    ...state,
    behaviour: outcome.scoring.behaviour,
    score: outcome.score,
    temperature: outcome.temperature,
    stage: outcome.stage,
    ...withStageTransitions(state, outcome.stageChange ? [outcome.stageChange] : []),
    ...rememberEvents(state, [event.eventId], now),
    lastActivityAt: Math.max(state.lastActivityAt, Math.min(event.occurredAt, now)),
    version: state.version + 1,
  };
}

/**
 * The scoring state persisted on a lead. The fit breakdown lives on the profile; a caller that loaded only
 * the state item (the tracking fast path) passes no profile and gets an empty breakdown (events do not
 * change the fit).
 */
export function scoringOf(lead: {
  state: Pick<LeadState, 'fit' | 'grade' | 'behaviour'>;
  profile?: Pick<LeadProfile, 'fitBreakdown'>;
}): ScoringState {
  return {
    fit: lead.state.fit,
    grade: lead.state.grade,
    fitBreakdown: lead.profile?.fitBreakdown ?? {},
    behaviour: lead.state.behaviour,
  };
}

/** What `applyEvent`/`applyAttributes` take: the scoring state with the lead's stage and temperature. */
export function leadScoringOf(lead: {
  state: Pick<LeadState, 'fit' | 'grade' | 'behaviour' | 'stage' | 'temperature'>;
  profile?: Pick<LeadProfile, 'fitBreakdown'>;
}): LeadScoring {
  return { scoring: scoringOf(lead), stage: lead.state.stage, temperature: lead.state.temperature };
}

/**
 * When to (re)arm the lead's decay timer: undefined = leave it as it is. New points only move the drop
 * later, so an armed timer that fires early just re-arms itself; we write a timer only when none is armed
 * or the drop now comes before it.
 */
export function decayTimerChange(
  state: Pick<LeadState, 'decayCheckAt'>,
  dropAt: EpochMs | null,
  now: EpochMs,
): EpochMs | null | undefined {
  const armed = state.decayCheckAt !== undefined && state.decayCheckAt > now ? state.decayCheckAt : undefined;
  if (dropAt === null) return undefined; // an armed timer will find nothing to do and clear itself
  if (armed === undefined || dropAt < armed) return dropAt;
  return undefined;
}

/**
 * The state after one scored event (without announcements, so a caller that also refits can announce the
 * whole change at once), with the decay timer decision applied to `decayCheckAt`.
 */
export function scoreEventOnState(
  state: LeadState,
  profile: { fitBreakdown: Record<string, number> } | undefined,
  event: ScoredEvent,
  config: Parameters<typeof applyEvent>[2],
  now: EpochMs,
): { after: LeadState; entry: TimelineEntry; decay: EpochMs | null | undefined } {
  const outcome = applyEvent(leadScoringOf({ state, ...(profile ? { profile } : {}) }), event, config, now);
  const after = stateAfterEvent(state, outcome, event, now);
  const decay = decayTimerChange(state, outcome.nextTemperatureDropAt, now);
  if (decay !== undefined) after.decayCheckAt = decay ?? undefined;
  return { after, entry: outcome.entry, decay };
}

/** May this lead receive marketing mail right now? (Transactional mail is not asked.) */
export function marketingAllowed(profile: LeadProfile): { ok: true } | { ok: false; reason: string } {
  if (profile.marketing.suppressedAt) return { ok: false, reason: 'suppressed' };
  if (profile.marketing.unsubscribedAt) return { ok: false, reason: 'unsubscribed' };
  if (!profile.consent) return { ok: false, reason: 'no_consent' };
  if (profile.consent.doubleOptIn && !profile.consent.confirmedAt)
    return { ok: false, reason: 'not_confirmed' };
  return { ok: true };
}

/**
 * Events announcing what changed between two states. Event ids are deterministic for the change (the state
 * version that moved the stage or the temperature), so a replayed write publishes nothing new and targets
 * can de-duplicate on `eventId`.
 */
export function stateChangeEvents(
  before: Pick<LeadState, 'stage' | 'temperature' | 'stageHistory'> | undefined,
  after: LeadState,
  at: EpochMs,
): AnyDomainEvent[] {
  const events: AnyDomainEvent[] = [];
  const occurredAt = isoAt(at);
  const fromStage = before?.stage ?? null;
  if (fromStage !== after.stage) {
    const last = after.stageHistory[after.stageHistory.length - 1];
    events.push(
      buildDomainEvent('Lead Stage Changed', {
        // The state version that made the move: the history stops growing at MAX_STAGE_HISTORY, so its length
        // would give a lead's later moves into one stage the same id (its outbox put then fails as a replay).
        eventId: `${after.leadId}:stage:${after.version}:${after.stage}`,
        version: 1,
        occurredAt,
        leadId: after.leadId,
        from: fromStage,
        to: after.stage,
        reason: last?.reason ?? 'score',
      }),
    );
  }
  const fromTemperature = before?.temperature ?? null;
  if (fromTemperature !== after.temperature && !(fromTemperature === null && after.temperature === 'cold')) {
    events.push(
      buildDomainEvent('Lead Temperature Changed', {
        eventId: `${after.leadId}:temperature:${after.version}:${after.temperature}`,
        version: 1,
        occurredAt,
        leadId: after.leadId,
        from: fromTemperature,
        to: after.temperature,
        score: after.score,
      }),
    );
  }
  return events;
}
