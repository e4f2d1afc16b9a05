import { describe, expect, it } from 'vitest';
import {
  eventHash,
  hasSeenEvent,
  type LeadProfile,
  type LeadState,
  leadScoringOf,
  marketingAllowed,
  RECENT_EVENTS,
  rememberEvent,
  scoringOf,
  stateChangeEvents,
} from '#domain/lead/lead';

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
  it('given an event id, when remembered, then it is seen; the window keeps only the most recent ids', () => {
    let recent: string[] = [];
    for (let i = 0; i < RECENT_EVENTS + 5; i++) recent = rememberEvent(recent, `e${i}`);
    expect(recent).toHaveLength(RECENT_EVENTS);
    expect(hasSeenEvent(state({ recentEvents: recent }), `e${RECENT_EVENTS + 4}`)).toBe(true);
    expect(hasSeenEvent(state({ recentEvents: recent }), 'e0')).toBe(false);
    expect(eventHash('x')).toHaveLength(8);
  });
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
