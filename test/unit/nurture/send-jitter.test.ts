import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BusinessWindow,
  DEFAULT_WINDOW,
  isInWindow,
  nextWindowOpening,
  spreadWindowOpening,
} from '#domain/nurture/calendar';

const MINUTE = 60_000;
/** An instant given as Tokyo wall-clock time, e.g. jst('2026-01-09T17:30'). */
const jst = (local: string) => Date.parse(`${local}:00+09:00`);

describe('send-window jitter', () => {
  it('given a step held over the weekend, when spread over 30 minutes, then it goes out on the next business morning between 09:00 and 09:29 on a whole minute', () => {
    // Act
    const at = spreadWindowOpening(jst('2026-01-10T03:00'), DEFAULT_WINDOW, 'LEAD#a|ENR#welcome', 30);

    // Assert: Saturday 10 January → Tuesday 13 January (Monday the 12th is 成人の日).
    expect(at).toBeGreaterThanOrEqual(jst('2026-01-13T09:00'));
    expect(at).toBeLessThan(jst('2026-01-13T09:30'));
    expect((at - jst('2026-01-13T09:00')) % MINUTE).toBe(0);
  });

  it('given the same enrollment, when decided again (a replay, a second sweep), then it gets the same minute', () => {
    const seed = 'LEAD#0b6c|ENR#trial-follow-up';
    const first = spreadWindowOpening(jst('2026-01-09T20:00'), DEFAULT_WINDOW, seed, 45);
    expect(spreadWindowOpening(jst('2026-01-09T20:00'), DEFAULT_WINDOW, seed, 45)).toBe(first);
    // Held from another instant of the same closed night: the same opening, the same minute.
    expect(spreadWindowOpening(jst('2026-01-10T02:13'), DEFAULT_WINDOW, seed, 45)).toBe(first);
  });

  it('given a time inside the window, when spread, then it is unchanged (nothing waits, nothing moves)', () => {
    const t = jst('2026-01-09T10:17');
    expect(spreadWindowOpening(t, DEFAULT_WINDOW, 'any', 30)).toBe(t);
  });

  it('given a spread of 0 or 1 minute, when spread, then the opening itself', () => {
    for (const minutes of [0, 1])
      expect(spreadWindowOpening(jst('2026-01-09T20:00'), DEFAULT_WINDOW, 'x', minutes)).toBe(
        jst('2026-01-13T09:00'),
      );
  });

  it('given a negative or fractional spread, when spread, then it is refused', () => {
    expect(() => spreadWindowOpening(0, DEFAULT_WINDOW, 'x', -1)).toThrow(RangeError);
    expect(() => spreadWindowOpening(0, DEFAULT_WINDOW, 'x', 2.5)).toThrow(RangeError);
  });

  it('given 3,000 enrollments held overnight, when spread over 30 minutes, then every minute gets a share and none more than 1.5× the even share', () => {
    // Arrange
    const opening = jst('2026-01-13T09:00');
    const perMinute = new Array<number>(30).fill(0);

    // Act
    for (let i = 0; i < 3_000; i++) {
      const at = spreadWindowOpening(jst('2026-01-12T19:00'), DEFAULT_WINDOW, `LEAD#${i}|ENR#welcome`, 30);
      perMinute[(at - opening) / MINUTE] = (perMinute[(at - opening) / MINUTE] ?? 0) + 1;
    }

    // Assert: 100 per minute when even; the burst at 09:00 is gone.
    expect(perMinute.reduce((a, b) => a + b, 0)).toBe(3_000);
    expect(Math.min(...perMinute)).toBeGreaterThan(50);
    expect(Math.max(...perMinute)).toBeLessThanOrEqual(150);
  });

  // Windows in zones with and without DST; property budgets: 300 runs, well under a second alone.
  const windowArb: fc.Arbitrary<BusinessWindow> = fc
    .record({
      timeZone: fc.constantFrom('Asia/Tokyo', 'America/New_York', 'Europe/London'),
      days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
      startHour: fc.integer({ min: 0, max: 22 }),
      length: fc.integer({ min: 1, max: 10 }),
      skipJapaneseHolidays: fc.boolean(),
    })
    .map(({ timeZone, days, startHour, length, skipJapaneseHolidays }) => {
      const endHour = Math.min(24, startHour + length);
      const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
      return {
        timeZone,
        days,
        start: hh(startHour),
        end: endHour === 24 ? '24:00' : hh(endHour),
        skipJapaneseHolidays,
      };
    });

  it('given any window, instant, seed and spread, when spread, then the send is inside the window, at or after the opening, within the spread, and the same every time', () => {
    fc.assert(
      fc.property(
        windowArb,
        fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') }),
        fc.string({ maxLength: 40 }),
        fc.integer({ min: 0, max: 180 }),
        (w, t, seed, spread) => {
          const opening = nextWindowOpening(t, w);
          const at = spreadWindowOpening(t, w, seed, spread);
          expect(isInWindow(at, w)).toBe(true);
          expect(at).toBeGreaterThanOrEqual(opening);
          if (opening === t) expect(at).toBe(t);
          else expect(at).toBeLessThan(opening + Math.max(1, spread) * MINUTE);
          expect(spreadWindowOpening(t, w, seed, spread)).toBe(at);
        },
      ),
      { numRuns: 300 },
    );
  }, 20_000);
});
