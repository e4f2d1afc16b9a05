import { useState } from 'preact/hooks';
import { confirmForgotPassword, forgotPassword, SignInError } from './api.ts';
import type { T } from './i18n.ts';
import { signInMessage } from './sign-in-errors.ts';
import { html } from './ui.ts';

/** The new password typed twice, or undefined when the two differ (and the mismatch is said). */
export function chosenPassword(form: FormData, t: T, say: (message: string) => void): string | undefined {
  const password = String(form.get('newPassword'));
  if (password === String(form.get('confirmPassword'))) return password;
  say(t('passwordsDiffer'));
  return undefined;
}

/**
 * A forgotten password (Cognito's ForgotPassword → ConfirmForgotPassword): the user name, then the code the mail
 * brought with a new password. Cognito answers the same whether or not the name exists, and so does this page.
 */
export function PasswordReset({
  t,
  onDone,
  onCancel,
}: {
  t: T;
  onDone: (username: string) => void;
  onCancel: () => void;
}) {
  const [username, setUsername] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async (step: () => Promise<void>) => {
    setBusy(true);
    setError('');
    try {
      await step();
    } catch (err) {
      const type = err instanceof SignInError ? err.type : '';
      setError(
        type === 'CodeMismatchException'
          ? t('resetCodeMismatch')
          : type === 'ExpiredCodeException'
            ? t('resetCodeExpired')
            : signInMessage(t, err),
      );
    } finally {
      setBusy(false);
    }
  };
  const send = (e: Event) => {
    e.preventDefault();
    const name = String(new FormData(e.target as HTMLFormElement).get('username') ?? '').trim();
    void run(async () => {
      await forgotPassword(name);
      setUsername(name);
    });
  };
  const reset = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const password = chosenPassword(form, t, setError);
    if (password === undefined) return;
    void run(async () => {
      await confirmForgotPassword(username, String(form.get('code') ?? '').trim(), password);
      onDone(username);
    });
  };
  const alert = error && html`<p class="error" role="alert">${error}</p>`;
  const back = html`<button type="button" class="link" onClick=${onCancel}>${t('backToSignIn')}</button>`;
  if (!username)
    return html`<main key="forgot">
      <section class="card">
        <h2>${t('resetTitle')}</h2>
        <p>${t('resetIntro')}</p>
        <form class="stack" onSubmit=${send}>
          <label>${t('username')}<input name="username" autocomplete="username" required /></label>
          ${alert}
          <button class="primary" type="submit" disabled=${busy}>${t('sendCode')}</button>
        </form>
        ${back}
      </section>
    </main>`;
  return html`<main key="reset">
    <section class="card">
      <h2>${t('resetTitle')}</h2>
      <p role="status">${t('resetCodeSent')}</p>
      <form class="stack" onSubmit=${reset}>
        <input type="hidden" name="username" autocomplete="username" value=${username} />
        <label>${t('resetCode')}<input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required /></label>
        <label>${t('newPassword')}<input name="newPassword" type="password" autocomplete="new-password" minlength="12" required /></label>
        <label>${t('confirmPassword')}<input name="confirmPassword" type="password" autocomplete="new-password" minlength="12" required /></label>
        ${alert}
        <button class="primary" type="submit" disabled=${busy}>${t('resetPassword')}</button>
      </form>
      ${back}
    </section>
  </main>`;
}
