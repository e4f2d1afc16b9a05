import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '#config/errors';
import { formsConfigSchema } from '#config/forms';
import { scoringConfigSchema } from '#config/scoring';
import { matchRule } from '#domain/scoring/behaviour';
import { forms } from '../../../config/forms.ts';
import { scoring } from '../../../config/scoring.ts';

const withBehaviourRule = (rule: Record<string, unknown>) => ({
  ...scoring,
  behaviour: { ...scoring.behaviour, rules: [...(scoring.behaviour?.rules ?? []), rule] },
});

const errorOf = (input: unknown): string => {
  try {
    parseConfig(scoringConfigSchema, input, 'scoring');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
};

describe('scoring config', () => {
  it('given the shipped config, when validated, then it parses with the field defaults of the issue', () => {
    // Act
    const config = parseConfig(scoringConfigSchema, scoring, 'scoring');

    // Assert
    expect(config.timeZone).toBe('Asia/Tokyo');
    expect(config.fit.max).toBe(30);
    expect(config.temperature).toEqual({ warm: 40, hot: 80 });
    expect(config.stages).toEqual({ lead: 0, mql: 50 });
    expect(config.behaviour.rules.find((r) => r.id === 'contact-form')?.points).toBe(50);
  });

  it('given an empty object, when validated, then thresholds default and there are no rules', () => {
    // Act
    const config = scoringConfigSchema.parse({});

    // Assert
    expect(config).toEqual({
      timeZone: 'Asia/Tokyo',
      fit: { min: -30, max: 30, grades: { A: 25, B: 15, C: 5 }, rules: [] },
      behaviour: { rules: [], decay: { kind: 'none' }, lateEventWindowDays: 7 },
      temperature: { warm: 40, hot: 80 },
      stages: { lead: 0, mql: 50 },
    });
  });

  it('given a cap period that does not exist, when validated, then the error names the field', () => {
    // Arrange
    const input = withBehaviourRule({
      id: 'x',
      type: 'page_view',
      points: 1,
      cap: { points: 5, per: 'hour' },
    });

    // Act
    const message = errorOf(input);

    // Assert
    expect(message).toMatch(/scoring\.behaviour\.rules\[\d+\]\.cap\.per/);
  });

  it('given a misspelt key, when validated, then the strict schema names it', () => {
    // Act
    const message = errorOf({ ...scoring, temperature: { warm: 40, hott: 90 } });

    // Assert
    expect(message).toContain('scoring.temperature');
    expect(message).toContain('hott');
  });

  it('given two behaviour rules with the same id, when validated, then the duplicate id is named', () => {
    // Arrange
    const input = withBehaviourRule({ id: 'download', type: 'download', points: 1 });

    // Act
    const message = errorOf(input);

    // Assert
    expect(message).toMatch(/scoring\.behaviour\.rules\[\d+\]\.id: duplicate rule id "download"/);
  });

  it('given a once-only rule with a cap, when validated, then the cap is refused', () => {
    // Act
    const message = errorOf(
      withBehaviourRule({ id: 'y', type: 'x', points: 1, once: true, cap: { points: 1, per: 'day' } }),
    );

    // Assert
    expect(message).toMatch(/scoring\.behaviour\.rules\[\d+\]\.cap: a once-only rule cannot also have a cap/);
  });

  it('given a regular expression as URL pattern, when validated, then it is refused', () => {
    // Act
    const message = errorOf(withBehaviourRule({ id: 'z', type: 'page_view', url: '^(a+)+$', points: 1 }));

    // Assert
    expect(message).toMatch(/scoring\.behaviour\.rules\[\d+\]\.url/);
  });

  it('given warm at or above hot, when validated, then temperature.warm is named', () => {
    // Act
    const message = errorOf({ ...scoring, temperature: { warm: 80, hot: 80 } });

    // Assert
    expect(message).toContain('scoring.temperature.warm: warm must be below hot');
  });

  it('given an unknown time zone, when validated, then timeZone is named', () => {
    // Act
    const message = errorOf({ ...scoring, timeZone: 'Asia/Tokio' });

    // Assert
    expect(message).toContain('scoring.timeZone');
  });

  it('given a half-life of zero days, when validated, then behaviour.decay.days is named', () => {
    // Act
    const message = errorOf({
      ...scoring,
      behaviour: { ...scoring.behaviour, decay: { kind: 'half-life', days: 0 } },
    });

    // Assert
    expect(message).toContain('scoring.behaviour.decay.days');
  });

  it('given a keyword rule on the e-mail attribute, when validated, then the attribute is refused', () => {
    // Arrange
    const input = {
      ...scoring,
      fit: {
        rules: [
          { id: 'mail', kind: 'keywords', attribute: 'email', tiers: [{ keywords: ['x'], points: 1 }] },
        ],
      },
    };

    // Act
    const message = errorOf(input);

    // Assert
    expect(message).toContain('scoring.fit.rules[0].attribute');
  });

  it('given fit min above max and a bad domain, when validated, then every bad field is listed', () => {
    // Arrange
    const input = {
      ...scoring,
      fit: {
        min: 10,
        max: 5,
        rules: [{ id: 'd', kind: 'emailDomain', tiers: [{ domains: ['@gmail'], points: -1 }] }],
      },
    };

    // Act
    const message = errorOf(input);

    // Assert
    expect(message).toContain('scoring.fit.min: min must not exceed max');
    expect(message).toContain('scoring.fit.rules[0].tiers[0].domains[0]');
  });
});

describe('demo scoring (config/scoring.ts) against the demo forms and site', () => {
  const config = parseConfig(scoringConfigSchema, scoring, 'scoring');
  const demoForms = parseConfig(formsConfigSchema, forms, 'forms');

  it('given each demo form, when its submission is matched against the behaviour rules, then a rule gives it positive points', () => {
    for (const form of demoForms) {
      // Arrange: the event capture records for a post of this form (submissionFacts)
      const event = {
        eventId: `form:${form.id}`,
        type: form.behaviourEvent.type,
        occurredAt: 0,
        properties: { ...form.behaviourEvent.properties, formId: form.id },
      };

      // Act
      const rule = matchRule(event, config);

      // Assert: a webinar registration through our own form is a behaviour signal like a download
      expect(rule?.points, `form ${form.id}`).toBeGreaterThan(0);
    }
  });

  it('given a careers page under a language prefix, when matched, then it is the job-seeker rule, as /ja/pricing is the product rule', () => {
    for (const url of ['/careers', '/ja/careers', '/en/recruit/2026', 'https://www.example.co.jp/ja/jobs']) {
      expect(matchRule({ eventId: url, type: 'page_view', occurredAt: 0, url }, config)?.id, url).toBe(
        'careers-pages',
      );
    }
    expect(
      matchRule({ eventId: 'p', type: 'page_view', occurredAt: 0, url: '/ja/pricing' }, config)?.id,
    ).toBe('product-pages');
  });
});
