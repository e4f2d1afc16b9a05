import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  addBusinessHours,
  addCalendarDays,
  type BusinessWindow,
  DEFAULT_WINDOW,
  isBusinessDay,
  isInWindow,
  isJapaneseHoliday,
  isMonthDay,
  localParts,
  nextWindowOpening,
} from '#domain/nurture/calendar';

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** An instant given as Tokyo wall-clock time, e.g. jst('2026-01-09T17:30'). */
const jst = (local: string) => Date.parse(`${local}:00+09:00`);
const NEW_YORK: BusinessWindow = {
  ...DEFAULT_WINDOW,
  timeZone: 'America/New_York',
  skipJapaneseHolidays: false,
};

describe('Japanese holidays and weekends', () => {
  it.each([
    ['2026-01-01', '元日'],
    ['2026-05-04', 'みどりの日'],
    ['2026-05-05', 'こどもの日'],
    ['2026-05-06', '振替休日'],
    ['2026-11-03', '文化の日'],
    ['2026-11-23', '勤労感謝の日'],
  ])('given %s (%s) at noon in Tokyo, when checked, then it is not a business day', (date) => {
    // Arrange
    const noon = jst(`${date}T12:00`);
    // Act
    const businessDay = isBusinessDay(noon, DEFAULT_WINDOW);
    // Assert
    expect(businessDay).toBe(false);
    expect(isInWindow(noon, DEFAULT_WINDOW)).toBe(false);
  });

  it('given holidays are not skipped, when 2026-11-23 (a Monday) is checked, then it is a business day', () => {
    expect(isBusinessDay(jst('2026-11-23T12:00'), { ...DEFAULT_WINDOW, skipJapaneseHolidays: false })).toBe(
      true,
    );
  });

  it('given the instant is just after midnight in Tokyo but still the previous day in UTC, then the Tokyo date decides', () => {
    // Arrange: 2026-11-22T15:30Z is 2026-11-23 00:30 in Tokyo (a holiday) and 2026-11-23T15:30Z is 11-24 00:30
    const holidayInTokyo = Date.parse('2026-11-22T15:30:00Z');
    const dayAfterInTokyo = Date.parse('2026-11-23T15:30:00Z');
    // Act / Assert
    expect(isBusinessDay(holidayInTokyo, DEFAULT_WINDOW)).toBe(false);
    expect(isBusinessDay(dayAfterInTokyo, DEFAULT_WINDOW)).toBe(true);
  });

  it('given the holiday data set, when a plain civil date is asked, then holidays and ordinary days differ', () => {
    expect(isJapaneseHoliday({ year: 2026, month: 5, day: 6 })).toBe(true);
    expect(isJapaneseHoliday({ year: 2026, month: 5, day: 7 })).toBe(false);
  });

  it('given Friday after closing, when the next opening is asked, then it is Monday 09:00', () => {
    expect(nextWindowOpening(jst('2026-01-16T18:00'), DEFAULT_WINDOW)).toBe(jst('2026-01-19T09:00'));
  });

  it('given Saturday, when the next opening is asked, then it is Monday 09:00', () => {
    expect(nextWindowOpening(jst('2026-01-17T11:00'), DEFAULT_WINDOW)).toBe(jst('2026-01-19T09:00'));
  });

  it('given Golden Week 2026, when the next opening after Friday 1 May evening is asked, then it is Thursday 7 May', () => {
    expect(nextWindowOpening(jst('2026-05-01T19:00'), DEFAULT_WINDOW)).toBe(jst('2026-05-07T09:00'));
  });

  it('given an instant inside the window, when the next opening is asked, then it is that instant', () => {
    const t = jst('2026-01-14T10:17') + 1234;
    expect(nextWindowOpening(t, DEFAULT_WINDOW)).toBe(t);
  });

  it('given the closing minute, when checked, then the window is closed (end is exclusive)', () => {
    expect(isInWindow(jst('2026-01-14T17:59'), DEFAULT_WINDOW)).toBe(true);
    expect(isInWindow(jst('2026-01-14T18:00'), DEFAULT_WINDOW)).toBe(false);
    expect(isInWindow(jst('2026-01-14T09:00'), DEFAULT_WINDOW)).toBe(true);
    expect(isInWindow(jst('2026-01-14T08:59'), DEFAULT_WINDOW)).toBe(false);
  });
});

describe('localParts', () => {
  it('given an instant, when read in Tokyo, then the wall clock is UTC+9 with an ISO weekday', () => {
    expect(localParts(Date.parse('2026-01-09T08:30:00Z'), 'Asia/Tokyo')).toEqual({
      year: 2026,
      month: 1,
      day: 9,
      hour: 17,
      minute: 30,
      weekday: 5,
    });
  });

  it('given New York across the spring-forward change, when read, then the offset moves from -5 to -4', () => {
    expect(localParts(Date.parse('2026-03-08T06:59:00Z'), 'America/New_York')).toMatchObject({
      hour: 1,
      minute: 59,
    });
    expect(localParts(Date.parse('2026-03-08T07:00:00Z'), 'America/New_York')).toMatchObject({
      hour: 3,
      minute: 0,
    });
    expect(localParts(Date.parse('2026-03-08T07:00:00Z'), 'America/New_York').weekday).toBe(7);
  });
});

describe('business time arithmetic', () => {
  it('given Friday 17:30 Tokyo, when 1 business hour is added, then it is Monday 09:30', () => {
    expect(addBusinessHours(jst('2026-01-16T17:30'), 1, DEFAULT_WINDOW)).toBe(jst('2026-01-19T09:30'));
  });

  it('given Friday 17:30 before a Monday holiday (成人の日), when 1 business hour is added, then it is Tuesday 09:30', () => {
    expect(addBusinessHours(jst('2026-01-09T17:30'), 1, DEFAULT_WINDOW)).toBe(jst('2026-01-13T09:30'));
  });

  it('given a deadline that uses up the window exactly, when added, then it ends at the closing time', () => {
    expect(addBusinessHours(jst('2026-01-16T17:00'), 1, DEFAULT_WINDOW)).toBe(jst('2026-01-16T18:00'));
  });

  it('given an instant before opening, when 2 business hours are added, then counting starts at the opening', () => {
    expect(addBusinessHours(jst('2026-01-14T06:00'), 2, DEFAULT_WINDOW)).toBe(jst('2026-01-14T11:00'));
  });

  it('given 18 business hours from Wednesday 09:00, when added, then two full windows are used', () => {
    expect(addBusinessHours(jst('2026-01-14T09:00'), 18, DEFAULT_WINDOW)).toBe(jst('2026-01-15T18:00'));
  });

  it('given Friday 20 November 2026, when 1 business day is added, then it skips the weekend and 勤労感謝の日', () => {
    expect(addBusinessDays(jst('2026-11-20T10:15'), 1, DEFAULT_WINDOW)).toBe(jst('2026-11-24T10:15'));
  });

  it('given zero business days, when added, then the instant is unchanged', () => {
    const t = jst('2026-01-17T03:00');
    expect(addBusinessDays(t, 0, DEFAULT_WINDOW)).toBe(t);
  });

  it('given New York on the Friday before DST starts, when 1 business day is added, then local time is kept', () => {
    // Arrange: Friday 6 March 2026 10:00 EST (15:00Z); Monday 9 March is EDT
    const friday = Date.parse('2026-03-06T15:00:00Z');
    // Act
    const monday = addBusinessDays(friday, 1, NEW_YORK);
    // Assert
    expect(new Date(monday).toISOString()).toBe('2026-03-09T14:00:00.000Z');
  });

  it('given New York over the spring-forward weekend, when the next opening is asked, then it is 09:00 EDT', () => {
    expect(new Date(nextWindowOpening(Date.parse('2026-03-07T23:00:00Z'), NEW_YORK)).toISOString()).toBe(
      '2026-03-09T13:00:00.000Z',
    );
  });

  it('given New York over the fall-back weekend, when the next opening is asked, then it is 09:00 EST', () => {
    expect(new Date(nextWindowOpening(Date.parse('2026-10-31T23:00:00Z'), NEW_YORK)).toISOString()).toBe(
      '2026-11-02T14:00:00.000Z',
    );
  });

  it('given the day DST starts in New York, when 1 calendar day is added, then the wall time is kept (23h later)', () => {
    const saturday = Date.parse('2026-03-07T15:00:00Z'); // 10:00 EST
    expect(addCalendarDays(saturday, 1, 'America/New_York') - saturday).toBe(23 * HOUR);
  });

  it('given a window that never opens, when the next opening is asked, then it throws instead of looping', () => {
    const never: BusinessWindow = { ...DEFAULT_WINDOW, days: [] };
    expect(() => nextWindowOpening(jst('2026-01-14T10:00'), never)).toThrow(RangeError);
  });
});

// Windows over zones with and without DST, with any open weekdays and hours.
const windowArb: fc.Arbitrary<BusinessWindow> = fc
  .record({
    timeZone: fc.constantFrom('Asia/Tokyo', 'America/New_York', 'Europe/London'),
    days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
    startHour: fc.integer({ min: 0, max: 22 }),
    length: fc.integer({ min: 1, max: 10 }),
    startMinute: fc.constantFrom(0, 15, 30),
    skipJapaneseHolidays: fc.boolean(),
  })
  .map(({ timeZone, days, startHour, length, startMinute, skipJapaneseHolidays }) => {
    const endHour = Math.min(24, startHour + length);
    const hhmm = (h: number, m: number) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
    return {
      timeZone,
      days,
      start: hhmm(startHour, startMinute),
      end: endHour === 24 ? '24:00' : hhmm(endHour, 0),
      skipJapaneseHolidays,
    };
  });

/**
 * Property budgets: each property states its numRuns and a 20 s timeout; alone each takes well under a second
 * on a loaded 2-core machine. The checks step by quarter hour, not by minute: the generated windows open at
 * :00, :15 or :30 and close on the hour, and these zones' offsets and DST changes are whole hours, so window
 * membership can only change on a UTC quarter-hour boundary. That keeps the checks exhaustive at 1/15 the cost.
 */
const QUARTER = 15 * MINUTE;
const nextQuarter = (t: number): number => Math.floor(t / QUARTER) * QUARTER + QUARTER;

// Small ranges that hold Golden Week and both 2026 DST changes in New York and London.
const instantArb = fc.oneof(
  fc.integer({ min: jst('2026-04-28T00:00'), max: jst('2026-05-08T00:00') }),
  fc.integer({ min: Date.parse('2026-03-05T00:00:00Z'), max: Date.parse('2026-03-31T00:00:00Z') }),
  fc.integer({ min: Date.parse('2026-10-22T00:00:00Z'), max: Date.parse('2026-11-05T00:00:00Z') }),
);

describe('calendar properties', () => {
  it('given any instant and window, when the next opening is asked, then it is ≥ t, inside the window and the earliest such', () => {
    fc.assert(
      fc.property(instantArb, windowArb, (t, w) => {
        const opening = nextWindowOpening(t, w);
        expect(opening).toBeGreaterThanOrEqual(t);
        expect(isInWindow(opening, w)).toBe(true);
        if (opening === t) return;
        // Membership only changes on quarter-hour boundaries (see QUARTER), so checking t and every quarter
        // hour before the opening is exhaustive.
        expect(isInWindow(t, w)).toBe(false);
        for (let m = nextQuarter(t); m < opening; m += QUARTER) {
          expect(isInWindow(m, w)).toBe(false);
        }
      }),
      { numRuns: 40 },
    );
  }, 20_000);

  it('given any minute and a whole number of hours, when business hours are added, then exactly that much window time passes', () => {
    fc.assert(
      fc.property(
        instantArb.map((t) => Math.floor(t / MINUTE) * MINUTE),
        windowArb,
        fc.integer({ min: 1, max: 12 }),
        (t, w, hours) => {
          const deadline = addBusinessHours(t, hours, w);
          // Membership is constant between quarter-hour boundaries: count window time piece by piece.
          let insideMs = 0;
          for (let m = t; m < deadline; ) {
            const next = Math.min(nextQuarter(m), deadline);
            if (isInWindow(m, w)) insideMs += next - m;
            m = next;
          }
          expect(insideMs).toBe(hours * 60 * MINUTE);
          // The deadline is the earliest such instant: the minute before it was counted.
          expect(isInWindow(deadline - MINUTE, w)).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  }, 20_000);

  it('given any instant in Tokyo, when n business days are added, then the result is a business day at the same local time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: jst('2025-12-20T00:00'), max: jst('2027-01-10T00:00') }),
        fc.integer({ min: 1, max: 15 }),
        (t, n) => {
          const result = addBusinessDays(t, n, DEFAULT_WINDOW);
          const before = localParts(t, 'Asia/Tokyo');
          const after = localParts(result, 'Asia/Tokyo');
          expect(isBusinessDay(result, DEFAULT_WINDOW)).toBe(true);
          expect([after.hour, after.minute]).toEqual([before.hour, before.minute]);
          // Exactly n business days lie in (date of t, date of result].
          let counted = 0;
          for (let day = t + 86_400_000; day <= result; day += 86_400_000) {
            if (isBusinessDay(day, DEFAULT_WINDOW)) counted++;
          }
          expect(counted).toBe(n);
        },
      ),
      { numRuns: 60 },
    );
  }, 20_000);
});

describe('calendar across a repeated hour (DST ending)', () => {
  // 2026-11-01 in New York: 01:00–02:00 happens twice (EDT, then EST).
  const w = {
    timeZone: 'America/New_York',
    days: [7, 1],
    start: '01:30',
    end: '02:00',
    skipJapaneseHolidays: false,
  };
  const firstHalf = Date.UTC(2026, 10, 1, 5, 30); // 01:30 EDT

  it('given a window inside the repeated hour, when business hours are added, then only time inside the window counts', () => {
    const deadline = addBusinessHours(firstHalf, 1, w);
    let inside = 0;
    for (let m = firstHalf; m < deadline; m += MINUTE) if (isInWindow(m, w)) inside++;
    expect(inside).toBe(60);
    expect(deadline).toBe(Date.UTC(2026, 10, 1, 7, 0)); // 02:00 EST: both 30-minute halves used
  });

  it('given a time between the two occurrences, when the next opening is asked, then it is the second 01:30', () => {
    expect(nextWindowOpening(Date.UTC(2026, 10, 1, 6, 10), w)).toBe(Date.UTC(2026, 10, 1, 6, 30));
  });
});

describe('closed dates (年末年始)', () => {
  const CLOSURE: BusinessWindow = {
    ...DEFAULT_WINDOW,
    closedDates: ['12-29', '12-30', '12-31', '01-01', '01-02', '01-03'],
  };

  it('given a hand-off on Monday 28 December at 17:00 with 4 business hours, then the deadline is Monday 4 January 12:00, not 29 December', () => {
    expect(addBusinessHours(jst('2026-12-28T17:00'), 4, CLOSURE)).toBe(jst('2027-01-04T12:00'));
    expect(addBusinessHours(jst('2026-12-28T17:00'), 4, DEFAULT_WINDOW)).toBe(jst('2026-12-29T12:00'));
  });

  it('given a step due on 30 December, then the send window next opens on the first business day of the year', () => {
    expect(nextWindowOpening(jst('2026-12-30T10:00'), CLOSURE)).toBe(jst('2027-01-04T09:00'));
    expect(isBusinessDay(jst('2027-12-29T10:00'), CLOSURE)).toBe(false);
    expect(isBusinessDay(jst('2027-12-28T10:00'), CLOSURE)).toBe(true);
  });

  it('given closed-date entries, then only real month-days are accepted', () => {
    expect(['12-29', '01-03', '02-29'].every(isMonthDay)).toBe(true);
    expect(['12-32', '13-01', '02-30', '1-3', '12/29', ''].some(isMonthDay)).toBe(false);
  });
});
