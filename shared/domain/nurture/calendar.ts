/**
 * Business calendar: send windows and SLA clocks in a given IANA time zone.
 *
 * All arithmetic is done on the zone's *wall clock* with `Intl.DateTimeFormat` (no tz library),
 * so it stays correct across DST changes (e.g. America/New_York) as well as in Asia/Tokyo.
 * Japanese public holidays come from the maintained `@holiday-jp/holiday_jp` data set (the years in use,
 * extracted by scripts/holidays-jp.ts into `holidays-jp.ts`, so bundles do not carry 1970–2050 with names),
 * looked up by the calendar date *in the window's time zone* (never the process's local zone).
 */
import type { EpochMs } from '#domain/lead/types';
import { HOLIDAYS_FIRST_YEAR, HOLIDAYS_JP, HOLIDAYS_LAST_YEAR } from '#domain/nurture/holidays-jp';

export interface BusinessWindow {
  /** IANA zone, e.g. "Asia/Tokyo". */
  timeZone: string;
  /** ISO weekdays the window is open: 1 = Monday … 7 = Sunday. */
  days: number[];
  /** Local opening time, "HH:MM" (inclusive). */
  start: string;
  /** Local closing time, "HH:MM" (exclusive); "24:00" means midnight at the end of the day. */
  end: string;
  /** Treat Japanese public holidays (by the local date) as closed days. */
  skipJapaneseHolidays: boolean;
  /**
   * Closed every year on these local dates, "MM-DD": a company's own days off, e.g. 年末年始 (the New Year
   * closure most Japanese offices take, 12-29 … 01-03) or お盆. Absent: none.
   */
  closedDates?: readonly string[] | undefined;
}

/** A `closedDates` entry: "MM-DD" of a date that exists in some year (02-29 included). */
export function isMonthDay(value: string): boolean {
  const m = /^(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const month = Number(m[1]);
  const day = Number(m[2]);
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(2028, month, 0)).getUTCDate();
}

export const DEFAULT_WINDOW: BusinessWindow = Object.freeze({
  timeZone: 'Asia/Tokyo',
  days: Object.freeze([1, 2, 3, 4, 5]) as number[],
  start: '09:00',
  end: '18:00',
  skipJapaneseHolidays: true,
});

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
}

interface CivilDate {
  year: number;
  month: number;
  day: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Longest run of closed days we search through before deciding the window can never open. */
const MAX_SEARCH_DAYS = 370;

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

// Formatters are expensive to build; one per zone for the life of the process.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function partsWithSecond(t: EpochMs, timeZone: string): LocalParts & { second: number } {
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 0 };
  for (const p of formatterFor(timeZone).formatToParts(t)) {
    switch (p.type) {
      case 'year':
        out.year = Number(p.value);
        break;
      case 'month':
        out.month = Number(p.value);
        break;
      case 'day':
        out.day = Number(p.value);
        break;
      case 'hour':
        out.hour = Number(p.value);
        break;
      case 'minute':
        out.minute = Number(p.value);
        break;
      case 'second':
        out.second = Number(p.value);
        break;
      case 'weekday':
        out.weekday = WEEKDAYS[p.value] ?? 0;
        break;
      default:
        break;
    }
  }
  return out;
}

/** Wall-clock calendar fields of `t` in `timeZone`. */
export function localParts(t: EpochMs, timeZone: string): LocalParts {
  const { year, month, day, hour, minute, weekday } = partsWithSecond(t, timeZone);
  return { year, month, day, hour, minute, weekday };
}

/** Zone offset at `t` in ms (local wall clock minus UTC). */
function offsetAt(t: EpochMs, timeZone: string): number {
  const p = partsWithSecond(t, timeZone);
  const wallAsUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  const tSeconds = t - (((t % 1000) + 1000) % 1000);
  return wallAsUtc - tSeconds;
}

/**
 * The instant at which the zone's wall clock shows `date` + `minuteOfDay`.
 * Ambiguous times (DST fall-back) resolve to the earlier instant; non-existent times (spring-forward
 * gap) are pushed forward by the gap, like Temporal's "compatible" disambiguation.
 */
function zonedToEpoch(date: CivilDate, minuteOfDay: number, timeZone: string): EpochMs {
  const wall = Date.UTC(date.year, date.month - 1, date.day, 0, minuteOfDay);
  // Offsets a day either side bracket any single transition near this wall time.
  const before = wall - offsetAt(wall - DAY_MS, timeZone);
  const after = wall - offsetAt(wall + DAY_MS, timeZone);
  const fits = (x: EpochMs) => x + offsetAt(x, timeZone) === wall;
  if (fits(before) && fits(after)) return Math.min(before, after);
  if (fits(before)) return before;
  if (fits(after)) return after;
  return before;
}

function addCivilDays(date: CivilDate, days: number): CivilDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function isoWeekday(date: CivilDate): number {
  const dow = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return dow === 0 ? 7 : dow;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `YYYY-MM-DD HH:mm` on the zone's wall clock (24-hour): a time as a person in that zone writes it. */
export function localDateTime(at: EpochMs, timeZone: string): string {
  const p = localParts(at, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}

/** "YYYY-MM-DD" of a civil date; the key format of the holiday data set. */
export function civilDateKey(date: CivilDate): string {
  return `${String(date.year).padStart(4, '0')}-${pad2(date.month)}-${pad2(date.day)}`;
}

/**
 * Whether a civil (calendar) date is a Japanese public holiday, by the data set's date keys (never
 * `isHoliday(Date)`, which formats the Date in the *process's* time zone). Outside the years the data covers
 * the answer would be a guess: that is an error, not a silent "no".
 */
export function isJapaneseHoliday(date: CivilDate): boolean {
  if (date.year < HOLIDAYS_FIRST_YEAR || date.year > HOLIDAYS_LAST_YEAR)
    throw new RangeError(
      `no Japanese holiday data for ${date.year} (${HOLIDAYS_FIRST_YEAR}–${HOLIDAYS_LAST_YEAR}): run scripts/holidays-jp.ts`,
    );
  return HOLIDAYS_JP.has(civilDateKey(date));
}

/** Parses "HH:MM" into minutes after local midnight ("24:00" → 1440). */
export function parseHhMm(value: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(value);
  const h = Number(m?.[1]);
  const min = Number(m?.[2]);
  if (!m || h > 24 || min > 59 || (h === 24 && min !== 0)) {
    throw new RangeError(`invalid time of day "${value}", expected HH:MM`);
  }
  return h * 60 + min;
}

function isBusinessDate(date: CivilDate, w: BusinessWindow): boolean {
  if (!w.days.includes(isoWeekday(date))) return false;
  if (w.closedDates?.includes(`${pad2(date.month)}-${pad2(date.day)}`)) return false;
  return !(w.skipJapaneseHolidays && isJapaneseHoliday(date));
}

/** True when the local date of `t` is an open weekday and (if asked) not a Japanese holiday. */
export function isBusinessDay(t: EpochMs, w: BusinessWindow): boolean {
  return isBusinessDate(localParts(t, w.timeZone), w);
}

/** True when `t` falls on a business day, at or after `start` and before `end` (local time). */
export function isInWindow(t: EpochMs, w: BusinessWindow): boolean {
  const p = localParts(t, w.timeZone);
  const minute = p.hour * 60 + p.minute;
  if (minute < parseHhMm(w.start) || minute >= parseHhMm(w.end)) return false;
  return isBusinessDate(p, w);
}

/** The earliest instant ≥ `t` inside the window (`t` itself when already inside). */
/** DST shifts are at most an hour (30 minutes on Lord Howe Island): two hours either side covers them. */
const DST_MARGIN_MS = 2 * 3_600_000;

/** Does the zone's offset change anywhere around [a, b]? Then wall-clock arithmetic is not enough there. */
const dstChangeNear = (a: EpochMs, b: EpochMs, timeZone: string): boolean =>
  offsetAt(Math.min(a, b) - DST_MARGIN_MS, timeZone) !== offsetAt(Math.max(a, b) + DST_MARGIN_MS, timeZone);

export function nextWindowOpening(t: EpochMs, w: BusinessWindow): EpochMs {
  if (isInWindow(t, w)) return t;
  const startMinute = parseHhMm(w.start);
  const endMinute = parseHhMm(w.end);
  const today = localParts(t, w.timeZone);
  for (let i = 0; i <= MAX_SEARCH_DAYS; i++) {
    const date = addCivilDays(today, i);
    if (!isBusinessDate(date, w)) continue;
    const opening = zonedToEpoch(date, startMinute, w.timeZone);
    const close = zonedToEpoch(date, endMinute, w.timeZone);
    if (!dstChangeNear(opening, close, w.timeZone)) {
      if (opening > t) return opening;
      continue;
    }
    // A DST change inside this day's window (a skipped or repeated hour): the wall-clock opening may not
    // exist or may come twice, so look minute by minute. Twice a year, and only in zones with DST.
    const from = Math.max(
      Math.ceil((t + 1) / MINUTE_MS) * MINUTE_MS,
      Math.min(opening, close) - DST_MARGIN_MS,
    );
    for (let m = from; m < Math.max(opening, close) + DST_MARGIN_MS; m += MINUTE_MS)
      if (isInWindow(m, w)) return m;
  }
  throw new RangeError(`send window never opens within ${MAX_SEARCH_DAYS} days of ${t}`);
}

/** `t` moved `days` calendar days on the local wall clock (same local time of day, DST-safe). */
export function addCalendarDays(t: EpochMs, days: number, timeZone: string): EpochMs {
  if (!Number.isInteger(days) || days < 0) throw new RangeError(`days must be a whole number ≥ 0: ${days}`);
  if (days === 0) return t;
  const p = localParts(t, timeZone);
  const subMinute = ((t % MINUTE_MS) + MINUTE_MS) % MINUTE_MS;
  return zonedToEpoch(addCivilDays(p, days), p.hour * 60 + p.minute, timeZone) + subMinute;
}

/** Same local time of day, `days` business days after the local date of `t`. */
export function addBusinessDays(t: EpochMs, days: number, w: BusinessWindow): EpochMs {
  if (!Number.isInteger(days) || days < 0) throw new RangeError(`days must be a whole number ≥ 0: ${days}`);
  if (days === 0) return t;
  const p = localParts(t, w.timeZone);
  let date: CivilDate = p;
  let counted = 0;
  for (let i = 0; counted < days; i++) {
    if (i > MAX_SEARCH_DAYS * Math.max(1, days)) throw new RangeError('no business days in window');
    date = addCivilDays(date, 1);
    if (isBusinessDate(date, w)) counted++;
  }
  const subMinute = ((t % MINUTE_MS) + MINUTE_MS) % MINUTE_MS;
  return zonedToEpoch(date, p.hour * 60 + p.minute, w.timeZone) + subMinute;
}

/**
 * The earliest instant by which `hours` of in-window time have passed since `t`. Time outside
 * windows does not count, so Friday 17:30 + 1h is Monday 09:30 with a 09:00–18:00 window.
 * A deadline that uses up a window exactly ends at its closing time (e.g. Friday 18:00).
 */
export function addBusinessHours(t: EpochMs, hours: number, w: BusinessWindow): EpochMs {
  if (!Number.isFinite(hours) || hours < 0) throw new RangeError(`hours must be ≥ 0: ${hours}`);
  let remaining = Math.round(hours * 3_600_000);
  if (remaining === 0) return t;
  const endMinute = parseHhMm(w.end);
  let cursor = nextWindowOpening(t, w);
  for (;;) {
    const close = zonedToEpoch(localParts(cursor, w.timeZone), endMinute, w.timeZone);
    let next = Math.max(close, cursor + MINUTE_MS);
    if (!dstChangeNear(cursor, close, w.timeZone)) {
      const available = close - cursor;
      if (remaining <= available) return cursor + remaining;
      remaining -= Math.max(0, available);
    } else {
      // A DST change near today's window (a repeated or skipped hour): the wall-clock span is not the
      // window time, so count it minute by minute. Twice a year, and only in zones with DST.
      next = Math.max(close, cursor) + DST_MARGIN_MS;
      for (let m = cursor; m < next; m += MINUTE_MS) {
        if (!isInWindow(m, w)) continue;
        if (remaining <= MINUTE_MS) return m + remaining;
        remaining -= MINUTE_MS;
      }
    }
    cursor = nextWindowOpening(next, w);
  }
}

/**
 * Send-window jitter: a send that would wait for the window to open (everything held overnight or over a
 * weekend falls due at 09:00 sharp) is spread over the window's first `spreadMinutes` minutes instead of
 * bursting at the opening. The offset is a whole number of minutes in [0, spreadMinutes), derived from
 * `seed` (the enrollment's key): the same enrollment always gets the same minute, so a replay or a second
 * sweep decides the same instant. A time already inside the window is returned unchanged (nothing waits),
 * and an offset that would leave the window (a short window, a DST day) falls back to the opening itself.
 */
export function spreadWindowOpening(
  t: EpochMs,
  w: BusinessWindow,
  seed: string,
  spreadMinutes: number,
): EpochMs {
  if (!Number.isInteger(spreadMinutes) || spreadMinutes < 0)
    throw new RangeError(`spreadMinutes must be a whole number ≥ 0: ${spreadMinutes}`);
  const opening = nextWindowOpening(t, w);
  if (opening === t || spreadMinutes <= 1) return opening;
  const spread = opening + (fnv1a(seed) % spreadMinutes) * MINUTE_MS;
  return isInWindow(spread, w) && isInWindow(spread - 1, w) ? spread : opening;
}

/** FNV-1a, 32 bits: a stable, well-mixed hash of a short string (not for secrets). */
const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
};
