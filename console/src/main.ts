import htm from 'htm';
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, type Session, signIn, signOut } from './api.ts';
import { initialLang, type Lang, saveLang, type T, translate } from './i18n.ts';
import { ImportPage } from './import.ts';
import { LeadPage } from './lead.ts';
import { DashboardPage, SettingsPage } from './pages.ts';
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

function SignIn({ t, onSession }: { t: T; onSession: (s: Session) => void }) {
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    try {
      onSession(await signIn(String(form.get('username')), String(form.get('password'))));
    } catch (err) {
      setError(`${t('signInFailed')}: ${(err as Error).message}`);
    }
  };
  return html`<main>
    <section class="card">
      <h2>${t('signIn')}</h2>
      <form class="stack" onSubmit=${submit}>
        <label>${t('username')}<input name="username" autocomplete="username" required /></label>
        <label>${t('password')}<input name="password" type="password" autocomplete="current-password" required /></label>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <button class="primary" type="submit">${t('signIn')}</button>
      </form>
    </section>
  </main>`;
}

function App() {
  const [lang, setLang] = useState<Lang>(initialLang());
  const [session, setSession] = useState<Session | undefined>(currentSession());
  const [path, setPath] = useState(route());
  const t = translate(lang);
  useEffect(() => {
    const onHash = () => setPath(route());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    saveLang(lang);
    document.title = t('title');
  }, [lang]);

  const toggle = html`<button type="button" onClick=${() => setLang(lang === 'ja' ? 'en' : 'ja')} lang=${lang === 'ja' ? 'en' : 'ja'}>${t('language')}</button>`;
  if (!session) {
    return html`<header><h1>${t('title')}</h1><span class="spacer"></span>${toggle}</header>
      <${SignIn} t=${t} onSession=${(s: Session) => {
        setSession(s);
        location.hash = s.groups.includes('sales') ? '#/calls' : '#/dashboard';
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
  else if (page === 'settings') body = html`<${SettingsPage} t=${t} />`;
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
      <span>${t('signedInAs')}: ${session.name} (${session.groups.join(', ')})</span>
      ${toggle}
      <button type="button" onClick=${() => {
        signOut();
        setSession(undefined);
      }}>${t('signOut')}</button>
    </header>
    <main id="main">${body}</main>`;
}

render(html`<${App} />`, document.getElementById('app') as HTMLElement);
