/** The report routes' parameters, checked (pure): defaults, known values, a valid and bounded range. */
import type { EpochMs } from '#domain/lead/types';
import {
  currentMonth,
  type Interval,
  isCalendarDay,
  MAX_RANGE_DAYS,
  rangeLength,
} from '#domain/reports/periods';

export const REPORT_GROUPS = {
  funnel: ['none', 'channel', 'source', 'campaign', 'form', 'owner'],
  leads: ['none', 'channel', 'source', 'form'],
  email: ['none', 'sequence', 'step', 'template'],
  sla: ['none', 'owner', 'team'],
} as const;
export type RangedReport = keyof typeof REPORT_GROUPS;

export interface ParamError {
  field: string;
  code: string;
  message: string;
}

export interface ReportParams {
  from: string;
  to: string;
  groupBy: string;
  view: 'period' | 'cohort';
  interval: Interval;
}

export type RawParams = Partial<Record<'from' | 'to' | 'groupBy' | 'view' | 'interval', string>>;

/**
 * Checks a report's query: `from`/`to` as YYYY-MM-DD (default: the current month in the time zone; one of
 * them alone fills the other from the same month), `from` not after `to`, at most 400 days; `groupBy`,
 * `view` and `interval` from their lists. Every problem is reported with its field.
 */
export function reportParams(
  report: RangedReport,
  raw: RawParams,
  now: EpochMs,
  timeZone: string,
): { ok: true; params: ReportParams } | { ok: false; errors: ParamError[] } {
  const errors: ParamError[] = [];
  const month = currentMonth(now, timeZone);
  const date = (field: 'from' | 'to'): string | undefined => {
    const v = raw[field];
    if (v === undefined || v === '') return undefined;
    if (!isCalendarDay(v)) {
      errors.push({ field, code: 'invalid_date', message: 'expected a calendar date as YYYY-MM-DD' });
      return undefined;
    }
    return v;
  };
  const fromRaw = date('from');
  const toRaw = date('to');
  const from = fromRaw ?? (toRaw ? `${toRaw.slice(0, 7)}-01` : month.from);
  const to = toRaw ?? (fromRaw ? lastDayOfMonth(fromRaw) : month.to);
  if (errors.length === 0) {
    if (from > to) errors.push({ field: 'from', code: 'after_to', message: 'from must not be after to' });
    else if (rangeLength(from, to) > MAX_RANGE_DAYS)
      errors.push({
        field: 'to',
        code: 'range_too_long',
        message: `a range covers at most ${MAX_RANGE_DAYS} days`,
      });
  }
  const groups: readonly string[] = REPORT_GROUPS[report];
  const groupBy = raw.groupBy ?? 'none';
  if (!groups.includes(groupBy))
    errors.push({ field: 'groupBy', code: 'invalid', message: `one of ${groups.join(', ')}` });
  const view = raw.view ?? 'period';
  if (view !== 'period' && view !== 'cohort')
    errors.push({ field: 'view', code: 'invalid', message: 'period or cohort' });
  else if (view === 'cohort' && report === 'funnel' && groupBy === 'owner')
    errors.push({
      field: 'groupBy',
      code: 'invalid',
      message: 'the cohort view groups by none, channel, source, campaign or form',
    });
  const interval = raw.interval ?? 'day';
  if (interval !== 'day' && interval !== 'week' && interval !== 'month')
    errors.push({ field: 'interval', code: 'invalid', message: 'day, week or month' });
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    params: { from, to, groupBy, view: view as 'period' | 'cohort', interval: interval as Interval },
  };
}

/** The last calendar day of a day's month (`2026-11-10` → `2026-11-30`, `2028-02-03` → `2028-02-29`). */
function lastDayOfMonth(day: string): string {
  const [year, month] = day.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
}
