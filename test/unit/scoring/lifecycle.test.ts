import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { automaticStage, isForward, stageRank } from '#domain/lead/lifecycle';
import { FUNNEL_STAGES, STAGES, type Stage } from '#domain/lead/types';
import { defaultConfig } from './helpers.ts';

const SALES_STAGES: Stage[] = ['sal', 'sql', 'opportunity', 'customer'];

describe('stage order', () => {
  it('given the funnel, then ranks follow subscriber → customer', () => {
    // Act
    const ranks = FUNNEL_STAGES.map(stageRank);

    // Assert
    expect(ranks).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it.each<[Stage, Stage, boolean]>([
    ['lead', 'mql', true],
    ['mql', 'lead', false],
    ['mql', 'mql', false],
    ['recycled', 'mql', true],
    ['recycled', 'lead', false],
    ['sal', 'recycled', false],
    ['mql', 'disqualified', false],
    ['disqualified', 'lead', false],
    ['sql', 'customer', true],
  ])('given %s → %s, then forward is %s', (from, to, expected) => {
    // Act / Assert
    expect(isForward(from, to)).toBe(expected);
  });
});

describe('automatic stage moves', () => {
  it.each<[Stage, number, Stage]>([
    ['subscriber', -5, 'subscriber'],
    ['subscriber', 0, 'lead'],
    ['subscriber', 50, 'mql'],
    ['lead', 49.9, 'lead'],
    ['lead', 50, 'mql'],
    ['mql', 0, 'mql'],
    ['sal', 100, 'sal'],
    ['customer', 0, 'customer'],
    ['disqualified', 100, 'disqualified'],
  ])('given %s at total %d, then the stage is %s', (current, total, expected) => {
    // Act / Assert
    expect(automaticStage(current, total, defaultConfig)).toBe(expected);
  });

  it('given a recycled lead whose total crosses the MQL threshold, then it re-qualifies to mql', () => {
    // Act / Assert
    expect(automaticStage('recycled', 55, defaultConfig, 45)).toBe('mql');
  });

  it('given a recycled lead that was already above the threshold, then it stays recycled (no bounce back to sales)', () => {
    // Act / Assert
    expect(automaticStage('recycled', 85, defaultConfig, 80)).toBe('recycled');
    expect(automaticStage('recycled', 85, defaultConfig)).toBe('recycled');
  });

  it('property: the stage never moves back and never reaches sal or beyond by score', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STAGES),
        fc.double({ min: -200, max: 200, noNaN: true }),
        fc.option(fc.double({ min: -200, max: 200, noNaN: true }), { nil: undefined }),
        (current, total, previous) => {
          // Act
          const next = automaticStage(current, total, defaultConfig, previous);

          // Assert
          expect(next === current || isForward(current, next)).toBe(true);
          if (next !== current) expect(['lead', 'mql']).toContain(next);
          if (SALES_STAGES.includes(current) || current === 'disqualified') expect(next).toBe(current);
        },
      ),
    );
  });
});
