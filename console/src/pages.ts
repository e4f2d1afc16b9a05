import htm from 'htm';
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, newId, type Session } from './api.ts';
import { lineChart } from './charts.ts';
import type { T } from './i18n.ts';

const html = htm.bind(h);

type Load<V> = { state: 'loading' } | { state: 'ok'; value: V } | { state: 'error'; error: ApiError };

/** GET with the three states every page shows: loading, the data, or a clear error (403, 404 = not here yet). */
function useGet<V>(path: string | undefined, deps: unknown[] = []): [Load<V>, () => void] {
  const [load, setLoad] = useState<Load<V>>({ state: 'loading' });
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!path) return;
    let live = true;
    // A reload keeps the shown data until the new one arrives (forms below keep their messages).
    setLoad((prev) => (prev.state === 'ok' && n > 0 ? prev : { state: 'loading' }));
    api<V>('GET', path)
      .then((value) => live && setLoad({ state: 'ok', value }))
      .catch((e: unknown) => {
        const error = e instanceof ApiError ? e : new ApiError(0, String(e));
        if (live) setLoad({ state: 'error', error });
      });
    return () => {
      live = false;
    };
  }, [path, n, ...deps]);
  return [load, () => setN(n + 1)];
}

/** 404 (route not deployed on this branch/stack yet) or the old list route's 400: "not available". */
const notAvailable = (e: ApiError) => e.status === 404 || (e.status === 400 && e.fields.length === 0);

function Problem({ t, error }: { t: T; error: ApiError }) {
  if (error.status === 403)
    return html`<p class="error" role="alert" data-status="403">${t('forbidden')} (403): ${error.message}</p>`;
  if (notAvailable(error))
    return html`<p class="notice" role="status" data-status=${error.status}>${t('notAvailable')}</p>`;
  return html`<p class="error" role="alert" data-status=${error.status}>${error.status}: ${error.message}</p>`;
}

function Show<V>({ t, load, children }: { t: T; load: Load<V>; children: (v: V) => unknown }) {
  if (load.state === 'loading') return html`<p class="muted" role="status">${t('loading')}</p>`;
  if (load.state === 'error') return html`<${Problem} t=${t} error=${load.error} />`;
  return children(load.value);
}

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`;
const num = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toLocaleString());

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

const SERIES = [
  ['leads', 'Leads'],
  ['mql', 'MQL'],
  ['sql', 'SQL'],
  ['opportunities', 'Opportunities'],
] as const;

function Attainment({ t }: { t: T }) {
  const [load] = useGet<{ series: LeadsPoint[] }>('/v1/ops/reports/leads?interval=month');
  return html`<section class="card" aria-labelledby="h-month"><h2 id="h-month">${t('thisMonth')}</h2>
    <${Show} t=${t} load=${load}>${(v: { series: LeadsPoint[] }) => {
      const p = v.series[0];
      if (!p) return html`<p>${t('noData')}</p>`;
      return html`<table data-testid="attainment"><thead><tr><th scope="col"></th><th scope="col" class="num">${t('actual')}</th><th scope="col" class="num">${t('target')}</th><th scope="col">${t('attainment')}</th></tr></thead><tbody>
        ${SERIES.map(
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
  const stages = ['lead', 'mql', 'sal', 'sql', 'opportunity', 'customer'];
  return html`<section class="card" aria-labelledby="h-funnel"><h2 id="h-funnel">${t('funnel')}</h2>
    <${Show} t=${t} load=${load}>${(v: {
      rows: FunnelRow[];
      total: FunnelRow;
    }) => html`<div style="overflow-x:auto"><table data-testid="funnel"><thead><tr><th scope="col">${t('channel')}</th>
      ${stages.map((s) => html`<th scope="col" class="num">${s.toUpperCase()}</th>`)}</tr></thead><tbody>
      ${[...v.rows, { ...v.total, group: t('total') }].map(
        (r) =>
          html`<tr data-group=${r.group}><th scope="row">${r.group}</th>${stages.map(
            (s) =>
              html`<td class="num">${num(r.counts[s])}${s !== 'lead' ? html`<br /><small class="muted">${pct(r.rates[s])}</small>` : ''}</td>`,
          )}</tr>`,
      )}</tbody></table></div>`}<//></section>`;
}

function Weekly({ t }: { t: T }) {
  const [load] = useGet<{ series: LeadsPoint[] }>('/v1/ops/reports/leads?interval=week&groupBy=channel');
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (load.state !== 'ok' || !el.current) return;
    const weeks = [...new Set(load.value.series.map((p) => p.period))];
    const groups = [...new Set(load.value.series.map((p) => p.group))];
    const series = groups.map((g) => ({
      name: g,
      values: weeks.map(
        (w) => load.value.series.find((p) => p.group === g && p.period === w)?.actual.leads ?? 0,
      ),
    }));
    return lineChart(el.current, weeks, series, t('leadsPerWeek'));
  }, [load]);
  return html`<section class="card" aria-labelledby="h-week"><h2 id="h-week">${t('leadsPerWeek')}</h2>
    ${load.state === 'ok' ? html`<div ref=${el} role="img" aria-label=${t('leadsPerWeek')}></div>` : html`<${Show} t=${t} load=${load}>${() => ''}<//>`}</section>`;
}

function Email({ t }: { t: T }) {
  const [load] = useGet<{
    rows: { group: string; counts: Record<string, number>; rates: Record<string, number | null> }[];
  }>('/v1/ops/reports/email?groupBy=sequence');
  return html`<section class="card" aria-labelledby="h-email"><h2 id="h-email">${t('emailKpis')}</h2>
    <${Show} t=${t} load=${load}>${(v: {
      rows: { group: string; counts: Record<string, number>; rates: Record<string, number | null> }[];
    }) =>
      v.rows.length === 0
        ? html`<p>${t('noData')}</p>`
        : html`<table data-testid="email"><thead><tr><th scope="col">${t('sequence')}</th><th scope="col" class="num">${t('sent')}</th><th scope="col" class="num">${t('openRate')}</th><th scope="col" class="num">${t('clickRate')}</th><th scope="col" class="num">${t('bounceRate')}</th></tr></thead><tbody>
      ${v.rows.map((r) => html`<tr><th scope="row">${r.group}</th><td class="num">${num(r.counts.sent)}</td><td class="num">${pct(r.rates.open)}</td><td class="num">${pct(r.rates.click)}</td><td class="num">${pct(r.rates.bounce)}</td></tr>`)}</tbody></table>`}<//></section>`;
}

interface SlaRow {
  group: string;
  handoffs: number;
  complianceRate: number | null;
  medianMinutesToAccept: number | null;
}
function Sla({ t }: { t: T }) {
  const [load] = useGet<{ rows: SlaRow[]; total: SlaRow }>('/v1/ops/reports/sla?groupBy=team');
  return html`<section class="card" aria-labelledby="h-sla"><h2 id="h-sla">${t('sla')}</h2>
    <${Show} t=${t} load=${load}>${(v: {
      rows: SlaRow[];
      total: SlaRow;
    }) => html`<table data-testid="sla"><thead><tr><th scope="col">${t('team')}</th><th scope="col" class="num">${t('handoffs')}</th><th scope="col">${t('compliance')}</th></tr></thead><tbody>
      ${[...v.rows, { ...v.total, group: t('total') }].map(
        (r) =>
          html`<tr><th scope="row">${r.group}</th><td class="num">${num(r.handoffs)}</td><td><div class="bar" role="img" aria-label=${`${r.group} ${pct(r.complianceRate)}`}><span style=${`width:${(r.complianceRate ?? 0) * 100}%`}></span></div> ${pct(r.complianceRate)}</td></tr>`,
      )}</tbody></table>`}<//></section>`;
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

// ----- Leads ----------------------------------------------------------------------------------------------

interface LeadRow {
  leadId: string;
  email: string;
  name?: string;
  company?: string;
  stage: string;
  temperature: string;
  score: number;
  ownerId?: string | null;
  lastActivityAt?: string;
}
const STAGES = [
  'subscriber',
  'lead',
  'mql',
  'sal',
  'tql',
  'sql',
  'opportunity',
  'customer',
  'recycled',
  'disqualified',
];

export function LeadsPage({ t, session }: { t: T; session: Session }) {
  // "My leads" for sales: the owner whose e-mail is the signed-in person's (owners from the settings route).
  const mine = session.groups.includes('sales');
  const [settings] = useGet<{ handoff: { owners: { ownerId: string; email: string }[] } }>(
    mine ? '/v1/ops/settings' : undefined,
  );
  const me =
    settings.state === 'ok'
      ? settings.value.handoff.owners.find((o) => o.email.toLowerCase() === session.email.toLowerCase())
          ?.ownerId
      : undefined;
  const [query, setQuery] = useState<string | undefined>(mine ? undefined : '');
  const effective = query ?? (mine && settings.state !== 'loading' ? (me ? `owner=${me}` : '') : undefined);
  const [load] = useGet<{ items: LeadRow[]; cursor?: string }>(
    effective === undefined ? undefined : `/v1/ops/leads?${effective}`,
  );
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const q = new URLSearchParams();
    for (const [k, v] of form) if (String(v)) q.set(k, String(v));
    setQuery(q.toString());
  };
  const find = (e: Event) => {
    e.preventDefault();
    const email = String(new FormData(e.target as HTMLFormElement).get('email') ?? '');
    api<{ leadId: string }>('GET', `/v1/ops/leads?email=${encodeURIComponent(email)}`)
      .then((lead) => {
        location.hash = `#/lead/${encodeURIComponent(lead.leadId)}`;
      })
      .catch(() => alert('Not found'));
  };
  return html`<section class="card" aria-labelledby="h-leads"><h2 id="h-leads">${t('leads')}</h2>
    <form class="filters" onSubmit=${submit} aria-label=${t('filter')}>
      <label>${t('stage')}<select name="stage"><option value="">${t('any')}</option>${STAGES.map((s) => html`<option value=${s}>${s}</option>`)}</select></label>
      <label>${t('temperature')}<select name="temperature"><option value="">${t('any')}</option>${['hot', 'warm', 'cold'].map((s) => html`<option value=${s}>${s}</option>`)}</select></label>
      <label>${t('owner')}<input name="owner" defaultValue=${me ?? ''} key=${me ?? ''} size="10" /></label>
      <button class="primary" type="submit">${t('filter')}</button>
    </form>
    <form class="filters" onSubmit=${find}><label>${t('email')}<input name="email" type="email" required /></label><button class="secondary" type="submit">${t('open')}</button></form>
    <${Show} t=${t} load=${load}>${(v: { items: LeadRow[] }) =>
      !Array.isArray(v.items)
        ? html`<p class="notice" role="status">${t('notAvailable')}</p>`
        : html`<div style="overflow-x:auto"><table><thead><tr><th scope="col">${t('name')}</th><th scope="col">${t('company')}</th><th scope="col">${t('stage')}</th><th scope="col">${t('temperature')}</th><th scope="col" class="num">${t('score')}</th><th scope="col">${t('owner')}</th><th scope="col">${t('lastActivity')}</th></tr></thead><tbody>
      ${v.items.map((l) => html`<tr><td><a href=${`#/lead/${encodeURIComponent(l.leadId)}`}>${l.name || l.email}</a></td><td>${l.company ?? ''}</td><td>${l.stage}</td><td>${l.temperature}</td><td class="num">${l.score}</td><td>${l.ownerId ?? ''}</td><td>${l.lastActivityAt?.slice(0, 16).replace('T', ' ') ?? ''}</td></tr>`)}
      </tbody></table></div>`}<//></section>`;
}

// ----- Lead page ------------------------------------------------------------------------------------------

interface Lead {
  leadId: string;
  email: string;
  attributes: Record<string, string>;
  stage: string;
  temperature: string;
  grade?: string;
  score: { fit: number; behaviour: number; total: number };
  fitBreakdown?: Record<string, number>;
  owner?: string | null;
  timeline: { eventId: string; type: string; occurredAt: string; points: number; rule: string | null }[];
  stageHistory?: { from: string | null; to: string; at: string; reason: string }[];
  attribution?: { firstTouch?: Record<string, unknown>; lastTouch?: Record<string, unknown> };
}

function Action({
  t,
  leadId,
  action,
  fields,
  onDone,
}: {
  t: T;
  leadId: string;
  action: string;
  fields: string[];
  onDone: () => void;
}) {
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const values = Object.fromEntries([...form].map(([k, v]) => [k, String(v)]).filter(([, v]) => v !== ''));
    const body: Record<string, unknown> = { actionId: newId() };
    if (action === 'qualify') body.bant = values;
    else Object.assign(body, values);
    try {
      await api('POST', `/v1/ops/leads/${encodeURIComponent(leadId)}/${action}`, body);
      setResult({ ok: true, text: t('done') });
      onDone();
    } catch (err) {
      const e2 = err as ApiError;
      setResult({
        ok: false,
        text: `${e2.status === 403 ? `${t('forbidden')} (403)` : e2.status}: ${e2.message} ${e2.fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
      });
    }
  };
  return html`<form class="stack" onSubmit=${submit} aria-label=${t(action as 'accept')}>
    ${fields.map((f) => html`<label>${t(f as 'reason')}<input name=${f} required=${action !== 'qualify' || f === 'need'} /></label>`)}
    <button class="primary" type="submit" data-action=${action}>${t(action as 'accept')}</button>
    ${result && html`<p class=${result.ok ? 'ok' : 'error'} role=${result.ok ? 'status' : 'alert'}>${result.text}</p>`}
  </form>`;
}

export function LeadPage({ t, leadId }: { t: T; leadId: string }) {
  const [load, reload] = useGet<Lead>(`/v1/ops/leads/${encodeURIComponent(leadId)}`);
  return html`<${Show} t=${t} load=${load}>${(l: Lead) => html`
    <section class="card" aria-labelledby="h-lead"><h2 id="h-lead">${l.attributes.lastName ?? ''} ${l.attributes.firstName ?? ''} <small class="muted">${l.email}</small></h2>
      <p>${l.attributes.company ?? ''} · ${t('stage')}: <strong data-testid="stage">${l.stage}</strong> · ${t('temperature')}: ${l.temperature} · ${t('score')}: <strong>${l.score.total}</strong> (fit ${l.score.fit} / behaviour ${l.score.behaviour}) · ${t('owner')}: ${l.owner ?? '—'}</p>
      <p class="muted">first touch: ${JSON.stringify(l.attribution?.firstTouch ?? {})}</p>
    </section>
    <div class="grid">
      <section class="card" aria-labelledby="h-breakdown"><h2 id="h-breakdown">${t('scoreBreakdown')}</h2>
        <table><tbody>
          ${Object.entries(l.fitBreakdown ?? {}).map(([rule, points]) => html`<tr><th scope="row">fit: ${rule}</th><td class="num">${points}</td></tr>`)}
          ${l.timeline.filter((e) => e.points).map((e) => html`<tr><th scope="row">${e.rule ?? e.type}</th><td class="num">${e.points}</td></tr>`)}
        </tbody></table></section>
      <section class="card" aria-labelledby="h-actions"><h2 id="h-actions">${t('actions')}</h2>
        <${Action} t=${t} leadId=${l.leadId} action="accept" fields=${[]} onDone=${reload} />
        <hr /><${Action} t=${t} leadId=${l.leadId} action="qualify" fields=${['budget', 'authority', 'need', 'timing']} onDone=${reload} />
        <hr /><${Action} t=${t} leadId=${l.leadId} action="disqualify" fields=${['reason']} onDone=${reload} />
        <hr /><${Action} t=${t} leadId=${l.leadId} action="recycle" fields=${['reason']} onDone=${reload} />
      </section>
    </div>
    <section class="card" aria-labelledby="h-timeline"><h2 id="h-timeline">${t('timeline')}</h2>
      <ol>${l.timeline.map((e) => html`<li><time datetime=${e.occurredAt}>${e.occurredAt.slice(0, 16).replace('T', ' ')}</time> ${e.type}${e.points ? ` (+${e.points})` : ''}</li>`)}</ol>
    </section>`}<//>`;
}

// ----- Call list ------------------------------------------------------------------------------------------

interface CallItem {
  leadId: string;
  lastName?: string;
  firstName?: string;
  company?: string;
  phone?: string;
  score: number;
  temperature: string;
}

function LogCall({ t, leadId }: { t: T; leadId: string }) {
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const outcome = String(new FormData(e.target as HTMLFormElement).get('outcome'));
    try {
      await api('POST', `/v1/ops/leads/${encodeURIComponent(leadId)}/activities`, {
        activityId: newId(),
        type: 'call',
        outcome,
        occurredAt: new Date().toISOString(),
      });
      setResult({ ok: true, text: t('done') });
    } catch (err) {
      const e2 = err as ApiError;
      setResult({ ok: false, text: notAvailable(e2) ? t('notAvailable') : `${e2.status}: ${e2.message}` });
    }
  };
  const id = `outcome-${leadId}`;
  return html`<form class="row" onSubmit=${submit}>
    <label for=${id} class="sr-only">${t('outcome')}</label>
    <select id=${id} name="outcome">${(['connected', 'noAnswer', 'voicemail', 'wrongNumber'] as const).map(
      (o) => html`<option value=${o.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}>${t(o)}</option>`,
    )}</select>
    <button class="primary" type="submit">${t('logCall')}</button>
    ${result && html`<span class=${result.ok ? 'ok' : 'error'} role=${result.ok ? 'status' : 'alert'}>${result.text}</span>`}
  </form>`;
}

export function CallListPage({ t }: { t: T; session: Session }) {
  const [load] = useGet<{ items: CallItem[] }>('/v1/ops/call-list?limit=50');
  return html`<section aria-labelledby="h-calls"><h2 id="h-calls">${t('callList')}</h2>
    <${Show} t=${t} load=${load}>${(v: { items: CallItem[] }) =>
      v.items.length === 0
        ? html`<p>${t('noData')}</p>`
        : html`<ul class="calls">${v.items.map(
            (c) => html`<li>
          <div class="row"><a href=${`#/lead/${encodeURIComponent(c.leadId)}`}><strong>${c.lastName ?? ''} ${c.firstName ?? ''}</strong></a> <span>${c.company ?? ''}</span> <span class="muted">${c.temperature} · ${c.score}</span></div>
          ${c.phone ? html`<div><a class="tel" href=${`tel:${c.phone}`}>${t('phone')}: ${c.phone}</a></div>` : ''}
          <${LogCall} t=${t} leadId=${c.leadId} />
        </li>`,
          )}</ul>`}<//></section>`;
}

// ----- Import ---------------------------------------------------------------------------------------------

export function ImportPage({ t }: { t: T }) {
  const [result, setResult] = useState<{ ok: boolean; value: unknown } | undefined>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const file = (new FormData(e.target as HTMLFormElement).get('file') as File | null) ?? undefined;
    if (!file) return;
    try {
      const value = await api('POST', '/v1/ops/imports', undefined, await file.text());
      setResult({ ok: true, value });
    } catch (err) {
      const e2 = err as ApiError;
      setResult({ ok: false, value: notAvailable(e2) ? t('notAvailable') : `${e2.status}: ${e2.message}` });
    }
  };
  return html`<section class="card" aria-labelledby="h-import"><h2 id="h-import">${t('import')}</h2>
    <form class="stack" onSubmit=${submit}>
      <label>${t('uploadCsv')}<input type="file" name="file" accept=".csv,text/csv" required /></label>
      <button class="primary" type="submit">${t('run')}</button>
    </form>
    ${result && (result.ok ? html`<pre role="status">${JSON.stringify(result.value, null, 2)}</pre>` : html`<p class="notice" role="alert">${String(result.value)}</p>`)}
  </section>`;
}

// ----- Settings -------------------------------------------------------------------------------------------

export function SettingsPage({ t }: { t: T }) {
  const [load] = useGet<Record<string, unknown>>('/v1/ops/settings');
  const sections = [
    ['forms', 'forms'],
    ['scoring', 'scoring'],
    ['sequences', 'sequences'],
    ['handoff', 'handoff'],
  ] as const;
  return html`<h2 class="sr-only">${t('settings')}</h2><${Show} t=${t} load=${load}>${(
    v: Record<string, unknown>,
  ) =>
    sections.map(
      ([
        key,
        label,
      ]) => html`<section class="card" aria-labelledby=${`h-${key}`}><h2 id=${`h-${key}`}>${t(label)}</h2>
        <details open=${key === 'handoff'}><summary>${t(label)} (JSON)</summary><pre>${JSON.stringify(v[key], null, 2)}</pre></details></section>`,
    )}<//>`;
}
