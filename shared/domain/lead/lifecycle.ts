/**
 * Lifecycle stage order and the automatic (score-driven) moves.
 *
 * Rules, in one place:
 * - Score moves a lead FORWARD only, and only among subscriber → lead → mql. SAL and beyond are sales
 *   actions (accept, qualify, convert); score never moves a lead back, not even when behaviour decays.
 * - A recycled lead is back in nurture. It re-qualifies to mql when its total CROSSES the mql threshold
 *   (below before the change, at or above after). Requiring a crossing stops a lead that sales just recycled
 *   at a high score from bouncing straight back on its next page view; it must cool down and warm up again.
 * - A disqualified lead never moves by score.
 */

import { FUNNEL_STAGES, STAGES, type Stage } from '#domain/lead/types';
import type { ScoringConfig } from '#domain/scoring/config';

/**
 * A set of stages as one number: bit i stands for `STAGES[i]` (all ten fit below 1024). The state keeps the
 * stages a lead has ever been in this way (`stagesReached`): a few bytes on an item written on every
 * tracking event and billed per started KB, where a list of names would cost tens.
 */
export const stageBit = (stage: Stage): number => 1 << STAGES.indexOf(stage);
/** The stages of a `stageBit` set, in lifecycle order. */
export const stagesOf = (set: number): Stage[] => STAGES.filter((s) => (set & stageBit(s)) !== 0);

/** `StageTransition.reason` for moves made by the score. */
export const SCORE_REASON = 'score';

const FUNNEL_RANK: ReadonlyMap<Stage, number> = new Map(FUNNEL_STAGES.map((stage, i) => [stage, i]));
const LEAD_RANK = FUNNEL_RANK.get('lead') ?? 1;

/**
 * Position in the funnel: subscriber 0 … customer 6. A recycled lead ranks with `lead` (it is back in
 * nurture), a disqualified one below everything (-1): it is outside the funnel.
 */
export function stageRank(stage: Stage): number {
  if (stage === 'recycled') return LEAD_RANK;
  if (stage === 'disqualified') return -1;
  return FUNNEL_RANK.get(stage) ?? -1;
}

/**
 * True when moving `from` → `to` goes further down the funnel. Moving into recycled or disqualified is
 * never "forward" (those are sales decisions), and nothing is forward from disqualified: reviving such a
 * lead is a deliberate act, not a forward move.
 */
export function isForward(from: Stage, to: Stage): boolean {
  if (from === 'disqualified' || to === 'recycled' || to === 'disqualified') return false;
  return stageRank(to) > stageRank(from);
}

/** The stage a total alone earns: mql, lead or subscriber. */
function stageForTotal(total: number, config: ScoringConfig): Stage {
  if (total >= config.stages.mql) return 'mql';
  if (total >= config.stages.lead) return 'lead';
  return 'subscriber';
}

/**
 * The stage after an automatic (score) evaluation. Never moves back; leaves sal and beyond, and
 * disqualified, alone. `previousTotal` (the total just before the change being evaluated) lets a recycled
 * lead re-qualify on an upward crossing of the mql threshold; without it a recycled lead stays recycled.
 */
export function automaticStage(
  current: Stage,
  total: number,
  config: ScoringConfig,
  previousTotal?: number,
): Stage {
  if (current === 'recycled') {
    const crossed =
      previousTotal !== undefined && previousTotal < config.stages.mql && total >= config.stages.mql;
    return crossed ? 'mql' : current;
  }
  if (current !== 'subscriber' && current !== 'lead' && current !== 'mql') return current;
  const earned = stageForTotal(total, config);
  return isForward(current, earned) ? earned : current;
}
