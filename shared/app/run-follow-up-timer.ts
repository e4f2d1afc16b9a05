import { logger } from '#adapters/logger';
import { followUpDue } from '#domain/handoff/follow-up';
import type { EpochMs } from '#domain/lead/types';
import { getLead, stateUnchanged, writeLead } from '#store/leads';
import { CONFLICT, retryOnConflict } from '#store/retry';
import {
  type ClaimedTimer,
  completeTimer,
  completeTimerUpdate,
  isStillClaimed,
  timerLeadId,
} from '#store/timers';

export type FollowUpTimerOutcome = 'announced' | 'done' | 'superseded';

/**
 * A due `follow-up` timer: the time the owner planned for the next contact has come. If the open hand-off
 * still carries the follow-up the timer was armed for, `Lead Follow-up Due` goes out (to the targets that
 * list it: the sales inbox, Slack) in ONE transaction with completing the timer, held to the state as read;
 * if the contact was made, the follow-up replaced or the hand-off closed meanwhile, the timer just ends. The
 * event id names the planned follow-up, so a re-fired timer announces nothing twice.
 */
export async function runFollowUpTimer(timer: ClaimedTimer, now: EpochMs): Promise<FollowUpTimerOutcome> {
  const leadId = timerLeadId(timer) ?? '';
  const plannedAt = typeof timer.item.plannedAt === 'number' ? timer.item.plannedAt : Number.NaN;
  const outcome = await retryOnConflict(`follow-up timer of lead ${leadId}`, async () => {
    const lead = leadId ? await getLead(leadId) : undefined;
    const event = lead ? followUpDue(leadId, lead.state.handoff, plannedAt, now) : undefined;
    if (!lead || !event) {
      if (await isStillClaimed(timer)) await completeTimer(timer, null);
      return 'done' as const;
    }
    const written = await writeLead(
      {},
      {
        leadId,
        events: [event],
        extra: [stateUnchanged(leadId, lead.state.version), { Update: completeTimerUpdate(timer, null) }],
        at: now,
      },
    );
    if (written === 'saved') return 'announced' as const;
    // The state moved (decide again) or our claim is gone: re-armed for a newer plan, or already completed.
    if (!(await isStillClaimed(timer))) return 'superseded' as const;
    return CONFLICT;
  });
  logger.info('follow-up timer', { leadId, outcome, interrupted: timer.interrupted });
  return outcome;
}
