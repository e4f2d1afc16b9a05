import { now } from '#adapters/clock';
import { settings } from '#config/settings';
import {
  COHORT_DIMS,
  type CohortDim,
  cohortKind,
  type EmailDim,
  emailKind,
  type FunnelDim,
  funnelKind,
  type SlaDim,
  slaKind,
} from '#domain/reports/counting';
import { type ParamError, type RangedReport, type RawParams, reportParams } from '#domain/reports/params';
import { daysBetween } from '#domain/reports/periods';
import { emailReport, funnelReport, leadsReport, scoresReport, slaReport } from '#domain/reports/reports';
import {
  type Cell,
  emailTable,
  funnelTable,
  leadsTable,
  scoresTable,
  slaTable,
} from '#domain/reports/tables';
import { readGauges, readReportDays, readReportKinds } from '#store/report-counters';

/**
 * The report routes (`/v1/ops/reports/{funnel,leads,email,sla,scores}`): parameters checked by the domain,
 * figures from counter items only. A ranged report reads the counter items of its range's days in every
 * write shard (one Query per shard), the scores report the gauge item of every shard: the same number of
 * reads at 1k or 10M leads.
 */

export type ReportName = RangedReport | 'scores';
export const REPORT_NAMES: readonly ReportName[] = ['funnel', 'leads', 'email', 'sla', 'scores'];

export type ReportOutcome =
  | { kind: 'invalid'; errors: ParamError[] }
  | { kind: 'report'; body: Record<string, unknown>; table: Cell[][] };

async function readKinds(kind: string, totalKind: string, days: readonly string[]) {
  // One scatter-gather over the counter shards serves both kinds (they share the items).
  const read = await readReportKinds([kind, totalKind], days);
  const totals = read.get(totalKind) as Map<string, Record<string, number>>;
  return { grouped: read.get(kind) ?? totals, totals };
}

/**
 * The funnel's counters: the view's (grouped and total) and the cohort's behind the rates, all from one
 * scatter-gather (every kind is on the same day items). A grouping the cohort lacks (owner) has no rates.
 */
async function readFunnel(view: 'period' | 'cohort', groupBy: string, days: readonly string[]) {
  const kindOf = (d: string) => (view === 'cohort' ? cohortKind(d as CohortDim) : funnelKind(d as FunnelDim));
  const cohortGroup = (COHORT_DIMS as readonly string[]).includes(groupBy)
    ? cohortKind(groupBy as CohortDim)
    : undefined;
  const kinds = [kindOf(groupBy), kindOf('none'), cohortKind('none'), ...(cohortGroup ? [cohortGroup] : [])];
  const read = await readReportKinds([...new Set(kinds)], days);
  const get = (kind: string) => read.get(kind) as Map<string, Record<string, number>>;
  return {
    grouped: get(kindOf(groupBy)),
    totals: get(kindOf('none')),
    cohort: { grouped: cohortGroup ? get(cohortGroup) : undefined, totals: get(cohortKind('none')) },
  };
}

/** A grouped report's CSV ends with its total (ungrouped, its one row is the total). */
const totalRow = <R>(groupBy: string, total: R): R | undefined => (groupBy === 'none' ? undefined : total);

export async function viewReport(name: ReportName, raw: RawParams): Promise<ReportOutcome> {
  const timeZone = settings.app.timeZone;
  if (name === 'scores') {
    const report = scoresReport(await readGauges());
    return { kind: 'report', body: { timeZone, ...report }, table: scoresTable(report) };
  }
  const checked = reportParams(name, raw, now(), timeZone);
  if (!checked.ok) return { kind: 'invalid', errors: checked.errors };
  const { from, to, groupBy, view, interval } = checked.params;
  const days = daysBetween(from, to);
  const head = { from, to, timeZone, groupBy };
  switch (name) {
    case 'funnel': {
      const { grouped, totals, cohort } = await readFunnel(view, groupBy, days);
      const report = funnelReport(grouped, totals, view, groupBy, cohort);
      return {
        kind: 'report',
        body: { ...head, view, ...report },
        table: funnelTable(report.rows, totalRow(groupBy, report.total)),
      };
    }
    case 'leads': {
      const counters = await readReportDays(funnelKind(groupBy as FunnelDim), days);
      const series = leadsReport(counters, from, to, interval, groupBy, settings.reports.targets);
      return { kind: 'report', body: { ...head, interval, series }, table: leadsTable(series) };
    }
    case 'email': {
      const { grouped, totals } = await readKinds(emailKind(groupBy as EmailDim), emailKind('none'), days);
      const report = emailReport(grouped, totals, groupBy);
      return {
        kind: 'report',
        body: { ...head, ...report },
        table: emailTable(report.rows, totalRow(groupBy, report.total)),
      };
    }
    case 'sla': {
      const { grouped, totals } = await readKinds(slaKind(groupBy as SlaDim), slaKind('none'), days);
      const report = slaReport(grouped, totals, groupBy);
      return {
        kind: 'report',
        body: { ...head, ...report },
        table: slaTable(report.rows, totalRow(groupBy, report.total)),
      };
    }
  }
}
