/** E-mail KPIs as counted for reports: which ones, per which day, under which counter name. Pure. */
import type { EpochMs } from '#domain/lead/types';
import { civilDateKey, localParts } from '#domain/nurture/calendar';

export const EMAIL_KPIS = [
  'sent',
  'delivered',
  'bounced',
  'opened',
  'clicked',
  'unsubscribed',
  'complained',
] as const;
export type EmailKpi = (typeof EMAIL_KPIS)[number];

/** The counter period: the calendar day in the app's time zone (YYYY-MM-DD). */
export function kpiDay(at: EpochMs, timeZone: string): string {
  return civilDateKey(localParts(at, timeZone));
}
