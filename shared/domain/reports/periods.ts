/**
 * Report periods. Counters are kept per calendar day in the configured time zone (Asia/Tokyo by default);
 * weeks (Monday first) and months are sums of days, so a report over a range reads one counter item per day
 * and dimension kind, whatever the number of leads.
 */
import type { EpochMs } from '#domain/lead/types';
import { civilDateKey, localParts } from '#domain/nurture/calendar';

/** The longest range a report may cover, in days (inclusive). */
export const MAX_RANGE_DAYS = 400;

const DAY_MS = 86_400_000;

/** The calendar day (`YYYY-MM-DD`) of an instant in a time zone. */
export function dayOf(at: EpochMs, timeZone: string): string {
  return civilDateKey(localParts(at, timeZone));
}

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isCalendarDay(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function toUtcNoon(day: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d, 12);
}

function fromUtc(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/** `day` moved by `n` calendar days. */
export function addDays(day: string, n: number): string {
  return fromUtc(toUtcNoon(day) + n * DAY_MS);
}

/** Every day from `from` to `to`, both included (empty when `from` is after `to`). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = toUtcNoon(from), end = toUtcNoon(to); t <= end; t += DAY_MS) out.push(fromUtc(t));
  return out;
}

/** Number of days in the inclusive range. */
export function rangeLength(from: string, to: string): number {
  return Math.round((toUtcNoon(to) - toUtcNoon(from)) / DAY_MS) + 1;
}

/** The Monday that starts the (ISO) week of `day`. */
export function weekOf(day: string): string {
  const weekday = new Date(toUtcNoon(day)).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

/** `YYYY-MM` of a day. */
export function monthOf(day: string): string {
  return day.slice(0, 7);
}

export type Interval = 'day' | 'week' | 'month';

/** The bucket a day falls in for an interval: the day, its week's Monday, or its month. */
export function bucketOf(day: string, interval: Interval): string {
  if (interval === 'week') return weekOf(day);
  if (interval === 'month') return monthOf(day);
  return day;
}

/** The current month of `now` in the time zone, as an inclusive day range (the reports' default range). */
export function currentMonth(now: EpochMs, timeZone: string): { from: string; to: string } {
  const today = dayOf(now, timeZone);
  const first = `${monthOf(today)}-01`;
  const next = addDays(`${monthOf(today)}-28`, 4);
  return { from: first, to: addDays(`${monthOf(next)}-01`, -1) };
}

/** Days of a month (`YYYY-MM`). */
export function daysInMonth(month: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}
