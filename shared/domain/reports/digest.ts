/**
 * The weekly review digest (pure): which week it covers, when it is sent, and the mail it reads as. The
 * figures come from the report use cases (`shared/app/send-digest.ts` asks them); this module only picks
 * weeks and formats. Japanese: numbers with thousands separators, percentages with one decimal.
 */
import { channelLabelJa } from '#domain/lead/labels-ja';
import type { EpochMs } from '#domain/lead/types';
import { type BusinessWindow, nextWindowOpening, parseHhMm } from '#domain/nurture/calendar';
import { escapeHtml } from '#domain/nurture/templates';
import { addDays, dayOf, weekOf } from '#domain/reports/periods';
import type {
  EmailRow,
  FunnelCounts,
  FunnelRates,
  FunnelRow,
  LeadsPoint,
  SlaRow,
} from '#domain/reports/reports';

export const DIGEST_WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type DigestWeekday = (typeof DIGEST_WEEKDAYS)[number];

/** `reports.digest` in config: who gets the digest, and when (weekday and `HH:MM` in `app.timeZone`). */
export interface DigestConfig {
  recipients: readonly string[];
  weekday: DigestWeekday;
  /** Local time of day, `HH:MM` (24 h). */
  time: string;
  /** Channel rows shown (the largest by leads). */
  topChannels: number;
}

/** An inclusive range of calendar days, `YYYY-MM-DD`. */
export interface DayRange {
  from: string;
  to: string;
}

/** The digest's week (Monday–Sunday), the week before, and the month to date at the week's end. */
export interface DigestWeek extends DayRange {
  previous: DayRange;
  monthToDate: DayRange;
}

/** The last whole week (Monday–Sunday) before `now`'s week, in the time zone. */
export function digestWeek(now: EpochMs, timeZone: string): DigestWeek {
  const monday = weekOf(dayOf(now, timeZone));
  const from = addDays(monday, -7);
  const to = addDays(monday, -1);
  return {
    from,
    to,
    previous: { from: addDays(from, -7), to: addDays(from, -1) },
    monthToDate: { from: `${to.slice(0, 7)}-01`, to },
  };
}

/** The schedule as a one-minute weekly window (the local scheduler finds its next opening with it). */
function digestWindow(config: Pick<DigestConfig, 'weekday' | 'time'>, timeZone: string): BusinessWindow {
  const minute = parseHhMm(config.time);
  const end = minute + 1;
  return {
    timeZone,
    days: [DIGEST_WEEKDAYS.indexOf(config.weekday) + 1],
    start: config.time,
    end: `${String(Math.floor(end / 60)).padStart(2, '0')}:${String(end % 60).padStart(2, '0')}`,
    skipJapaneseHolidays: false,
  };
}

/** The first scheduled send at or after `t` (the weekday and time in the time zone). */
export function nextDigestAt(
  t: EpochMs,
  config: Pick<DigestConfig, 'weekday' | 'time'>,
  timeZone: string,
): EpochMs {
  return nextWindowOpening(t, digestWindow(config, timeZone));
}

/** The schedule's cron fields (EventBridge Scheduler, evaluated in the app's time zone). */
export function digestCron(config: Pick<DigestConfig, 'weekday' | 'time'>): {
  minute: string;
  hour: string;
  weekDay: string;
} {
  const minutes = parseHhMm(config.time);
  return {
    minute: String(minutes % 60),
    hour: String(Math.floor(minutes / 60)),
    weekDay: config.weekday.slice(0, 3).toUpperCase(),
  };
}

// ----- content ------------------------------------------------------------------------------------------

/** One week's figures, as the report routes answer them. */
export interface DigestFigures {
  funnel: { total: { counts: FunnelCounts; rates: FunnelRates }; rows: readonly FunnelRow[] };
  email: EmailRow;
  sla: SlaRow;
}

export interface DigestData {
  week: DigestWeek;
  timeZone: string;
  current: DigestFigures;
  previous: DigestFigures;
  /** The leads report's month-to-date point (group `all`), with targets prorated to the days covered. */
  monthToDate: LeadsPoint | undefined;
  topChannels: number;
}

export interface DigestMail {
  subject: string;
  text: string;
  html: string;
}

/** `1234567` → `1,234,567`. */
export function formatCount(n: number): string {
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.abs(Math.round(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A prorated figure: whole numbers as counts, others with one decimal (`46.45` → `46.5`). */
export function formatFigure(n: number): string {
  const tenths = Math.round(n * 10);
  if (tenths % 10 === 0) return formatCount(tenths / 10);
  return `${formatCount(Math.trunc(tenths / 10))}.${Math.abs(tenths % 10)}`;
}

/** A ratio as a percentage with one decimal (`0.1234` → `12.3%`); no denominator → `—`. */
export function formatRate(rate: number | null): string {
  return rate === null ? '—' : `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

/** A change against the week before: `+12`, `-3`, `±0`. */
export function formatDelta(now: number, before: number): string {
  const d = now - before;
  return d > 0 ? `+${formatCount(d)}` : d < 0 ? formatCount(d) : '±0';
}

/** `2026/11/30〜12/06` (the end's year only when it differs). */
export function formatRange(range: DayRange): string {
  const slash = (d: string) => d.replaceAll('-', '/');
  const to = range.to.slice(0, 4) === range.from.slice(0, 4) ? slash(range.to.slice(5)) : slash(range.to);
  return `${slash(range.from)}〜${to}`;
}

export const digestSubject = (week: DayRange): string => `週次レポート ${formatRange(week)}`;

const STAGES: readonly [keyof FunnelCounts, string][] = [
  ['lead', 'リード'],
  ['mql', 'MQL'],
  ['tql', 'TQL'],
  ['sal', 'SAL'],
  ['sql', 'SQL'],
  ['opportunity', '商談'],
  ['customer', '受注'],
];
const RATES: readonly [keyof FunnelRates, string][] = [
  ['mql', 'リード→MQL'],
  ['sal', 'MQL→SAL'],
  ['sql', 'SAL→SQL'],
  ['opportunity', 'SQL→商談'],
  ['customer', '商談→受注'],
];
const CHANNEL_STAGES: readonly (keyof FunnelCounts)[] = ['lead', 'mql', 'sal', 'sql'];
const TARGETS: readonly [keyof LeadsPoint['actual'], string][] = [
  ['leads', 'リード'],
  ['mql', 'MQL'],
  ['sql', 'SQL'],
  ['opportunities', '商談'],
];

/** A table: a title, a header row and rows of cells (the text part writes it as lines, the HTML as a table). */
interface Section {
  title: string;
  note?: string;
  head: string[];
  rows: string[][];
}

function sections(d: DigestData): Section[] {
  const cur = d.current;
  const prev = d.previous;
  const out: Section[] = [
    {
      title: 'ファネル（期間中に各ステージへ進んだ件数）',
      head: ['ステージ', '今週', '前週', '増減'],
      rows: STAGES.map(([k, label]) => [
        label,
        formatCount(cur.funnel.total.counts[k]),
        formatCount(prev.funnel.total.counts[k]),
        formatDelta(cur.funnel.total.counts[k], prev.funnel.total.counts[k]),
      ]),
    },
    {
      title: 'ステージ転換率（その週に作成されたリード）',
      head: ['転換', '今週', '前週'],
      rows: RATES.map(([k, label]) => [
        label,
        formatRate(cur.funnel.total.rates[k]),
        formatRate(prev.funnel.total.rates[k]),
      ]),
    },
  ];
  const channels = [...cur.funnel.rows]
    .filter((r) => CHANNEL_STAGES.some((k) => r.counts[k] > 0))
    .slice(0, d.topChannels);
  out.push({
    title: `チャネル別（上位${d.topChannels}件、今週／前週）`,
    head: ['チャネル', ...CHANNEL_STAGES.map((k) => STAGES.find(([s]) => s === k)?.[1] ?? k)],
    rows: channels.length
      ? channels.map((row) => {
          const before = prev.funnel.rows.find((r) => r.group === row.group);
          return [
            channelLabelJa(row.group),
            ...CHANNEL_STAGES.map(
              (k) => `${formatCount(row.counts[k])}／${formatCount(before?.counts[k] ?? 0)}`,
            ),
          ];
        })
      : [['（該当なし）', ...CHANNEL_STAGES.map(() => '')]],
  });
  const e = cur.email;
  const pe = prev.email;
  out.push({
    title: 'メール',
    head: ['指標', '今週', '前週'],
    rows: [
      ['送信数', formatCount(e.counts.sent), formatCount(pe.counts.sent)],
      ['到達率', formatRate(e.rates.delivery), formatRate(pe.rates.delivery)],
      ['開封率', formatRate(e.rates.open), formatRate(pe.rates.open)],
      ['クリック率', formatRate(e.rates.click), formatRate(pe.rates.click)],
      ['バウンス率', formatRate(e.rates.bounce), formatRate(pe.rates.bounce)],
      ['苦情率', formatRate(e.rates.complaint), formatRate(pe.rates.complaint)],
      ['配信停止率', formatRate(e.rates.unsubscribe), formatRate(pe.rates.unsubscribe)],
    ],
  });
  const s = cur.sla;
  const ps = prev.sla;
  out.push({
    title: 'SLA（受諾・初回接触）',
    head: ['指標', '今週', '前週'],
    rows: [
      ['ハンドオフ数', formatCount(s.handoffs), formatCount(ps.handoffs)],
      ['受諾 期限内', formatCount(s.acceptedWithinSla), formatCount(ps.acceptedWithinSla)],
      ['受諾 期限超過', formatCount(s.breached), formatCount(ps.breached)],
      ['受諾 遵守率', formatRate(s.complianceRate), formatRate(ps.complianceRate)],
      ['初回接触 期限内', formatCount(s.firstContactWithinSla), formatCount(ps.firstContactWithinSla)],
      ['初回接触 期限超過', formatCount(s.firstContactBreached), formatCount(ps.firstContactBreached)],
      [
        '初回接触 遵守率',
        formatRate(s.firstContactComplianceRate),
        formatRate(ps.firstContactComplianceRate),
      ],
    ],
  });
  const point = d.monthToDate;
  const targeted = point ? TARGETS.filter(([k]) => point.target[k] !== null) : [];
  if (point && targeted.length) {
    out.push({
      title: `目標達成率（月初来 ${formatRange(d.week.monthToDate)}）`,
      note: '目標は月間目標を経過日数で日割りしたもの',
      head: ['指標', '実績', '目標', '達成率'],
      rows: targeted.map(([k, label]) => [
        label,
        formatCount(point.actual[k]),
        formatFigure(point.target[k] ?? 0),
        formatRate(point.attainment[k]),
      ]),
    });
  }
  return out;
}

/** The digest mail: subject, a plain-text part and a simple HTML part (tables), in Japanese. */
export function renderDigest(d: DigestData): DigestMail {
  const subject = digestSubject(d.week);
  const intro = `対象期間: ${formatRange(d.week)}（${d.timeZone}、月〜日）／比較: 前週 ${formatRange(d.week.previous)}`;
  const parts = sections(d);
  const text = [
    subject,
    intro,
    ...parts.map((s) =>
      [
        '',
        `■ ${s.title}`,
        ...(s.note ? [`（${s.note}）`] : []),
        s.head.join(' | '),
        ...s.rows.map((r) => r.join(' | ')),
      ].join('\n'),
    ),
    '',
  ].join('\n');
  const cell = (tag: 'th' | 'td', v: string, i: number) =>
    `<${tag} style="border:1px solid #ccc;padding:4px 8px;text-align:${i === 0 ? 'left' : 'right'}">${escapeHtml(v)}</${tag}>`;
  const html = [
    '<!doctype html><html lang="ja"><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
    `<h1 style="font-size:18px">${escapeHtml(subject)}</h1>`,
    `<p>${escapeHtml(intro)}</p>`,
    ...parts.map(
      (s) =>
        `<h2 style="font-size:15px">${escapeHtml(s.title)}</h2>${s.note ? `<p>${escapeHtml(s.note)}</p>` : ''}<table style="border-collapse:collapse"><tr>${s.head.map((h, i) => cell('th', h, i)).join('')}</tr>${s.rows.map((r) => `<tr>${r.map((v, i) => cell('td', v, i)).join('')}</tr>`).join('')}</table>`,
    ),
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
