import { describe, expect, it } from 'vitest';
import type { ScoringConfig } from '#config/scoring';
import {
  type BehaviourState,
  behaviourAt,
  capPeriodKey,
  decayFactor,
  emptyBehaviour,
  globMatch,
  matchRule,
  pathMatches,
  type ScoredEvent,
  scoreEvent,
  urlPath,
} from '#domain/scoring/behaviour';
import { configWith, DAY, defaultConfig, event, HOUR, jst } from './helpers.ts';

const scoreAll = (events: ScoredEvent[], config: ScoringConfig = defaultConfig) => {
  let state: BehaviourState = emptyBehaviour();
  const points: number[] = [];
  for (const e of events) {
    const result = scoreEvent(state, e, config);
    state = result.behaviour;
    points.push(result.points);
  }
  return { state, points };
};

const noDecay = configWith({ behaviour: { rules: defaultConfig.behaviour.rules, decay: { kind: 'none' } } });

describe('behaviour rules (default config)', () => {
  it.each([
    [event('form_submitted', 0, { properties: { formId: 'contact' } }), 'contact-form', 50],
    [event('form_submitted', 0, { properties: { formId: 'whitepaper' } }), 'whitepaper-form', 10],
    [event('form_submitted', 0, { properties: { formId: 'newsletter' } }), null, 0],
    [event('download', 0), 'download', 10],
    [event('webinar_registered', 0), 'webinar-registration', 10],
    [event('webinar_attended', 0), 'webinar-attendance', 20],
    [event('page_view', 0, { url: 'https://www.example.co.jp/pricing?plan=pro#faq' }), 'product-pages', 5],
    [event('page_view', 0, { url: '/ja/pricing' }), 'product-pages', 5],
    [event('page_view', 0, { url: '/products/analytics' }), 'product-pages', 5],
    [event('page_view', 0, { url: '/pricing-history' }), 'page-view', 1],
    [event('page_view', 0, { url: '/recruit/engineers' }), 'careers-pages', -10],
    [event('page_view', 0), 'page-view', 1],
    [event('email_open', 0), 'email-open', 3],
    [event('email_click', 0), 'email-click', 5],
    [event('custom_thing', 0), null, 0],
  ])('given %o, then rule %s gives %d points', (e, rule, points) => {
    // Act
    const result = scoreEvent(emptyBehaviour(), e, defaultConfig);

    // Assert
    expect(result.rule).toBe(rule);
    expect(result.points).toBe(points);
  });

  it('given a form id sent as a number where config says text, then properties still match (compared as text)', () => {
    // Arrange
    const config = configWith({
      behaviour: {
        rules: [{ id: 'form-7', type: 'form_submitted', properties: { formId: '7' }, points: 4 }],
      },
    });

    // Act
    const rule = matchRule(event('form_submitted', 0, { properties: { formId: 7 } }), config);

    // Assert
    expect(rule?.id).toBe('form-7');
  });
});

describe('URL patterns (no regular expressions)', () => {
  it.each([
    ['/pricing', '/pricing', true],
    ['/pricing', '/pricing/', true],
    ['/pricing', '/pricing/enterprise', true],
    ['/pricing', '/pricing-old', false],
    ['/*/pricing', '/ja/pricing', true],
    ['/*/pricing', '/ja/pricing/x', false],
    ['/blog/*', '/blog/2025/01/post', true],
    ['/料金', '/料金/プラン', true],
  ])('given pattern %s and path %s, then the match is %s', (pattern, path, expected) => {
    // Act / Assert
    expect(pathMatches(pattern, path)).toBe(expected);
  });

  it('given an absolute, percent-encoded URL, then its decoded path is matched without query or fragment', () => {
    // Act / Assert
    expect(urlPath('https://example.co.jp/%E6%96%99%E9%87%91?a=1#b')).toBe('/料金');
    expect(urlPath('/Pricing?utm_source=x')).toBe('/pricing');
  });

  it('given a pathological pattern and input, then globbing finishes quickly (no catastrophic backtracking)', () => {
    // Arrange
    const pattern = `${'*a'.repeat(50)}b`;
    const text = 'a'.repeat(2048);

    // Act
    const started = performance.now();
    const matched = globMatch(pattern, text);

    // Assert
    expect(matched).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('caps', () => {
  it('given 12 page views on one Tokyo day, then only 10 points are awarded that day', () => {
    // Arrange
    const views = Array.from({ length: 12 }, (_, i) =>
      event('page_view', jst(2025, 4, 1, 9, i), { url: '/blog' }),
    );

    // Act
    const { state, points } = scoreAll(views, noDecay);

    // Assert
    expect(points).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(behaviourAt(state, jst(2025, 4, 2), noDecay)).toBe(10);
  });

  it('given views at 23:59 and 00:01 Tokyo time, then they fall in different days (UTC would say the same day)', () => {
    // Arrange: 14:59Z and 15:01Z are the same UTC date but two Japanese dates.
    const late = Array.from({ length: 10 }, () => event('page_view', jst(2025, 4, 1, 23, 59)));
    const next = event('page_view', jst(2025, 4, 2, 0, 1));

    // Act
    const { points, state } = scoreAll([...late, next], noDecay);

    // Assert
    expect(points.at(-1)).toBe(1);
    expect(Object.keys(state.caps['page-view'] ?? {})).toEqual(['2025-04-01', '2025-04-02']);
  });

  it('given weekly e-mail opens, then the week starts on Monday in Tokyo', () => {
    // Act / Assert: 2025-04-06 is a Sunday, 2025-04-07 a Monday.
    expect(capPeriodKey(jst(2025, 4, 6, 23), 'week', 'Asia/Tokyo')).toBe('2025-03-31');
    expect(capPeriodKey(jst(2025, 4, 7, 0), 'week', 'Asia/Tokyo')).toBe('2025-04-07');
    expect(capPeriodKey(jst(2025, 4, 30, 23), 'month', 'Asia/Tokyo')).toBe('2025-04-01');
  });

  it('given cap periods older than the late window, then they are pruned from the stored state', () => {
    // Arrange
    const days = Array.from({ length: 30 }, (_, d) => event('page_view', jst(2025, 4, 1, 12) + d * DAY));

    // Act
    const { state } = scoreAll(days, noDecay);

    // Assert: the last 7 days plus today remain, whatever the history length.
    expect(Object.keys(state.caps['page-view'] ?? {}).length).toBeLessThanOrEqual(8);
  });

  it('given a capped event older than the late window arriving after newer ones, then it earns 0 (cap cannot be exceeded)', () => {
    // Arrange
    const early = Array.from({ length: 10 }, () => event('page_view', jst(2025, 4, 1, 10)));
    const later = event('page_view', jst(2025, 4, 20, 10));
    const straggler = event('page_view', jst(2025, 4, 1, 11));

    // Act
    const { points } = scoreAll([...early, later, straggler], noDecay);

    // Assert
    expect(points.at(-1)).toBe(0);
  });

  it('given capped events older than the late window arriving after a newer one, in periods the lead never used (a stitched visitor history), then they earn their points up to each period cap', () => {
    // Arrange: the form post first, then the history of three weeks before it (12 views on one day).
    const form = event('download', jst(2025, 4, 20, 10));
    const history = [
      ...Array.from({ length: 12 }, (_, i) => event('page_view', jst(2025, 4, 1, 10, i))),
      event('page_view', jst(2025, 4, 2, 10)),
    ];

    // Act
    const { points, state } = scoreAll([form, ...history], noDecay);

    // Assert: 10 a day (the cap), then 1 on the next day
    expect(points).toEqual([10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1]);
    expect(behaviourAt(state, jst(2025, 4, 20, 11), noDecay)).toBe(21);
  });

  it('given a monthly-capped period still open when a shorter period before it was pruned, when a second event of that month arrives, then it earns its points (the period was never pruned)', () => {
    // Arrange: monthly rule (cap 20) used on Apr 2; a page view on Apr 1 whose day period is pruned on Apr 20.
    const config = configWith({
      behaviour: {
        rules: [
          { id: 'monthly', type: 'webinar_attended', points: 6, cap: { points: 20, per: 'month' } },
          { id: 'page', type: 'page_view', points: 1, cap: { points: 10, per: 'day' } },
        ],
        decay: { kind: 'none' },
      },
    });
    const events = [
      event('page_view', jst(2025, 4, 1, 10)),
      event('webinar_attended', jst(2025, 4, 2, 10)),
      event('page_view', jst(2025, 4, 20, 10)),
      event('webinar_attended', jst(2025, 4, 15, 10)),
    ];

    // Act
    const { points, state } = scoreAll(events, config);

    // Assert: the same as in time order, 6 + 6 in April.
    expect(points).toEqual([1, 6, 1, 6]);
    expect(state.caps.monthly?.['2025-04-01']?.points).toBe(12);
  });

  it('given a state written before pruned periods were tracked, when a capped event older than the late window arrives, then it earns 0 as before', () => {
    // Arrange: a legacy state (no prunedBefore) whose old periods may have been pruned.
    const legacy: BehaviourState = { value: 10, asOf: jst(2025, 4, 20, 10), caps: {}, once: {} };

    // Act
    const result = scoreEvent(legacy, event('page_view', jst(2025, 4, 1, 10)), noDecay);

    // Assert
    expect(result.points).toBe(0);
  });
});

describe('once-only rules', () => {
  const config = configWith({
    behaviour: {
      rules: [{ id: 'trial', type: 'trial_started', points: 30, once: true }],
      decay: { kind: 'half-life', days: 10 },
    },
  });

  it('given the same once-only signal twice, then it counts once and the repeat refreshes its age', () => {
    // Arrange
    const first = event('trial_started', jst(2025, 4, 1));
    const repeat = event('trial_started', jst(2025, 4, 11));

    // Act
    const { state, points } = scoreAll([first, repeat], config);

    // Assert: 30 points aging from Apr 11, not 30 + 30 and not 15.
    expect(points).toEqual([30, 0]);
    expect(behaviourAt(state, jst(2025, 4, 11), config)).toBeCloseTo(30, 9);
  });
});

describe('decay', () => {
  it('given a 30-day half-life, then one point is worth half after 30 days and a quarter after 60', () => {
    // Arrange
    const config = configWith({ behaviour: { decay: { kind: 'half-life', days: 30 } } });

    // Act / Assert
    expect(decayFactor(0, 30 * DAY, config)).toBeCloseTo(0.5, 12);
    expect(decayFactor(0, 60 * DAY, config)).toBeCloseTo(0.25, 12);
  });

  it('given daily steps, then points keep their value until midnight in Tokyo and then step down', () => {
    // Arrange
    const config = configWith({ behaviour: { decay: { kind: 'half-life', days: 1, step: 'day' } } });
    const at = jst(2025, 4, 1, 9);

    // Act / Assert
    expect(decayFactor(at, jst(2025, 4, 1, 23, 59), config)).toBe(1);
    expect(decayFactor(at, jst(2025, 4, 2, 0, 0), config)).toBe(0.5);
    expect(decayFactor(at, jst(2025, 4, 3, 0, 0), config)).toBe(0.25);
  });

  it('given weekly steps, then the step happens on Monday', () => {
    // Arrange
    const config = configWith({ behaviour: { decay: { kind: 'half-life', days: 7, step: 'week' } } });

    // Act / Assert: 2025-04-06 is a Sunday.
    expect(decayFactor(jst(2025, 4, 2), jst(2025, 4, 6, 23), config)).toBe(1);
    expect(decayFactor(jst(2025, 4, 2), jst(2025, 4, 7, 0), config)).toBe(0.5);
  });

  it('given an event that arrives late, then its points are decayed from when it happened', () => {
    // Arrange
    const config = configWith({
      behaviour: {
        rules: [{ id: 'd', type: 'download', points: 10 }],
        decay: { kind: 'half-life', days: 10 },
      },
    });
    const recent = event('download', 20 * DAY);
    const old = event('download', 10 * DAY);

    // Act
    const { state } = scoreAll([recent, old], config);

    // Assert: 10 (fresh) + 10 halved once.
    expect(behaviourAt(state, 20 * DAY, config)).toBeCloseTo(15, 9);
    expect(behaviourAt(state, 30 * DAY, config)).toBeCloseTo(7.5, 9);
  });

  it('given no decay, then behaviour never changes with time', () => {
    // Arrange
    const { state } = scoreAll([event('download', HOUR)], noDecay);

    // Act / Assert
    expect(behaviourAt(state, 3650 * DAY, noDecay)).toBe(10);
  });
});
