import { logger } from '#adapters/logger';
import { settings } from '#config/settings';
import { type LeadState, stateChangeEvents } from '#domain/lead/lead';
import type { EpochMs, Temperature } from '#domain/lead/types';
import { nextTemperatureDropAt, type ScoringState, summarize, temperatureFor } from '#domain/scoring/scoring';
import { leadIdFromPk } from '#store/keys';
import { backoff, getLeadState, writeLead } from '#store/leads';
import { completeTimer, completeTimerUpdate, isStillClaimed } from '#store/timers';
import type { TimerProcessor } from '../sweep.ts';

const RANK: Record<Temperature, number> = { cold: 0, warm: 1, hot: 2 };
const MAX_ATTEMPTS = 8;

export type DecayOutcome = 'cooled' | 'rearmed' | 'cleared' | 'superseded' | 'no_lead';

/**
 * What a decay timer does to a lead state at `now` (pure): the decayed score, the temperature if it fell
 * (decay never warms a lead, and the stage never moves back), and when to look again.
 */
export const decayedState = (
  state: LeadState,
  now: EpochMs,
): { after: LeadState; cooled: boolean; nextAt: EpochMs | null } => {
  const config = settings.scoring;
  const scoring: ScoringState = {
    fit: state.fit,
    grade: state.grade,
    fitBreakdown: {},
    behaviour: state.behaviour,
  };
  const score = summarize(scoring, now, config);
  const computed = temperatureFor(score.total, config);
  const cooled = RANK[computed] < RANK[state.temperature];
  const nextAt = nextTemperatureDropAt(scoring, now, config);
  const { decayCheckAt: _previous, ...rest } = state;
  return {
    after: {
      ...rest,
      score,
      temperature: cooled ? computed : state.temperature,
      ...(nextAt !== null ? { decayCheckAt: nextAt } : {}),
      version: state.version + 1,
    },
    cooled,
    nextAt,
  };
};

/**
 * `decay` timers: armed by `recordActivity` at the moment decay alone would lower a lead's temperature.
 * When one fires, the lead's score is recomputed at `now`; if the temperature fell, the new state and its
 * `Lead Temperature Changed` event are written in ONE transaction with completing the timer, which is
 * re-armed at the next drop (or cleared when none will come). New activity since arming only moves the drop
 * later, so an early fire just re-arms. Version conflicts are re-read and decided again; a timer whose claim
 * was taken over (an event re-armed it meanwhile) leaves the work to the new timer, so a re-fired or
 * superseded timer changes nothing.
 */
export const processDecayTimer: TimerProcessor = async (timer, work) => {
  const leadId = typeof timer.item.leadId === 'string' ? timer.item.leadId : leadIdFromPk(timer.pk);
  const outcome = await runDecayTimer(timer, leadId ?? '', work.now);
  logger.debug('decay timer', { leadId, outcome, interrupted: timer.interrupted });
};

export const runDecayTimer = async (
  timer: Parameters<TimerProcessor>[0],
  leadId: string,
  now: EpochMs,
): Promise<DecayOutcome> => {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const state = leadId ? await getLeadState(leadId) : undefined;
    if (!state) {
      // The lead is gone (erased): nothing to cool, take the timer off the index.
      if (await isStillClaimed(timer)) await completeTimer(timer, null);
      return 'no_lead';
    }
    const { after, cooled, nextAt } = decayedState(state, now);
    const events = cooled ? stateChangeEvents(state, after, now) : [];
    const result = await writeLead(
      { state: state.version },
      { state: after, events, extra: [{ Update: completeTimerUpdate(timer, nextAt) }], at: now },
    );
    if (result === 'saved') return cooled ? 'cooled' : nextAt === null ? 'cleared' : 'rearmed';
    // Either the state moved (re-read and decide again) or our claim is gone: the timer was re-armed by new
    // activity (that writer now owns it) or already completed by an earlier run of this very claim.
    if (!(await isStillClaimed(timer))) return 'superseded';
    await backoff(attempt);
  }
  throw new Error(`lead ${leadId} is too busy for its decay timer`);
};
