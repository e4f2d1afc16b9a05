/**
 * The report routes' figures, computed from counter items only (pure). A counter item holds, for one day
 * and one dimension kind, fields `<group value>|<metric>`; a range sums its days.
 */
import { STAGES, TEMPERATURES } from '#domain/lead/types';
import {
  ALL,
  DEAL_METRICS,
  SCORE_BUCKETS,
  STAGE_METRICS,
  type StageMetric,
  TTA_BUCKETS,
  ttaField,
} from '#domain/reports/counting';
import { bucketOf, daysBetween, daysInMonth, type Interval, monthOf } from '#domain/reports/periods';

/** Counter fields per day (a missing day is an empty record). */
export type DayCounters = ReadonlyMap<string, Readonly<Record<string, number>>>;

/** Sums the days' fields into group value → metric → count. */
export function sumByGroup(
  days: DayCounters,
  only?: ReadonlySet<string>,
): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const [day, fields] of days) {
    if (only && !only.has(day)) continue;
    for (const [field, n] of Object.entries(fields)) {
      const cut = field.lastIndexOf('|');
      if (cut < 0 || typeof n !== 'number') continue;
      const group = field.slice(0, cut);
      const metric = field.slice(cut + 1);
      const rec = out.get(group) ?? {};
      rec[metric] = (rec[metric] ?? 0) + n;
      out.set(group, rec);
    }
  }
  return out;
}

const ratio = (num: number, den: number): number | null =>
  den === 0 ? null : Math.round((num / den) * 10_000) / 10_000;
const n = (rec: Record<string, number> | undefined, k: string): number => rec?.[k] ?? 0;

/** Groups ordered by their first metric, largest first, then by name (stable output). */
function orderGroups<T extends { group: string }>(rows: T[], size: (r: T) => number): T[] {
  return rows.sort((a, b) => size(b) - size(a) || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

// ----- funnel ---------------------------------------------------------------------------------------------

export type FunnelCounts = Record<StageMetric, number>;
export interface FunnelRates {
  mql: number | null;
  /** tql / mql. */
  tql: number | null;
  /**
   * sal / mql: the share of MQLs that sales accepted. Not sal / tql: a lead reaches sal with or without a
   * TQL step (inside sales may accept before booking), so sal / tql could exceed 1 in a mixed range.
   */
  sal: number | null;
  sql: number | null;
  opportunity: number | null;
  customer: number | null;
}
/** Deals closed in the range (period view) or by the cohort so far: counts and amount won per currency. */
export interface FunnelDeals {
  won: number;
  lost: number;
  amountWon: Record<string, number>;
}
export interface FunnelRow {
  group: string;
  counts: FunnelCounts;
  rates: FunnelRates;
  deals: FunnelDeals;
}

const stageCounts = (rec: Record<string, number> | undefined): FunnelCounts =>
  Object.fromEntries(STAGE_METRICS.map((s) => [s, n(rec, s)])) as FunnelCounts;

/** Conversion rates of one cohort's counts: each stage's leads against the previous stage's same leads. */
function ratesOf(counts: FunnelCounts | undefined): FunnelRates {
  if (!counts) return { mql: null, tql: null, sal: null, sql: null, opportunity: null, customer: null };
  return {
    mql: ratio(counts.mql, counts.lead),
    tql: ratio(counts.tql, counts.mql),
    sal: ratio(counts.sal, counts.mql),
    sql: ratio(counts.sql, counts.sal),
    opportunity: ratio(counts.opportunity, counts.sql),
    customer: ratio(counts.customer, counts.opportunity),
  };
}

/**
 * One funnel row: `counts` and `deals` from `rec` (the view's counters), `rates` from `cohort` (the cohort
 * counters of the same range and group; undefined when the grouping has no cohort, e.g. owner).
 */
function funnelOf(
  rec: Record<string, number> | undefined,
  view: 'period' | 'cohort',
  cohort: Record<string, number> | undefined,
  hasCohort: boolean,
): { counts: FunnelCounts; rates: FunnelRates; deals: FunnelDeals } {
  const counts = stageCounts(rec);
  if (view === 'period') counts.lead = n(rec, 'created');
  const amountWon = Object.fromEntries(
    Object.entries(rec ?? {})
      .filter(([k]) => k.startsWith(DEAL_METRICS.wonAmountPrefix))
      .map(([k, v]) => [k.slice(DEAL_METRICS.wonAmountPrefix.length), v]),
  );
  return {
    counts,
    deals: { won: n(rec, DEAL_METRICS.won), lost: n(rec, DEAL_METRICS.lost), amountWon },
    rates: ratesOf(hasCohort ? stageCounts(cohort) : undefined),
  };
}

/** The cohort counters behind the rates (the same as the counts' in the cohort view). */
export interface FunnelCohort {
  /** Per group; undefined when the grouping has no cohort counters (owner): the rows' rates are null. */
  grouped?: DayCounters | undefined;
  totals: DayCounters;
}

/**
 * Funnel rows from the funnel counters (`view=period`: stage entries in the range, `lead` = leads created)
 * or the cohort counters (`view=cohort`: leads created in the range and the stages they reached so far).
 * `total` is read from the `none` item, so a lead without a group value still counts in the total.
 *
 * Rates are conversion rates, in both views those of the range's cohort (`cohort`): of the leads created in
 * the range that reached a stage, the share that reached the next, so each is at most 1. The period view's
 * counts are entries by different leads (this month's SALs include last month's MQLs, a recycled lead
 * enters MQL again), whose ratio is no conversion rate and may exceed 1.
 */
export function funnelReport(
  grouped: DayCounters,
  totals: DayCounters,
  view: 'period' | 'cohort',
  groupBy: string,
  cohort: FunnelCohort,
): { rows: FunnelRow[]; total: { counts: FunnelCounts; rates: FunnelRates; deals: FunnelDeals } } {
  const total = funnelOf(sumByGroup(totals).get(ALL), view, sumByGroup(cohort.totals).get(ALL), true);
  if (groupBy === 'none') return { rows: [{ group: 'all', ...total }], total };
  const cohorts = cohort.grouped ? sumByGroup(cohort.grouped) : undefined;
  const rows = [...sumByGroup(grouped)].map(([group, rec]) => ({
    group,
    ...funnelOf(rec, view, cohorts?.get(group), cohorts !== undefined),
  }));
  return { rows: orderGroups(rows, (r) => r.counts.lead), total };
}

// ----- leads over time ------------------------------------------------------------------------------------

/** Targets per month (`YYYY-MM`): overall and optionally per channel group. */
export interface TargetFigures {
  leads?: number | undefined;
  mql?: number | undefined;
  sql?: number | undefined;
  opportunities?: number | undefined;
}
export type MonthTargets = TargetFigures & {
  byChannel?: Readonly<Record<string, TargetFigures>> | undefined;
};
/** `months` names single months; `everyMonth` is the target of each month not named there (a steady plan). */
export interface TargetsConfig {
  months: Readonly<Record<string, MonthTargets>>;
  everyMonth?: MonthTargets | undefined;
}

/** The targets of one month (`YYYY-MM`): its own entry, else the every-month targets, else none. */
export const monthTargets = (targets: TargetsConfig, month: string): MonthTargets | undefined =>
  targets.months[month] ?? targets.everyMonth;

const SERIES = [
  ['leads', 'created'],
  ['mql', 'mql'],
  ['sql', 'sql'],
  ['opportunities', 'opportunity'],
] as const;
type SeriesName = (typeof SERIES)[number][0];

export interface LeadsPoint {
  /** The bucket: the day, the Monday of the week, or the month (`YYYY-MM`). */
  period: string;
  /**
   * The first and last day of the bucket inside the range: a week or month cut by the range's edge (a
   * range from a Wednesday) is counted, and its target prorated, over these days only.
   */
  from: string;
  to: string;
  group: string;
  actual: Record<SeriesName, number>;
  target: Record<SeriesName, number | null>;
  attainment: Record<SeriesName, number | null>;
}

/**
 * Time series of leads created, MQLs, SQLs and opportunities per interval (and group), with targets: a
 * month's target, or for a day or week the month's target prorated over the days it covers in the range
 * (null when one of those days is in a month without that target).
 * Grouped by channel, the groups are those with counts in the range and every channel with a target in a
 * month the range covers (a target met by no lead is a row at 0).
 */
export function leadsReport(
  counters: DayCounters,
  from: string,
  to: string,
  interval: Interval,
  groupBy: string,
  targets: TargetsConfig,
): LeadsPoint[] {
  const days = daysBetween(from, to);
  const buckets = new Map<string, string[]>();
  for (const day of days) {
    const b = bucketOf(day, interval);
    buckets.set(b, [...(buckets.get(b) ?? []), day]);
  }
  const all = sumByGroup(counters);
  const groups =
    groupBy === 'none'
      ? [ALL]
      : [...new Set([...all.keys(), ...(groupBy === 'channel' ? targetChannels(targets, days) : [])])].sort();
  const points: LeadsPoint[] = [];
  for (const [period, bucketDays] of buckets) {
    const sums = sumByGroup(counters, new Set(bucketDays));
    for (const group of groups) {
      const rec = sums.get(group);
      const actual = Object.fromEntries(SERIES.map(([name, metric]) => [name, n(rec, metric)])) as Record<
        SeriesName,
        number
      >;
      const target = Object.fromEntries(
        SERIES.map(([name]) => [
          name,
          targetFor(targets, bucketDays, name, groupBy === 'channel' ? group : undefined, groupBy),
        ]),
      ) as Record<SeriesName, number | null>;
      const attainment = Object.fromEntries(
        SERIES.map(([name]) => [name, target[name] ? ratio(actual[name], target[name] as number) : null]),
      ) as Record<SeriesName, number | null>;
      points.push({
        period,
        from: bucketDays[0] as string,
        to: bucketDays[bucketDays.length - 1] as string,
        group: group === ALL ? 'all' : group,
        actual,
        target,
        attainment,
      });
    }
  }
  return points;
}

/**
 * The channels the months covering `days` name in their targets (`byChannel`): each gets a row per
 * interval even with no leads, so a channel short of its target shows 0 attainment instead of vanishing.
 */
function targetChannels(targets: TargetsConfig, days: readonly string[]): string[] {
  const months = new Set(days.map(monthOf));
  return [...months].flatMap((m) => Object.keys(monthTargets(targets, m)?.byChannel ?? {}));
}

function targetFor(
  targets: TargetsConfig,
  days: readonly string[],
  name: SeriesName,
  channel: string | undefined,
  groupBy: string,
): number | null {
  if (groupBy !== 'none' && groupBy !== 'channel') return null;
  let sum = 0;
  for (const day of days) {
    const month = monthTargets(targets, monthOf(day));
    const figures = channel === undefined ? month : month?.byChannel?.[channel];
    const value = figures?.[name];
    // A bucket partly in a month without this target (the week of 11/30 when only December has one) has
    // none: a target of its December days against the leads of all its days overstated the attainment.
    if (value === undefined) return null;
    sum += value / daysInMonth(monthOf(day));
  }
  return days.length ? Math.round(sum * 100) / 100 : null;
}

// ----- e-mail -----------------------------------------------------------------------------------------------

export const EMAIL_COUNTS = [
  'sent',
  'delivered',
  'bounced',
  'complained',
  'opened',
  'clicked',
  'unsubscribed',
] as const;
export interface EmailRow {
  group: string;
  counts: Record<(typeof EMAIL_COUNTS)[number], number>;
  rates: {
    delivery: number | null;
    open: number | null;
    click: number | null;
    bounce: number | null;
    complaint: number | null;
    unsubscribe: number | null;
  };
}

function emailOf(group: string, rec: Record<string, number> | undefined): EmailRow {
  const counts = Object.fromEntries(EMAIL_COUNTS.map((k) => [k, n(rec, k)])) as EmailRow['counts'];
  return {
    group,
    counts,
    rates: {
      delivery: ratio(counts.delivered, counts.sent),
      open: ratio(counts.opened, counts.delivered),
      click: ratio(counts.clicked, counts.delivered),
      bounce: ratio(counts.bounced, counts.sent),
      complaint: ratio(counts.complained, counts.delivered),
      unsubscribe: ratio(counts.unsubscribed, counts.delivered),
    },
  };
}

export function emailReport(
  grouped: DayCounters,
  totals: DayCounters,
  groupBy: string,
): { rows: EmailRow[]; total: EmailRow } {
  const total = emailOf('all', sumByGroup(totals).get(ALL));
  if (groupBy === 'none') return { rows: [total], total };
  const rows = [...sumByGroup(grouped)].map(([group, rec]) => emailOf(group, rec));
  return { rows: orderGroups(rows, (r) => r.counts.sent), total };
}

// ----- SLA --------------------------------------------------------------------------------------------------

export interface SlaRow {
  group: string;
  handoffs: number;
  accepted: number;
  acceptedWithinSla: number;
  breached: number;
  /** Hand-offs the SLA timer took away from this group for a missed accept deadline. */
  reassigned: number;
  /** Open hand-offs this group received from a colleague (SLA timer or manual reassignment). */
  reassignedIn: number;
  /** Of the hand-offs decided in the range (accepted in time, or breached), the share accepted in time. */
  complianceRate: number | null;
  medianMinutesToAccept: number | null;
  p90MinutesToAccept: number | null;
  /** First-contact clock: hand-offs first contacted, in time, and first-contact breaches. */
  firstContacted: number;
  firstContactWithinSla: number;
  firstContactBreached: number;
  /** firstContactWithinSla / (firstContactWithinSla + firstContactBreached); null when nothing decided. */
  firstContactComplianceRate: number | null;
}

/**
 * A quantile of the time-to-accept histogram: the bucket holding it, linearly interpolated inside the
 * bucket (the open last bucket answers its lower bound). Exact to the bucket; null without acceptances.
 */
export function histogramQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (c > 0 && seen + c >= rank) {
      const low = i === 0 ? 0 : (TTA_BUCKETS[i - 1] as number);
      const high = TTA_BUCKETS[i] as number;
      if (!Number.isFinite(high)) return low;
      return Math.round((low + ((rank - seen) / c) * (high - low)) * 10) / 10;
    }
    seen += c;
  }
  return null;
}

function slaOf(group: string, rec: Record<string, number> | undefined): SlaRow {
  const histogram = TTA_BUCKETS.map((_, i) => n(rec, ttaField(i)));
  const within = n(rec, 'acceptedWithinSla');
  const breached = n(rec, 'breached');
  return {
    group,
    handoffs: n(rec, 'handoffs'),
    accepted: n(rec, 'accepted'),
    acceptedWithinSla: within,
    breached,
    reassigned: n(rec, 'reassigned'),
    reassignedIn: n(rec, 'reassignedIn'),
    complianceRate: ratio(within, within + breached),
    medianMinutesToAccept: histogramQuantile(histogram, 0.5),
    p90MinutesToAccept: histogramQuantile(histogram, 0.9),
    firstContacted: n(rec, 'firstContacted'),
    firstContactWithinSla: n(rec, 'firstContactWithinSla'),
    firstContactBreached: n(rec, 'firstContactBreached'),
    firstContactComplianceRate: ratio(
      n(rec, 'firstContactWithinSla'),
      n(rec, 'firstContactWithinSla') + n(rec, 'firstContactBreached'),
    ),
  };
}

export function slaReport(
  grouped: DayCounters,
  totals: DayCounters,
  groupBy: string,
): { rows: SlaRow[]; total: SlaRow } {
  const total = slaOf('all', sumByGroup(totals).get(ALL));
  if (groupBy === 'none') return { rows: [total], total };
  const rows = [...sumByGroup(grouped)].map(([group, rec]) => slaOf(group, rec));
  return { rows: orderGroups(rows, (r) => r.handoffs), total };
}

// ----- scores -----------------------------------------------------------------------------------------------

export interface ScoresReport {
  total: number;
  byTemperature: Record<string, number>;
  byStage: Record<string, number>;
  histogram: { from: number; to: number | null; count: number }[];
}

/** Current leads per temperature, stage and score bucket of 10, from the gauge item. */
export function scoresReport(gauges: Readonly<Record<string, number>>): ScoresReport {
  const g = (k: string) => gauges[k] ?? 0;
  const byTemperature = Object.fromEntries(TEMPERATURES.map((t) => [t, g(`temperature|${t}`)]));
  const byStage = Object.fromEntries(STAGES.map((s) => [s, g(`stage|${s}`)]));
  return {
    total: Object.values(byTemperature).reduce((a, b) => a + b, 0),
    byTemperature,
    byStage,
    histogram: Array.from({ length: SCORE_BUCKETS }, (_, i) => ({
      from: i * 10,
      to: i === SCORE_BUCKETS - 1 ? null : i * 10 + 9,
      count: g(`score|${i}`),
    })),
  };
}
