import { errorFields, logger } from '#adapters/logger';
import { settings } from '#config/settings';
import type { EpochMs } from '#domain/lead/types';
import { type EmailKpi, kpiCounterNames, kpiDay } from '#domain/nurture/email-kpis';
import { emailAdds } from '#domain/reports/counting';
import { incrementCounter } from '#store/counters';
import { addReportCounters } from '#store/report-counters';

/**
 * E-mail KPI counters: one item per counter and day (in the app's time zone, Asia/Tokyo by default),
 * incremented with `ADD`, so a report costs the same at any volume. Besides the per-KPI items, the report
 * counters (`REPORT#e:<dim>` / day: none, sequence, step, template) feed `GET /v1/ops/reports/email`.
 *
 * Exactly-once story (stated, not hidden): these increments follow the write that records the mail event,
 * outside its transaction. Duplicates never count: each caller counts only after its own guard said "first
 * time" (the step claim for `sent`, the idempotency record for bounces and complaints, the timeline's replay
 * guard for opens and clicks, the unsubscribe state change). A crash between that write and the increment
 * loses one count (at most once): SES event volumes make that an accepted error for e-mail rates, unlike
 * the funnel and SLA counters, which commit with the change itself.
 */

/** The day a KPI counted at `at` belongs to. */
export function emailKpiDay(at: EpochMs): string {
  return kpiDay(at, settings.app.timeZone);
}

/** Add one to the day's counters (and the sequence's, step's and template's, when known). */
export async function countEmail(
  kpi: EmailKpi,
  at: EpochMs,
  sequenceId?: string,
  mail: { stepId?: string | undefined; templateId?: string | undefined } = {},
): Promise<void> {
  const day = emailKpiDay(at);
  await Promise.all([
    ...kpiCounterNames(kpi, sequenceId).map((name) => incrementCounter(name, day, { count: 1 })),
    addReportCounters(emailAdds(kpi, day, { sequenceId, ...mail })),
  ]).catch((error: unknown) => {
    // A report off by one beats a retried event that would send or suppress twice.
    logger.warn('counter not updated', { kpi, ...errorFields(error) });
  });
}
