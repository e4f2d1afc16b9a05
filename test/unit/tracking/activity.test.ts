import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decayTimerChange, type LeadState } from '#domain/lead/lead';
import {
  decideActivities,
  MAX_EVENTS_PER_LEAD_HOUR,
  nextActivityWindow,
  readCancellation,
  scoreActivity,
} from '#domain/tracking/activity';
import { anonymousAllowance } from '#domain/tracking/anonymous';
import { defaultConfig, HOUR } from '../scoring/helpers.ts';

const NOW = Date.UTC(2026, 4, 12, 1, 30);

const state = (over: Partial<LeadState> = {}): LeadState => ({
  leadId: 'l1',
  email: 'a@example.co.jp',
  stage: 'subscriber',
  stageHistory: [{ from: null, to: 'subscriber', at: 0, reason: 'capture' }],
  temperature: 'cold',
  grade: 'C',
  fit: 0,
  behaviour: { value: 0, asOf: 0, caps: {}, once: {} },
  score: { fit: 0, behaviour: 0, total: 0 },
  recentEvents: [],
  lastActivityAt: 0,
  recentSends: [],
  version: 3,
  ...over,
});

describe('the per-lead hourly bound', () => {
  it('given no window yet, when an event comes, then the window of this hour counts it', () => {
    // Arrange / Act
    const window = nextActivityWindow({}, NOW);
    // Assert
    expect(window).toEqual({ hour: Math.floor(NOW / HOUR), count: 1 });
  });

  it('given a full window of a past hour, when an event comes, then a new hour starts at one', () => {
    const past = { activityWindow: { hour: Math.floor(NOW / HOUR) - 1, count: MAX_EVENTS_PER_LEAD_HOUR } };
    expect(nextActivityWindow(past, NOW)).toEqual({ hour: Math.floor(NOW / HOUR), count: 1 });
  });

  it('given one event short of the bound, when an event comes, then it is the last one kept', () => {
    const hour = Math.floor(NOW / HOUR);
    const almost = { activityWindow: { hour, count: MAX_EVENTS_PER_LEAD_HOUR - 1 } };
    expect(nextActivityWindow(almost, NOW)).toEqual({ hour, count: MAX_EVENTS_PER_LEAD_HOUR });
    const full = { activityWindow: { hour, count: MAX_EVENTS_PER_LEAD_HOUR } };
    expect(nextActivityWindow(full, NOW)).toBeUndefined();
  });

  it('given a full window, when scored, then the event is rate limited and nothing is decided', () => {
    const full = state({ activityWindow: { hour: Math.floor(NOW / HOUR), count: MAX_EVENTS_PER_LEAD_HOUR } });
    const event = { eventId: 'e1', type: 'page_view', occurredAt: NOW, url: '/pricing' };
    expect(scoreActivity(full, event, defaultConfig, NOW)).toBe('rate_limited');
  });

  it('given a window with room for one, when a stitched history of three is decided, then all three are scored and the live room is left as it was', () => {
    // Arrange
    const hour = Math.floor(NOW / HOUR);
    const almost = state({ activityWindow: { hour, count: MAX_EVENTS_PER_LEAD_HOUR - 1 } });
    const history = ['a1', 'a2', 'a3'].map((eventId) => ({
      eventId,
      type: 'page_view',
      occurredAt: NOW - HOUR,
    }));

    // Act
    const stitched = decideActivities(almost, history, new Set(), defaultConfig, NOW, 'stitched');
    const live = decideActivities(almost, history, new Set(), defaultConfig, NOW);

    // Assert
    expect([...stitched.outcomes.values()]).toEqual(['applied', 'applied', 'applied']);
    expect(stitched.after?.activityWindow).toEqual({ hour, count: MAX_EVENTS_PER_LEAD_HOUR - 1 });
    expect([...live.outcomes.values()]).toEqual(['applied', 'rate_limited', 'rate_limited']);
  });

  it('given a lead with no window yet, when a stitched history is decided, then it is scored and opens no window', () => {
    const history = [{ eventId: 'a1', type: 'page_view', occurredAt: NOW - HOUR }];
    const stitched = decideActivities(state(), history, new Set(), defaultConfig, NOW, 'stitched');
    expect([...stitched.outcomes.values()]).toEqual(['applied']);
    expect(stitched.after?.activityWindow).toBeUndefined();
  });

  it("given a full window, when a person's sales activity is decided, then it is applied and counted, never rate limited", () => {
    const hour = Math.floor(NOW / HOUR);
    const full = state({ activityWindow: { hour, count: MAX_EVENTS_PER_LEAD_HOUR } });
    const call = [
      { eventId: 'c1', type: 'sales_activity', occurredAt: NOW, properties: { activityType: 'call' } },
    ];
    const person = decideActivities(full, call, new Set(), defaultConfig, NOW, 'person');
    expect([...person.outcomes.values()]).toEqual(['applied']);
    expect(person.after?.activityWindow).toEqual({ hour, count: MAX_EVENTS_PER_LEAD_HOUR + 1 });
  });
});

describe('decay timer arming', () => {
  it('given no armed timer, when the temperature will drop, then the timer is armed at the drop', () => {
    expect(decayTimerChange({}, NOW + HOUR, NOW)).toBe(NOW + HOUR);
  });

  it('given an armed timer before the drop, when new points move the drop later, then it is left alone', () => {
    expect(decayTimerChange({ decayCheckAt: NOW + HOUR }, NOW + 2 * HOUR, NOW)).toBeUndefined();
  });

  it('given an armed timer after the drop, when the drop comes sooner, then it is moved earlier', () => {
    expect(decayTimerChange({ decayCheckAt: NOW + 2 * HOUR }, NOW + HOUR, NOW)).toBe(NOW + HOUR);
  });

  it('given a timer that already fired, when a drop is due, then a new one is armed', () => {
    expect(decayTimerChange({ decayCheckAt: NOW - 1 }, NOW + 3 * HOUR, NOW)).toBe(NOW + 3 * HOUR);
  });

  it('given no drop ahead, when scored, then the timer is left as it is', () => {
    expect(decayTimerChange({ decayCheckAt: NOW + HOUR }, null, NOW)).toBeUndefined();
    expect(decayTimerChange({}, null, NOW)).toBeUndefined();
  });
});

describe('scoring one activity', () => {
  it('given a lead, when an event is scored, then the state moves one version on, remembers it and counts it', () => {
    // Arrange
    const before = state();
    const event = { eventId: 'e1', type: 'page_view', occurredAt: NOW - 1000, url: '/pricing' };
    // Act
    const scored = scoreActivity(before, event, defaultConfig, NOW);
    // Assert
    if (scored === 'rate_limited') throw new Error('not expected');
    expect(scored.after.version).toBe(before.version + 1);
    expect(scored.after.recentEvents).toHaveLength(1);
    expect(scored.after.activityWindow).toEqual({ hour: Math.floor(NOW / HOUR), count: 1 });
    expect(scored.after.lastActivityAt).toBe(NOW - 1000);
    expect(scored.entry.eventId).toBe('e1');
    expect(scored.after.behaviour.value).toBeGreaterThanOrEqual(before.behaviour.value);
    if (scored.decay !== undefined) expect(scored.after.decayCheckAt).toBe(scored.decay ?? undefined);
  });
});

describe('deciding a batch of events for one lead (one write)', () => {
  const download = (eventId: string, at = NOW - 60_000) => ({
    eventId,
    type: 'download',
    occurredAt: at,
  });

  it('given three new events, when decided, then the result equals scoring them one after another', () => {
    // Arrange
    const before = state();
    const events = [download('e1'), download('e2'), download('e3')];

    // Act
    const batch = decideActivities(before, events, new Set(), defaultConfig, NOW);
    let sequential = before;
    for (const event of events) {
      const scored = scoreActivity(sequential, event, defaultConfig, NOW);
      if (scored === 'rate_limited') throw new Error('unexpected');
      sequential = scored.after;
    }

    // Assert
    expect(batch.after).toEqual(sequential);
    expect(batch.after?.version).toBe(before.version + 3);
    expect(batch.entries.map((e) => [e.entry.eventId, e.baseVersion])).toEqual([
      ['e1', 3],
      ['e2', 4],
      ['e3', 5],
    ]);
    expect([...batch.outcomes.values()]).toEqual(['applied', 'applied', 'applied']);
  });

  it('given a known replay, a repeat inside the batch and a recently seen id, when decided, then each is a duplicate and only the new one is scored', () => {
    const seen = decideActivities(state(), [download('old')], new Set(), defaultConfig, NOW).after;
    if (!seen) throw new Error('unexpected');

    const batch = decideActivities(
      seen,
      [download('old'), download('replayed'), download('new'), download('new')],
      new Set(['replayed']),
      defaultConfig,
      NOW,
    );

    expect(Object.fromEntries(batch.outcomes)).toEqual({
      old: 'duplicate',
      replayed: 'duplicate',
      new: 'applied',
    });
    expect(batch.entries.map((e) => e.entry.eventId)).toEqual(['new']);
    expect(batch.after?.version).toBe(seen.version + 1);
  });

  it('given only replays, when decided, then there is nothing to write', () => {
    const batch = decideActivities(state(), [download('a')], new Set(['a']), defaultConfig, NOW);
    expect(batch.after).toBeUndefined();
    expect(batch.entries).toEqual([]);
  });

  it('given a lead one event short of its hourly bound, when two arrive in one batch, then the first is applied and the second rate_limited', () => {
    const hour = Math.floor(NOW / HOUR);
    const almost = state({ activityWindow: { hour, count: MAX_EVENTS_PER_LEAD_HOUR - 1 } });
    const batch = decideActivities(almost, [download('a'), download('b')], new Set(), defaultConfig, NOW);
    expect(Object.fromEntries(batch.outcomes)).toEqual({ a: 'applied', b: 'rate_limited' });
  });
});

describe('the guard decision: reading a cancelled batch write', () => {
  const ids = ['e1', 'e2', 'e3'];

  it('given only timeline guards failed, when read, then those events are replays and the same state may be decided again', () => {
    expect(
      readCancellation(['None', 'ConditionalCheckFailed', 'None', 'ConditionalCheckFailed'], ids),
    ).toEqual({
      replayed: ['e1', 'e3'],
      otherFailed: false,
    });
  });

  it('given the state version failed, when read, then it is a conflict (read again), with any replays named', () => {
    expect(
      readCancellation(['ConditionalCheckFailed', 'ConditionalCheckFailed', 'None', 'None'], ids),
    ).toEqual({
      replayed: ['e1'],
      otherFailed: true,
    });
  });

  it.each([
    ['a transaction conflict on an entry', ['None', 'TransactionConflict', 'None', 'None']],
    ['an outbox item beyond the entries', ['None', 'None', 'None', 'None', 'ConditionalCheckFailed']],
    ['no reasons at all', []],
  ])('given %s, when read, then it is a conflict and no replay', (_label, codes) => {
    expect(readCancellation(codes, ids)).toEqual({ replayed: [], otherFailed: true });
  });
});

describe('the per-visitor bound on anonymous events', () => {
  const limits = { maxEventsPerVisitor: 500, windowDays: 90 };
  const DAY = 86_400_000;

  it('given a new visitor, when 20 events come, then all are kept and the window starts now', () => {
    expect(anonymousAllowance(undefined, 20, NOW, limits)).toEqual({
      keep: 20,
      quota: { kept: 20, windowStart: NOW },
    });
  });

  it('given a visitor 5 short of the bound, when 20 come, then 5 are kept', () => {
    const quota = { kept: 495, windowStart: NOW - DAY };
    expect(anonymousAllowance(quota, 20, NOW, limits)).toEqual({
      keep: 5,
      quota: { kept: 500, windowStart: NOW - DAY },
    });
  });

  it('given a full window that ended, when events come, then a new window starts', () => {
    const quota = { kept: 500, windowStart: NOW - 90 * DAY };
    expect(anonymousAllowance(quota, 3, NOW, limits)).toEqual({
      keep: 3,
      quota: { kept: 3, windowStart: NOW },
    });
  });

  it('property: the kept count never exceeds the bound', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 60 }), (offers) => {
        let quota: { kept: number; windowStart: number } | undefined;
        let total = 0;
        for (const offered of offers) {
          const result = anonymousAllowance(quota, offered, NOW, limits);
          expect(result.keep).toBeLessThanOrEqual(offered);
          total += result.keep;
          quota = result.quota;
        }
        expect(total).toBeLessThanOrEqual(limits.maxEventsPerVisitor);
        expect(quota?.kept ?? 0).toBe(total);
      }),
      { numRuns: 200 },
    );
  });
});
