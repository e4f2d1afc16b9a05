import htm from 'htm';
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  answerCode,
  currentSession,
  loadConfig,
  SESSION_ENDED,
  type Session,
  SignInError,
  type SignInStep,
  setNewPassword,
  signIn,
  signOut,
} from './api.ts';
import { initialLang, type Lang, saveLang, type T, translate, valueLabel } from './i18n.ts';
import { ImportPage } from './import.ts';
import { LeadPage } from './lead.ts';
import { NewLeadPage } from './new-lead.ts';
import { DashboardPage, SettingsPage } from './pages.ts';
import { chosenPassword, PasswordReset } from './password-reset.ts';
import { SecurityPage, TotpSetupForm } from './security.ts';
import { signInMessage } from './sign-in-errors.ts';
import { CallListPage, LeadsPage } from './work.ts';
import './style.css';

const html = htm.bind(h);

/** Pages, who sees them in the menu (the API decides what each role may do; the menu only follows it). */
const PAGES = [
  { id: 'dashboard', key: 'dashboard', roles: ['admin', 'marketing'] },
  { id: 'leads', key: 'leads', roles: ['admin', 'marketing', 'sales'] },
  { id: 'calls', key: 'callList', roles: ['admin', 'sales'] },
  { id: 'import', key: 'import', roles: ['admin', 'marketing'] },
  { id: 'settings', key: 'settings', roles: ['admin', 'marketing', 'sales'] },
] as const;

const route = () => location.hash.replace(/^#\/?/, '');

function SignIn({ t, notice, onSession }: { t: T; notice: string; onSession: (s: Session) => void }) {
  const [error, setError] = useState(notice);
  const [info, setInfo] = useState('');
  const [forgot, setForgot] = useState(false);
  const [step, setStep] = useState<SignInStep | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const done = (result: Session | SignInStep | undefined) => {
    if (!result) return;
    if ('challenge' in result) {
      setError('');
      setStep(result);
    } else onSession(result);
  };
  const failed = (err: unknown) => {
    setError(signInMessage(t, err));
    // An expired step cannot be answered again: back to the first form.
    if (err instanceof SignInError && err.type === 'NotAuthorizedException') setStep(undefined);
  };
  const attempt = async (answer: () => Promise<Session | SignInStep>) => {
    setBusy(true);
    setError('');
    try {
      done(await answer());
    } catch (err) {
      failed(err);
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    void attempt(() => signIn(String(form.get('username')), String(form.get('password'))));
  };
  const submitNew = (e: Event) => {
    e.preventDefault();
    const password = chosenPassword(new FormData(e.target as HTMLFormElement), t, setError);
    if (step && password !== undefined) void attempt(() => setNewPassword(step, password));
  };
  const submitCode = (e: Event) => {
    e.preventDefault();
    const code = String(new FormData(e.target as HTMLFormElement).get('code') ?? '').trim();
    if (step) void attempt(() => answerCode(step, code));
  };
  const alert = error && html`<p class="error" role="alert">${error}</p>`;
  if (forgot)
    return html`<${PasswordReset}
      t=${t}
      onDone=${() => {
        setForgot(false);
        setError('');
        setInfo(t('resetDone'));
      }}
      onCancel=${() => setForgot(false)}
    />`;
  if (step?.challenge === 'NEW_PASSWORD_REQUIRED')
    return html`<main key="new-password">
      <section class="card">
        <h2>${t('newPasswordTitle')}</h2>
        <p>${t('newPasswordIntro')}</p>
        <form class="stack" onSubmit=${submitNew}>
          <input type="hidden" name="username" autocomplete="username" value=${step.username} />
          <label>${t('newPassword')}<input name="newPassword" type="password" autocomplete="new-password" minlength="12" required /></label>
          <label>${t('confirmPassword')}<input name="confirmPassword" type="password" autocomplete="new-password" minlength="12" required /></label>
          ${alert}
          <button class="primary" type="submit" disabled=${busy}>${t('setPassword')}</button>
        </form>
      </section>
    </main>`;
  if (step?.challenge === 'SOFTWARE_TOKEN_MFA')
    return html`<main key="code">
      <section class="card">
        <h2>${t('mfaTitle')}</h2>
        <form class="stack" onSubmit=${submitCode}>
          <label>${t('mfaCode')}<input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required /></label>
          <p class="muted">${t('mfaCodeIntro')}</p>
          ${alert}
          <button class="primary" type="submit" disabled=${busy}>${t('mfaVerify')}</button>
        </form>
      </section>
    </main>`;
  if (step?.challenge === 'MFA_SETUP')
    return html`<main key="setup">
      <section class="card">
        <h2>${t('mfaSetupTitle')}</h2>
        <p>${t('mfaSetupRequired')}</p>
        ${alert}
        <${TotpSetupForm} t=${t} account=${step.username} step=${step} onDone=${done} onError=${(
          err: unknown,
        ) => {
          if (err instanceof SignInError && err.type === 'NotAuthorizedException') failed(err);
        }} />
      </section>
    </main>`;
  return html`<main key="password">
    <section class="card">
      <h2>${t('signIn')}</h2>
      <form class="stack" onSubmit=${submit}>
        <label>${t('username')}<input name="username" autocomplete="username" required /></label>
        <label>${t('password')}<input name="password" type="password" autocomplete="current-password" required /></label>
        ${info && html`<p class="notice" role="status">${info}</p>`}
        ${alert}
        <button class="primary" type="submit" disabled=${busy}>${t('signIn')}</button>
      </form>
      <button type="button" class="link" onClick=${() => {
        setError('');
        setInfo('');
        setForgot(true);
      }}>${t('forgotPassword')}</button>
    </section>
  </main>`;
}

function App() {
  const [lang, setLang] = useState<Lang>(initialLang());
  const [session, setSession] = useState<Session | undefined>(currentSession());
  const [ended, setEnded] = useState(false);
  const [mfaRequired, setMfaRequired] = useState(false);
  useEffect(() => {
    loadConfig()
      .then((c) => setMfaRequired(c.mfa === 'required'))
      .catch(() => undefined);
  }, []);
  const [path, setPath] = useState(route());
  const t = translate(lang);
  useEffect(() => {
    const onHash = () => setPath(route());
    // The session ended by itself (its refresh token refused after a working day): sign in again, here.
    const onEnded = () => {
      setSession(undefined);
      setEnded(true);
    };
    addEventListener('hashchange', onHash);
    addEventListener(SESSION_ENDED, onEnded);
    return () => {
      removeEventListener('hashchange', onHash);
      removeEventListener(SESSION_ENDED, onEnded);
    };
  }, []);
  useEffect(() => {
    saveLang(lang);
    document.title = t('title');
  }, [lang]);

  const toggle = html`<button type="button" onClick=${() => setLang(lang === 'ja' ? 'en' : 'ja')} lang=${lang === 'ja' ? 'en' : 'ja'}>${t('language')}</button>`;
  if (!session) {
    return html`<header><h1>${t('title')}</h1><span class="spacer"></span>${toggle}</header>
      <${SignIn} t=${t} notice=${ended ? t('err401') : ''} onSession=${(s: Session) => {
        setSession(s);
        setEnded(false);
        // After a session that ended by itself, go on where the person was.
        if (!ended || !location.hash) location.hash = s.groups.includes('sales') ? '#/calls' : '#/dashboard';
      }} />`;
  }
  const visible = PAGES.filter((p) => p.roles.some((r) => session.groups.includes(r)));
  const [page = visible[0]?.id ?? 'leads', arg] = path.split('/');
  let body: unknown;
  if (page === 'lead' && arg)
    body = html`<${LeadPage} t=${t} leadId=${decodeURIComponent(arg)} session=${session} />`;
  else if (page === 'dashboard') body = html`<${DashboardPage} t=${t} />`;
  else if (page === 'calls') body = html`<${CallListPage} t=${t} session=${session} />`;
  else if (page === 'import') body = html`<${ImportPage} t=${t} />`;
  else if (page === 'new-lead') body = html`<${NewLeadPage} t=${t} session=${session} />`;
  else if (page === 'settings') body = html`<${SettingsPage} t=${t} />`;
  else if (page === 'security')
    body = html`<${SecurityPage} t=${t} session=${session} required=${mfaRequired} />`;
  else body = html`<${LeadsPage} t=${t} session=${session} />`;
  return html`<header>
      <h1>${t('title')}</h1>
      <nav aria-label=${t('mainNav')}>
        ${visible.map(
          (p) =>
            html`<a href=${`#/${p.id}`} aria-current=${page === p.id ? 'page' : undefined}>${t(p.key)}</a>`,
        )}
      </nav>
      <span class="spacer"></span>
      <a href="#/security" title=${t('security')} aria-current=${page === 'security' ? 'page' : undefined}>${t('signedInAs')}: ${session.name} (${session.groups.map((g) => valueLabel(t, 'role', g)).join(', ')})</a>
      ${toggle}
      <button type="button" onClick=${() => {
        void signOut();
        setSession(undefined);
      }}>${t('signOut')}</button>
    </header>
    <main id="main">${body}</main>`;
}

render(html`<${App} />`, document.getElementById('app') as HTMLElement);
