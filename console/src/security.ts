import { useEffect, useState } from 'preact/hooks';
import { renderSVG } from 'uqr';
import {
  disableTotp,
  finishTotp,
  type Session,
  type SignInStep,
  startTotp,
  type TotpSetup,
  totpEnabled,
} from './api.ts';
import type { T } from './i18n.ts';
import { signInMessage } from './sign-in-errors.ts';
import { html } from './ui.ts';

/**
 * Two-step sign-in with an authenticator app (Cognito's software token, TOTP): the set-up form (QR code and
 * key, then the app's first code), used at sign-in when the pool requires it and on the Security page when a
 * person turns it on, and that page.
 */

/** The key as authenticator apps show it: groups of four. */
const grouped = (secret: string) => secret.replace(/(.{4})/g, '$1 ').trim();

/** What the app reads from the QR code: the issuer and the person, the key. */
const otpauthUri = (secret: string, account: string) =>
  `otpauth://totp/${encodeURIComponent(`Lead loop:${account}`)}?secret=${secret}&issuer=${encodeURIComponent('Lead loop')}`;

/**
 * Sets up an authenticator app: shows its QR code and key, then takes its first code. `step` is the sign-in's
 * `MFA_SETUP` (finishing signs in); without it the signed-in person turns two-step sign-in on.
 */
export function TotpSetupForm({
  t,
  account,
  step,
  onDone,
  onError,
}: {
  t: T;
  account: string;
  step?: SignInStep;
  onDone: (result: Session | SignInStep | undefined) => void;
  onError?: (err: unknown) => void;
}) {
  const [setup, setSetup] = useState<TotpSetup | undefined>(undefined);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    startTotp(step)
      .then(setSetup)
      .catch((err: unknown) => {
        setError(signInMessage(t, err));
        onError?.(err);
      });
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!setup) return;
    const code = String(new FormData(e.target as HTMLFormElement).get('code') ?? '').trim();
    setBusy(true);
    setError('');
    try {
      onDone(await finishTotp(setup, code));
    } catch (err) {
      setError(signInMessage(t, err));
      onError?.(err);
    } finally {
      setBusy(false);
    }
  };
  const qr = setup
    ? `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(otpauthUri(setup.secret, account), { border: 2 }))}`
    : '';
  return html`<div class="stack">
    <p>${t('mfaSetupIntro')}</p>
    ${
      setup &&
      html`<img class="qr" src=${qr} width="200" height="200" alt=${t('mfaQrAlt')} />
      <p>${t('mfaSecret')}: <code data-secret=${setup.secret}>${grouped(setup.secret)}</code></p>`
    }
    <form class="stack" onSubmit=${submit}>
      <label>${t('mfaCode')}<input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required /></label>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <button class="primary" type="submit" disabled=${busy || !setup}>${t('mfaVerify')}</button>
    </form>
  </div>`;
}

/** Security: whether the person's sign-in asks for an authenticator code; turn it on or off. */
export function SecurityPage({ t, session, required }: { t: T; session: Session; required: boolean }) {
  const [on, setOn] = useState<boolean | undefined>(undefined);
  const [adding, setAdding] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  useEffect(() => {
    totpEnabled()
      .then(setOn)
      .catch((err: unknown) => setMessage({ ok: false, text: signInMessage(t, err) }));
  }, []);
  const turnOff = async () => {
    try {
      await disableTotp();
      setOn(false);
      setMessage({ ok: true, text: t('mfaDisabled') });
    } catch (err) {
      setMessage({ ok: false, text: signInMessage(t, err) });
    }
  };
  return html`<section class="card">
    <h2>${t('security')}</h2>
    ${on === undefined && !message && html`<p class="muted" role="status">${t('loading')}</p>`}
    ${on !== undefined && html`<p data-mfa=${on ? 'on' : 'off'}>${on ? t('mfaOn') : t('mfaOff')}</p>`}
    ${message && html`<p class=${message.ok ? 'notice' : 'error'} role=${message.ok ? 'status' : 'alert'}>${message.text}</p>`}
    ${
      on === false &&
      !adding &&
      html`<button class="primary" type="button" onClick=${() => {
        setMessage(undefined);
        setAdding(true);
      }}>${t('mfaEnable')}</button>`
    }
    ${
      adding &&
      html`<${TotpSetupForm} t=${t} account=${session.email} onDone=${() => {
        setAdding(false);
        setOn(true);
        setMessage({ ok: true, text: t('mfaEnabled') });
      }} />`
    }
    ${
      on === true &&
      (required
        ? html`<p class="muted">${t('mfaRequired')}</p>`
        : html`<button type="button" onClick=${turnOff}>${t('mfaDisable')}</button>`)
    }
  </section>`;
}
