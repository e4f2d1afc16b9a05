import { countMetric } from '#adapters/metrics';
import { recordActivities } from '#app/record-activity';
import type { EpochMs } from '#domain/lead/types';
import { dropPendingEvents, finishPendingTimer, pendingEvents } from '#store/pending-events';
import { type ClaimedTimer, timerLeadId } from '#store/timers';

/**
 * `pending-events` timers: tracking events parked because their lead was too busy when they arrived
 * (`ingest-events`). They are scored through the same exact path as live events (`recordActivities`: one
 * conditional write per 20 events, replays recognised by the timeline guard), then removed. A crash in
 * between is harmless: the timer's lease brings it back, and events scored already are replays.
 *
 * An event that now finds the lead's hourly bound reached is dropped like a live one would be refused
 * (metric `TrackEventsDropped`); an event for a lead that was erased meanwhile is dropped too.
 */
export async function runPendingEvents(timer: ClaimedTimer, now: EpochMs): Promise<void> {
  const leadId = timerLeadId(timer);
  if (!leadId) return;
  const events = await pendingEvents(leadId);
  if (events.length) {
    // Throws ContentionError when even the sweeper cannot get through: the lease retries later.
    const results = await recordActivities(leadId, events, now);
    const dropped = [...results.values()].filter((r) => r === 'rate_limited' || r === 'not_found').length;
    if (dropped) countMetric('TrackEventsDropped', {}, dropped);
    await dropPendingEvents(
      leadId,
      events.map((e) => e.eventId),
    );
  }
  await finishPendingTimer(timer, now);
}
