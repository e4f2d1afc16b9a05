import { describe, expect, it } from 'vitest';
import { type Lead, newLead } from '#domain/lead/lead';
import type { Temperature } from '#domain/lead/types';
import { decayedState } from '#domain/scoring/decay';
import { summarize, temperatureRank } from '#domain/scoring/scoring';
import { DAY, defaultConfig } from './helpers.ts';

const T0 = Date.UTC(2026, 0, 5, 0, 0);

/** A lead with `points` of fresh behaviour at T0 (no fit), shown at `temperature`. */
const leadWith = (points: number, temperature: Temperature): Lead => {
  const lead = newLead({
    leadId: 'lead-decay',
    email: 'decay@example.com',
    emailKey: 'decay@example.com',
    attributes: {},
    scoring: {
      fit: 0,
      grade: 'D',
      fitBreakdown: {},
      behaviour: { value: points, asOf: T0, caps: {}, once: {} },
    },
    channel: 'inbound_web',
    locale: 'ja',
    at: T0,
  });
  return { ...lead, state: { ...lead.state, temperature, stage: 'mql', decayCheckAt: T0 } };
};

describe('temperatureRank', () => {
  it('orders cold below warm below hot', () => {
    expect(temperatureRank('cold')).toBeLessThan(temperatureRank('warm'));
    expect(temperatureRank('warm')).toBeLessThan(temperatureRank('hot'));
  });
});

describe('decayedState', () => {
  it('given a hot lead before its drop, when the decay timer fires early, then it stays hot and re-arms at the drop', () => {
    // Arrange
    const lead = leadWith(100, 'hot');

    // Act
    const { after, cooled, nextAt } = decayedState(lead, T0 + DAY, defaultConfig);

    // Assert
    expect(cooled).toBe(false);
    expect(after.temperature).toBe('hot');
    expect(nextAt).not.toBeNull();
    expect(nextAt ?? 0).toBeGreaterThan(T0 + DAY);
    expect(after.decayCheckAt).toBe(nextAt);
    expect(after.version).toBe(lead.state.version + 1);
    expect(after.stage).toBe('mql');
  });

  it('given a hot lead at its drop, when the decay timer fires, then it cools and the stage stays', () => {
    // Arrange
    const lead = leadWith(100, 'hot');
    const drop = decayedState(lead, T0, defaultConfig).nextAt ?? 0;

    // Act
    const { after, cooled } = decayedState(lead, drop, defaultConfig);

    // Assert
    expect(cooled).toBe(true);
    expect(temperatureRank(after.temperature)).toBeLessThan(temperatureRank('hot'));
    expect(after.stage).toBe('mql');
    expect(after.score).toEqual(
      summarize(
        { fit: 0, grade: 'D', fitBreakdown: {}, behaviour: lead.state.behaviour },
        drop,
        defaultConfig,
      ),
    );
  });

  it('given a lead shown colder than its score, when the decay timer fires, then decay never warms it', () => {
    // Arrange
    const lead = leadWith(100, 'cold');

    // Act
    const { after, cooled } = decayedState(lead, T0 + DAY, defaultConfig);

    // Assert
    expect(cooled).toBe(false);
    expect(after.temperature).toBe('cold');
  });

  it('given no behaviour left to lose, when the decay timer fires, then no next check is armed', () => {
    // Arrange
    const lead = leadWith(0, 'cold');

    // Act
    const { after, nextAt } = decayedState(lead, T0 + DAY, defaultConfig);

    // Assert
    expect(nextAt).toBeNull();
    expect(after.decayCheckAt).toBeUndefined();
  });
});
