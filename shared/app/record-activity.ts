import { settings } from '#config/settings';
import type { EpochMs } from '#domain/lead/types';
import type { ScoredEvent } from '#domain/scoring/scoring';
import { type ActivityOutcome, type ActivitySource, decideActivities } from '#domain/tracking/activity';
import { getStateForEvents, type StoredTimelineEntry, writeScoredEvents } from '#store/leads';
import { CONFLICT, retryOnConflict } from '#store/retry';

/**
 * Behaviour on a lead's timeline: tracking events, trusted events from ops, e-mail engagement, form
 * submissions, stitched anonymous history and parked events all go through `recordActivities`, which scores
 * each event exactly once and announces threshold crossings through the outbox.
 *
 * Why exact: the events of one call are decided together on one read of the state (which also names the
 * events whose timeline entry exists: replays, whatever their age) and written by `writeScoredEvents`, whose
 * commit is the state write conditioned on the version that was read: when the version refuses it, nothing
 * was written and the batch is decided again (`retryOnConflict`). A timeline entry exists only once its
 * points are in the state, and an entry whose item is not written yet stays on the state (`timelinePending`)
 * until a later write puts it; the state's recent event hashes cover replays in between. One
 * read-decide-write per batch also means a batch of 20 events contends once, not 20 times.
 */

export type ActivityResult = 'applied' | 'duplicate' | 'not_found' | 'rate_limited';

/** Events one transaction decides (20 timeline entries + state + announcements stay under 100 items). */
export const EVENTS_PER_WRITE = 20;

/**
 * Score events for one lead, each exactly once (replays, even concurrent or long after, change nothing).
 * `source: 'stitched'` (a visitor's anonymous history) does not count against the lead's hourly bound.
 * Returns each event id's result. Throws `ContentionError` when the lead stayed too busy for the retry
 * budget (the store's, or a lower `attempts`): nothing of that chunk was written then, so repeating the call is safe (the tracking
 * routes park the events instead, see `ingest-events`).
 */
export async function recordActivities(
  leadId: string,
  events: readonly ScoredEvent[],
  now: EpochMs,
  options: { attempts?: number; giveUpAt?: number; source?: ActivitySource } = {},
): Promise<Map<string, ActivityResult>> {
  const results = new Map<string, ActivityResult>();
  for (let i = 0; i < events.length; i += EVENTS_PER_WRITE) {
    const chunk = events.slice(i, i + EVENTS_PER_WRITE);
    for (const [id, result] of await recordChunk(leadId, chunk, now, options)) results.set(id, result);
  }
  return results;
}

/** Score one event for a lead (see `recordActivities`). */
export async function recordActivity(
  leadId: string,
  event: ScoredEvent,
  now: EpochMs,
): Promise<ActivityResult> {
  return (await recordActivities(leadId, [event], now)).get(event.eventId) ?? 'duplicate';
}

async function recordChunk(
  leadId: string,
  events: readonly ScoredEvent[],
  now: EpochMs,
  options: { attempts?: number; giveUpAt?: number; source?: ActivitySource },
): Promise<Map<string, ActivityResult>> {
  // Replays the table's guard named stay replays across attempts.
  const replays = new Set<string>();
  return retryOnConflict(
    `lead ${leadId} recording ${events.length} event(s)`,
    async () => {
      const read = await getStateForEvents(
        leadId,
        events.map((e) => e.eventId),
        now,
      );
      const state = read.state;
      if (!state) return new Map(events.map((e) => [e.eventId, 'not_found' as const]));
      for (const id of read.replayed) replays.add(id);
      // Each round either writes or learns at least one more replay, so this ends within events.length + 1.
      for (;;) {
        const decision = decideActivities(state, events, replays, settings.scoring, now, options.source);
        const results = new Map<string, ActivityOutcome>(decision.outcomes);
        if (!decision.after) return results;
        const timeline: StoredTimelineEntry[] = decision.entries.map(({ entry, baseVersion }) => ({
          ...entry,
          baseVersion,
          recordedAt: now,
        }));
        const written = await writeScoredEvents(state, {
          state: decision.after,
          timeline,
          events: decision.events,
          ...(decision.decay !== undefined ? { decayTimerAt: decision.decay } : {}),
          at: now,
        });
        if (written === 'saved') return results;
        for (const id of written.replayed) replays.add(id);
        if (written.otherFailed || written.replayed.length === 0) return CONFLICT;
      }
    },
    options,
  );
}
