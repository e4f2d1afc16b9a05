import { countMetric } from '#adapters/metrics';
import { settings } from '#config/settings';
import { reportPeriod as periodIn, type SlaCounter } from '#domain/handoff/sla';
import type { AnyDomainEvent } from '#domain/lead/events';
import type { EpochMs } from '#domain/lead/types';
import type { TransactItem } from '#store/leads';
import { readSlaCounters, slaCounterUpdate } from '#store/sla-counters';

/**
 * SLA counting shared by the hand-off use cases (open, SLA timer, sales action): the counters an outcome
 * adds, in the report period of the sales team's time zone, written in the change's own transaction.
 */

export type { SlaCounter };
export { readSlaCounters };

/** The report period (`YYYY-MM`) of `at` in the SLA's time zone. */
export function reportPeriod(at: EpochMs): string {
  return periodIn(at, settings.handoff.sla.window.timeZone);
}

/** The counter update to add to a transaction; none when nothing is counted. */
export function slaCounterItems(at: EpochMs, counters: readonly SlaCounter[]): TransactItem[] {
  return counters.length ? [slaCounterUpdate(reportPeriod(at), counters)] : [];
}

/**
 * The `LeadSlaBreached` metric (the dashboard's "SLA breaches") for each breach a saved write published: the
 * SLA timer's, and a reassignment's or a close's after a deadline the timer had not seen.
 */
export function countSlaBreaches(events: readonly AnyDomainEvent[]): void {
  for (const event of events) {
    if (event.detailType === 'Lead SLA Breached')
      countMetric('LeadSlaBreached', { action: event.detail.escalation.action, clock: event.detail.clock });
  }
}
