import { describe, expect, it } from 'vitest';
import { decayTimerChange, type LeadState } from '#domain/lead/lead';
import { MAX_EVENTS_PER_LEAD_HOUR, nextActivityWindow, scoreActivity } from '#domain/tracking/activity';
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
