import holidayJp from '@holiday-jp/holiday_jp';
import { describe, expect, it } from 'vitest';
import { isJapaneseHoliday } from '#domain/nurture/calendar';
import { HOLIDAYS_FIRST_YEAR, HOLIDAYS_JP, HOLIDAYS_LAST_YEAR } from '#domain/nurture/holidays-jp';

describe('the extracted Japanese holiday data', () => {
  it('holds exactly the package holidays of the covered years (regenerate with scripts/holidays-jp.ts)', () => {
    const fromPackage = Object.keys(holidayJp.holidays).filter((d) => {
      const year = Number(d.slice(0, 4));
      return year >= HOLIDAYS_FIRST_YEAR && year <= HOLIDAYS_LAST_YEAR;
    });
    expect([...HOLIDAYS_JP].sort()).toEqual(fromPackage.sort());
    expect(HOLIDAYS_LAST_YEAR).toBe(
      Math.max(...Object.keys(holidayJp.holidays).map((d) => Number(d.slice(0, 4)))),
    );
  });
  it('answers within the covered years and refuses to guess outside them', () => {
    expect(isJapaneseHoliday({ year: 2026, month: 1, day: 1 })).toBe(true);
    expect(isJapaneseHoliday({ year: 2026, month: 1, day: 5 })).toBe(false);
    expect(() => isJapaneseHoliday({ year: HOLIDAYS_FIRST_YEAR - 1, month: 1, day: 1 })).toThrow(RangeError);
    expect(() => isJapaneseHoliday({ year: HOLIDAYS_LAST_YEAR + 1, month: 1, day: 1 })).toThrow(RangeError);
  });
});
