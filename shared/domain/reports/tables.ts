/** Reports as tables (header row first) for CSV: one row per group, or per period and group. */
import { STAGE_METRICS } from '#domain/reports/counting';
import type { EmailRow, FunnelRow, LeadsPoint, ScoresReport, SlaRow } from '#domain/reports/reports';

export type Cell = string | number | null;

/**
 * The rows, then the total as a last row named `total` when one is given (a grouped report's, as the JSON's
 * `total`; with no grouping the one row is the total already, and none is given).
 */
function withTotal<R extends { group: string }>(rows: readonly R[], total: R | undefined): R[] {
  return total ? [...rows, { ...total, group: 'total' }] : [...rows];
}

/**
 * Funnel: counts, deals won and lost with the amount won per currency (`amount_won_JPY`, a column per
 * currency present), and rates.
 */
export function funnelTable(rows: readonly FunnelRow[], total?: Omit<FunnelRow, 'group'>): Cell[][] {
  const stages = STAGE_METRICS;
  const rates = ['mql', 'tql', 'sal', 'sql', 'opportunity', 'customer'] as const;
  const all = withTotal(rows, total && { group: 'total', ...total });
  const currencies = [...new Set(all.flatMap((r) => Object.keys(r.deals.amountWon)))].sort();
  return [
    [
      'group',
      ...stages,
      'deals_won',
      'deals_lost',
      ...currencies.map((c) => `amount_won_${c}`),
      ...rates.map((r) => `rate_${r}`),
    ],
    ...all.map((r) => [
      r.group,
      ...stages.map((s) => r.counts[s]),
      r.deals.won,
      r.deals.lost,
      ...currencies.map((c) => r.deals.amountWon[c] ?? 0),
      ...rates.map((k) => r.rates[k]),
    ]),
  ];
}

export function leadsTable(points: readonly LeadsPoint[]): Cell[][] {
  const series = ['leads', 'mql', 'sql', 'opportunities'] as const;
  return [
    [
      'period',
      'from',
      'to',
      'group',
      ...series,
      ...series.map((s) => `target_${s}`),
      ...series.map((s) => `attainment_${s}`),
    ],
    ...points.map((p) => [
      p.period,
      p.from,
      p.to,
      p.group,
      ...series.map((s) => p.actual[s]),
      ...series.map((s) => p.target[s]),
      ...series.map((s) => p.attainment[s]),
    ]),
  ];
}

export function emailTable(rows: readonly EmailRow[], total?: EmailRow): Cell[][] {
  const counts = ['sent', 'delivered', 'bounced', 'complained', 'opened', 'clicked', 'unsubscribed'] as const;
  const rates = ['delivery', 'open', 'click', 'bounce', 'complaint', 'unsubscribe'] as const;
  return [
    ['group', ...counts, ...rates.map((r) => `rate_${r}`)],
    ...withTotal(rows, total).map((r) => [
      r.group,
      ...counts.map((c) => r.counts[c]),
      ...rates.map((k) => r.rates[k]),
    ]),
  ];
}

export function slaTable(rows: readonly SlaRow[], total?: SlaRow): Cell[][] {
  const cols = [
    'handoffs',
    'accepted',
    'acceptedWithinSla',
    'breached',
    'reassigned',
    'reassignedIn',
    'complianceRate',
    'medianMinutesToAccept',
    'p90MinutesToAccept',
    'firstContacted',
    'firstContactWithinSla',
    'firstContactBreached',
    'firstContactComplianceRate',
  ] as const;
  return [['group', ...cols], ...withTotal(rows, total).map((r) => [r.group, ...cols.map((c) => r[c])])];
}

export function scoresTable(report: ScoresReport): Cell[][] {
  return [
    ['kind', 'key', 'count'],
    ...Object.entries(report.byTemperature).map(([k, v]) => ['temperature', k, v]),
    ...Object.entries(report.byStage).map(([k, v]) => ['stage', k, v]),
    ...report.histogram.map((b) => ['score', b.to === null ? `${b.from}+` : `${b.from}-${b.to}`, b.count]),
  ];
}
