import { describe, expect, it } from 'vitest';
import { wholeWeeks } from '../../../console/src/weeks.ts';

describe("the console's weekly chart span", () => {
  it('given Monday 00:30 in Tokyo (still Sunday in UTC), when the span is asked, then it is 8 whole weeks, Monday to Sunday, ending with the Tokyo week', () => {
    // Arrange: 2026-12-07 00:30 JST = 2026-12-06 15:30 UTC (a Sunday in UTC)
    const now = new Date(Date.UTC(2026, 11, 6, 15, 30));

    // Act
    const span = wholeWeeks(now, 'Asia/Tokyo');

    // Assert
    expect(span).toEqual({ from: '2026-10-19', to: '2026-12-13' });
    expect(new Date(`${span.from}T12:00:00Z`).getUTCDay()).toBe(1);
    expect(new Date(`${span.to}T12:00:00Z`).getUTCDay()).toBe(0);
  });

  it('given a Sunday, then its week is the last of the span', () => {
    expect(wholeWeeks(new Date(Date.UTC(2026, 11, 13, 5)), 'Asia/Tokyo', 1)).toEqual({
      from: '2026-12-07',
      to: '2026-12-13',
    });
  });
});
