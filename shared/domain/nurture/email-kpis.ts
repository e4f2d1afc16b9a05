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

/**
 * The message tag a step mail carries with the KPI day its `sent` was counted on: SES hands the tags back
 * on every event of the mail, and its delivery, bounce, complaint, open and click count on that same day.
 */
export const SENT_DAY_TAG = 'sentday';
