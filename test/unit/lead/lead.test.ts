import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ENTRY_SETTLE_MS,
  eventHash,
  hasSeenEvent,
  type LeadProfile,
  type LeadState,
  leadScoringOf,
  MAX_RECENT_EVENTS,
  marketingAllowed,
  needsStrongReplayCheck,
  newLead,
  rememberEvents,
  scoringOf,
  stagesReachedOf,
  stateAfterEvent,
  stateChangeEvents,
  withStageTransitions,
} from '#domain/lead/lead';
import { stageBit, stagesOf } from '#domain/lead/lifecycle';
import type { Stage, StageTransition } from '#domain/lead/types';

const profile = (over: Partial<LeadProfile> = {}): LeadProfile => ({
  leadId: 'l1',
  email: 'a@example.co.jp',
  emailKey: 'a@example.co.jp',
  attributes: {},
  fitBreakdown: {},
  channel: 'inbound_web',
  marketing: { transientBounces: 0 },
  anonymousIds: [],
  locale: 'ja',
  createdAt: 0,
  updatedAt: 0,
  version: 1,
  consent: { purpose: 'marketing_email', textVersion: 'v1', formId: 'contact', at: 0, doubleOptIn: false },
  ...over,
});

const state = (over: Partial<LeadState> = {}): LeadState => ({
  leadId: 'l1',
  email: 'a@example.co.jp',
  stage: 'lead',
  stageHistory: [{ from: null, to: 'lead', at: 0, reason: 'capture' }],
  temperature: 'cold',
  grade: 'C',
  fit: 10,
  behaviour: { value: 0, asOf: 0, caps: {}, once: {} },
  score: { fit: 10, behaviour: 0, total: 10 },
  recentEvents: [],
  lastActivityAt: 0,
  recentSends: [],
  version: 1,
  ...over,
});

describe('marketing consent', () => {
  it('given consent, when asked, then marketing is allowed', () => {
    expect(marketingAllowed(profile())).toEqual({ ok: true });
  });

  it('given no consent, an unconfirmed double opt-in, an unsubscribe or a suppression, when asked, then marketing is refused with the reason', () => {
    expect(marketingAllowed(profile({ consent: undefined }))).toEqual({ ok: false, reason: 'no_consent' });
    const doi = profile().consent;
    expect(marketingAllowed(profile({ consent: doi && { ...doi, doubleOptIn: true } }))).toEqual({
      ok: false,
      reason: 'not_confirmed',
    });
    expect(
      marketingAllowed(profile({ consent: doi && { ...doi, doubleOptIn: true, confirmedAt: 5 } })),
    ).toEqual({ ok: true });
    expect(marketingAllowed(profile({ marketing: { transientBounces: 0, unsubscribedAt: 1 } }))).toEqual({
      ok: false,
      reason: 'unsubscribed',
    });
    expect(
      marketingAllowed(
        profile({ marketing: { transientBounces: 0, suppressedAt: 1, suppressionReason: 'bounce' } }),
      ),
    ).toEqual({
      ok: false,
      reason: 'suppressed',
    });
  });
});

describe('replay guard', () => {
  const W = ENTRY_SETTLE_MS;
  const ring = (): Parameters<typeof rememberEvents>[0] => ({ recentEvents: [] });

  it('given events a settle time apart, when remembered, then the ring holds the two newest generations', () => {
    let recent = ring();
    for (let i = 0; i < 13; i++) recent = rememberEvents(recent, [`e${i}`], 1_000 + i * W);
    expect(recent.recentEvents).toEqual([eventHash('e11'), eventHash('e12')]);
    expect(recent.recentEventsOlder).toBe(1);
    // Twice the settle time later both have settled.
    recent = rememberEvents(recent, ['quiet'], 1_000 + 12 * W + 2 * W);
    expect(recent.recentEvents).toEqual([eventHash('quiet')]);
    expect(recent.recentEventsOlder).toBeUndefined();
    expect(recent.recentOverflowAt).toBeUndefined();
    expect(eventHash('x')).toHaveLength(8);
  });

  it('given a visit with an event every 2 s, when remembered, then the ring holds only the last 10 to 20 seconds', () => {
    let recent = ring();
    for (let i = 0; i < 300; i++) {
      recent = rememberEvents(recent, [`e${i}`], 1_000 + i * 2_000);
      expect(recent.recentEvents.length).toBeLessThanOrEqual(10);
      expect(hasSeenEvent(recent, `e${Math.max(0, i - 4)}`)).toBe(true);
    }
    expect(recent.recentOverflowAt).toBeUndefined();
  });

  it('given a burst within the settle time, when remembered, then nothing is dropped until it has settled', () => {
    let recent = ring();
    for (let i = 0; i < 20; i++) recent = rememberEvents(recent, [`e${i}`], 1_000 + i);
    expect(recent.recentEvents).toHaveLength(20);
    expect(needsStrongReplayCheck(recent, 1_020)).toBe(false);
    // A settle time after the burst began it becomes the generation before, still kept...
    recent = rememberEvents(recent, ['next'], 1_000 + W);
    expect(recent.recentEvents).toHaveLength(21);
    expect(recent.recentEventsOlder).toBe(20);
    // ...and the next generation's end drops it.
    recent = rememberEvents(recent, ['later'], 1_000 + 2 * W);
    expect(recent.recentEvents).toEqual([eventHash('next'), eventHash('later')]);
  });

  it('given a burst past the bound, when remembered, then strong replay checks until it settles, then it is forgotten', () => {
    let recent = ring();
    for (let i = 0; i <= MAX_RECENT_EVENTS; i++) recent = rememberEvents(recent, [`e${i}`], 5_000);
    expect(recent.recentEvents).toHaveLength(MAX_RECENT_EVENTS);
    expect(hasSeenEvent(recent, 'e0')).toBe(false);
    expect(recent.recentOverflowAt).toBe(5_000);
    expect(needsStrongReplayCheck(recent, 5_000 + W - 1)).toBe(true);
    expect(needsStrongReplayCheck(recent, 5_000 + W)).toBe(false);
    const later = rememberEvents(recent, ['quiet'], 5_000 + 2 * W);
    expect(later.recentEvents).toEqual([eventHash('quiet')]);
    expect(later.recentOverflowAt).toBeUndefined();
    expect({ ...recent, ...later }.recentOverflowAt).toBeUndefined();
  });

  it('given a remembered id again, when remembered, then it moves to the newest generation', () => {
    let recent = ring();
    for (let i = 0; i < 4; i++) recent = rememberEvents(recent, [`e${i}`], 1_000 + i);
    recent = rememberEvents(recent, ['e0', 'new'], 1_000 + W);
    expect(recent.recentEvents).toEqual(['e1', 'e2', 'e3', 'e0', 'new'].map(eventHash));
    expect(recent.recentEventsOlder).toBe(3);
    recent = rememberEvents(recent, [], 1_000 + 2 * W);
    expect(recent.recentEvents).toEqual(['e0', 'new'].map(eventHash));
  });

  it('given any sequence of writes, when an id was remembered less than a settle time ago, then it is seen or replays are read strongly', () => {
    // The invariant the eventually consistent replay check rests on ("the replay guard"): an entry whose hash
    // was remembered at A is visible to any read from A + ENTRY_SETTLE_MS; before that the ring names it, or
    // the replay check reads strongly.
    const write = fc.record({
      gap: fc.oneof(
        fc.constantFrom(0, 1, W - 1, W, W + 1, 2 * W - 1, 2 * W),
        fc.integer({ min: 0, max: 3_000 }),
        fc.integer({ min: 0, max: 3 * W }),
      ),
      ids: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 0, maxLength: 20 }),
    });
    fc.assert(
      fc.property(fc.array(write, { minLength: 1, maxLength: 80 }), (writes) => {
        let recent = ring();
        let at = 1_000;
        const rememberedAt = new Map<string, number>();
        for (const [i, w] of writes.entries()) {
          at += w.gap;
          const ids = w.ids.map((n) => `e${n}`);
          recent = rememberEvents(recent, ids, at);
          for (const id of ids) rememberedAt.set(id, at);
          if (recent.recentEvents.length > MAX_RECENT_EVENTS) return false;
          // The state stands until the next write: check at its start and at its last instant.
          const until = at + Math.max(0, (writes[i + 1]?.gap ?? W) - 1);
          for (const t of [at, until])
            for (const [id, a] of rememberedAt)
              if (t < a + W && !hasSeenEvent(recent, id) && !needsStrongReplayCheck(recent, t)) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  }, 20_000);
});

describe('state change events', () => {
  it('given a stage and temperature change, when compared, then one event each with deterministic ids', () => {
    const before = state();
    const after = state({
      stage: 'mql',
      stageHistory: [...before.stageHistory, { from: 'lead', to: 'mql', at: 10, reason: 'score' }],
      temperature: 'hot',
      version: 2,
    });

    const events = stateChangeEvents(before, after, 10);

    expect(events.map((e) => e.detailType)).toEqual(['Lead Stage Changed', 'Lead Temperature Changed']);
    expect(events[0]?.detail).toMatchObject({
      from: 'lead',
      to: 'mql',
      reason: 'score',
      eventId: 'l1:stage:2:mql',
    });
    expect(events[1]?.detail).toMatchObject({ from: 'cold', to: 'hot', eventId: 'l1:temperature:2:hot' });
    expect(stateChangeEvents(before, after, 10)).toEqual(events);
  });

  it('given a stage history at its cap (20 kept), when the lead enters the same stage again in a later write, then the event id is new (ids follow the state version, not the history length)', () => {
    // Arrange: 20 transitions kept; the history no longer grows, so its length cannot name a transition.
    const full = Array.from({ length: 20 }, (_, i) => ({
      from: i % 2 ? ('mql' as const) : ('lead' as const),
      to: i % 2 ? ('lead' as const) : ('mql' as const),
      at: i,
      reason: 'score',
    }));
    const enter = (version: number) =>
      stateChangeEvents(
        state({ stage: 'lead', stageHistory: full, version: version - 1 }),
        state({ stage: 'mql', stageHistory: full, version }),
        100 + version,
      )[0]?.detail.eventId;

    // Act
    const first = enter(41);
    const again = enter(43);

    // Assert: two real transitions, two ids (one id would make the second outbox put fail its condition).
    expect(first).toBe('l1:stage:41:mql');
    expect(again).toBe('l1:stage:43:mql');
  });

  it('given nothing changed, when compared, then no event', () => {
    expect(stateChangeEvents(state(), state({ version: 2 }), 10)).toEqual([]);
  });

  it('given a new cold lead, when compared with nothing, then only the stage is announced', () => {
    expect(stateChangeEvents(undefined, state(), 0).map((e) => e.detailType)).toEqual(['Lead Stage Changed']);
  });
});

describe('stages ever reached', () => {
  const move = (from: Stage, to: Stage, at: number): StageTransition => ({ from, to, at, reason: 'x' });

  it('given a lead recycled and re-qualified past the history bound (20 transitions), when the stages it reached are read, then the ones the history dropped are still there', () => {
    // Arrange: reached SQL once, then 10 rounds of mql → recycled (20 more transitions)
    let s = state({ stage: 'lead', stagesReached: stageBit('lead') });
    let at = 1;
    for (const [from, to] of [
      ['lead', 'mql'],
      ['mql', 'sal'],
      ['sal', 'sql'],
      ['sql', 'recycled'],
    ] as const)
      s = { ...s, ...withStageTransitions(s, [move(from, to, at++)]), stage: to };
    for (let i = 0; i < 10; i++)
      s = {
        ...s,
        ...withStageTransitions(s, [move('recycled', 'mql', at++), move('mql', 'recycled', at++)]),
      };

    // Assert: the history kept the last 20 (no SQL in them), the set kept SQL
    expect(s.stageHistory).toHaveLength(20);
    expect(s.stageHistory.some((t) => t.to === 'sql' || t.from === 'sql')).toBe(false);
    expect(stagesOf(stagesReachedOf(s))).toEqual(['lead', 'mql', 'sal', 'sql', 'recycled']);
  });

  it('given a state written before the set existed, when read, then the set comes from its stage history (from and to)', () => {
    const old = state({ stageHistory: [move('mql', 'sal', 1), move('sal', 'recycled', 2)] });
    expect(old.stagesReached).toBeUndefined();
    expect(stagesOf(stagesReachedOf(old))).toEqual(['mql', 'sal', 'recycled']);
    // The first write that moves the stage stores it, with the new stage.
    expect(stagesOf(withStageTransitions(old, [move('recycled', 'mql', 3)]).stagesReached ?? 0)).toEqual([
      'mql',
      'sal',
      'recycled',
    ]);
  });

  it('given a new lead and a scored event that moves it, when the state is built, then the set holds subscriber, then the new stage; an event without a move keeps it', () => {
    const lead = newLead({
      leadId: 'l1',
      email: 'a@example.co.jp',
      emailKey: 'a@example.co.jp',
      attributes: {},
      scoring: { fit: 0, grade: 'D', fitBreakdown: {}, behaviour: { value: 0, asOf: 0, caps: {}, once: {} } },
      channel: 'inbound_web',
      locale: 'ja',
      at: 0,
    });
    expect(lead.state.stagesReached).toBe(stageBit('subscriber'));
    const outcome = {
      scoring: scoringOf(lead),
      score: { fit: 0, behaviour: 40, total: 40 },
      temperature: 'warm' as const,
      stage: 'lead' as const,
    };
    const moved = stateAfterEvent(
      lead.state,
      { ...outcome, stageChange: move('subscriber', 'lead', 5) },
      { eventId: 'e1', occurredAt: 5 },
      5,
    );
    expect(stagesOf(moved.stagesReached ?? 0)).toEqual(['subscriber', 'lead']);
    const still = stateAfterEvent(moved, outcome, { eventId: 'e2', occurredAt: 6 }, 6);
    expect(still.stagesReached).toBe(moved.stagesReached);
    expect(still.stageHistory).toBe(moved.stageHistory);
  });
});

describe('scoring state of a lead', () => {
  it('given a lead, when its scoring is taken, then the fit breakdown comes from the profile', () => {
    const lead = { profile: profile({ fitBreakdown: { title: 10 } }), state: state() };
    expect(scoringOf(lead)).toEqual({
      fit: 10,
      grade: 'C',
      fitBreakdown: { title: 10 },
      behaviour: lead.state.behaviour,
    });
    expect(leadScoringOf(lead)).toEqual({ scoring: scoringOf(lead), stage: 'lead', temperature: 'cold' });
  });

  it('given only the state item, when its scoring is taken, then the breakdown is empty', () => {
    expect(scoringOf({ state: state() }).fitBreakdown).toEqual({});
  });
});
