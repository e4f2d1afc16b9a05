import { useEffect, useRef, useState } from 'preact/hooks';
import { api, serverNow } from './api.ts';
import { lineChart } from './charts.ts';
import { type T, valueLabel } from './i18n.ts';
import { SettingsSections } from './settings.ts';
import {
  errorText,
  html,
  Message,
  num,
  pct,
  type Result,
  type Settings,
  Show,
  sequenceName,
  teamName,
  templateSubject,
  useGet,
  useSettings,
} from './ui.ts';
import { wholeWeeks } from './weeks.ts';

// ----- Dashboard ------------------------------------------------------------------------------------------

interface LeadsPoint {
  period: string;
  group: string;
  actual: Record<string, number>;
  target: Record<string, number | null>;
  attainment: Record<string, number | null>;
}
interface FunnelRow {
  group: string;
  counts: Record<string, number>;
  rates: Record<string, number | null>;
}

const SERIES = ['leads', 'mql', 'sql', 'opportunities'] as const;

function Attainment({ t }: { t: T }) {
  const [load] = useGet<{ series: LeadsPoint[] }>('/v1/ops/reports/leads?interval=month');
  return html`<section class="card" aria-labelledby="h-month"><h2 id="h-month">${t('thisMonth')}</h2>
    <${Show} t=${t} load=${load}>${(v: { series: LeadsPoint[] }) => {
      const p = v.series[0];
      if (!p) return html`<p>${t('noData')}</p>`;
      return html`<table data-testid="attainment"><thead><tr><th scope="col"></th><th scope="col" class="num">${t('actual')}</th><th scope="col" class="num">${t('target')}</th><th scope="col">${t('attainment')}</th></tr></thead><tbody>
        ${SERIES.map((k) => [k, valueLabel(t, 'metric', k)] as const).map(
          ([
            k,
            label,
          ]) => html`<tr data-metric=${k}><th scope="row">${label}</th><td class="num" data-actual>${num(p.actual[k])}</td><td class="num">${num(p.target[k])}</td>
          <td><div class="bar" role="img" aria-label=${`${label} ${pct(p.attainment[k])}`}><span style=${`width:${Math.min(100, (p.attainment[k] ?? 0) * 100)}%`}></span></div> ${pct(p.attainment[k])}</td></tr>`,
        )}</tbody></table>`;
    }}<//></section>`;
}

function Funnel({ t }: { t: T }) {
  const [load] = useGet<{ rows: FunnelRow[]; total: FunnelRow }>('/v1/ops/reports/funnel?groupBy=channel');
  const stages = ['lead', 'mql', 'tql', 'sal', 'sql', 'opportunity', 'customer'];
  return html`<section class="card" aria-labelledby="h-funnel"><h2 id="h-funnel">${t('funnel')}</h2>
    <${Show} t=${t} load=${load}>${(v: {
      rows: FunnelRow[];
      total: FunnelRow;
    }) => html`<div style="overflow-x:auto"><table data-testid="funnel"><thead><tr><th scope="col">${t('channel')}</th>
      ${stages.map((s) => html`<th scope="col" class="num">${valueLabel(t, 'stage', s)}</th>`)}</tr></thead><tbody>
      ${[
        ...v.rows.map((r) => ({ ...r, label: valueLabel(t, 'channel', r.group) })),
        { ...v.total, group: t('total'), label: t('total') },
      ].map(
        (r) =>
          html`<tr data-group=${r.group}><th scope="row">${r.label}</th>${stages.map(
            (s) =>
              html`<td class="num">${num(r.counts[s])}${s !== 'lead' ? html`<br /><small class="muted">${pct(r.rates[s])}</small>` : ''}</td>`,
          )}</tr>`,
      )}</tbody></table></div><p class="muted"><small>${t('funnelNote')}</small></p>`}<//></section>`;
}

function Weekly({ t }: { t: T }) {
  const settings = useSettings();
  // The reports' zone from the settings (Asia/Tokyo until they arrive, the default).
  const zone = typeof settings?.timeZone === 'string' ? settings.timeZone : 'Asia/Tokyo';
  // The API's "today" (known once the settings have come back): the weeks the reports count.
  const range = settings ? wholeWeeks(serverNow(), zone) : undefined;
  const [load] = useGet<{ series: LeadsPoint[] }>(
    range && `/v1/ops/reports/leads?interval=week&groupBy=channel&from=${range.from}&to=${range.to}`,
  );
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (load.state !== 'ok' || !el.current) return;
    const weeks = [...new Set(load.value.series.map((p) => p.period))];
    const groups = [...new Set(load.value.series.map((p) => p.group))];
    const series = groups.map((g) => ({
      name: valueLabel(t, 'channel', g),
      values: weeks.map(
        (w) => load.value.series.find((p) => p.group === g && p.period === w)?.actual.leads ?? 0,
      ),
    }));
    return lineChart(el.current, weeks, series, t('week'));
    // Drawn again on a language switch: the legend names the channels in the console's language.
  }, [load, t('lang')]);
  return html`<section class="card" aria-labelledby="h-week"><h2 id="h-week">${t('leadsPerWeek')}</h2>
    ${load.state === 'ok' ? html`<div ref=${el} role="img" aria-label=${t('leadsPerWeek')}></div>` : html`<${Show} t=${t} load=${load}>${() => ''}<//>`}</section>`;
}

function Email({ t }: { t: T }) {
  const [load] = useGet<{
    rows: { group: string; counts: Record<string, number>; rates: Record<string, number | null> }[];
  }>('/v1/ops/reports/email?groupBy=sequence');
  const settings = useSettings();
  return html`<section class="card" aria-labelledby="h-email"><h2 id="h-email">${t('emailKpis')}</h2>
    <${Show} t=${t} load=${load}>${(v: {
      rows: { group: string; counts: Record<string, number>; rates: Record<string, number | null> }[];
    }) =>
      v.rows.length === 0
        ? html`<p>${t('noData')}</p>`
        : html`<table data-testid="email"><thead><tr><th scope="col">${t('sequence')}</th><th scope="col" class="num">${t('sent')}</th><th scope="col" class="num">${t('openRate')}</th><th scope="col" class="num">${t('clickRate')}</th><th scope="col" class="num">${t('bounceRate')}</th></tr></thead><tbody>
      ${v.rows.map((r) => html`<tr data-group=${r.group}><th scope="row">${sequenceName(settings, r.group)}</th><td class="num">${num(r.counts.sent)}</td><td class="num">${pct(r.rates.open)}</td><td class="num">${pct(r.rates.click)}</td><td class="num">${pct(r.rates.bounce)}</td></tr>`)}</tbody></table><p class="muted"><small>${t('emailNote')}</small></p>`}<//></section>`;
}

interface SlaRow {
  group: string;
  handoffs: number;
  complianceRate: number | null;
  firstContactComplianceRate: number | null;
  medianMinutesToAccept: number | null;
}
function Sla({ t }: { t: T }) {
  const [load] = useGet<{ rows: SlaRow[]; total: SlaRow }>('/v1/ops/reports/sla?groupBy=team');
  const settings = useSettings();
  return html`<section class="card" aria-labelledby="h-sla"><h2 id="h-sla">${t('sla')}</h2>
    <${Show} t=${t} load=${load}>${(v: {
      rows: SlaRow[];
      total: SlaRow;
    }) => html`<table data-testid="sla"><thead><tr><th scope="col">${t('team')}</th><th scope="col" class="num">${t('handoffs')}</th><th scope="col">${t('acceptCompliance')}</th><th scope="col">${t('firstContactCompliance')}</th></tr></thead><tbody>
      ${[
        ...v.rows.map((r) => ({ ...r, label: teamName(settings, r.group) })),
        { ...v.total, group: t('total'), label: t('total') },
      ].map(
        (r) =>
          html`<tr data-group=${r.group}><th scope="row">${r.label}</th><td class="num">${num(r.handoffs)}</td><td data-clock="accept">${rateBar(`${r.label} ${t('acceptCompliance')}`, r.complianceRate)}</td><td data-clock="first-contact">${rateBar(`${r.label} ${t('firstContactCompliance')}`, r.firstContactComplianceRate)}</td></tr>`,
      )}</tbody></table><p class="muted"><small>${t('slaNote')}</small></p>`}<//></section>`;
}

/** A rate as a bar and a percentage (「—」 when nothing was due). */
function rateBar(label: string, rate: number | null) {
  return html`<div class="bar" role="img" aria-label=${`${label} ${pct(rate)}`}><span style=${`width:${(rate ?? 0) * 100}%`}></span></div> ${pct(rate)}`;
}

function Scores({ t }: { t: T }) {
  const [load] = useGet<{ total: number; histogram: { from: number; to: number | null; count: number }[] }>(
    '/v1/ops/reports/scores',
  );
  return html`<section class="card" aria-labelledby="h-scores"><h2 id="h-scores">${t('scores')}</h2>
    <${Show} t=${t} load=${load}>${(v: {
      total: number;
      histogram: { from: number; to: number | null; count: number }[];
    }) => {
      const max = Math.max(1, ...v.histogram.map((b) => b.count));
      return html`<table data-testid="scores"><thead><tr><th scope="col">${t('score')}</th><th scope="col" class="num">${t('leads')}</th><th scope="col"><span class="sr-only">bar</span></th></tr></thead><tbody>
        ${v.histogram.map((b) => html`<tr><th scope="row">${b.to === null ? `${b.from}+` : `${b.from}–${b.to}`}</th><td class="num">${b.count}</td><td><div class="bar" aria-hidden="true"><span style=${`width:${(b.count / max) * 100}%`}></span></div></td></tr>`)}
      </tbody></table>`;
    }}<//></section>`;
}

export function DashboardPage({ t }: { t: T }) {
  return html`<h2 class="sr-only">${t('dashboard')}</h2>
    <${Attainment} t=${t} /><${Funnel} t=${t} /><${Weekly} t=${t} />
    <div class="grid"><${Email} t=${t} /><${Sla} t=${t} /><${Scores} t=${t} /></div>`;
}

// ----- Settings -------------------------------------------------------------------------------------------

interface Preview {
  subject: string;
  html: string;
  text: string;
  locale: string;
  locales: string[];
  headers: { name: string; value: string }[];
}

/** A template rendered for the sample lead by the API (`GET /v1/ops/settings/templates/{id}/preview`). */
function TemplatePreview({ t, settings }: { t: T; settings: Settings }) {
  const [id, setId] = useState(settings.templates[0]?.id ?? '');
  const [locale, setLocale] = useState('');
  const [preview, setPreview] = useState<Preview | undefined>();
  const [result, setResult] = useState<Result>();
  useEffect(() => {
    if (!id) return;
    let live = true;
    api<Preview>(
      'GET',
      `/v1/ops/settings/templates/${encodeURIComponent(id)}/preview${locale ? `?locale=${locale}` : ''}`,
    )
      .then((p) => {
        if (!live) return;
        setPreview(p);
        setResult(undefined);
      })
      .catch((err) => live && setResult({ ok: false, text: errorText(t, err) }));
    return () => {
      live = false;
    };
  }, [id, locale]);
  return html`<section class="card" aria-labelledby="h-preview"><h2 id="h-preview">${t('templatePreview')}</h2>
    <div class="filters">
      <label>${t('template')}<select name="template" value=${id} onChange=${(e: Event) => setId((e.target as HTMLSelectElement).value)}>
        ${settings.templates.map((tp) => html`<option value=${tp.id}>${templateSubject(tp) ?? tp.id} (${tp.id})</option>`)}</select></label>
      <label>${t('locale')}<select name="locale" value=${locale} onChange=${(e: Event) => setLocale((e.target as HTMLSelectElement).value)}>
        <option value="">${t('defaultLocale')}</option><option value="ja">日本語</option><option value="en">English</option></select></label>
    </div>
    <${Message} result=${result} />
    ${
      preview &&
      html`<p><strong>${t('subject')}:</strong> <span data-testid="preview-subject">${preview.subject}</span> <small class="muted">(${preview.locale})</small></p>
      ${preview.headers.map((hd) => html`<p class="muted"><code>${hd.name}: ${hd.value}</code></p>`)}
      <iframe class="mail" title=${`${t('templatePreview')}: ${id}`} sandbox="" srcdoc=${preview.html}></iframe>
      <details><summary>${t('textPart')}</summary><pre>${preview.text}</pre></details>`
    }</section>`;
}

export function SettingsPage({ t }: { t: T }) {
  const [load] = useGet<Settings>('/v1/ops/settings');
  return html`<h2 class="sr-only">${t('settings')}</h2><${Show} t=${t} load=${load}>${(v: Settings) => html`
    <${TemplatePreview} t=${t} settings=${v} />
    <${SettingsSections} t=${t} settings=${v} />`}<//>`;
}
