import { useState } from 'preact/hooks';
import {
  type EntryAssignment,
  MAX_ENTRY_VALUE_LENGTH,
  MAX_MESSAGE_LENGTH,
  PHONE_PATTERN,
} from '#domain/capture/entry-rules';
import { api, newId, type Session } from './api.ts';
import { fill, type T, valueLabel } from './i18n.ts';
import {
  CONSENT_CHOICES,
  errorText,
  html,
  ownerName,
  ownerOf,
  ownerOptions,
  useSettings,
  when,
} from './ui.ts';

/** What `POST /v1/ops/leads` answers (functions/ops-lead-create/handler.ts). */
interface EntryAnswer {
  leadId: string;
  created: boolean;
  assignment?: EntryAssignment;
}

/** The channels a person enters a lead from (`ENTRY_CHANNELS` but `import`, which is the import page's). */
const CHANNELS = ['event', 'webinar', 'outbound', 'referral', 'partner', 'inbound_phone', 'inbound_web'];
/** The attributes asked for, in the order of a business card. */
const FIELDS = ['company', 'department', 'title', 'lastName', 'firstName', 'phone'] as const;

type Outcome = { ok: true; answer: EntryAnswer } | { ok: false; text: string };

/**
 * 「リードを登録」: a lead that did not come through a form (a business card, a phone inquiry, a referral), entered
 * by sales or marketing through `POST /v1/ops/leads`: the capture's write path (the address normalized and
 * de-duplicated, an existing lead updated), the consent basis recorded, and with an owner, handed off to them.
 * 「問い合わせ・デモ依頼」 (`inquiry`) hands it off as an inquiry form's lead: the inquiry route's short clocks, to
 * the owner chosen or else the inquiry route's team.
 * The fields state the entry's limits (required, lengths, the phone's characters), so the browser refuses a
 * bad value before it is sent. One `Idempotency-Key` per filled-in form: a second click or a retry after a
 * lost answer is the same entry, not a second one.
 */
export function NewLeadPage({ t, session }: { t: T; session: Session }) {
  const settings = useSettings();
  const me = ownerOf(settings, session);
  const [key, setKey] = useState(newId);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? '').trim();
    const attributes = Object.fromEntries(
      [...FIELDS, 'message'].map((f) => [f, value(f)]).filter(([, v]) => v !== ''),
    );
    const body = {
      email: value('email'),
      attributes,
      channel: value('channel'),
      source: value('source'),
      consentBasis: value('consentBasis'),
      ...(value('owner') ? { ownerId: value('owner') } : {}),
      ...(form.get('inquiry') === 'on' ? { inquiry: true } : {}),
    };
    setBusy(true);
    setOutcome(undefined);
    try {
      const answer = await api<EntryAnswer>('POST', '/v1/ops/leads', body, { 'idempotency-key': key });
      setOutcome({ ok: true, answer });
      // The next card is a new entry, on an empty form (a new key remounts it with its defaults: the choices
      // asked for again, the rep as owner; a form reset would pick each list's first option instead).
      setKey(newId());
    } catch (err) {
      setOutcome({ ok: false, text: errorText(t, err) });
    } finally {
      setBusy(false);
    }
  };
  const choose = html`<option value="" disabled selected>${t('chooseOne')}</option>`;
  return html`<section class="card" aria-labelledby="h-new-lead"><h2 id="h-new-lead">${t('newLead')}</h2>
    <p class="muted">${t('newLeadIntro')}</p>
    <form class="stack" onSubmit=${submit} data-form="new-lead" key=${key}>
      <label>${valueLabel(t, 'attribute', 'email')}<input name="email" inputmode="email" autocomplete="off" maxLength="254" required /></label>
      ${FIELDS.map(
        (f) =>
          html`<label>${valueLabel(t, 'attribute', f)}<input name=${f} type=${f === 'phone' ? 'tel' : 'text'} pattern=${f === 'phone' ? PHONE_PATTERN : undefined} autocomplete="off" maxLength=${MAX_ENTRY_VALUE_LENGTH} /></label>`,
      )}
      <label>${t('entryMemo')}<textarea name="message" rows="3" maxLength=${MAX_MESSAGE_LENGTH}></textarea></label>
      <label>${t('channel')}<select name="channel" required>${choose}${CHANNELS.map(
        (c) =>
          html`<option value=${c}>${c === 'referral' ? t('referralEntry') : valueLabel(t, 'channel', c)}</option>`,
      )}</select></label>
      <label>${t('source')}<input name="source" placeholder=${t('sourcePlaceholder')} maxLength=${MAX_ENTRY_VALUE_LENGTH} required /></label>
      <label>${t('consentBasis')}<select name="consentBasis" required aria-describedby="consent-hint">${choose}${CONSENT_CHOICES.map(
        (c) => html`<option value=${c}>${valueLabel(t, 'basis', c)}</option>`,
      )}</select></label>
      <p class="muted" id="consent-hint">${t('consentHint')}</p>
      <label>${t('importOwner')}<select name="owner"><option value="">${t('noImportOwner')}</option>${ownerOptions(settings, me?.ownerId)}</select></label>
      <label class="check"><input type="checkbox" name="inquiry" aria-describedby="inquiry-hint" />${t('entryInquiry')}</label>
      <p class="muted" id="inquiry-hint">${t('entryInquiryHint')}</p>
      <button class="primary" type="submit" disabled=${busy}>${t('enterLead')}</button>
    </form>
    ${busy && html`<p class="muted" role="status">${t('loading')}</p>`}
    ${outcome && !outcome.ok && html`<p class="error" role="alert">${outcome.text}</p>`}
    ${
      outcome?.ok &&
      html`<p class="ok" role="status" data-lead=${outcome.answer.leadId}>
        ${t(outcome.answer.created ? 'leadCreated' : 'leadUpdated')}
        ${assignmentText(t, settings, outcome.answer)}${' '}
        <a href=${`#/lead/${encodeURIComponent(outcome.answer.leadId)}`}>${t('openLead')}</a>
      </p>`
    }
  </section>`;
}

function assignmentText(t: T, settings: ReturnType<typeof useSettings>, answer: EntryAnswer): string {
  const a = answer.assignment;
  if (!a) return '';
  if ('skipped' in a) return t('leadNotAssigned');
  const owner = fill(t(a.already ? 'leadAlreadyOwned' : 'leadAssigned'), {
    name: ownerName(settings, a.ownerId),
  });
  // A new hand-off's deadlines, so whoever entered it knows by when the owner must accept and call.
  const due = a.already
    ? []
    : [
        ...(a.dueAt ? [`${t('dueAt')}: ${when(a.dueAt)}`] : []),
        ...(a.firstContactDueAt ? [`${t('firstContactDueAt')}: ${when(a.firstContactDueAt)}`] : []),
      ];
  return due.length ? owner + fill(t('handoffDeadlines'), { list: due.join(' · ') }) : owner;
}
