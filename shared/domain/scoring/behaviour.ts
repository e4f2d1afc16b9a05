/**
 * Behaviour score: points for what a lead does (page views, downloads, webinars, e-mail engagement), with
 * per-rule caps, once-only rules and time decay.
 *
 * The persisted state is one decayed number anchored at a time (`value` as of `asOf`), plus the cap and
 * once-only book-keeping. Every award is "p points that age from time a"; the value is the sum of all awards
 * decayed to `asOf`. Because decay is multiplicative (factor(a→b)·factor(b→c) = factor(a→c)), adding an award
 * older or newer than `asOf` gives the same sum, so events may arrive out of order.
 *
 * Which time an award ages from:
 * - a plain rule: the event's `occurredAt`;
 * - a capped rule: the newest event that matched it in that cap period; a once-only rule: the newest event
 *   that ever matched it. A repeat therefore refreshes the points' age without adding to them, and - the
 *   reason for the choice - the result does not depend on which of several events in a period happened to
 *   arrive first and take the points. The state is a function of the SET of events, whatever their order
 *   (as long as none arrives later than `lateEventWindowDays` after a newer one for a capped rule in a cap
 *   period the lead had already used: older cap periods are pruned, and an event in a pruned period earns 0 so
 *   a cap can never be exceeded). An old event in a period that was never used (a visitor's anonymous history,
 *   stitched after the form post that identified them) earns its points like any other: `prunedBefore` says
 *   which periods may have been pruned.
 */

import type { EpochMs } from '#domain/lead/types';
import { localParts } from '#domain/nurture/calendar';
import type { BehaviourRule, CapPeriod, ScoringConfig } from '#domain/scoring/config';

const DAY_MS = 86_400_000;

/** Points a capped rule has awarded in one period, and the time they age from. */
export interface CapUsage {
  points: number;
  at: EpochMs;
}

/** Persisted on the lead item; kept small because every byte costs write units. */
export interface BehaviourState {
  /** Sum of all awards decayed to `asOf`. */
  value: number;
  /** The newest award time seen; `value` is exact at this instant. */
  asOf: EpochMs;
  /** Rule id → cap period start ("YYYY-MM-DD", local) → usage. Periods older than the late window are pruned. */
  caps: Record<string, Record<string, CapUsage>>;
  /** Once-only rule id → time of the newest matching event (the award ages from it). */
  once: Record<string, EpochMs>;
  /**
   * Local day index: every cap period pruned so far ended on or before this day (`Number.MIN_SAFE_INTEGER`:
   * none was pruned). A period starting on or after it was never pruned, so its usage is all in `caps`. Absent
   * on states written before it existed, whose pruned periods are unknown: every period older than the late
   * window counts as pruned.
   */
  prunedBefore?: number;
}

/** A behaviour event as scoring sees it (the stored timeline has the same shape). */
export interface ScoredEvent {
  eventId: string;
  type: string;
  occurredAt: EpochMs;
  url?: string;
  title?: string;
  properties?: Record<string, string | number | boolean>;
}

export interface ScoredResult {
  /** Points this event earned (0 when no rule matched, the cap was reached, or a once-only rule had fired). */
  points: number;
  /** The rule that matched, also when it gave 0 points, so the timeline can say why. */
  rule: string | null;
  behaviour: BehaviourState;
}

export const emptyBehaviour = (): BehaviourState => ({
  value: 0,
  asOf: 0,
  caps: {},
  once: {},
  prunedBefore: Number.MIN_SAFE_INTEGER,
});

// ---------------------------------------------------------------------------------------------------------
// Rule matching

const MAX_URL = 2048;

/** The path of a URL or path, percent-decoded, NFKC, lower-cased; query and fragment dropped. */
export function urlPath(url: string): string | null {
  const raw = url.slice(0, MAX_URL);
  let path: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    try {
      path = new URL(raw).pathname;
    } catch {
      return null;
    }
  } else {
    path = raw.split(/[?#]/, 1)[0] ?? '';
  }
  try {
    path = decodeURIComponent(path);
  } catch {
    // A malformed escape: keep the path as sent.
  }
  return path.normalize('NFKC').toLowerCase();
}

/** `*` matches any run of characters; everything else literally. Linear backtracking, no regex: no ReDoS. */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.length && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** See the `url` field of a behaviour rule: a path prefix at a segment boundary, or a glob with `*`. */
export function pathMatches(pattern: string, path: string): boolean {
  const p = pattern.normalize('NFKC').toLowerCase();
  if (p.includes('*')) return globMatch(p, path);
  const base = p.endsWith('/') ? p.slice(0, -1) : p;
  return path === base || path.startsWith(`${base}/`);
}

function ruleMatches(rule: BehaviourRule, event: ScoredEvent): boolean {
  if (rule.type !== event.type) return false;
  if (rule.url !== undefined) {
    const path = event.url === undefined ? null : urlPath(event.url);
    if (path === null) return false;
    const patterns = typeof rule.url === 'string' ? [rule.url] : rule.url;
    if (!patterns.some((p) => pathMatches(p, path))) return false;
  }
  for (const [name, expected] of Object.entries(rule.properties ?? {})) {
    const actual = event.properties?.[name];
    if (actual === undefined) return false;
    const allowed = Array.isArray(expected) ? expected : [expected];
    // Compared as text: form posts carry "1" where config says 1.
    if (!allowed.some((v) => String(v) === String(actual))) return false;
  }
  return true;
}

/** The first rule that matches the event, or undefined. */
export function matchRule(event: ScoredEvent, config: ScoringConfig): BehaviourRule | undefined {
  return config.behaviour.rules.find((rule) => ruleMatches(rule, event));
}

// ---------------------------------------------------------------------------------------------------------
// Local calendar (cap periods and decay steps are counted in the config's time zone)

/** Days since 1970-01-01 of the local calendar date of `t`. */
export function localDayIndex(t: EpochMs, timeZone: string): number {
  const p = localParts(t, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day) / DAY_MS;
}

const civil = (day: number): { year: number; month: number; day: number } => {
  const d = new Date(day * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
};

/** Day index of the first day of the period holding `day`: itself, its Monday, or the 1st of its month. */
export function periodStartDay(day: number, per: CapPeriod): number {
  if (per === 'day') return day;
  if (per === 'week') return day - ((((day + 3) % 7) + 7) % 7); // day 0 (1970-01-01) was a Thursday
  const c = civil(day);
  return Date.UTC(c.year, c.month - 1, 1) / DAY_MS;
}

/** Day index of the first day AFTER the period starting at `startDay`. */
export function periodEndDay(startDay: number, per: CapPeriod): number {
  if (per === 'day') return startDay + 1;
  if (per === 'week') return startDay + 7;
  const c = civil(startDay);
  return Date.UTC(c.year, c.month, 1) / DAY_MS;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** "YYYY-MM-DD" of a day index: readable in the table and sortable. */
export function dayKey(day: number): string {
  const c = civil(day);
  return `${String(c.year).padStart(4, '0')}-${pad2(c.month)}-${pad2(c.day)}`;
}

const keyDay = (key: string): number => {
  const [y, m, d] = key.split('-').map(Number);
  return Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1) / DAY_MS;
};

/** The cap period key ("YYYY-MM-DD" of its first local day) holding `t`. */
export function capPeriodKey(t: EpochMs, per: CapPeriod, timeZone: string): string {
  return dayKey(periodStartDay(localDayIndex(t, timeZone), per));
}

// ---------------------------------------------------------------------------------------------------------
// Decay

/** What one point awarded at `from` is worth at `to` (`to` >= `from`; 1 when decay is off). */
export function decayFactor(from: EpochMs, to: EpochMs, config: ScoringConfig): number {
  const decay = config.behaviour.decay;
  if (decay.kind === 'none' || to <= from) return 1;
  if (decay.step === 'continuous') return 2 ** (-(to - from) / (decay.days * DAY_MS));
  const fromDay = localDayIndex(from, config.timeZone);
  const toDay = localDayIndex(to, config.timeZone);
  // Whole steps crossed between the two local dates; weeks turn on Monday.
  const steps =
    decay.step === 'day' ? toDay - fromDay : Math.floor((toDay + 3) / 7) - Math.floor((fromDay + 3) / 7);
  const stepDays = decay.step === 'day' ? 1 : 7;
  return 0.5 ** ((steps * stepDays) / decay.days);
}

/** Behaviour points after decay at `now` (no decay before `asOf`: an event "from the future" counts in full). */
export function behaviourAt(state: BehaviourState, now: EpochMs, config: ScoringConfig): number {
  return state.value * decayFactor(state.asOf, Math.max(now, state.asOf), config);
}

type Anchored = Pick<BehaviourState, 'value' | 'asOf'>;

/** Moves the anchor forward to `at` (no-op when `at` is not newer). */
function anchorAt(s: Anchored, at: EpochMs, config: ScoringConfig): Anchored {
  return at > s.asOf ? { value: s.value * decayFactor(s.asOf, at, config), asOf: at } : s;
}

/** Adds `points` that age from `at`. */
function addAward(s: Anchored, points: number, at: EpochMs, config: ScoringConfig): Anchored {
  const a = anchorAt(s, at, config);
  return points === 0 ? a : { value: a.value + points * decayFactor(at, a.asOf, config), asOf: a.asOf };
}

/** Re-dates an existing award of `points` from `from` to the newer `to`. */
function moveAward(s: Anchored, points: number, from: EpochMs, to: EpochMs, config: ScoringConfig): Anchored {
  const a = anchorAt(s, to, config);
  if (points === 0 || to <= from) return a;
  const gain = points * (decayFactor(to, a.asOf, config) - decayFactor(from, a.asOf, config));
  return { value: a.value + gain, asOf: a.asOf };
}

// ---------------------------------------------------------------------------------------------------------
// Scoring one event

const capRules = new WeakMap<ScoringConfig, Map<string, CapPeriod>>();

function capPeriodsOf(config: ScoringConfig): Map<string, CapPeriod> {
  let periods = capRules.get(config);
  if (!periods) {
    periods = new Map(config.behaviour.rules.flatMap((r) => (r.cap ? [[r.id, r.cap.per] as const] : [])));
    capRules.set(config, periods);
  }
  return periods;
}

/** First local day still inside the late window of `asOf`; cap periods ending before it are gone. */
const horizonDay = (asOf: EpochMs, config: ScoringConfig): number =>
  localDayIndex(asOf - config.behaviour.lateEventWindowDays * DAY_MS, config.timeZone);

/**
 * Drops cap periods that ended before the late window, and those of rules no longer capped; `prunedBefore`
 * (when the state keeps it) moves on to the end of the newest period dropped.
 */
function pruneCaps(
  state: Pick<BehaviourState, 'caps' | 'prunedBefore'>,
  asOf: EpochMs,
  config: ScoringConfig,
): Pick<BehaviourState, 'caps' | 'prunedBefore'> {
  const horizon = horizonDay(asOf, config);
  const periods = capPeriodsOf(config);
  const kept: BehaviourState['caps'] = {};
  let prunedBefore = state.prunedBefore;
  const dropped = (end: number) => {
    if (prunedBefore !== undefined) prunedBefore = Math.max(prunedBefore, end);
  };
  for (const [ruleId, usage] of Object.entries(state.caps)) {
    const per = periods.get(ruleId);
    const live: [string, CapUsage][] = [];
    for (const [key, used] of Object.entries(usage)) {
      // A rule no longer capped: its period is unknown, a month is the longest.
      const end = per ? periodEndDay(keyDay(key), per) : keyDay(key) + 31;
      if (per && end > horizon) live.push([key, used]);
      else dropped(end);
    }
    if (live.length > 0) kept[ruleId] = Object.fromEntries(live);
  }
  return { caps: kept, ...(prunedBefore !== undefined ? { prunedBefore } : {}) };
}

function scoreCapped(
  state: BehaviourState,
  rule: BehaviourRule & { cap: NonNullable<BehaviourRule['cap']> },
  at: EpochMs,
  config: ScoringConfig,
): ScoredResult {
  const startDay = periodStartDay(localDayIndex(at, config.timeZone), rule.cap.per);
  const key = dayKey(startDay);
  const used = state.caps[rule.id]?.[key];
  // A period still in `caps` was never pruned (pruning drops a period whole), nor one that has not ended
  // before the horizon (the horizon only moves forward): their usage is all known. Only an absent period
  // that ended before it, and started before `prunedBefore`, may have been forgotten.
  const mayBePruned =
    used === undefined &&
    periodEndDay(startDay, rule.cap.per) <= horizonDay(state.asOf, config) &&
    (state.prunedBefore === undefined || startDay < state.prunedBefore);
  if (mayBePruned) {
    // What its period awarded may be forgotten: awarding could exceed the cap, so a very late event earns
    // nothing. A period never used (a stitched visitor's history, older than the lead's first event) scores.
    return { points: 0, rule: rule.id, behaviour: state };
  }
  const usedPoints = used?.points ?? 0;
  const room = Math.max(0, rule.cap.points - Math.abs(usedPoints));
  const points = Math.sign(rule.points) * Math.min(Math.abs(rule.points), room);
  const newest = Math.max(used?.at ?? at, at);
  let anchored: Anchored = state;
  if (used) anchored = moveAward(anchored, used.points, used.at, newest, config);
  anchored = addAward(anchored, points, newest, config);
  const caps = {
    ...state.caps,
    [rule.id]: { ...state.caps[rule.id], [key]: { points: usedPoints + points, at: newest } },
  };
  return { points, rule: rule.id, behaviour: { ...state, ...anchored, caps } };
}

function scoreOnce(
  state: BehaviourState,
  rule: BehaviourRule,
  at: EpochMs,
  config: ScoringConfig,
): ScoredResult {
  const firedAt = state.once[rule.id];
  if (firedAt === undefined) {
    const anchored = addAward(state, rule.points, at, config);
    return {
      points: rule.points,
      rule: rule.id,
      behaviour: { ...state, ...anchored, once: { ...state.once, [rule.id]: at } },
    };
  }
  if (at <= firedAt) return { points: 0, rule: rule.id, behaviour: state };
  const anchored = moveAward(state, rule.points, firedAt, at, config);
  return {
    points: 0,
    rule: rule.id,
    behaviour: { ...state, ...anchored, once: { ...state.once, [rule.id]: at } },
  };
}

/**
 * Scores one behaviour event against the state. The caller guarantees each eventId is scored once (the
 * table's condition on eventId); the order of events does not matter.
 */
export function scoreEvent(state: BehaviourState, event: ScoredEvent, config: ScoringConfig): ScoredResult {
  const rule = matchRule(event, config);
  if (!rule) return { points: 0, rule: null, behaviour: state };
  const at = event.occurredAt;
  let result: ScoredResult;
  if (rule.once) result = scoreOnce(state, rule, at, config);
  else if (rule.cap) result = scoreCapped(state, { ...rule, cap: rule.cap }, at, config);
  else {
    const anchored = addAward(state, rule.points, at, config);
    result = { points: rule.points, rule: rule.id, behaviour: { ...state, ...anchored } };
  }
  const { behaviour } = result;
  // Time moved on: forget cap periods that can no longer receive events.
  if (behaviour.asOf > state.asOf) {
    result = { ...result, behaviour: { ...behaviour, ...pruneCaps(behaviour, behaviour.asOf, config) } };
  }
  return result;
}
