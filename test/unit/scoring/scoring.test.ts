import { describe, expect, it } from 'vitest';
import type { Temperature } from '#domain/lead/types';
import {
  applyAttributes,
  applyEvent,
  initialScoringState,
  type LeadScoring,
  nextTemperatureDropAt,
  rescore,
  summarize,
  temperatureFor,
} from '#domain/scoring/scoring';
import { configWith, DAY, defaultConfig, event, jst } from './helpers.ts';

const newLead = (attributes = {}): LeadScoring => ({
  scoring: initialScoringState(attributes, defaultConfig),
  stage: 'subscriber',
  temperature: 'cold',
});

/** 課長 (5) at a 1,000名以上 company (10), no e-mail yet: fit 15. */
const MANAGER = { title: '課長', employees: '1,000名以上' };

describe('applyEvent (default config)', () => {
  it('given a lead that submits contact, views /pricing, downloads and attends a webinar, then it turns hot when the total reaches 80', () => {
    // Arrange
    const day = jst(2025, 4, 1, 10);
    const events = [
      event('form_submitted', day, { properties: { formId: 'contact' } }),
      event('page_view', day + 60_000, { url: 'https://www.example.co.jp/pricing' }),
      event('download', day + 120_000, { properties: { assetId: 'whitepaper-dx' } }),
      event('webinar_attended', day + 180_000),
    ];
    let lead = newLead(MANAGER);
    const totals: number[] = [];
    const temperatures: Temperature[] = [];
    const temperatureChanges: unknown[] = [];

    // Act
    for (const e of events) {
      const outcome = applyEvent(lead, e, defaultConfig, e.occurredAt);
      totals.push(outcome.score.total);
      temperatures.push(outcome.temperature);
      temperatureChanges.push(outcome.temperatureChange);
      lead = { scoring: outcome.scoring, stage: outcome.stage, temperature: outcome.temperature };
    }

    // Assert
    expect(totals).toEqual([65, 70, 80, 100]);
    expect(temperatures).toEqual(['warm', 'warm', 'hot', 'hot']);
    expect(temperatureChanges).toEqual([
      { from: 'cold', to: 'warm' },
      undefined,
      { from: 'warm', to: 'hot' },
      undefined,
    ]);
    expect(lead.stage).toBe('mql');
  });

  it('given the contact form, then the entry explains the points and the lead becomes an MQL at that moment', () => {
    // Arrange
    const now = jst(2025, 4, 1, 10);
    const contact = event('form_submitted', now - 5_000, {
      properties: { formId: 'contact' },
      url: '/contact',
    });

    // Act
    const outcome = applyEvent(newLead(), contact, defaultConfig, now);

    // Assert
    expect(outcome.entry).toEqual({
      eventId: contact.eventId,
      type: 'form_submitted',
      occurredAt: now - 5_000,
      points: 50,
      rule: 'contact-form',
      url: '/contact',
      properties: { formId: 'contact' },
    });
    expect(outcome.score).toEqual({ fit: 0, behaviour: 50, total: 50 });
    expect(outcome.stageChange).toEqual({ from: 'subscriber', to: 'mql', at: now, reason: 'score' });
  });

  it('given an event no rule matches, then it lands on the timeline with 0 points and rule null', () => {
    // Act
    const outcome = applyEvent(newLead(), event('chat_opened', 1000), defaultConfig, 2000);

    // Assert
    expect(outcome.entry.points).toBe(0);
    expect(outcome.entry.rule).toBeNull();
  });

  it('given a recycled lead that cooled down, when the total crosses 50 again, then it re-qualifies to mql', () => {
    // Arrange: recycled while hot, 60 days ago.
    const then = jst(2025, 1, 1, 10);
    const hot = applyEvent(
      newLead(MANAGER),
      event('form_submitted', then, { properties: { formId: 'contact' } }),
      defaultConfig,
      then,
    );
    const recycled: LeadScoring = { scoring: hot.scoring, stage: 'recycled', temperature: hot.temperature };
    const now = then + 60 * DAY;

    // Act
    const outcome = applyEvent(recycled, event('webinar_attended', now), defaultConfig, now);

    // Assert: 15 + 50/4 = 27.5 before; 27.5 + 20 = 47.5 is still below 50, so one more signal is needed.
    expect(outcome.stage).toBe('recycled');
    const next = applyEvent(
      { scoring: outcome.scoring, stage: outcome.stage, temperature: outcome.temperature },
      event('download', now + 1000),
      defaultConfig,
      now + 1000,
    );
    expect(next.score.total).toBe(57.5);
    expect(next.stageChange).toEqual({ from: 'recycled', to: 'mql', at: now + 1000, reason: 'score' });
  });

  it('given a lead whose title changes to 部長 at a large company, when attributes are applied, then fit and temperature follow', () => {
    // Arrange
    const now = jst(2025, 4, 1);
    const lead = applyEvent(
      newLead(),
      event('form_submitted', now, { properties: { formId: 'contact' } }),
      defaultConfig,
      now,
    );

    // Act
    const outcome = applyAttributes(
      { scoring: lead.scoring, stage: lead.stage, temperature: lead.temperature },
      { title: '部長', employees: '5000', email: 'bucho@example.co.jp', industry: 'IT・通信' },
      defaultConfig,
      now,
    );

    // Assert: 8 + 10 + 5 + 5 = 28, plus 50 behaviour.
    expect(outcome.score).toEqual({ fit: 28, behaviour: 50, total: 78 });
    expect(outcome.scoring.grade).toBe('A');
    expect(outcome.temperatureChange).toBeUndefined();
  });
});

describe('temperature', () => {
  it.each([
    [39.9, 'cold'],
    [40, 'warm'],
    [79.9, 'warm'],
    [80, 'hot'],
  ])('given a total of %d, then the temperature is %s', (total, expected) => {
    // Act / Assert
    expect(temperatureFor(total, defaultConfig)).toBe(expected);
  });

  it('given a hot lead under daily half-life steps, then the next drop is the Tokyo midnight when it falls below 80', () => {
    // Arrange: fit 15 + behaviour 85 = 100; below 80 needs 85·0.5^(n/30) < 64.95, n = 12 days.
    const at = jst(2025, 4, 1, 10);
    let lead = newLead(MANAGER);
    for (const e of [
      event('form_submitted', at, { properties: { formId: 'contact' } }),
      event('page_view', at, { url: '/pricing' }),
      event('download', at),
      event('webinar_attended', at),
    ]) {
      const o = applyEvent(lead, e, defaultConfig, at);
      lead = { scoring: o.scoring, stage: o.stage, temperature: o.temperature };
    }

    // Act
    const dropAt = nextTemperatureDropAt(lead.scoring, at, defaultConfig);

    // Assert
    expect(dropAt).toBe(jst(2025, 4, 13));
    expect(
      temperatureFor(summarize(lead.scoring, jst(2025, 4, 13) - 1, defaultConfig).total, defaultConfig),
    ).toBe('hot');
    expect(
      temperatureFor(summarize(lead.scoring, jst(2025, 4, 13), defaultConfig).total, defaultConfig),
    ).toBe('warm');
  });

  it('given continuous decay, then the drop time is exact to the millisecond', () => {
    // Arrange
    const config = configWith({
      behaviour: { rules: defaultConfig.behaviour.rules, decay: { kind: 'half-life', days: 14 } },
    });
    const state = {
      ...initialScoringState({}, config),
      behaviour: { value: 90, asOf: 1_000_000, caps: {}, once: {} },
    };
    const now = 1_000_000;

    // Act
    const dropAt = nextTemperatureDropAt(state, now, config);

    // Assert
    expect(dropAt).not.toBeNull();
    const at = dropAt ?? 0;
    expect(temperatureFor(summarize(state, at - 1, config).total, config)).toBe('hot');
    expect(temperatureFor(summarize(state, at, config).total, config)).toBe('warm');
    // Analytically about 14·log2(90/79.95) days after asOf.
    expect(Math.abs(at - (now + 14 * DAY * Math.log2(90 / 79.95)))).toBeLessThan(60_000);
  });

  it('given no decay, or a fit that alone keeps the lead hot, then there is no drop to schedule', () => {
    // Arrange
    const noDecay = configWith({
      behaviour: { rules: defaultConfig.behaviour.rules, decay: { kind: 'none' } },
    });
    const warmByFit = configWith({ temperature: { warm: 10, hot: 80 } });
    const state = {
      ...initialScoringState({ title: 'CEO', employees: '2000', email: 'ceo@example.co.jp' }, warmByFit),
      behaviour: { value: 20, asOf: 0, caps: {}, once: {} },
    };

    // Act / Assert: 25 + 20 is warm, and fit 25 alone is still warm.
    expect(nextTemperatureDropAt(state, 0, noDecay)).toBeNull();
    expect(nextTemperatureDropAt(state, 0, warmByFit)).toBeNull();
  });
});

describe('rescore', () => {
  const at = jst(2025, 4, 1, 10);
  const timeline = [
    { eventId: 'b', type: 'page_view', occurredAt: at + 1000, url: '/pricing' },
    { eventId: 'a', type: 'form_submitted', occurredAt: at, properties: { formId: 'contact' } },
    { eventId: 'a', type: 'form_submitted', occurredAt: at, properties: { formId: 'contact' } },
  ];

  it('given a new config that values the contact form at 60, then the timeline is re-explained and counted once per event id', () => {
    // Arrange
    const config = configWith({
      behaviour: {
        ...defaultConfig.behaviour,
        rules: defaultConfig.behaviour.rules.map((r) => (r.id === 'contact-form' ? { ...r, points: 60 } : r)),
      },
    });

    // Act
    const result = rescore({}, timeline, 'lead', config, at + 2000);

    // Assert
    expect(result.entries.map((e) => [e.eventId, e.points, e.rule])).toEqual([
      ['a', 60, 'contact-form'],
      ['b', 5, 'product-pages'],
    ]);
    expect(result.score.total).toBe(65);
    expect(result.stage).toBe('mql');
    expect(result.stageChange).toEqual({ from: 'lead', to: 'mql', at: at + 2000, reason: 'score' });
  });

  it('given a lead already in sql or recycled, when rescored lower, then the stage does not move', () => {
    // Act
    const sql = rescore({}, [], 'sql', defaultConfig, at);
    const recycled = rescore({}, timeline, 'recycled', defaultConfig, at + 2000);

    // Assert
    expect(sql.stage).toBe('sql');
    expect(recycled.stage).toBe('recycled');
    expect(recycled.stageChange).toBeUndefined();
  });
});
