/**
 * Lead scoring: the one module handlers call. Total = fit + decayed behaviour; the total gives the
 * temperature (cold / warm / hot) and automatic lifecycle moves (see `lifecycle.ts`).
 *
 * Guarantees the handlers rely on (each backed by a property test in `test/unit/scoring/`):
 * - the behaviour score equals the sum of the points on the timeline, each decayed from the time it ages from;
 * - no capped rule ever awards more than its cap in a period;
 * - the result depends on the set of events, not the order they arrived in (`rescore` equals live scoring);
 * - replaying an event id that was already applied changes nothing (`applyEvents`, `rescore`);
 * - the stage never moves back automatically.
 *
 * Summaries are rounded to one decimal, and the temperature is read from the rounded total, so what ops see
 * on screen (e.g. "80.0") is exactly what decided "hot".
 */

import { automaticStage, SCORE_REASON } from '#domain/lead/lifecycle';
import type {
  EpochMs,
  Grade,
  LeadAttributes,
  ScoreSummary,
  Stage,
  StageTransition,
  Temperature,
  TimelineEntry,
} from '#domain/lead/types';
import {
  type BehaviourState,
  behaviourAt,
  emptyBehaviour,
  type ScoredEvent,
  scoreEvent,
} from '#domain/scoring/behaviour';
import type { ScoringConfig } from '#domain/scoring/config';
import { computeFit } from '#domain/scoring/fit';

export { automaticStage, isForward, SCORE_REASON, stageRank } from '#domain/lead/lifecycle';
export type { BehaviourState, CapUsage, ScoredEvent, ScoredResult } from '#domain/scoring/behaviour';
export { behaviourAt, emptyBehaviour, scoreEvent } from '#domain/scoring/behaviour';
export type { FitResult } from '#domain/scoring/fit';
export { computeFit, gradeFor, parseEmployees } from '#domain/scoring/fit';

/** Everything about scoring that is persisted on the lead item. */
export interface ScoringState {
  fit: number;
  grade: Grade;
  fitBreakdown: Record<string, number>;
  behaviour: BehaviourState;
}

/** The scoring-relevant part of a lead, as handlers load it. */
export interface LeadScoring {
  scoring: ScoringState;
  stage: Stage;
  temperature: Temperature;
}

/** What changed when scoring a lead; handlers persist it and publish the changes (outbox). */
export interface ScoringOutcome {
  scoring: ScoringState;
  score: ScoreSummary;
  temperature: Temperature;
  stage: Stage;
  temperatureChange?: { from: Temperature; to: Temperature };
  stageChange?: StageTransition;
  /** When the temperature will next fall through decay alone (schedule a timer), or null. */
  nextTemperatureDropAt: EpochMs | null;
}

export interface EventOutcome extends ScoringOutcome {
  entry: TimelineEntry;
}

const TEMPERATURE_RANK: Record<Temperature, number> = { cold: 0, warm: 1, hot: 2 };

/** Cold < warm < hot: the one ordering of temperatures (decay never warms a lead, ranks say whether it cooled). */
export function temperatureRank(temperature: Temperature): number {
  return TEMPERATURE_RANK[temperature];
}

/** One decimal, without "-0". */
const round1 = (x: number): number => {
  const r = Math.round(x * 10) / 10;
  return r === 0 ? 0 : r;
};

export function initialScoringState(attributes: LeadAttributes, config: ScoringConfig): ScoringState {
  const { fit, grade, breakdown } = computeFit(attributes, config);
  return { fit, grade, fitBreakdown: breakdown, behaviour: emptyBehaviour() };
}

/** Fit, decayed behaviour and total at `now`, each to one decimal; `total` is exactly `fit + behaviour`. */
export function summarize(state: ScoringState, now: EpochMs, config: ScoringConfig): ScoreSummary {
  const fit = round1(state.fit);
  const behaviour = round1(behaviourAt(state.behaviour, now, config));
  return { fit, behaviour, total: round1(fit + behaviour) };
}

export function temperatureFor(total: number, config: ScoringConfig): Temperature {
  if (total >= config.temperature.hot) return 'hot';
  if (total >= config.temperature.warm) return 'warm';
  return 'cold';
}

// Far enough for any sane half-life, near enough that dates stay valid for Intl (step decay).
const SEARCH_LIMIT_MS = 1000 * 365 * 86_400_000;

/**
 * The first millisecond after `now` at which decay alone lowers the temperature, or null when it never will
 * (no decay, no positive behaviour, or fit alone keeps the current temperature). Exact: at the returned time
 * `temperatureFor(summarize(...).total)` is lower, one millisecond earlier it is not.
 */
export function nextTemperatureDropAt(
  state: ScoringState,
  now: EpochMs,
  config: ScoringConfig,
): EpochMs | null {
  if (config.behaviour.decay.kind === 'none' || state.behaviour.value <= 0) return null;
  const temperatureAt = (t: EpochMs): Temperature =>
    temperatureFor(summarize(state, t, config).total, config);
  const current = temperatureAt(now);
  // Behaviour decays towards 0, so the total tends to the rounded fit.
  if (TEMPERATURE_RANK[temperatureFor(round1(state.fit), config)] >= TEMPERATURE_RANK[current]) return null;
  // Behaviour only falls over time, so the temperature is monotone: double a bound, then bisect.
  let lo = now;
  let span = 3_600_000;
  while (temperatureAt(now + span) === current) {
    lo = now + span;
    span *= 2;
    if (span > SEARCH_LIMIT_MS) return null;
  }
  let hi = now + span;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (temperatureAt(mid) === current) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Shared tail of every scoring change: summary, temperature, automatic stage, and what changed. */
function evaluate(
  lead: LeadScoring,
  scoring: ScoringState,
  previousTotal: number | undefined,
  config: ScoringConfig,
  now: EpochMs,
): ScoringOutcome {
  const score = summarize(scoring, now, config);
  const temperature = temperatureFor(score.total, config);
  const stage = automaticStage(lead.stage, score.total, config, previousTotal);
  return {
    scoring,
    score,
    temperature,
    stage,
    ...(temperature !== lead.temperature && {
      temperatureChange: { from: lead.temperature, to: temperature },
    }),
    ...(stage !== lead.stage && {
      stageChange: { from: lead.stage, to: stage, at: now, reason: SCORE_REASON },
    }),
    nextTemperatureDropAt: nextTemperatureDropAt(scoring, now, config),
  };
}

/**
 * The property a timeline entry carries when capture recorded it without scoring it (a form posted again in
 * the period its points were already earned in, `scoreOncePer`). A rescore keeps that decision: the entry
 * stays at 0 points, as live scoring left it.
 */
export const NOT_SCORED_PROPERTY = 'notScored';

const toEntry = (event: ScoredEvent, points: number, rule: string | null): TimelineEntry => ({
  eventId: event.eventId,
  type: event.type,
  occurredAt: event.occurredAt,
  points,
  rule,
  ...(event.url !== undefined && { url: event.url }),
  ...(event.title !== undefined && { title: event.title }),
  ...(event.properties !== undefined && { properties: event.properties }),
});

/** One call for the tracking handler: apply an event to a lead's scoring and say what changed. */
export function applyEvent(
  lead: LeadScoring,
  event: ScoredEvent,
  config: ScoringConfig,
  now: EpochMs,
): EventOutcome {
  const previousTotal = summarize(lead.scoring, now, config).total;
  const { points, rule, behaviour } = scoreEvent(lead.scoring.behaviour, event, config);
  const scoring = { ...lead.scoring, behaviour };
  return { entry: toEntry(event, points, rule), ...evaluate(lead, scoring, previousTotal, config, now) };
}

/** When a lead's attributes change (form post, import, CRM update): new fit, same behaviour. */
export function applyAttributes(
  lead: LeadScoring,
  attributes: LeadAttributes,
  config: ScoringConfig,
  now: EpochMs,
): ScoringOutcome {
  const previousTotal = summarize(lead.scoring, now, config).total;
  const { fit, grade, breakdown } = computeFit(attributes, config);
  const scoring = { ...lead.scoring, fit, grade, fitBreakdown: breakdown };
  return evaluate(lead, scoring, previousTotal, config, now);
}

/**
 * Applies events in the order given, skipping event ids in `applied` and repeated ids within the batch -
 * the same guarantee the table's eventId condition gives the live path (for imports and replays).
 */
export function applyEvents(
  lead: LeadScoring,
  events: readonly ScoredEvent[],
  applied: ReadonlySet<string>,
  config: ScoringConfig,
  now: EpochMs,
): { lead: LeadScoring; entries: TimelineEntry[]; stageChanges: StageTransition[]; applied: Set<string> } {
  const seen = new Set(applied);
  const entries: TimelineEntry[] = [];
  const stageChanges: StageTransition[] = [];
  let current = lead;
  for (const event of events) {
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    const outcome = applyEvent(current, event, config, now);
    entries.push(outcome.entry);
    if (outcome.stageChange) stageChanges.push(outcome.stageChange);
    current = { scoring: outcome.scoring, stage: outcome.stage, temperature: outcome.temperature };
  }
  return { lead: current, entries, stageChanges, applied: seen };
}

const byTimeThenId = (a: ScoredEvent, b: ScoredEvent): number =>
  a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);

/**
 * Recomputes a lead's scoring from its attributes and stored timeline under a (new) config: after a rules
 * change, or to repair. Duplicate event ids count once; events are replayed oldest first. The stage may move
 * forward under the new rules (never back); a recycled lead stays recycled, since a rescore is not a sign of
 * renewed interest. `entries` carry each event's points and rule under the new config; an entry capture
 * recorded without points (`NOT_SCORED_PROPERTY`) stays without them.
 */
export function rescore(
  attributes: LeadAttributes,
  timeline: readonly ScoredEvent[],
  stage: Stage,
  config: ScoringConfig,
  now: EpochMs,
): {
  scoring: ScoringState;
  score: ScoreSummary;
  temperature: Temperature;
  stage: Stage;
  stageChange?: StageTransition;
  nextTemperatureDropAt: EpochMs | null;
  entries: TimelineEntry[];
} {
  const unique = [...new Map(timeline.map((e) => [e.eventId, e] as const).reverse()).values()];
  const ordered = unique.sort(byTimeThenId);
  let behaviour = emptyBehaviour();
  const entries: TimelineEntry[] = [];
  for (const event of ordered) {
    if (event.properties?.[NOT_SCORED_PROPERTY] !== undefined) {
      entries.push(toEntry(event, 0, null));
      continue;
    }
    const result = scoreEvent(behaviour, event, config);
    behaviour = result.behaviour;
    entries.push(toEntry(event, result.points, result.rule));
  }
  const scoring = { ...initialScoringState(attributes, config), behaviour };
  // The stored temperature is not an input: the caller compares it with the result.
  const { temperatureChange: _unused, ...outcome } = evaluate(
    { scoring, stage, temperature: 'cold' },
    scoring,
    undefined,
    config,
    now,
  );
  return { ...outcome, entries };
}
