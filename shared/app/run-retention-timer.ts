import { logger } from '#adapters/logger';
import { eraseLead } from '#app/erase-lead';
import { settings } from '#config/settings';
import type { EpochMs } from '#domain/lead/types';
import { onRetentionTimer, RETENTION_REASON } from '#domain/privacy/retention';
import { getLeadState } from '#store/leads';
import { hasParkedEvents } from '#store/pending-events';
import { CONFLICT, retryOnConflict } from '#store/retry';
import { type ClaimedTimer, completeTimer, isStillClaimed, timerLeadId } from '#store/timers';

export type RetentionOutcome = 'erased' | 'rearmed' | 'cleared' | 'superseded';

/**
 * `retention` timers: armed when sales disqualifies a lead, due when it has had no activity for
 * `retention.disqualifiedInactiveDays`. A lead still disqualified and inactive is erased through the same
 * use case as the ops API (the timer item goes with the lead's partition); one that was active since is
 * re-armed from its last activity; one that left `disqualified` (recycled) just loses the timer.
 *
 * The erase is conditioned on the state version the decision was made on (`expectStateVersion`): a write
 * of the lead that commits after the read (the person came back: a webinar, a visit, a form post, a sales
 * action) makes it answer `changed` before anything is deleted, and the attempt decides again on a fresh
 * read, through the one retry loop, so such a lead is re-armed from that activity (or cleared) instead of
 * erased. A write that changed the version but not the decision (no activity, still disqualified) is
 * erased on the next attempt.
 *
 * Activity is also what the state does not record yet: tracking events parked for the sweeper (`PENDING#`
 * items, when the lead was contended beyond the tracking route's budget) do not move its version until the
 * `pending-events` timer scores them. A lead with such events waiting is not erased: the timer looks again
 * a few minutes later (`PARKED_EVENTS_RECHECK_MS`), on the state that holds them, and the erase's commit is
 * conditioned on none having been parked since this read, so events parked in between make it `changed`.
 */
export async function runRetentionTimer(timer: ClaimedTimer, now: EpochMs): Promise<RetentionOutcome> {
  const leadId = timerLeadId(timer) ?? '';
  const outcome = await retryOnConflict<RetentionOutcome>('retention timer', async () => {
    const state = leadId ? await getLeadState(leadId) : undefined;
    const parked = state !== undefined && (await hasParkedEvents(leadId));
    const decision = onRetentionTimer(state, now, settings.app.retention, parked);
    if (decision.kind === 'erase' && state) {
      const erased = await eraseLead(leadId, RETENTION_REASON, now, { expectStateVersion: state.version });
      return erased.kind === 'changed' ? CONFLICT : 'erased';
    }
    if (!(await isStillClaimed(timer))) return 'superseded';
    await completeTimer(timer, decision.kind === 'rearm' ? decision.at : null);
    return decision.kind === 'rearm' ? 'rearmed' : 'cleared';
  });
  logger.info('retention timer', { leadId, outcome });
  return outcome;
}
