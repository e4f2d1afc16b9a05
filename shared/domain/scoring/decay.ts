/**
 * Temperature decay: behaviour points fade with time, so a lead nobody hears from cools down. A decay timer
 * fires at the moment decay alone would lower the temperature; this rule says what that does to the lead.
 */
import { type Lead, type LeadState, scoringOf } from '#domain/lead/lead';
import type { EpochMs } from '#domain/lead/types';
import { nextTemperatureDropAt, summarize, temperatureFor, temperatureRank } from '#domain/scoring/scoring';

/** The scoring configuration, as the scoring rules take it. */
type ScoringConfig = Parameters<typeof summarize>[2];

/**
 * What a decay timer does to a lead at `now` (pure): the decayed score, the temperature if it fell (decay
 * never warms a lead, and the stage never moves back), and when to look again (null: no drop will come).
 */
export function decayedState(
  lead: Lead,
  now: EpochMs,
  config: ScoringConfig,
): { after: LeadState; cooled: boolean; nextAt: EpochMs | null } {
  const { state } = lead;
  const scoring = scoringOf(lead);
  const score = summarize(scoring, now, config);
  const computed = temperatureFor(score.total, config);
  const cooled = temperatureRank(computed) < temperatureRank(state.temperature);
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
}
