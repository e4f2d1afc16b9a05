import { useState } from 'preact/hooks';
import { ApiError, api, authorizedFetch, newId, type Session } from './api.ts';
import { fill, type Key, type T, type ValueKind, valueLabel } from './i18n.ts';
import { OUTCOMES } from './lead.ts';
import {
  clearOnce,
  DueTime,
  errorText,
  html,
  type LogActivityProps,
  Message,
  ownerName,
  ownerOf,
  type Result,
  Show,
  saveFile,
  useGet,
  useSettings,
  when,
} from './ui.ts';

// ----- Leads (GET /v1/ops/leads?company=&phone=&stage=&temperature=&owner=&channel=&updatedSince=&sort=&cursor=) --

interface LeadRow {
  leadId: string;
  email: string;
  name: string | null;
  company: string | null;
  phone: string | null;
  stage: string;
  temperature: string;
  score: number;
  ownerId: string | null;
  lastActivityAt: string;
  /** The owner's next SLA deadline (accept or first contact), passed or not; null once both are met. */
  due: { clock: string; at: string } | null;
  /** The next contact the owner planned (次回連絡予定), passed or not; null when none. */
  followUpAt: string | null;
}
interface LeadPage {
  items: LeadRow[];
  cursor: string | null;
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
/** The list filter's channels: the channel groups leads are stored by, then `inbound_web` (first touch a web form). */
const CHANNELS = [
  'direct',
  'phone',
  'organic_search',
  'paid_search',
  'organic_social',
  'paid_social',
  'email',
  'referral',
  'event',
  'webinar',
  'outbound',
  'partner',
  'import',
  'other',
  'inbound_web',
];

/** An owner's next SLA deadline: the clock and its time. */
function Due({ t, due, now }: { t: T; due: LeadRow['due'] | undefined; now: number }) {
  if (!due) return '';
  return html`${valueLabel(t, 'slaClock', due.clock)} <${DueTime} t=${t} at=${due.at} now=${now} />`;
}

function LeadTable({ t, items }: { t: T; items: LeadRow[] }) {
  const settings = useSettings();
  const now = Date.now();
  return html`<div class="scroll"><table class="list" data-testid="leads"><thead><tr><th scope="col">${t('name')}</th><th scope="col">${t('company')}</th><th scope="col">${t('phone')}</th><th scope="col">${t('stage')}</th><th scope="col">${t('temperature')}</th><th scope="col" class="num">${t('score')}</th><th scope="col">${t('owner')}</th><th scope="col">${t('nextDeadline')}</th><th scope="col">${t('followUpAt')}</th><th scope="col">${t('lastActivity')}</th></tr></thead><tbody>
    ${items.map((l) => html`<tr data-lead=${l.leadId}><td><a href=${`#/lead/${encodeURIComponent(l.leadId)}`}>${l.name || l.email}</a></td><td>${l.company ?? ''}</td><td class="phone">${l.phone ? html`<a href=${`tel:${l.phone}`}>${l.phone}</a>` : ''}</td><td data-stage=${l.stage}>${valueLabel(t, 'stage', l.stage)}</td><td>${valueLabel(t, 'temperature', l.temperature)}</td><td class="num">${l.score}</td><td data-owner=${l.ownerId ?? ''}>${l.ownerId ? ownerName(settings, l.ownerId) : ''}</td><td data-due=${l.due?.clock ?? ''}><${Due} t=${t} due=${l.due} now=${now} /></td><td data-follow-up=${l.followUpAt ?? ''}>${l.followUpAt ? html`<${DueTime} t=${t} at=${l.followUpAt} now=${now} />` : ''}</td><td>${when(l.lastActivityAt)}</td></tr>`)}
  </tbody></table></div>`;
}

/** Pages one CSV download follows at most (100,000 rows); past that, the filters narrow the list. */
const MAX_CSV_PAGES = 100;

/**
 * One page of the list's CSV as text without its BOM (and without its header row unless `first`), and how many
 * rows it holds: line ends outside quoted cells (a cell may hold a line break).
 */
function csvPage(bytes: ArrayBuffer, first: boolean): { text: string; rows: number } {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes).replace(/^\uFEFF/, '');
  let quoted = false;
  let lines = 0;
  let headerEnd = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) {
      lines++;
      if (headerEnd < 0) headerEnd = i + 1;
    }
  }
  const rows = Math.max(0, lines - 1);
  return { text: first || headerEnd < 0 ? text : text.slice(headerEnd), rows };
}

/** The list's orders (the API's `sort`); `due` is one owner's queue, so it goes with an owner. */
const SORTS = [
  ['score', 'score'],
  ['lastActivity', 'lastActivity'],
  ['due', 'sortDue'],
] as const;

export function LeadsPage({ t, session }: { t: T; session: Session }) {
  // "My leads" by default for sales (owner=me: the API reads the owner from the token), as their queue: the
  // nearest deadline or planned contact first, across all their leads (the API's `sort=due`).
  const sales = session.groups.includes('sales') && !session.groups.includes('admin');
  const [query, setQuery] = useState(sales ? 'owner=me&sort=due' : '');
  const settings = useSettings();
  // 「自分」 only for a person who is an owner (the API reads the owner from the token).
  const me = ownerOf(settings, session);
  // Pages already shown (older cursors) and the one being read.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const path = `/v1/ops/leads?${[query, cursor ? `cursor=${encodeURIComponent(cursor)}` : ''].filter(Boolean).join('&')}`;
  const [load] = useGet<LeadPage>(path);
  const [message, setMessage] = useState<Result>();
  const initial = new URLSearchParams(query);
  // Selected on the option, not the select: the owners arrive with the settings, after the first render.
  const owner = initial.get('owner') ?? '';
  const sort = initial.get('sort') ?? 'score';
  const submit = (e: Event) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(e.target as HTMLFormElement)) {
      const value = String(v).trim();
      if (!value) continue;
      q.set(k, k === 'updatedSince' ? `${value}T00:00:00+09:00` : value);
    }
    // Each search has its own order, so a list is one or the other (the API would answer 400).
    if (q.has('company') && q.has('phone')) {
      setMessage({ ok: false, text: t('oneSearch') });
      return;
    }
    setMessage(undefined);
    setCursors([]);
    setQuery(q.toString());
  };
  const [downloading, setDownloading] = useState(false);
  // The whole list, not its first 1,000 rows: every page of the filter, one file. In Japanese the API writes it
  // for people (Japanese headers and labels, owners by name, Tokyo times).
  const csv = async () => {
    setDownloading(true);
    try {
      const base = `/v1/ops/leads?${query ? `${query}&` : ''}format=csv${t('lang') === 'ja' ? '&lang=ja' : ''}`;
      const parts: string[] = [];
      let rows = 0;
      let cursor: string | null = null;
      do {
        const response = await authorizedFetch(
          `${base}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          {
            headers: { accept: 'text/csv' },
          },
        );
        if (!response.ok) throw new ApiError(response.status, response.statusText);
        const page = csvPage(await response.arrayBuffer(), parts.length === 0);
        parts.push(page.text);
        rows += page.rows;
        cursor = response.headers.get('x-next-cursor');
        if (cursor) setMessage({ ok: true, text: fill(t('csvProgress'), { n: rows }) });
      } while (cursor && parts.length < MAX_CSV_PAGES);
      saveFile('leads.csv', `\uFEFF${parts.join('')}`);
      setMessage(
        cursor
          ? { ok: false, text: fill(t('csvTruncated'), { n: rows }) }
          : { ok: true, text: fill(t('csvSaved'), { n: rows }) },
      );
    } catch (err) {
      setMessage({ ok: false, text: errorText(t, err) });
    } finally {
      setDownloading(false);
    }
  };
  const find = (e: Event) => {
    e.preventDefault();
    const email = String(new FormData(e.target as HTMLFormElement).get('email') ?? '');
    api<{ leadId: string }>('GET', `/v1/ops/leads?email=${encodeURIComponent(email)}`)
      .then((lead) => {
        location.hash = `#/lead/${encodeURIComponent(lead.leadId)}`;
      })
      .catch((err) => setMessage({ ok: false, text: errorText(t, err) }));
  };
  const select = (name: ValueKind, options: string[]) =>
    html`<select name=${name} defaultValue=${initial.get(name) ?? ''}><option value="">${t('any')}</option>${options.map((s) => html`<option value=${s}>${valueLabel(t, name, s)}</option>`)}</select>`;
  return html`<section class="card" aria-labelledby="h-leads"><div class="heading-row"><h2 id="h-leads">${t(query.includes('owner=me') ? 'myLeads' : 'leads')}</h2><span class="spacer"></span><a class="action" href="#/new-lead">${t('newLead')}</a></div>
    <form class="filters" onSubmit=${submit} aria-label=${t('filter')} key=${query}>
      <label>${t('companySearch')}<input name="company" type="search" maxLength=${100} placeholder=${t('companySearchHint')} defaultValue=${initial.get('company') ?? ''} /></label>
      <label>${t('phoneSearch')}<input name="phone" type="search" inputmode="tel" autocomplete="off" maxLength=${40} placeholder=${t('phoneSearchHint')} defaultValue=${initial.get('phone') ?? ''} /></label>
      <label>${t('stage')}${select('stage', STAGES)}</label>
      <label>${t('temperature')}${select('temperature', ['hot', 'warm', 'cold'])}</label>
      <label>${t('channel')}${select('channel', CHANNELS)}</label>
      <label>${t('owner')}<select name="owner"><option value="">${t('any')}</option>${(me || owner === 'me') && html`<option value="me" selected=${owner === 'me'}>${t('mine')}</option>`}${(settings?.handoff.owners ?? []).map((o) => html`<option value=${o.ownerId} selected=${owner === o.ownerId}>${o.name}</option>`)}</select></label>
      <label>${t('updatedSince')}<input name="updatedSince" type="date" defaultValue=${initial.get('updatedSince')?.slice(0, 10) ?? ''} /></label>
      <label>${t('sort')}<select name="sort">${SORTS.map(([value, label]) => html`<option value=${value} selected=${sort === value}>${t(label)}</option>`)}</select></label>
      <button class="primary" type="submit">${t('filter')}</button>
      <button class="secondary" type="button" onClick=${csv} disabled=${downloading}>${t('downloadCsv')}</button>
    </form>
    ${initial.get('company') && html`<p class="muted" data-testid="company-order">${t('companySearchOrder')}</p>`}
    ${initial.get('phone') && html`<p class="muted" data-testid="phone-order">${t('phoneSearchOrder')}</p>`}
    <form class="filters" onSubmit=${find}><label>${t('email')}<input name="email" type="email" required /></label><button class="secondary" type="submit">${t('open')}</button></form>
    <${Message} result=${message} />
    <${Show} t=${t} load=${load}>${(v: LeadPage) => html`
      ${v.items.length === 0 ? html`<p>${t('noData')}</p>` : html`<${LeadTable} t=${t} items=${v.items} />`}
      <div class="row pager">
        ${cursors.length > 0 && html`<button type="button" class="secondary" onClick=${() => setCursors(cursors.slice(0, -1))}>${t('previous')}</button>`}
        ${v.cursor && html`<button type="button" class="secondary" onClick=${() => setCursors([...cursors, v.cursor ?? ''])}>${t('next')}</button>`}
      </div>`}<//></section>`;
}

// ----- Call list ------------------------------------------------------------------------------------------

interface CallItem {
  leadId: string;
  lastName?: string;
  firstName?: string;
  company?: string;
  title?: string;
  phone?: string;
  score: number;
  temperature: string;
  stage: string;
  /** On the rep's own hand-offs: the next SLA deadline and the planned next contact. */
  due?: LeadRow['due'];
  followUpAt?: string | null;
}

/** One click: the outcome chosen, the call logged (`by` the signed-in owner; the API takes a person's from the token). */
function LogCall({ t, leadId, by, owned, onDone }: LogActivityProps) {
  const [result, setResult] = useState<Result>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const outcome = String(form.get('outcome'));
    const followUpAt = String(form.get('followUpAt') ?? '');
    try {
      await api('POST', `/v1/ops/leads/${encodeURIComponent(leadId)}/activities`, {
        activityId: newId(),
        type: 'call',
        outcome,
        // No occurredAt: the server stamps the call with its own clock (this device's may be off).
        ...(followUpAt ? { followUpAt: new Date(followUpAt).toISOString() } : {}),
        by,
      });
      clearOnce(e.target as HTMLFormElement);
      setResult({ ok: true, text: `${t('done')}: ${t(outcome as Key)}` });
      onDone();
    } catch (err) {
      setResult({ ok: false, text: errorText(t, err) });
    }
  };
  const id = `outcome-${leadId}`;
  return html`<form class="row" onSubmit=${submit} data-form="log-call">
    <label for=${id} class="sr-only">${t('outcome')}</label>
    <select id=${id} name="outcome">${OUTCOMES.map((o) => html`<option value=${o}>${t(o as Key)}</option>`)}</select>
    ${owned && html`<label>${t('followUpAt')}<input name="followUpAt" type="datetime-local" data-once /></label>`}
    <button class="primary" type="submit">${t('logCall')}</button>
    <${Message} result=${result} />
  </form>`;
}

function CallCard({
  t,
  c,
  by,
  owned = false,
  onDone,
}: {
  t: T;
  c: CallItem;
  by: string;
  owned?: boolean;
  onDone: () => void;
}) {
  return html`<li data-lead=${c.leadId}>
    <div class="row"><a href=${`#/lead/${encodeURIComponent(c.leadId)}`}><strong>${c.lastName ?? ''} ${c.firstName ?? ''}</strong></a> <span>${c.company ?? ''}</span> <span class="muted">${valueLabel(t, 'temperature', c.temperature)} · ${c.score} · ${valueLabel(t, 'stage', c.stage)}</span></div>
    ${c.due ? html`<div data-due=${c.due.clock}>${t('nextDeadline')}: <${Due} t=${t} due=${c.due} now=${Date.now()} /></div>` : ''}
    ${c.followUpAt ? html`<div data-testid="follow-up">${t('followUpAt')}: <${DueTime} t=${t} at=${c.followUpAt} now=${Date.now()} /></div>` : ''}
    ${c.phone ? html`<div><a class="tel" href=${`tel:${c.phone}`}>${t('phone')}: ${c.phone}</a></div>` : ''}
    <${LogCall} t=${t} leadId=${c.leadId} by=${by} owned=${owned} onDone=${onDone} />
  </li>`;
}

export function CallListPage({ t, session }: { t: T; session: Session }) {
  const settings = useSettings();
  const me = ownerOf(settings, session);
  const by = me?.ownerId ?? session.email;
  const [waiting, reloadWaiting] = useGet<{ items: CallItem[] }>('/v1/ops/call-list?limit=50');
  // The rep's queue as the API orders it (`sort=due`): the nearest deadline or planned contact first, across all
  // of their leads, not only the newest page.
  const [mine, reloadMine] = useGet<LeadPage>(me ? '/v1/ops/leads?owner=me&sort=due' : undefined, [
    me?.ownerId,
  ]);
  // 「リードを登録」 here too: an inbound call from someone not on the list is entered where the rep works.
  return html`<section aria-labelledby="h-calls" class="calls-section"><div class="heading-row"><h2 id="h-calls">${t('callList')}</h2><span class="spacer"></span><a class="action" href="#/new-lead">${t('newLead')}</a></div>
    <p class="muted">${t('waitingForSales')}</p>
    <${Show} t=${t} load=${waiting}>${(v: { items: CallItem[] }) =>
      v.items.length === 0
        ? html`<p>${t('noData')}</p>`
        : html`<ul class="calls" data-testid="waiting">${v.items.map((c) => html`<${CallCard} key=${c.leadId} t=${t} c=${c} by=${by} onDone=${reloadWaiting} />`)}</ul>`}<//></section>
    ${
      me &&
      html`<section aria-labelledby="h-mine" class="calls-section"><h2 id="h-mine">${t('myHandoffs')}</h2>
      <${Show} t=${t} load=${mine}>${(v: LeadPage) =>
        v.items.length === 0
          ? html`<p>${t('noData')}</p>`
          : html`<ul class="calls" data-testid="mine">${v.items.map(
              (l) =>
                html`<${CallCard} key=${l.leadId} t=${t} by=${by} owned=${true} onDone=${reloadMine} c=${{
                  leadId: l.leadId,
                  lastName: l.name ?? l.email,
                  company: l.company ?? '',
                  ...(l.phone ? { phone: l.phone } : {}),
                  score: l.score,
                  temperature: l.temperature,
                  stage: l.stage,
                  due: l.due,
                  followUpAt: l.followUpAt,
                }} />`,
            )}</ul>`}<//></section>`
    }`;
}
