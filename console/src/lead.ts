import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { MAX_ENTRY_VALUE_LENGTH, PHONE_PATTERN } from '#domain/capture/entry-rules';
import { ApiError, api, newId, type Session } from './api.ts';
import { fill, type Key, type T, valueLabel } from './i18n.ts';
import { ErasedNotice, PrivacyRequests } from './privacy.ts';
import {
  clearOnce,
  DueTime,
  errorText,
  formName,
  html,
  type LogActivityProps,
  Message,
  num,
  ownerName,
  type Phase,
  type Result,
  ruleLabel,
  type Settings,
  Show,
  sequenceName,
  subjectOf,
  teamName,
  useGet,
  useSettings,
  when,
} from './ui.ts';

// ----- What GET /v1/ops/leads/{leadId} answers (shared/app/view-lead.ts) ------------------------------------

interface TimelineEntry {
  eventId: string;
  type: string;
  occurredAt: string;
  points: number;
  rule: string | null;
  title?: string;
  properties?: Record<string, unknown>;
}
interface Opportunity {
  opportunityId: string;
  status: string;
  phase: string;
  phaseLabel: string;
  amount: number;
  currency: string;
  expectedCloseDate: string;
  probability: number;
  lostReason?: string;
  phaseHistory: { from: string | null; to: string; at: string }[];
}
export interface Lead {
  leadId: string;
  email: string;
  attributes: Record<string, string>;
  timeZone?: string | null;
  /** Values unverified form posts proposed for attributes the lead has (applied on confirmation or by sales). */
  proposedAttributes?: { values: Record<string, string>; formId: string; at: string } | null;
  stage: string;
  temperature: string;
  grade?: string;
  channel?: string;
  createdAt?: string;
  score: { fit: number; behaviour: number; total: number };
  fitBreakdown?: Record<string, number>;
  owner?: { ownerId: string; name?: string; team?: string } | null;
  handoff?: {
    acceptedAt?: string;
    dueAt?: string;
    firstContactDueAt?: string;
    firstContactAt?: string;
    followUp?: { at: string; by: string };
    handoffNumber?: number;
  } | null;
  /** The actions the lead's stage and hand-off allow (sales actions, then handoff or reassign). */
  availableActions?: string[];
  timeline: TimelineEntry[];
  timelineCursor: string | null;
  stageHistory?: { from: string | null; to: string; at: string; reason: string }[];
  attribution?: { firstTouch?: Record<string, unknown>; lastTouch?: Record<string, unknown> } | null;
  consent?: Record<string, unknown> | null;
  consentHistory?: {
    kind: string;
    purpose: string;
    at: string;
    formId?: string;
    textVersion?: string;
    method?: string;
    recordedBy?: string;
    note?: string;
  }[];
  marketing?: { allowed?: boolean; unsubscribedAt?: number };
  deal?: {
    bantch: Record<string, string> | null;
    openOpportunity: Opportunity | null;
    opportunities: Opportunity[];
  } | null;
}

export const BANTCH = ['budget', 'authority', 'needs', 'timing', 'competitor', 'humanResources'] as const;
export const OUTCOMES = [
  'connected',
  'no_answer',
  'voicemail',
  'appointment_set',
  'not_interested',
  'wrong_number',
  'callback_requested',
] as const;
const ACTIVITY_TYPES = ['call', 'meeting', 'email', 'note'] as const;

const values = (form: HTMLFormElement): Record<string, string> =>
  Object.fromEntries(
    [...new FormData(form)].map(([k, v]) => [k, String(v).trim()]).filter(([, v]) => v !== ''),
  );

/** A second submit button of an action form: the same fields, POSTed to another action's path. */
interface AlsoSubmit {
  name: string;
  label: string;
  path: string;
}

/**
 * One action form: POSTs what `build` makes of the form's fields, shows "done" or the API's refusal (status,
 * message, each field), and reloads the lead. `onError` sees the refusal (qualify marks the missing BANTCH),
 * `onAnswer` the API's answer; both get the action the button named. `also` adds a second button that posts
 * the same fields to another action (the qualify card's "Save BANTCH").
 */
function ActionForm({
  t,
  path,
  name,
  label,
  build,
  onDone,
  onError,
  onAnswer,
  also,
  children,
}: {
  t: T;
  path: string;
  name: string;
  label: string;
  build: (v: Record<string, string>) => Record<string, unknown>;
  onDone: () => void;
  onError?: (e: unknown, action: string) => void;
  onAnswer?: (answer: unknown, action: string) => void;
  also?: AlsoSubmit;
  children?: ComponentChildren;
}) {
  const [result, setResult] = useState<Result>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const chosen =
      also && (e.submitter as HTMLElement | null)?.dataset.action === also.name ? also : undefined;
    const action = chosen?.name ?? name;
    setBusy(true);
    try {
      const form = e.target as HTMLFormElement;
      const answer = await api('POST', chosen?.path ?? path, build(values(form)));
      clearOnce(form);
      setResult({ ok: true, text: t('done') });
      onError?.(undefined, action);
      onAnswer?.(answer, action);
      onDone();
    } catch (err) {
      setResult({ ok: false, text: errorText(t, err) });
      onError?.(err, action);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="stack" onSubmit=${submit} aria-label=${label} data-form=${name}>
    ${children}
    <div class="buttons">
      <button class="primary" type="submit" data-action=${name} disabled=${busy}>${label}</button>
      ${also && html`<button class="secondary" type="submit" data-action=${also.name} disabled=${busy}>${also.label}</button>`}
    </div>
    <${Message} result=${result} />
  </form>`;
}

const OwnerSelect = ({ t, settings, name }: { t: T; settings: Settings | undefined; name: string }) =>
  html`<label>${t('owner')}<select name=${name}>
    <option value="">${t('byRules')}</option>
    ${(settings?.handoff.owners ?? []).map((o) => html`<option value=${o.ownerId}>${o.name}（${teamName(settings, o.team)}）</option>`)}
  </select></label>`;

/** Which BANTCH items SQL still needs: from qualify's 422 (refused) or a saved BANTCH's `missingForSql`. */
type Missing = { items: string[]; refused: boolean };

function SalesActions({
  t,
  lead,
  me,
  reload,
}: {
  t: T;
  lead: Lead;
  /** The signed-in user's owner id, when they are a configured owner. */
  me: string | undefined;
  reload: () => void;
}) {
  const [missing, setMissing] = useState<Missing>();
  const refused = (k: string) => missing?.refused === true && missing.items.includes(k);
  const path = (a: string) => `/v1/ops/leads/${encodeURIComponent(lead.leadId)}/${a}`;
  const bantch = lead.deal?.bantch ?? {};
  const today = new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
  // Only the forms the lead's stage allows. At opportunity, `convert` means winning the deal: the deal
  // section below moves it to won or lost, so this form (which opens an opportunity) is not offered.
  const offered = new Set(
    (lead.availableActions ?? []).filter((a) => a !== 'convert' || lead.stage !== 'opportunity'),
  );
  const forms = [
    offered.has('accept') &&
      html`<div>
        <h3>${t('accept')}</h3>
        <${ActionForm} t=${t} path=${path('accept')} name="accept" label=${t('accept')} onDone=${reload}
          build=${(v: Record<string, string>) => ({
            actionId: newId(),
            // The signed-in owner accepts for themself: an open hand-off of a colleague not yet accepted is
            // taken over, and with none open one is opened for them (the API's accept with ownerId).
            ...(me ? { ownerId: me } : {}),
            ...(v.note ? { note: v.note } : {}),
          })}>
          <label>${t('note')}<input name="note" /></label>
        <//>
      </div>`,
    // Qualify (sal → sql) with a second button that saves the items filled so far (`bantch`, the stage
    // unchanged); where only `bantch` is taken (e.g. an MQL, an SQL, an open opportunity), the save alone.
    (offered.has('qualify') || offered.has('bantch')) &&
      html`<div>
        <h3>${offered.has('qualify') ? t('qualify') : 'BANTCH'}</h3>
        <${ActionForm} t=${t}
          path=${path(offered.has('qualify') ? 'qualify' : 'bantch')}
          name=${offered.has('qualify') ? 'qualify' : 'bantch'}
          label=${t(offered.has('qualify') ? 'qualify' : 'saveBantch')}
          also=${offered.has('qualify') && offered.has('bantch') ? { name: 'bantch', label: t('saveBantch'), path: path('bantch') } : undefined}
          onDone=${reload}
          onError=${(e: unknown) => setMissing(e instanceof ApiError && e.status === 422 ? { items: e.fields.map((f) => f.field.replace(/^bant\./, '')), refused: true } : undefined)}
          onAnswer=${(answer: unknown, action: string) => {
            const items =
              action === 'bantch' ? (answer as { missingForSql?: string[] }).missingForSql : undefined;
            setMissing(items ? { items, refused: false } : undefined);
          }}
          build=${(v: Record<string, string>) => ({
            actionId: newId(),
            // Only what the rep filled in or changed since the deal was loaded: the items shown as loaded are
            // already on the deal, and sending them again would put back a value another tab changed since.
            // (Each input is keyed on its item's value on the deal, so after a save it shows the deal as it now
            // is; the form itself stays, so its "done" stays shown after the reload.)
            bant: Object.fromEntries(
              BANTCH.filter((k) => v[k] && v[k] !== (bantch[k] ?? '')).map((k) => [k, v[k]]),
            ),
          })}>
          ${BANTCH.map(
            (
              k,
            ) => html`<label key=${`${k}:${bantch[k] ?? ''}`}>${t(k as Key)}<input name=${k} defaultValue=${bantch[k] ?? ''}
              aria-invalid=${refused(k) ? 'true' : undefined} class=${refused(k) ? 'invalid' : ''} /></label>`,
          )}
          ${
            missing &&
            (missing.items.length > 0
              ? html`<p class=${missing.refused ? 'error' : 'notice'} data-testid="missing">${t('missingForSql')}: ${missing.items.map((k) => t(k as Key)).join(', ')}</p>`
              : html`<p class="ok" data-testid="missing">${t('bantchComplete')}</p>`)
          }
        <//>
      </div>`,
    offered.has('convert') &&
      html`<div>
        <h3>${t('convert')}</h3>
        <${ActionForm} t=${t} path=${path('convert')} name="convert" label=${t('convert')} onDone=${reload}
          build=${(v: Record<string, string>) => ({
            actionId: newId(),
            amount: Number(v.amount),
            currency: v.currency ?? 'JPY',
            expectedCloseDate: v.expectedCloseDate,
            ...(v.account ? { account: { name: v.account } } : {}),
          })}>
          <label>${t('amount')}<input name="amount" type="number" min="0" step="1" required /></label>
          <label>${t('currency')}<select name="currency"><option value="JPY">JPY</option><option value="USD">USD</option></select></label>
          <label>${t('expectedCloseDate')}<input name="expectedCloseDate" type="date" min=${today} required /></label>
          <label>${t('account')}<input name="account" defaultValue=${lead.attributes.company ?? ''} /></label>
        <//>
      </div>`,
    (offered.has('disqualify') || offered.has('recycle')) &&
      html`<div>
        ${
          offered.has('disqualify') &&
          html`<h3>${t('disqualify')}</h3>
        <${ActionForm} t=${t} path=${path('disqualify')} name="disqualify" label=${t('disqualify')} onDone=${reload}
          build=${(v: Record<string, string>) => ({ actionId: newId(), reason: v.reason ?? '' })}>
          <label>${t('reason')}<input name="reason" required /></label>
        <//>`
        }
        ${
          offered.has('recycle') &&
          html`<h3>${t('recycle')}</h3>
        <${ActionForm} t=${t} path=${path('recycle')} name="recycle" label=${t('recycle')} onDone=${reload}
          build=${(v: Record<string, string>) => ({ actionId: newId(), reason: v.reason ?? '' })}>
          <label>${t('reason')}<input name="reason" required /></label>
        <//>`
        }
      </div>`,
  ].filter(Boolean);
  return html`<section class="card" aria-labelledby="h-actions"><h2 id="h-actions">${t('actions')}</h2>
    ${lead.stage === 'opportunity' && html`<p class="muted" data-testid="deal-decides">${t('dealDecides')}</p>`}
    ${
      forms.length > 0
        ? html`<div class="grid">${forms}</div>`
        : html`<p class="muted" data-testid="no-actions">${t('noActionsHere')}</p>`
    }</section>`;
}

/**
 * The open hand-off's two SLA clocks as the owner works them: a deadline while it is still to meet (marked
 * overdue once passed), the time it was met after; then the follow-up the owner planned, if any.
 */
function Deadlines({ t, handoff }: { t: T; handoff: NonNullable<Lead['handoff']> }) {
  const clock = (
    id: string,
    due: [Key, string | undefined],
    met: [Key, string | undefined] = [due[0], undefined],
  ) =>
    met[1]
      ? html` · <span data-testid=${id} data-met="true">${t(met[0])}: ${when(met[1])}</span>`
      : due[1]
        ? html` · <span data-testid=${id}>${t(due[0])}: <${DueTime} t=${t} at=${due[1]} /></span>`
        : '';
  return html`${clock('accept-clock', ['dueAt', handoff.dueAt], ['acceptedAt', handoff.acceptedAt])}${clock(
    'first-contact-clock',
    ['firstContactDueAt', handoff.firstContactDueAt],
    ['firstContactAt', handoff.firstContactAt],
  )}${clock('follow-up', ['followUpAt', handoff.followUp?.at])}`;
}

function OwnerActions({
  t,
  lead,
  settings,
  reload,
}: {
  t: T;
  lead: Lead;
  settings: Settings | undefined;
  reload: () => void;
}) {
  const path = (a: string) => `/v1/ops/leads/${encodeURIComponent(lead.leadId)}/${a}`;
  const build = (v: Record<string, string>) => ({
    actionId: newId(),
    reason: v.reason ?? '',
    ...(v.ownerId ? { ownerId: v.ownerId } : {}),
  });
  const open = Boolean(lead.owner);
  // Reassign an open hand-off, or open one by hand where the stage allows it (not once sales owns the lead).
  const action = (lead.availableActions ?? []).find((a) => a === 'reassign' || a === 'handoff');
  return html`<section class="card" aria-labelledby="h-owner"><h2 id="h-owner">${t('ownerActions')}</h2>
    <p>${t('owner')}: <strong data-testid="owner" data-owner=${lead.owner?.ownerId ?? ''}>${lead.owner ? `${lead.owner.name ?? lead.owner.ownerId}${lead.owner.team ? `（${teamName(settings, lead.owner.team)}）` : ''}` : '—'}</strong>
      ${open && lead.handoff ? html`<${Deadlines} t=${t} handoff=${lead.handoff} />` : ''}</p>
    ${
      action &&
      html`<${ActionForm} t=${t} path=${path(action)} name=${action}
      label=${t(action === 'reassign' ? 'reassign' : 'handoffNow')} build=${build} onDone=${reload}>
      <${OwnerSelect} t=${t} settings=${settings} name="ownerId" />
      <label>${t('reason')}<input name="reason" required /></label>
    <//>`
    }</section>`;
}

function LogActivity({ t, leadId, by, owned, onDone }: LogActivityProps) {
  const local = new Date(Date.now() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  return html`<section class="card" aria-labelledby="h-activity"><h2 id="h-activity">${t('logActivity')}</h2>
    <${ActionForm} t=${t} path=${`/v1/ops/leads/${encodeURIComponent(leadId)}/activities`} name="activity"
      label=${t('logActivity')} onDone=${onDone}
      build=${(v: Record<string, string>) => ({
        activityId: newId(),
        type: v.type ?? 'call',
        ...(v.outcome ? { outcome: v.outcome } : {}),
        // Unchanged (the time the page showed, to the minute): no time, so the server stamps it with its
        // own clock. A call just made is then never placed before a hand-off opened seconds ago, even when
        // this device's clock is behind.
        ...(!v.occurredAt || v.occurredAt === local
          ? {}
          : { occurredAt: new Date(v.occurredAt).toISOString() }),
        ...(v.note ? { note: v.note } : {}),
        ...(v.followUpAt ? { followUpAt: new Date(v.followUpAt).toISOString() } : {}),
        by,
      })}>
      <label>${t('activityType')}<select name="type">${ACTIVITY_TYPES.map((a) => html`<option value=${a}>${t(`type_${a}` as Key)}</option>`)}</select></label>
      <label>${t('outcome')}<select name="outcome"><option value="">—</option>${OUTCOMES.map((o) => html`<option value=${o}>${t(o as Key)}</option>`)}</select></label>
      <label>${t('occurredAt')}<input name="occurredAt" type="datetime-local" defaultValue=${local} required /></label>
      <label>${t('note')}<textarea name="note" rows="2" maxLength="2000"></textarea></label>
      ${owned && html`<label>${t('followUpAt')}<input name="followUpAt" type="datetime-local" min=${local} data-once /></label><p class="muted">${t('followUpHint')}</p>`}
    <//></section>`;
}

function Deal({ t, lead, phases, reload }: { t: T; lead: Lead; phases: Phase[]; reload: () => void }) {
  const deal = lead.deal;
  const [phase, setPhase] = useState('');
  const open = deal?.openOpportunity ?? null;
  return html`<section class="card" aria-labelledby="h-deal"><h2 id="h-deal">${t('deal')}</h2>
    ${
      !deal
        ? html`<p class="muted">${t('noDeal')}</p>`
        : html`
      <h3>BANTCH</h3>
      <table data-testid="bantch"><tbody>${BANTCH.map((k) => html`<tr><th scope="row">${t(k as Key)}</th><td>${deal.bantch?.[k] ?? '—'}</td></tr>`)}</tbody></table>
      <h3>${t('opportunities')}</h3>
      ${
        deal.opportunities.length === 0
          ? html`<p class="muted">${t('noData')}</p>`
          : html`<div class="scroll"><table data-testid="opportunities"><thead><tr><th scope="col">${t('phase')}</th><th scope="col">${t('status')}</th><th scope="col" class="num">${t('amount')}</th><th scope="col">${t('expectedCloseDate')}</th><th scope="col" class="num">%</th></tr></thead><tbody>
        ${deal.opportunities.map((o) => html`<tr data-status=${o.status}><td>${o.phaseLabel}</td><td>${valueLabel(t, 'status', o.status)}${o.lostReason ? ` (${o.lostReason})` : ''}</td><td class="num">${num(o.amount)} ${o.currency}</td><td>${o.expectedCloseDate}</td><td class="num">${o.probability}</td></tr>`)}
      </tbody></table></div>`
      }`
    }
    ${
      open &&
      html`<h3>${t('movePhase')}</h3>
      <${ActionForm} key=${open.phase} t=${t} path=${`/v1/ops/leads/${encodeURIComponent(lead.leadId)}/opportunity`} name="opportunity"
        label=${t('movePhase')} onDone=${reload}
        build=${(v: Record<string, string>) => ({
          actionId: newId(),
          phase: v.phase ?? '',
          ...(v.amount ? { amount: Number(v.amount) } : {}),
          ...(v.reason ? { reason: v.reason } : {}),
        })}>
        <label>${t('phase')}<select name="phase" required onChange=${(e: Event) => setPhase((e.target as HTMLSelectElement).value)}>
          <option value="">—</option>
          ${phases.filter((p) => p.id !== open.phase).map((p) => html`<option value=${p.id}>${p.label} (${p.probability}%)</option>`)}
          <option value="won">${t('won')}</option>
          <option value="lost">${t('lost')}</option>
        </select></label>
        <label>${t('amount')}<input name="amount" type="number" min="0" step="1" placeholder=${String(open.amount)} /></label>
        ${phase === 'lost' && html`<label>${t('lostReason')}<input name="reason" required /></label>`}
      <//>`
    }</section>`;
}

/** What sales may correct, the address first, then in the order of a business card. */
const EDIT_FIELDS = [
  'email',
  'company',
  'department',
  'title',
  'lastName',
  'firstName',
  'phone',
  'employees',
  'industry',
  'prefecture',
  'country',
  'timeZone',
] as const;

/**
 * 「基本情報を編集」 (`POST /v1/ops/leads/{leadId}/attributes`): the lead's details as loaded; only the fields the
 * rep changed are sent (an empty one clears its value), so a value another tab or a form post changed since
 * the page loaded is not put back. The form is keyed on the loaded values: after a save it shows the lead as
 * it now is.
 */
function EditDetails({ t, lead, reload }: { t: T; lead: Lead; reload: () => void }) {
  const [result, setResult] = useState<Result>();
  const [busy, setBusy] = useState(false);
  const current = (f: (typeof EDIT_FIELDS)[number]): string =>
    f === 'timeZone' ? (lead.timeZone ?? '') : f === 'email' ? lead.email : (lead.attributes[f] ?? '');
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const attributes = Object.fromEntries(
      EDIT_FIELDS.map((f) => [f, String(form.get(f) ?? '').trim()] as const).filter(
        ([f, v]) => v !== current(f),
      ),
    );
    const note = String(form.get('note') ?? '').trim();
    if (Object.keys(attributes).length === 0) {
      setResult({ ok: true, text: t('nothingChanged') });
      return;
    }
    setBusy(true);
    try {
      const answer = await api<{ changed: string[] }>(
        'POST',
        `/v1/ops/leads/${encodeURIComponent(lead.leadId)}/attributes`,
        { actionId: newId(), attributes, ...(note ? { note } : {}) },
      );
      const fields = answer.changed.map((f) => valueLabel(t, 'attribute', f)).join('、');
      setResult({ ok: true, text: fields ? fill(t('detailsSaved'), { fields }) : t('nothingChanged') });
      reload();
    } catch (err) {
      setResult({ ok: false, text: errorText(t, err) });
    } finally {
      setBusy(false);
    }
  };
  return html`<details data-testid="edit-details"><summary>${t('editDetails')}</summary>
    <p class="muted">${t('editDetailsHint')}</p>
    <form class="stack wide" onSubmit=${submit} data-form="edit" aria-label=${t('editDetails')} key=${EDIT_FIELDS.map(current).join('\u0000')}>
      <div class="fields">${EDIT_FIELDS.map(
        (f) =>
          html`<label>${valueLabel(t, 'attribute', f)}<input name=${f} defaultValue=${current(f)} autocomplete="off"
            type=${f === 'phone' ? 'tel' : f === 'email' ? 'email' : 'text'} pattern=${f === 'phone' ? PHONE_PATTERN : undefined}
            required=${f === 'email'}
            placeholder=${f === 'timeZone' ? 'Asia/Tokyo' : undefined} maxLength=${f === 'email' ? 254 : MAX_ENTRY_VALUE_LENGTH} /></label>`,
      )}</div>
      <label>${t('editNote')}<input name="note" maxLength="500" placeholder=${t('editNotePlaceholder')} /></label>
      <div class="buttons"><button class="primary" type="submit" disabled=${busy}>${t('saveDetails')}</button></div>
    </form>
    <${Message} result=${result} />
  </details>`;
}

/**
 * 「未確認の変更提案」: values form posts with this address proposed (the sender was not verified), beside the
 * current ones, each applied or dismissed by a click (`proposals` of the same route).
 */
function Proposals({ t, lead, reload }: { t: T; lead: Lead; reload: () => void }) {
  const [result, setResult] = useState<Result>();
  const [busy, setBusy] = useState(false);
  const proposed = Object.entries(lead.proposedAttributes?.values ?? {});
  if (proposed.length === 0) return null;
  const decide = async (field: string, decision: 'apply' | 'dismiss') => {
    setBusy(true);
    try {
      await api('POST', `/v1/ops/leads/${encodeURIComponent(lead.leadId)}/attributes`, {
        actionId: newId(),
        proposals: { [field]: decision },
      });
      setResult({ ok: true, text: t('done') });
      reload();
    } catch (err) {
      setResult({ ok: false, text: errorText(t, err) });
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="notice" data-testid="proposals"><h3>${t('proposals')}</h3>
    <p class="muted">${t('proposalsHint')}</p>
    <div class="scroll"><table><thead><tr><th scope="col">${t('proposalField')}</th><th scope="col">${t('currentValue')}</th><th scope="col">${t('proposedValue')}</th><th scope="col"></th></tr></thead><tbody>
    ${proposed.map(
      ([
        field,
        value,
      ]) => html`<tr data-field=${field}><th scope="row">${valueLabel(t, 'attribute', field)}</th>
        <td>${lead.attributes[field] ?? '—'}</td><td><strong>${value}</strong></td>
        <td class="buttons"><button type="button" class="primary" disabled=${busy} onClick=${() => decide(field, 'apply')}>${t('applyProposal')}</button>
        <button type="button" class="secondary" disabled=${busy} onClick=${() => decide(field, 'dismiss')}>${t('dismissProposal')}</button></td></tr>`,
    )}</tbody></table></div>
    <${Message} result=${result} /></div>`;
}

/**
 * The consent ledger, and 「配信停止を記録」 while the lead is not unsubscribed: an opt-out the person asked for
 * by phone or in a reply (`POST /v1/ops/leads/{leadId}/unsubscribe`), with how they asked.
 */
function Consent({
  t,
  lead,
  settings,
  reload,
}: {
  t: T;
  lead: Lead;
  settings: Settings | undefined;
  reload: () => void;
}) {
  const history = lead.consentHistory ?? [];
  return html`<section class="card" aria-labelledby="h-consent"><h2 id="h-consent">${t('consent')}</h2>
    <p>${t('marketingAllowed')}: <strong data-testid="marketing-allowed">${lead.marketing?.allowed ? t('yes') : t('no')}</strong></p>
    ${
      lead.marketing?.unsubscribedAt === undefined &&
      html`<details data-testid="opt-out"><summary>${t('recordOptOut')}</summary>
        <p class="muted">${t('optOutHint')}</p>
        <${ActionForm} t=${t} path=${`/v1/ops/leads/${encodeURIComponent(lead.leadId)}/unsubscribe`} name="unsubscribe" label=${t('recordOptOut')}
          build=${(v: Record<string, string>) => ({ note: v.note ?? '' })} onDone=${reload}>
          <label>${t('optOutNote')}<input name="note" required maxLength="500" placeholder=${t('optOutPlaceholder')} /></label>
        <//>
      </details>`
    }
    ${
      history.length === 0
        ? html`<p class="muted">${t('noData')}</p>`
        : html`<div class="scroll"><table data-testid="consent"><thead><tr><th scope="col">${t('at')}</th><th scope="col">${t('kind')}</th><th scope="col">${t('purpose')}</th><th scope="col">${t('source')}</th></tr></thead><tbody>
      ${history.map((c) => html`<tr><td>${when(c.at)}</td><td>${valueLabel(t, 'consent', c.kind)}</td><td>${valueLabel(t, 'purpose', c.purpose)}</td><td>${consentSource(t, settings, c)}</td></tr>`)}
    </tbody></table></div>`
    }</section>`;
}

function StageHistory({ t, lead }: { t: T; lead: Lead }) {
  return html`<section class="card" aria-labelledby="h-stages"><h2 id="h-stages">${t('stageHistory')}</h2>
    <div class="scroll"><table data-testid="stage-history"><thead><tr><th scope="col">${t('at')}</th><th scope="col">${t('stage')}</th><th scope="col">${t('reason')}</th></tr></thead><tbody>
    ${(lead.stageHistory ?? []).map((s) => html`<tr><td>${when(s.at)}</td><td>${s.from ? valueLabel(t, 'stage', s.from) : '—'} → <strong>${valueLabel(t, 'stage', s.to)}</strong></td><td>${valueLabel(t, 'reason', s.reason)}</td></tr>`)}
    </tbody></table></div></section>`;
}

function Timeline({ t, lead, settings }: { t: T; lead: Lead; settings: Settings | undefined }) {
  const [older, setOlder] = useState<TimelineEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(lead.timelineCursor);
  const [result, setResult] = useState<Result>();
  useEffect(() => {
    setOlder([]);
    setCursor(lead.timelineCursor);
  }, [lead]);
  const more = async () => {
    if (!cursor) return;
    try {
      const page = await api<Lead>(
        'GET',
        `/v1/ops/leads/${encodeURIComponent(lead.leadId)}?timelineCursor=${encodeURIComponent(cursor)}`,
      );
      setOlder((o) => [...o, ...page.timeline]);
      setCursor(page.timelineCursor);
    } catch (err) {
      setResult({ ok: false, text: errorText(t, err) });
    }
  };
  return html`<section class="card" aria-labelledby="h-timeline"><h2 id="h-timeline">${t('timeline')}</h2>
    <ol class="timeline" data-testid="timeline">${[...lead.timeline, ...older].map(
      (e) =>
        html`<li><time datetime=${e.occurredAt}>${when(e.occurredAt)}</time> ${entryText(t, settings, e)}${e.points ? html` <strong>(${e.points > 0 ? '+' : ''}${e.points})</strong>` : ''}${e.rule ? html` <small class="muted">${ruleLabel(settings, e.rule)}</small>` : ''}${typeof e.properties?.note === 'string' ? html` — ${e.properties.note}` : ''}</li>`,
    )}</ol>
    ${cursor && html`<button type="button" class="secondary" onClick=${more}>${t('older')}</button>`}
    <${Message} result=${result} /></section>`;
}

export function LeadPage({ t, leadId, session }: { t: T; leadId: string; session: Session }) {
  // Kept with the lead it is about: the page stays mounted when the address bar names another lead.
  const [erased, setErased] = useState<{ leadId: string; at: string }>();
  if (erased?.leadId === leadId) return html`<${ErasedNotice} t=${t} erasedAt=${erased.at} />`;
  return html`<${LeadView} t=${t} leadId=${leadId} session=${session} onErased=${(at: string) => setErased({ leadId, at })} />`;
}

function LeadView({
  t,
  leadId,
  session,
  onErased,
}: {
  t: T;
  leadId: string;
  session: Session;
  onErased: (erasedAt: string) => void;
}) {
  const [load, reload] = useGet<Lead>(`/v1/ops/leads/${encodeURIComponent(leadId)}`);
  const settings = useSettings();
  const me = settings?.handoff.owners.find((o) => o.email.toLowerCase() === session.email.toLowerCase());
  const phases = settings?.deals?.phases ?? [];
  return html`<${Show} t=${t} load=${load}>${(l: Lead) => html`
    <section class="card" aria-labelledby="h-lead"><h2 id="h-lead">${l.attributes.lastName ?? ''} ${l.attributes.firstName ?? ''} <small class="muted">${l.email}</small></h2>
      <p>${l.attributes.company ?? ''}${l.attributes.title ? ` · ${l.attributes.title}` : ''}${l.attributes.phone ? html` · <a href=${`tel:${l.attributes.phone}`}>${l.attributes.phone}</a>` : ''}</p>
      <p>${t('stage')}: <strong data-testid="stage" data-stage=${l.stage}>${valueLabel(t, 'stage', l.stage)}</strong> · ${t('temperature')}: ${valueLabel(t, 'temperature', l.temperature)} · ${t('score')}: <strong>${l.score.total}</strong> (${valueLabel(t, 'score', 'fit')} ${l.score.fit} / ${valueLabel(t, 'score', 'behaviour')} ${l.score.behaviour}) · ${t('channel')}: ${valueLabel(t, 'channel', l.channel)}</p>
      <p class="muted">${t('firstTouch')}: ${touch(t, settings, l.attribution?.firstTouch)} · ${t('lastTouch')}: ${touch(t, settings, l.attribution?.lastTouch)}</p>
      <${Proposals} t=${t} lead=${l} reload=${reload} />
      <${EditDetails} t=${t} lead=${l} reload=${reload} />
    </section>
    <${SalesActions} t=${t} lead=${l} me=${me?.ownerId} reload=${reload} />
    <div class="grid">
      <${LogActivity} t=${t} leadId=${l.leadId} by=${me?.ownerId ?? session.email} owned=${Boolean(l.owner)} onDone=${reload} />
      <${OwnerActions} t=${t} lead=${l} settings=${settings} reload=${reload} />
    </div>
    <${Deal} t=${t} lead=${l} phases=${phases} reload=${reload} />
    <div class="grid">
      <section class="card" aria-labelledby="h-breakdown"><h2 id="h-breakdown">${t('scoreBreakdown')}</h2>
        <table><tbody>
          ${Object.entries(l.fitBreakdown ?? {}).map(([rule, points]) => html`<tr><th scope="row">${valueLabel(t, 'score', 'fit')}: ${ruleLabel(settings, rule)}</th><td class="num">${points}</td></tr>`)}
          ${l.timeline.filter((e) => e.points).map((e) => html`<tr><th scope="row">${valueLabel(t, 'score', 'behaviour')}: ${e.rule ? ruleLabel(settings, e.rule) : valueLabel(t, 'event', e.type)}</th><td class="num">${e.points}</td></tr>`)}
          ${rest(l) !== 0 && html`<tr data-row="decay"><th scope="row">${valueLabel(t, 'score', 'behaviour')}: ${t(l.timelineCursor ? 'olderActivityAndDecay' : 'decayShort')}</th><td class="num">${rest(l)}</td></tr>`}
        </tbody></table></section>
      <${StageHistory} t=${t} lead=${l} />
    </div>
    <${Consent} t=${t} lead=${l} settings=${settings} reload=${reload} />
    <${Timeline} t=${t} lead=${l} settings=${settings} />
    ${session.groups.includes('admin') && html`<${PrivacyRequests} t=${t} lead=${l} onErased=${onErased} />`}`}<//>`;
}

/** A touch as a person reads it: channel, form (or campaign/source), time — not `key=value` pairs. */
const touch = (t: T, settings: Settings | undefined, x: Record<string, unknown> | undefined) => {
  if (!x) return '—';
  const text = (k: string) => (typeof x[k] === 'string' ? (x[k] as string) : undefined);
  const formId = text('formId');
  return [
    valueLabel(t, 'channel', text('channel')),
    (formId ? sourceName(t, settings, formId) : undefined) ?? text('campaign') ?? text('source'),
    typeof x.at === 'number' ? when(new Date(x.at).toISOString()) : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
};

/**
 * Where a lead or a consent came from, as a person reads it: the form's name, 「手動登録」 for an entry typed in
 * the console or API, 「インポート」 for a CSV row (`ops:manual`, `import:<id>`: capture's ids for them).
 */
const sourceName = (t: T, settings: Settings | undefined, formId: string): string =>
  formId === 'ops:manual'
    ? t('manualEntry')
    : formId.startsWith('import:')
      ? t('importEntry')
      : formName(settings, formId);

/** A consent entry's source: the form (or entry), the consent text's version or the basis, how it was withdrawn. */
const consentSource = (
  t: T,
  settings: Settings | undefined,
  c: {
    formId?: string | undefined;
    textVersion?: string | undefined;
    method?: string | undefined;
    recordedBy?: string | undefined;
    note?: string | undefined;
  },
): string =>
  [
    c.formId ? sourceName(t, settings, c.formId) : undefined,
    c.textVersion?.startsWith('basis:')
      ? valueLabel(t, 'basis', c.textVersion.slice('basis:'.length))
      : c.textVersion
        ? `${t('consentText')} ${c.textVersion}`
        : undefined,
    c.method ? valueLabel(t, 'withdrawal', c.method) : undefined,
    // An opt-out taken by phone or reply: who recorded it and how the person asked.
    c.recordedBy ? ownerName(settings, c.recordedBy) : undefined,
    c.note ? `「${c.note}」` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');

/** A translated key when the dictionary has it (activity types and call outcomes), else the value as sent. */
const known = (t: T, key: string, value: string): string => t(key as Key) ?? value;

/**
 * A timeline line in the console's language. The API's `title` is for machines and the CRM (`call:
 * appointment_set`); here a sales activity reads 「電話: アポイント獲得」, a sequence line names the sequence (and
 * why it ended), a mail line its sequence, a form post its form.
 */
function entryText(t: T, settings: Settings | undefined, e: TimelineEntry): string {
  const p = e.properties ?? {};
  const text = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
  const label = valueLabel(t, 'event', e.type);
  if (e.type === 'sales_activity') {
    const activity = text('activityType');
    const outcome = text('outcome');
    const head = activity ? known(t, `type_${activity}`, activity) : label;
    const followUpAt = text('followUpAt');
    const planned = followUpAt ? ` (${t('followUpAt')}: ${when(followUpAt)})` : '';
    return `${outcome ? `${head}: ${known(t, outcome, outcome)}` : head}${planned}`;
  }
  const sequenceId = text('sequenceId');
  if (sequenceId) {
    const reason = e.type === 'sequence_exited' ? text('reason') : undefined;
    const sequence = sequenceName(settings, sequenceId);
    // A mail line names the mail by its subject: 「メール開封: 活用事例のご紹介 (資料ダウンロード後フォロー)」.
    const stepId = text('stepId');
    const templateId =
      text('templateId') ??
      settings?.sequences?.find((q) => q.id === sequenceId)?.steps.find((step) => step.id === stepId)
        ?.templateId;
    // A last step's line also ends the run: 「メール送信: 導入相談のご案内 (資料ダウンロード後フォロー) · シーケンス完了」.
    const completes =
      p.completesSequence === true ? ` · ${valueLabel(t, 'event', 'sequence_completed')}` : '';
    if (e.type.startsWith('email_') && templateId)
      return `${label}: ${subjectOf(settings, templateId)} (${sequence})${completes}`;
    return `${label}: ${sequence}${reason ? ` (${valueLabel(t, 'exit', reason)})` : ''}${completes}`;
  }
  const formId = text('formId');
  if (e.type === 'form_submitted' && formId) return `${label}: ${sourceName(t, settings, formId)}`;
  if (e.type === 'attributes_edited') {
    // 「基本情報の編集: 役職、電話番号」, and the proposals dismissed: 「提案を却下: 部署」.
    const names = (fields: string[]) => fields.map((f) => valueLabel(t, 'attribute', f)).join('、');
    const changed = (text('fields') ?? '').split(',').filter(Boolean);
    const dismissed = Object.keys(p)
      .filter((k) => k.startsWith('proposal.') && p[k] === 'dismissed')
      .map((k) => k.slice('proposal.'.length));
    return [
      changed.length > 0 ? `${label}: ${names(changed)}` : label,
      dismissed.length > 0 ? `${t('proposalDismissed')}: ${names(dismissed)}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
  }
  return e.title && label === e.type ? e.title : label;
}

/**
 * What the behaviour score has besides the points listed (the timeline's newest page): the decay since (a
 * half-life lowers it day by day), and older activity when more pages exist. Without this row the listed
 * points of a lead idle for months add up to far more than the score beside them.
 */
const rest = (l: Lead): number => {
  const listed = l.timeline.reduce((sum, e) => sum + (e.points || 0), 0);
  return Math.round((l.score.behaviour - listed) * 10) / 10;
};
