import { useState } from 'preact/hooks';
import { api } from './api.ts';
import type { T } from './i18n.ts';
import type { Lead } from './lead.ts';
import { errorText, html, Message, type Result, saveFile, when } from './ui.ts';

/**
 * 「個人情報の請求」 on the lead page, for administrators: the answers to a person's requests under Japan's
 * personal information act (個人情報保護法) without the CLI. A disclosure request gets everything stored about
 * the lead as one JSON file (`GET /v1/ops/leads/{leadId}/export`); an erasure request erases the lead
 * (`DELETE /v1/ops/leads/{leadId}` with the reason, kept on the erasure record). Erasing cannot be undone, so
 * the form asks for the lead's address typed again before it sends anything.
 */
export function PrivacyRequests({
  t,
  lead,
  onErased,
}: {
  t: T;
  lead: Lead;
  onErased: (erasedAt: string) => void;
}) {
  const [result, setResult] = useState<Result>();
  const [busy, setBusy] = useState(false);
  const path = `/v1/ops/leads/${encodeURIComponent(lead.leadId)}`;
  const download = async () => {
    setBusy(true);
    try {
      const document = await api<unknown>('GET', `${path}/export`);
      saveFile(`lead-${lead.leadId}.json`, JSON.stringify(document, null, 2), 'application/json');
      setResult({ ok: true, text: t('exported') });
    } catch (err) {
      setResult({ ok: false, text: errorText(t, err) });
    } finally {
      setBusy(false);
    }
  };
  const erase = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const typed = String(form.get('confirmEmail') ?? '').trim();
    if (typed.toLowerCase() !== lead.email.toLowerCase()) {
      setResult({ ok: false, text: t('eraseMismatch') });
      return;
    }
    setBusy(true);
    try {
      const answer = await api<{ erasedAt: string }>('DELETE', path, {
        reason: String(form.get('reason') ?? '').trim(),
      });
      onErased(answer.erasedAt);
    } catch (err) {
      setResult({ ok: false, text: errorText(t, err) });
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="card" aria-labelledby="h-privacy" data-testid="privacy"><h2 id="h-privacy">${t('privacyRequests')}</h2>
    <p class="muted">${t('privacyHint')}</p>
    <div class="buttons"><button type="button" class="secondary" onClick=${download} disabled=${busy}>${t('exportData')}</button></div>
    <details><summary>${t('eraseLead')}</summary>
      <form class="stack" onSubmit=${erase} data-form="erase">
        <label>${t('eraseReason')}<input name="reason" required maxLength="500" placeholder=${t('eraseReasonPlaceholder')} /></label>
        <label>${t('eraseConfirm')}<input name="confirmEmail" required autocomplete="off" /></label>
        <div class="buttons"><button type="submit" class="danger" disabled=${busy}>${t('eraseLead')}</button></div>
      </form>
    </details>
    <${Message} result=${result} />
  </section>`;
}

/** What the lead page shows once the lead is erased: nothing of it is left to show. */
export const ErasedNotice = ({ t, erasedAt }: { t: T; erasedAt: string }) =>
  html`<section class="card" role="status" data-testid="erased"><h2>${t('leadErased')}</h2>
    <p>${t('leadErasedText')}</p>
    <p class="muted">${t('at')}: ${when(erasedAt)}</p>
    <p><a href="#/leads">${t('backToLeads')}</a></p>
  </section>`;
