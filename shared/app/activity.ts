import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { settings } from '#config/settings';
import {
  hasSeenEvent,
  type LeadState,
  RECENT_EVENTS,
  stateAfterEvent,
  stateChangeEvents,
} from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import { applyEvent, type ScoredEvent } from '#domain/scoring/scoring';
import { dynamodb, tableName } from '#store/dynamodb';
import { keys, PREFIX } from '#store/keys';
import {
  backoff,
  getLeadState,
  getTimelineEntry,
  type StoredTimelineEntry,
  writeLead,
  writeTrackedEvent,
} from '#store/leads';
import { TTL_ATTRIBUTE } from '#store/table-design';

/**
 * Behaviour on a lead's timeline: tracking events, trusted events from ops, e-mail engagement, form
 * submissions and stitched anonymous history all go through `recordActivity`, which scores each event
 * exactly once and announces threshold crossings through the outbox.
 */

export type ActivityResult = 'applied' | 'duplicate' | 'not_found' | 'rate_limited';

/** A loop in a page must not flood a lead: at most this many events per lead per hour are kept. */
export const MAX_EVENTS_PER_LEAD_HOUR = 300;

const HOUR_MS = 3_600_000;

/**
 * Score one event for a lead. Idempotent on `eventId` (a replay, even concurrent, changes nothing) and safe
 * under concurrent events for the same lead (version-checked writes, re-decided on conflict).
 *
 * Cost: an event that crosses no threshold writes two small items (timeline entry + state item); a
 * crossing adds the outbox item in one transaction. Replays are recognised from the state item's recent
 * event hashes, and beyond them from the timeline entry itself.
 */
export const recordActivity = async (
  leadId: string,
  event: ScoredEvent,
  now: EpochMs,
): Promise<ActivityResult> => {
  const config = settings.scoring;
  for (let attempt = 1; attempt <= 8; attempt++) {
    const state = await getLeadState(leadId);
    if (!state) return 'not_found';
    if (hasSeenEvent(state, event.eventId)) return 'duplicate';
    if (attempt === 1) {
      // Older than the recent-event window: the timeline entry tells whether this event was applied.
      const existing = await getTimelineEntry(leadId, event.eventId);
      if (existing && state.version - existing.baseVersion >= RECENT_EVENTS) return 'duplicate';
    }
    const window = Math.floor(now / HOUR_MS);
    const count = state.activityWindow?.hour === window ? state.activityWindow.count : 0;
    if (count >= MAX_EVENTS_PER_LEAD_HOUR) return 'rate_limited';

    const outcome = applyEvent(
      {
        scoring: { fit: state.fit, grade: state.grade, fitBreakdown: {}, behaviour: state.behaviour },
        stage: state.stage,
        temperature: state.temperature,
      },
      event,
      config,
      now,
    );
    const after: LeadState = {
      ...stateAfterEvent(state, outcome, event, now),
      activityWindow: { hour: window, count: count + 1 },
    };
    const decay = decayTimerChange(state, outcome.nextTemperatureDropAt, now);
    if (decay !== undefined) after.decayCheckAt = decay ?? undefined;
    const entry: StoredTimelineEntry = { ...outcome.entry, baseVersion: state.version, recordedAt: now };
    const events = stateChangeEvents(state, after, now);

    const result =
      events.length === 0 && decay === undefined
        ? await writeTrackedEvent(state, entry, after)
        : await writeLead(
            { state: state.version },
            {
              state: after,
              timeline: [entry],
              events,
              ...(decay !== undefined ? { decayTimerAt: decay } : {}),
              at: now,
            },
          );
    if (result === 'saved') return 'applied';
    await backoff(attempt);
  }
  throw new Error(`lead ${leadId} is too busy to record ${event.eventId}`);
};

/**
 * When to (re)arm the lead's decay timer: undefined = leave it as it is. New points only move the drop
 * later, so an armed timer that fires early just re-arms itself; we write a timer only when none is armed
 * or the drop now comes before it.
 */
export const decayTimerChange = (
  state: Pick<LeadState, 'decayCheckAt'>,
  dropAt: EpochMs | null,
  now: EpochMs,
): EpochMs | null | undefined => {
  const armed = state.decayCheckAt !== undefined && state.decayCheckAt > now ? state.decayCheckAt : undefined;
  if (dropAt === null) return undefined; // an armed timer will find nothing to do and clear itself
  if (armed === undefined || dropAt < armed) return dropAt;
  return undefined;
};

// ------------------------------------------------------------------------------------------------------
// Anonymous visitors

const ANONYMOUS_RETENTION_S = 90 * 86_400;

/** The lead an anonymous id was stitched to, if any. */
export const leadForAnonymous = async (anonymousId: string): Promise<string | undefined> => {
  const result = await dynamodb.send(
    new GetCommand({ TableName: tableName, Key: keys.anonymousLink(anonymousId) }),
  );
  return typeof result.Item?.leadId === 'string' ? result.Item.leadId : undefined;
};

/** Keep an anonymous visitor's event until they identify themselves (idempotent on eventId). */
export const recordAnonymous = async (
  anonymousId: string,
  event: ScoredEvent,
  now: EpochMs,
): Promise<void> => {
  await dynamodb.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...keys.anonymousEvent(anonymousId, event.eventId),
        event,
        [TTL_ATTRIBUTE]: Math.floor(now / 1000) + ANONYMOUS_RETENTION_S,
      },
    }),
  );
};

/**
 * A visitor identified themselves (form post, identify call): link the anonymous id to the lead and score
 * their earlier events on the lead's timeline. Safe to repeat: each event is applied once.
 */
export const stitchAnonymous = async (anonymousId: string, leadId: string, now: EpochMs): Promise<number> => {
  await dynamodb.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.anonymousLink(anonymousId), leadId, linkedAt: now },
    }),
  );
  let applied = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :evt)',
        ExpressionAttributeValues: { ':pk': keys.anonymousLink(anonymousId).pk, ':evt': PREFIX.timeline },
        ExclusiveStartKey: startKey,
      }),
    );
    const events = (page.Items ?? [])
      .map((i) => i.event as ScoredEvent)
      .sort((a, b) => a.occurredAt - b.occurredAt);
    for (const event of events) {
      if ((await recordActivity(leadId, event, now)) === 'applied') applied++;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return applied;
};
