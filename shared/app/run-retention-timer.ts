import { logger } from '#adapters/logger';
import { eraseLead } from '#app/erase-lead';
import { settings } from '#config/settings';
import type { EpochMs } from '#domain/lead/types';
import { onRetentionTimer, RETENTION_REASON } from '#domain/privacy/retention';
import { getLeadState } from '#store/leads';
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
 * Activity is what the state records. Tracking events parked for the sweeper (`PENDING#` items, only when a
 * lead is contended beyond the tracking route's budget) are not in the state until the `pending-events`
 * timer scores them, and do not move its version: parked in the moments before a retention erase, they go
 * with the lead. That needs a lead inactive for the whole period to be contended at that very moment.
 */
export async function runRetentionTimer(timer: ClaimedTimer, now: EpochMs): Promise<RetentionOutcome> {
  const leadId = timerLeadId(timer) ?? '';
  const outcome = await retryOnConflict<RetentionOutcome>('retention timer', async () => {
    const state = leadId ? await getLeadState(leadId) : undefined;
    const decision = onRetentionTimer(state, now, settings.app.retention);
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
