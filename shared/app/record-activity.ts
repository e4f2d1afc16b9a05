import { settings } from '#config/settings';
import { hasSeenEvent, RECENT_EVENTS } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import type { ScoredEvent } from '#domain/scoring/scoring';
import { scoreActivity } from '#domain/tracking/activity';
import {
  getLeadState,
  getTimelineEntry,
  type StoredTimelineEntry,
  writeLead,
  writeTrackedEvent,
} from '#store/leads';
import { CONFLICT, retryOnConflict } from '#store/retry';

/**
 * Behaviour on a lead's timeline: tracking events, trusted events from ops, e-mail engagement, form
 * submissions and stitched anonymous history all go through `recordActivity`, which scores each event
 * exactly once and announces threshold crossings through the outbox.
 */

export type ActivityResult = 'applied' | 'duplicate' | 'not_found' | 'rate_limited';

/**
 * Score one event for a lead. Idempotent on `eventId` (a replay, even concurrent, changes nothing) and safe
 * under concurrent events for the same lead (version-checked writes, re-decided on conflict).
 *
 * Cost: an event that crosses no threshold writes two small items (timeline entry + state item); a
 * crossing adds the outbox item in one transaction. Replays are recognised from the state item's recent
 * event hashes, and beyond them from the timeline entry itself.
 */
export async function recordActivity(
  leadId: string,
  event: ScoredEvent,
  now: EpochMs,
): Promise<ActivityResult> {
  return retryOnConflict(`lead ${leadId} recording ${event.eventId}`, async (attempt) => {
    const state = await getLeadState(leadId);
    if (!state) return 'not_found';
    if (hasSeenEvent(state, event.eventId)) return 'duplicate';
    if (attempt === 1) {
      // Older than the recent-event window: the timeline entry tells whether this event was applied.
      const existing = await getTimelineEntry(leadId, event.eventId);
      if (existing && state.version - existing.baseVersion >= RECENT_EVENTS) return 'duplicate';
    }
    const scored = scoreActivity(state, event, settings.scoring, now);
    if (scored === 'rate_limited') return 'rate_limited';
    const { after, events, decay } = scored;
    const entry: StoredTimelineEntry = { ...scored.entry, baseVersion: state.version, recordedAt: now };
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
    return result === 'saved' ? 'applied' : CONFLICT;
  });
}
