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

/** Counter item names: `email_sent`, and per sequence `email_sent#whitepaper-nurture`. */
export function kpiCounterName(kpi: EmailKpi, sequenceId?: string): string {
  return sequenceId ? `email_${kpi}#${sequenceId}` : `email_${kpi}`;
}

/** The counters one event adds to: the day's total and, when the mail belongs to a sequence, the sequence's. */
export function kpiCounterNames(kpi: EmailKpi, sequenceId?: string): string[] {
  return [kpiCounterName(kpi), ...(sequenceId ? [kpiCounterName(kpi, sequenceId)] : [])];
}
