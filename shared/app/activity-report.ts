import { settings } from '#config/settings';
import {
  ACTIVITY_DIMS,
  type ActivityReportRow,
  activityKind,
  activityReport,
} from '#domain/handoff/activities';
import * as z from '#domain/lead/validation';
import { readReportDays } from '#store/report-counters';

/** Query of `GET /v1/ops/reports/activities`: an inclusive day range (at most a year) and a grouping. */
export const activityReportQuerySchema = z
  .strictObject({
    from: z.iso.date(),
    to: z.iso.date(),
    groupBy: z._default(z.enum(ACTIVITY_DIMS), 'none'),
  })
  .check(
    z.refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['to'] }),
    z.refine((q) => daysBetween(q.from, q.to).length <= 366, { message: 'at most 366 days', path: ['to'] }),
  );
export type ActivityReportQuery = z.output<typeof activityReportQuerySchema>;

const DAY_MS = 86_400_000;
function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (
    let t = Date.parse(`${from}T00:00:00Z`);
    t <= Date.parse(`${to}T00:00:00Z`) && out.length <= 366;
    t += DAY_MS
  )
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

export interface ActivityReport {
  from: string;
  to: string;
  groupBy: string;
  timeZone: string;
  rows: ActivityReportRow[];
}

/**
 * Sales activity figures (activities, calls, connects, meetings, appointments set, connect rate) per owner,
 * team or in total over a range of days (days of the report time zone), read from the activity counters that
 * `log-sales-activity` writes with each activity: one Query, whatever the number of leads.
 */
export async function activityReportView(query: ActivityReportQuery): Promise<ActivityReport> {
  const days = await readReportDays(activityKind(query.groupBy), daysBetween(query.from, query.to));
  return {
    from: query.from,
    to: query.to,
    groupBy: query.groupBy,
    timeZone: settings.app.timeZone,
    rows: activityReport(days),
  };
}
