import { logger } from '#adapters/logger';
import { settings } from '#config/settings';
import { stateChangeEvents } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import { decayedState } from '#domain/scoring/decay';
import { getLead, writeLead } from '#store/leads';
import { CONFLICT, retryOnConflict } from '#store/retry';
import {
  type ClaimedTimer,
  completeTimer,
  completeTimerUpdate,
  isStillClaimed,
  timerLeadId,
} from '#store/timers';

export type DecayOutcome = 'cooled' | 'rearmed' | 'cleared' | 'superseded' | 'no_lead';

/**
 * `decay` timers: armed by `recordActivity` at the moment decay alone would lower a lead's temperature.
 * When one fires, the lead's score is recomputed at `now`; if the temperature fell, the new state and its
 * `Lead Temperature Changed` event are written in ONE transaction with completing the timer, which is
 * re-armed at the next drop (or cleared when none will come). New activity since arming only moves the drop
 * later, so an early fire just re-arms.
 */
export async function runDecayTimer(timer: ClaimedTimer, now: EpochMs): Promise<DecayOutcome> {
  const leadId = timerLeadId(timer);
  const outcome = await decayLead(timer, leadId ?? '', now);
  logger.debug('decay timer', { leadId, outcome, interrupted: timer.interrupted });
  return outcome;
}

/**
 * Version conflicts are re-read and decided again; a timer whose claim was taken over (an event re-armed it
 * meanwhile) leaves the work to the new timer, so a re-fired or superseded timer changes nothing.
 */
async function decayLead(timer: ClaimedTimer, leadId: string, now: EpochMs): Promise<DecayOutcome> {
  return retryOnConflict(`decay timer of lead ${leadId}`, async () => {
    const lead = leadId ? await getLead(leadId) : undefined;
    if (!lead) {
      // The lead is gone (erased): nothing to cool, take the timer off the index.
      if (await isStillClaimed(timer)) await completeTimer(timer, null);
      return 'no_lead';
    }
    const { state } = lead;
    const { after, cooled, nextAt } = decayedState(lead, now, settings.scoring);
    const events = cooled ? stateChangeEvents(state, after, now) : [];
    const result = await writeLead(
      { state: state.version },
      {
        previous: lead,
        state: after,
        events,
        extra: [{ Update: completeTimerUpdate(timer, nextAt) }],
        at: now,
      },
    );
    if (result === 'saved') return cooled ? 'cooled' : nextAt === null ? 'cleared' : 'rearmed';
    // Either the state moved (re-read and decide again) or our claim is gone: the timer was re-armed by new
    // activity (that writer now owns it) or already completed by an earlier run of this very claim.
    if (!(await isStillClaimed(timer))) return 'superseded';
    return CONFLICT;
  });
}
