import { logger } from '#adapters/logger';
import { countSlaBreaches, slaCounterItems } from '#app/sla-counting';
import { settings } from '#config/settings';
import { onSlaTimer, slaCountersOnBreach } from '#domain/handoff/sla';
import type { EpochMs } from '#domain/lead/types';
import { isConditionalCheckFailure } from '#store/dynamodb';
import { getLead, writeLead } from '#store/leads';
import { CONFLICT, retryOnConflict } from '#store/retry';
import { readRoundRobin, roundRobinPut } from '#store/round-robin';
import {
  type ClaimedTimer,
  completeTimer,
  completeTimerUpdate,
  isStillClaimed,
  timerLeadId,
} from '#store/timers';

export type SlaTimerOutcome = 'breached' | 'reassigned' | 'rearmed' | 'cleared' | 'lost_claim';

/**
 * A due SLA timer (a hand-off's accept or first-contact deadline, whichever is earliest and pending): breach → `Lead SLA Breached` (and, if configured,
 * reassignment with `Lead Assigned` `sla_reassign` and a new deadline); accepted or closed → the timer is
 * cleared; early → re-armed at the deadline. The timer's completion is part of the same transaction as the
 * state change, so a re-fired or interrupted timer changes nothing twice (the domain also refuses a
 * deadline already handled). A conflict re-reads and decides again while the claim is still ours.
 */
export async function runSlaTimer(timer: ClaimedTimer, now: EpochMs): Promise<SlaTimerOutcome> {
  const outcome = await handleSlaTimer(timer, now);
  logger.info('sla timer', { pk: timer.pk, outcome, interrupted: timer.interrupted });
  return outcome;
}

async function handleSlaTimer(timer: ClaimedTimer, now: EpochMs): Promise<SlaTimerOutcome> {
  const leadId = timerLeadId(timer);
  const finish = async (nextAt: number | null, outcome: SlaTimerOutcome): Promise<SlaTimerOutcome> => {
    try {
      await completeTimer(timer, nextAt);
      return outcome;
    } catch (error) {
      // Deleted (accepted meanwhile) or claimed by a later sweeper: nothing left for us to do.
      if (isConditionalCheckFailure(error)) return 'lost_claim';
      throw error;
    }
  };
  return retryOnConflict(`SLA timer of lead ${leadId}`, async () => {
    const lead = leadId ? await getLead(leadId) : undefined;
    const handoff = lead?.state.handoff;
    if (!lead || !handoff) return finish(null, 'cleared');
    const roundRobin = await readRoundRobin();
    const outcome = onSlaTimer(
      { leadId: lead.state.leadId, attributes: lead.profile.attributes },
      handoff,
      settings.handoff.sla,
      settings.handoff,
      roundRobin.state,
      now,
    );
    if (!outcome.due) {
      return outcome.nextCheckAt !== undefined
        ? finish(outcome.nextCheckAt, 'rearmed')
        : finish(null, 'cleared');
    }
    const reassigned = outcome.action === 'reassign';
    const state = lead.state;
    const result = await writeLead(
      { state: state.version },
      {
        previous: lead,
        state: { ...state, handoff: outcome.handoff, version: state.version + 1 },
        events: outcome.events,
        extra: [
          {
            Update: completeTimerUpdate(timer, outcome.nextCheckAt ?? null, {
              set: { handoffNumber: handoff.n },
            }),
          },
          ...(reassigned && outcome.reassignTo
            ? [roundRobinPut(roundRobin, outcome.roundRobinState, now)]
            : []),
          ...slaCounterItems(now, slaCountersOnBreach(handoff, reassigned, outcome.clocks)),
        ],
        at: now,
      },
    );
    if (result === 'saved') {
      countSlaBreaches(outcome.events);
      return reassigned ? 'reassigned' : 'breached';
    }
    // The lead or the round-robin item moved (decide again), or our claim is gone (stop: not ours any more).
    if (!(await isStillClaimed(timer))) return 'lost_claim';
    return CONFLICT;
  });
}
