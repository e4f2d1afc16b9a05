import { logger } from '#adapters/logger';
import { eraseLead } from '#app/erase-lead';
import { settings } from '#config/settings';
import type { EpochMs } from '#domain/lead/types';
import { onRetentionTimer, RETENTION_REASON } from '#domain/privacy/retention';
import { getLeadState } from '#store/leads';
import { type ClaimedTimer, completeTimer, isStillClaimed, timerLeadId } from '#store/timers';

export type RetentionOutcome = 'erased' | 'rearmed' | 'cleared' | 'superseded';

/**
 * `retention` timers: armed when sales disqualifies a lead, due when it has had no activity for
 * `retention.disqualifiedInactiveDays`. A lead still disqualified and inactive is erased through the same
 * use case as the ops API (the timer item goes with the lead's partition); one that was active since is
 * re-armed from its last activity; one that left `disqualified` (recycled) just loses the timer.
 */
export async function runRetentionTimer(timer: ClaimedTimer, now: EpochMs): Promise<RetentionOutcome> {
  const leadId = timerLeadId(timer) ?? '';
  const state = leadId ? await getLeadState(leadId) : undefined;
  const decision = onRetentionTimer(state, now, settings.app.retention);
  let outcome: RetentionOutcome;
  if (decision.kind === 'erase') {
    await eraseLead(leadId, RETENTION_REASON, now);
    outcome = 'erased';
  } else if (!(await isStillClaimed(timer))) {
    outcome = 'superseded';
  } else {
    await completeTimer(timer, decision.kind === 'rearm' ? decision.at : null);
    outcome = decision.kind === 'rearm' ? 'rearmed' : 'cleared';
  }
  logger.info('retention timer', { leadId, outcome });
  return outcome;
}
