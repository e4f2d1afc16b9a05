import { errorFields, logger } from '#adapters/logger';
import { settings } from '#config/settings';
import type { EpochMs } from '#domain/lead/types';
import { type EmailKpi, kpiCounterNames, kpiDay } from '#domain/nurture/email-kpis';
import { incrementCounter } from '#store/counters';

/**
 * E-mail KPI counters: one item per counter and day (in the app's time zone, Asia/Tokyo by default),
 * incremented with `ADD`, so a report costs the same at any volume.
 */

/** The day a KPI counted at `at` belongs to. */
export function emailKpiDay(at: EpochMs): string {
  return kpiDay(at, settings.app.timeZone);
}

/** Add one to the day's counter (and the sequence's). A lost increment on a crash is accepted. */
export async function countEmail(kpi: EmailKpi, at: EpochMs, sequenceId?: string): Promise<void> {
  const day = emailKpiDay(at);
  await Promise.all(
    kpiCounterNames(kpi, sequenceId).map((name) => incrementCounter(name, day, { count: 1 })),
  ).catch((error: unknown) => {
    // A report off by one beats a retried event that would send or suppress twice.
    logger.warn('counter not updated', { kpi, ...errorFields(error) });
  });
}
