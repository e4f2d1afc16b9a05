import { logger } from '#adapters/logger';
import { recordActivities } from '#app/record-activity';
import type { EpochMs } from '#domain/lead/types';
import { anonymousEventPage } from '#store/stitch-queue';
import { type ClaimedTimer, completeTimer, timerLeadId } from '#store/timers';

/** Anonymous events scored per timer run: bounds one run (and one sweeper slot) whatever the history. */
export const STITCH_PAGE_SIZE = 100;

export type StitchOutcome = { applied: number; done: boolean } | 'invalid';

/**
 * `stitch` timers, armed by a form post that created a lead for a visitor with an anonymous id: score one
 * page of that visitor's earlier events on the lead's timeline, then re-arm the timer at the next page
 * (`cursor` kept on the timer item) or clear it. Safe to repeat: `recordActivity` applies each event once,
 * so an interrupted run that is picked up again changes nothing twice.
 */
export async function runStitchTimer(timer: ClaimedTimer, now: EpochMs): Promise<StitchOutcome> {
  const leadId = timerLeadId(timer);
  const anonymousId = typeof timer.item.anonymousId === 'string' ? timer.item.anonymousId : undefined;
  if (!leadId || !anonymousId) {
    await completeTimer(timer, null);
    return 'invalid';
  }
  const cursor = typeof timer.item.cursor === 'string' ? timer.item.cursor : undefined;
  const page = await anonymousEventPage(anonymousId, STITCH_PAGE_SIZE, cursor);
  // The history, not live browsing: it does not count against the lead's hourly bound.
  const results = await recordActivities(leadId, page.events, now, { source: 'stitched' });
  let applied = 0;
  for (const result of results.values()) if (result === 'applied') applied++;
  if (page.next) await completeTimer(timer, now, { set: { cursor: page.next } });
  else await completeTimer(timer, null, { remove: ['cursor'] });
  logger.debug('stitch timer', { leadId, applied, done: !page.next });
  return { applied, done: !page.next };
}
