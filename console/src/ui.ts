import htm from 'htm';
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ConfigSummary } from '#app/config-summary';
import type { SlaClock as Clock } from '#domain/handoff/routing';
import type { BusinessWindow } from '#domain/nurture/calendar';
import type { SequenceEntry, SequenceStep } from '#domain/nurture/config';
import type { BehaviourRule, FitRule } from '#domain/scoring/config';
import { ApiError, api, type Session } from './api.ts';
import { fieldErrorText } from './field-errors.ts';
import { hasValueLabel, type Key, type T, valueLabel } from './i18n.ts';

/** Shared pieces of every page: the htm tag, GET with loading/error states, messages, the signed-in owner. */
export const html = htm.bind(h);

export type Load<V> = { state: 'loading' } | { state: 'ok'; value: V } | { state: 'error'; error: ApiError };

/** GET with the three states every page shows: loading, the data, or a clear error (403, 404 = not here yet). */
export function useGet<V>(path: string | undefined, deps: unknown[] = []): [Load<V>, () => void] {
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
  return [load, () => setN((x) => x + 1)];
}

/** API Gateway's own 404 `{"message":"Not Found"}` (route not deployed on this stack): "not available". */
export const notAvailable = (e: ApiError) => e.status === 404 && e.message === 'Not Found';

/** What a status means, in the console's language: the API's own message (English) only follows it. */
export function statusText(t: T, status: number): string {
  if (status === 0) return t('errNetwork');
  if (status === 403) return t('forbidden');
  if (status >= 500) return t('err5xx');
  const key = `err${status}` as Key;
  return ['err400', 'err401', 'err404', 'err409', 'err413', 'err422', 'err429'].includes(key)
    ? t(key)
    : t('errOther');
}

export function Problem({ t, error }: { t: T; error: ApiError }) {
  if (notAvailable(error))
    return html`<p class="notice" role="status" data-status=${error.status}>${t('notAvailable')}</p>`;
  return html`<p class="error" role="alert" data-status=${error.status}>${errorText(t, error)}</p>`;
}

export function Show<V>({ t, load, children }: { t: T; load: Load<V>; children: (v: V) => unknown }) {
  if (load.state === 'loading') return html`<p class="muted" role="status">${t('loading')}</p>`;
  if (load.state === 'error') return html`<${Problem} t=${t} error=${load.error} />`;
  return children(load.value);
}

/**
 * An API error as one line: status, message and each field's message (e.g. the 422's missing BANTCH items).
 * When the console words the error's code (`address_erased`) or every field's problem itself (an import file's
 * problems; in Japanese, every request check's: `fieldErrorText`), those words replace the API's English.
 */
export function errorText(t: T, err: unknown): string {
  // fetch rejects with a TypeError when the server cannot be reached at all.
  if (!(err instanceof ApiError)) return t('errNetwork');
  const lang = t('lang') === 'en' ? 'en' : 'ja';
  // Worded by its code, the refusal says why itself: the status's generic advice (a 409's 「ほかの操作で状態が
  // 変わりました」) would mislead.
  if (err.code && hasValueLabel(lang, 'apiError', err.code))
    return `${t('refused')} (${err.status}): ${valueLabel(t, 'apiError', err.code)}`;
  const worded = err.fields.flatMap((f) => fieldErrorText(t, lang, f) ?? []);
  if (worded.length > 0 && worded.length === err.fields.length)
    return `${statusText(t, err.status)} (${err.status}): ${worded.join(' / ')}`;
  const fields = err.fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return `${statusText(t, err.status)} (${err.status}): ${err.message}${fields ? ` (${fields})` : ''}`;
}

export type Result = { ok: boolean; text: string } | undefined;

/** What a form that logs an activity on a lead takes (the lead page's full form, the call list's one click). */
export interface LogActivityProps {
  t: T;
  leadId: string;
  /** Who logs it: the signed-in owner (the API takes a person's from the token). */
  by: string;
  /** An open hand-off: the next contact can be planned with this one (a follow-up is the owner's). */
  owned: boolean;
  onDone: () => void;
}

/** The message under a form: a status for success, an alert for a refusal. */
export const Message = ({ result }: { result: Result }) =>
  result
    ? html`<p class=${result.ok ? 'ok' : 'error'} role=${result.ok ? 'status' : 'alert'}>${result.text}</p>`
    : '';

export const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`;
export const num = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : x.toLocaleString();
/**
 * A time as the person reads it: in this device's time zone (as the activity form's date-time field takes it),
 * to the minute. The API's times are UTC: cutting the ISO string showed a 13:00 JST deadline as 04:00.
 */
export const when = (iso: string | undefined | null): string => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
};

/**
 * After a form is sent: empty its fields that plan something once (`data-once`: the next contact), so the next
 * submit does not plan it again.
 */
export function clearOnce(form: HTMLFormElement): void {
  for (const input of form.querySelectorAll<HTMLInputElement>('input[data-once]')) input.value = '';
}

/** A time the rep works against (a deadline, a planned contact), marked 「超過」 once it has passed. */
export const DueTime = ({ t, at, now = Date.now() }: { t: T; at: string; now?: number }) =>
  html`${when(at)}${Date.parse(at) < now ? html` <strong class="late">${t('overdue')}</strong>` : ''}`;

/**
 * `GET /v1/ops/settings`: the summary's own type (shared/app/config-summary.ts), so the page and the route
 * cannot drift apart. Type-only imports: esbuild drops them, nothing of the server is bundled.
 */
export type Settings = ConfigSummary;
export type Owner = Settings['handoff']['owners'][number];
export type Phase = Settings['deals']['phases'][number];
export type Figures = Omit<Settings['reports']['targets']['months'][string], 'byChannel'>;
export type { BehaviourRule, BusinessWindow, Clock, FitRule, SequenceEntry, SequenceStep };

/** A team's name from the settings (marketing ops' words), else its id. */
export const teamName = (s: Settings | undefined, id: string): string =>
  s?.handoff.teams.find((team) => team.teamId === id)?.name ?? id;

/** A form's name from the settings (marketing ops' words), else its id. */
export const formName = (s: Settings | undefined, id: string): string =>
  s?.forms?.find((f) => f.id === id)?.name ?? id;

/** A sequence's name from the settings (marketing ops' words), else its id. */
export const sequenceName = (s: Settings | undefined, id: string): string =>
  s?.sequences?.find((q) => q.id === id)?.name ?? id;

/** An owner's name from the settings (「高橋 誠」), else the id (an owner removed from config since). */
/**
 * A person by name: a sales owner by owner id, else one of the console's people (marketing, administrators,
 * who act under their e-mail: an opt-out they recorded), else the id as it came.
 */
export const ownerName = (s: Settings | undefined, id: string): string =>
  s?.handoff.owners.find((o) => o.ownerId === id)?.name ??
  s?.people?.find((p) => p.email.toLowerCase() === id.toLowerCase())?.name ??
  id;

/** A scoring rule's label from the settings (marketing ops' words), else its id. */
export const ruleLabel = (s: Settings | undefined, id: string): string =>
  [...(s?.scoring?.fit.rules ?? []), ...(s?.scoring?.behaviour.rules ?? [])].find((r) => r.id === id)
    ?.label ?? id;

/** A template's subject in its default locale: what marketing ops recognise it by. */
export const templateSubject = (template: Settings['templates'][number]): string | undefined => {
  const subject = (template.locales[template.defaultLocale] as { subject?: unknown } | undefined)?.subject;
  if (typeof subject !== 'string' || subject === '') return undefined;
  // A variable with a fallback (`{{webinar.title | "セミナー"}}`) reads as its fallback; one without as «name».
  return subject
    .replace(
      /\{\{\{?\s*[^{}|]*\|\s*(?:"([^"]*)"|'([^']*)')\s*\}?\}\}/g,
      (_m, d1?: string, d2?: string) => d1 ?? d2 ?? '',
    )
    .replace(/\{\{\{?\s*([^{}|]*?)\s*\}?\}\}/g, '«$1»');
};

/** A template's subject by its id (what a mail is recognised by), else the id. */
export const subjectOf = (s: Settings | undefined, templateId: string): string => {
  const template = s?.templates.find((tp) => tp.id === templateId);
  return (template && templateSubject(template)) ?? templateId;
};

/** The settings route, read once per page load (owners for pickers, deal phases). */
let settingsPromise: Promise<Settings> | undefined;
export function useSettings(): Settings | undefined {
  const [value, setValue] = useState<Settings | undefined>();
  useEffect(() => {
    settingsPromise ??= api<Settings>('GET', '/v1/ops/settings').catch((e) => {
      settingsPromise = undefined;
      throw e;
    });
    let live = true;
    settingsPromise.then((s) => live && setValue(s)).catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return value;
}

/** The consent bases as the import's and the entry's pickers list them: a business card first. */
export const CONSENT_CHOICES = ['business_card', 'form', 'existing_relationship', 'none'] as const;

/** The owners as a picker's options, by name under their team (the import's and the entry's 「担当者に割り当て」). */
export const ownerOptions = (settings: Settings | undefined, selected = '') =>
  (settings?.handoff.teams ?? []).map(
    (team) =>
      html`<optgroup label=${team.name}>${settings?.handoff.owners
        .filter((o) => o.team === team.teamId)
        .map(
          (o) => html`<option value=${o.ownerId} selected=${o.ownerId === selected}>${o.name}</option>`,
        )}</optgroup>`,
  );

/** The sales owner the signed-in person is (matched by e-mail, as the API does), if any. */
export const ownerOf = (settings: Settings | undefined, session: Session): Owner | undefined =>
  settings?.handoff.owners.find((o) => o.email.toLowerCase() === session.email.toLowerCase());

/**
 * Saves `data` as a file (CSV downloads): a Blob link clicked once. Pass a server's CSV as its bytes
 * (`response.arrayBuffer()`), not as text: `response.text()` drops the UTF-8 BOM, without which Excel in
 * Japan reads the file as Shift_JIS.
 */
export function saveFile(name: string, data: string | ArrayBuffer, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
