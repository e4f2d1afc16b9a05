/**
 * Property-based tests of the guarantees the handlers rely on. The expected values are computed by an
 * independent oracle (local dates straight from Intl, decay from its definition), not by the code under test.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ScoringConfig, scoringConfigSchema } from '#config/scoring';
import { STAGES, type TimelineEntry } from '#domain/lead/types';
import { emptyBehaviour, matchRule } from '#domain/scoring/behaviour';
import {
  applyEvent,
  applyEvents,
  type BehaviourState,
  behaviourAt,
  initialScoringState,
  isForward,
  type LeadScoring,
  nextTemperatureDropAt,
  rescore,
  type ScoredEvent,
  scoreEvent,
  stageRank,
  summarize,
  temperatureFor,
} from '#domain/scoring/scoring';
import { DAY, localDate, localDaysBetween } from './helpers.ts';

const DECAYS = [
  { kind: 'none' },
  { kind: 'half-life', days: 10, step: 'continuous' },
  { kind: 'half-life', days: 7, step: 'day' },
  { kind: 'half-life', days: 14, step: 'week' },
] as const;

const makeConfig = (timeZone: string, decay: (typeof DECAYS)[number]): ScoringConfig =>
  scoringConfigSchema.parse({
    timeZone,
    fit: {
      rules: [
        { id: 'title', kind: 'keywords', attribute: 'title', tiers: [{ keywords: ['部長'], points: 20 }] },
      ],
    },
    behaviour: {
      rules: [
        { id: 'plain', type: 'plain', points: 7 },
        { id: 'negative', type: 'negative', points: -2 },
        { id: 'daily', type: 'daily', points: 3, cap: { points: 10, per: 'day' } },
        { id: 'weekly', type: 'weekly', points: 4, cap: { points: 9, per: 'week' } },
        { id: 'monthly', type: 'monthly', points: 6, cap: { points: 20, per: 'month' } },
        { id: 'milestone', type: 'milestone', points: 20, once: true },
        { id: 'pricing', type: 'page_view', url: '/pricing', points: 5, cap: { points: 15, per: 'day' } },
        { id: 'page', type: 'page_view', points: 1, cap: { points: 10, per: 'day' } },
      ],
      decay,
      lateEventWindowDays: 7,
    },
  });

const configArb = fc
  .tuple(fc.constantFrom('Asia/Tokyo', 'America/New_York'), fc.constantFrom(...DECAYS))
  .map(([tz, decay]) => makeConfig(tz, decay));

// Bases near month ends, Mondays and the New York DST changes, so periods and steps get crossed.
const BASES = [
  Date.UTC(2025, 0, 28, 12),
  Date.UTC(2025, 2, 7, 3),
  Date.UTC(2025, 9, 30, 20),
  Date.UTC(2024, 1, 26, 15),
];

/** Events within 6 days of each other: inside the 7-day late window, so no capped event is "too late". */
const eventsArb = fc
  .tuple(
    fc.constantFrom(...BASES),
    fc.array(
      fc.record({
        type: fc.constantFrom(
          'plain',
          'negative',
          'daily',
          'weekly',
          'monthly',
          'milestone',
          'page_view',
          'noise',
        ),
        offset: fc.integer({ min: 0, max: 6 * DAY }),
        url: fc.constantFrom('/pricing', '/pricing/enterprise', '/blog/a', undefined),
      }),
      { maxLength: 40 },
    ),
  )
  .map(([base, raw]) =>
    raw.map(
      (r, i): ScoredEvent => ({
        eventId: `e${i}`,
        type: r.type,
        occurredAt: base + r.offset,
        ...(r.url !== undefined && { url: r.url }),
      }),
    ),
  );

const permutationOf = <T>(items: T[]) =>
  fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length });

const scoreInOrder = (events: readonly ScoredEvent[], config: ScoringConfig) => {
  let state: BehaviourState = emptyBehaviour();
  const entries: TimelineEntry[] = [];
  for (const e of events) {
    const result = scoreEvent(state, e, config);
    state = result.behaviour;
    entries.push({
      eventId: e.eventId,
      type: e.type,
      occurredAt: e.occurredAt,
      points: result.points,
      rule: result.rule,
    });
  }
  return { state, entries };
};

// ----- oracle -------------------------------------------------------------------------------------------

const mondayOf = (date: string): string => {
  const d = Date.parse(date);
  const offset = (new Date(d).getUTCDay() + 6) % 7;
  return new Date(d - offset * DAY).toISOString().slice(0, 10);
};

const periodOf = (t: number, per: 'day' | 'week' | 'month', timeZone: string): string => {
  const date = localDate(t, timeZone);
  if (per === 'day') return date;
  if (per === 'week') return mondayOf(date);
  return date.slice(0, 7);
};

const oracleDecay = (from: number, to: number, config: ScoringConfig): number => {
  const decay = config.behaviour.decay;
  if (decay.kind === 'none' || to <= from) return 1;
  if (decay.step === 'continuous') return 0.5 ** ((to - from) / (decay.days * DAY));
  if (decay.step === 'day') return 0.5 ** (localDaysBetween(from, to, config.timeZone) / decay.days);
  const weeks =
    (Date.parse(mondayOf(localDate(to, config.timeZone))) -
      Date.parse(mondayOf(localDate(from, config.timeZone)))) /
    (7 * DAY);
  return 0.5 ** ((weeks * 7) / decay.days);
};

/** Groups entries the way points age: plain ones alone, capped ones per rule and period, once-only per rule. */
const awardGroups = (entries: TimelineEntry[], config: ScoringConfig) => {
  const groups = new Map<string, { points: number; anchor: number; cap?: number }>();
  for (const entry of entries) {
    if (entry.rule === null) continue;
    const rule = config.behaviour.rules.find((r) => r.id === entry.rule);
    if (!rule) throw new Error(`unknown rule ${entry.rule}`);
    const key = rule.cap
      ? `${rule.id}|${periodOf(entry.occurredAt, rule.cap.per, config.timeZone)}`
      : rule.once
        ? rule.id
        : entry.eventId;
    const group = groups.get(key) ?? {
      points: 0,
      anchor: entry.occurredAt,
      ...(rule.cap && { cap: rule.cap.points }),
    };
    group.points += entry.points;
    group.anchor = Math.max(group.anchor, entry.occurredAt);
    groups.set(key, group);
  }
  return [...groups.values()];
};

const addDays = (date: string, days: number): string =>
  new Date(Date.parse(date) + days * DAY).toISOString().slice(0, 10);

/** First day after the cap period starting on `start` ("YYYY-MM-DD"). */
const periodEnd = (start: string, per: 'day' | 'week' | 'month'): string => {
  if (per === 'day') return addDays(start, 1);
  if (per === 'week') return addDays(start, 7);
  const [y, m] = start.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, m ?? 1, 1)).toISOString().slice(0, 10);
};

/**
 * The events a state forgets, from the documented rule, in arrival order: once the newest counted event is
 * more than the late window past the end of a used cap period, that period is forgotten, and a later event in
 * it earns nothing and does not refresh its age. An event in a period never used that ended before the window
 * counts, unless it started before the end of a period already forgotten (then it may have been used).
 */
const forgottenEvents = (events: readonly ScoredEvent[], config: ScoringConfig): Set<string> => {
  const ignored = new Set<string>();
  const used = new Map<string, string>(); // rule|start -> end
  const forgotten = new Set<string>();
  let prunedBefore = '';
  let newest = Number.NEGATIVE_INFINITY;
  const horizon = () => localDate(newest - config.behaviour.lateEventWindowDays * DAY, config.timeZone);
  for (const e of events) {
    const rule = matchRule(e, config);
    if (!rule) continue;
    if (rule.cap) {
      const period = periodOf(e.occurredAt, rule.cap.per, config.timeZone);
      const start = rule.cap.per === 'month' ? `${period}-01` : period;
      const key = `${rule.id}|${start}`;
      const end = periodEnd(start, rule.cap.per);
      const maybeUsed =
        !used.has(key) && newest > Number.NEGATIVE_INFINITY && end <= horizon() && start < prunedBefore;
      if (forgotten.has(key) || maybeUsed) {
        ignored.add(e.eventId);
        continue;
      }
      used.set(key, end);
    }
    if (e.occurredAt > newest) {
      newest = e.occurredAt;
      for (const [key, end] of used) {
        if (end > horizon()) continue;
        used.delete(key);
        forgotten.add(key);
        if (end > prunedBefore) prunedBefore = end;
      }
    }
  }
  return ignored;
};

const close = (a: number, b: number): boolean =>
  Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

// ----- properties ---------------------------------------------------------------------------------------

describe('scoring properties', () => {
  it('property: the behaviour score equals the sum of the awarded points, each decayed from when it ages', () => {
    fc.assert(
      fc.property(configArb, eventsArb, fc.integer({ min: 0, max: 60 * DAY }), (config, events, later) => {
        // Arrange
        const { state, entries } = scoreInOrder(events, config);
        const now = Math.max(0, ...events.map((e) => e.occurredAt)) + later;

        // Act
        const actual = behaviourAt(state, now, config);

        // Assert
        const expected = awardGroups(entries, config).reduce(
          (sum, g) => sum + g.points * oracleDecay(g.anchor, now, config),
          0,
        );
        expect(close(actual, expected), `${actual} vs ${expected}`).toBe(true);
      }),
    );
  });

  it('property: events spread over 60 days, in any arrival order, never award more than a cap in a period, and the score is the sum of the awards decayed', () => {
    const spreadArb = eventsArb.map((events) =>
      events.map((e, i) => ({ ...e, occurredAt: e.occurredAt + ((i * 7919) % 60) * DAY })),
    );
    fc.assert(
      fc.property(
        configArb,
        spreadArb.chain((events) => permutationOf(events)),
        fc.integer({ min: 0, max: 60 * DAY }),
        (config, events, later) => {
          // Act
          const { state, entries } = scoreInOrder(events, config);
          const now = Math.max(0, ...events.map((e) => e.occurredAt)) + later;

          // Assert
          const forgotten = forgottenEvents(events, config);
          for (const entry of entries) if (forgotten.has(entry.eventId)) expect(entry.points).toBe(0);
          const groups = awardGroups(
            entries.filter((e) => !forgotten.has(e.eventId)),
            config,
          );
          for (const group of groups) {
            if (group.cap !== undefined) expect(Math.abs(group.points)).toBeLessThanOrEqual(group.cap + 1e-9);
          }
          const expected = groups.reduce((sum, g) => sum + g.points * oracleDecay(g.anchor, now, config), 0);
          const actual = behaviourAt(state, now, config);
          expect(close(actual, expected), `${actual} vs ${expected}`).toBe(true);
        },
      ),
    );
  });

  it('property: no capped rule ever awards more than its cap in a period, nor an event more than its rule', () => {
    fc.assert(
      fc.property(configArb, eventsArb, (config, events) => {
        // Act
        const { entries } = scoreInOrder(events, config);

        // Assert
        for (const group of awardGroups(entries, config)) {
          if (group.cap !== undefined) expect(Math.abs(group.points)).toBeLessThanOrEqual(group.cap + 1e-9);
        }
        for (const entry of entries) {
          const rule = config.behaviour.rules.find((r) => r.id === entry.rule);
          expect(Math.abs(entry.points)).toBeLessThanOrEqual(Math.abs(rule?.points ?? 0));
        }
      }),
    );
  });

  it('property: any arrival order of the same events gives the same score, and equals a rescore', () => {
    fc.assert(
      fc.property(
        configArb,
        eventsArb.chain((events) => fc.tuple(permutationOf(events), permutationOf(events))),
        fc.integer({ min: 0, max: 30 * DAY }),
        (config, [first, second], later) => {
          // Arrange
          const now = Math.max(0, ...first.map((e) => e.occurredAt)) + later;

          // Act
          const a = scoreInOrder(first, config).state;
          const b = scoreInOrder(second, config).state;
          const rescored = rescore({}, second, 'lead', config, now).scoring.behaviour;

          // Assert
          expect(close(behaviourAt(a, now, config), behaviourAt(b, now, config))).toBe(true);
          expect(close(behaviourAt(a, now, config), behaviourAt(rescored, now, config))).toBe(true);
          expect(b.once).toEqual(a.once);
          expect(b.asOf).toBe(a.asOf);
          expect(JSON.stringify(Object.keys(b.caps).sort())).toBe(JSON.stringify(Object.keys(a.caps).sort()));
        },
      ),
    );
  });

  it('property: replaying events that were already applied (live path or rescore) changes nothing', () => {
    fc.assert(
      fc.property(
        configArb,
        eventsArb.chain((events) => fc.tuple(fc.constant(events), fc.shuffledSubarray(events))),
        (config, [events, replayed]) => {
          // Arrange
          const now = Math.max(0, ...events.map((e) => e.occurredAt)) + DAY;
          const lead: LeadScoring = {
            scoring: initialScoringState({}, config),
            stage: 'lead',
            temperature: 'cold',
          };
          const applied = applyEvents(lead, events, new Set(), config, now);

          // Act
          const replay = applyEvents(applied.lead, replayed, applied.applied, config, now);
          const rescoredOnce = rescore({}, events, 'lead', config, now);
          const rescoredWithReplays = rescore({}, [...events, ...replayed], 'lead', config, now);

          // Assert
          expect(replay.lead).toEqual(applied.lead);
          expect(replay.entries).toEqual([]);
          expect(rescoredWithReplays.score).toEqual(rescoredOnce.score);
          expect(rescoredWithReplays.entries).toEqual(rescoredOnce.entries);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('property: the stage never moves back automatically, whatever the events and starting stage', () => {
    fc.assert(
      fc.property(
        configArb,
        eventsArb,
        fc.constantFrom(...STAGES),
        fc.constantFrom({}, { title: '部長' }),
        (config, events, start, attributes) => {
          // Arrange
          let lead: LeadScoring = {
            scoring: initialScoringState(attributes, config),
            stage: start,
            temperature: 'cold',
          };
          const now = Math.max(0, ...events.map((e) => e.occurredAt));

          for (const [i, e] of events.entries()) {
            // Act: time moves on between events, so decay can pull the total down.
            const outcome = applyEvent(lead, e, config, now + i * 3 * DAY);

            // Assert
            if (outcome.stageChange) {
              expect(isForward(outcome.stageChange.from ?? 'subscriber', outcome.stageChange.to)).toBe(true);
              expect(outcome.stageChange.reason).toBe('score');
            }
            expect(stageRank(outcome.stage)).toBeGreaterThanOrEqual(stageRank(lead.stage));
            lead = { scoring: outcome.scoring, stage: outcome.stage, temperature: outcome.temperature };
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('property: the next temperature drop is exact - same temperature 1 ms before, a lower one at it', () => {
    const rank = { cold: 0, warm: 1, hot: 2 } as const;
    fc.assert(
      fc.property(
        configArb,
        eventsArb,
        fc.constantFrom({}, { title: '営業部長' }),
        fc.integer({ min: 0, max: 20 * DAY }),
        (config, events, attributes, later) => {
          // Arrange
          const scoring = {
            ...initialScoringState(attributes, config),
            behaviour: scoreInOrder(events, config).state,
          };
          const now = Math.max(0, ...events.map((e) => e.occurredAt)) + later;
          const temperatureAt = (t: number) => temperatureFor(summarize(scoring, t, config).total, config);

          // Act
          const dropAt = nextTemperatureDropAt(scoring, now, config);

          // Assert
          if (dropAt === null) {
            expect(temperatureAt(now + 3650 * DAY)).toBe(temperatureAt(now));
          } else {
            expect(dropAt).toBeGreaterThan(now);
            expect(temperatureAt(dropAt - 1)).toBe(temperatureAt(now));
            expect(rank[temperatureAt(dropAt)]).toBeLessThan(rank[temperatureAt(now)]);
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});
