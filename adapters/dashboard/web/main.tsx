import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { call, onSignedOut, session } from './api.js';
import { SessionContext, type Scope, type Session } from './context.js';
import { Badge } from './parts/ui.js';
import { LiveStream, type StreamState } from './stream.js';
import { Backtests } from './views/backtests.js';
import { Fleet } from './views/fleet.js';
import { Reviews } from './views/reviews.js';
import { System } from './views/system.js';
import { Trader } from './views/trader.js';
import './styles.css';

const THEME_KEY = 'botv3.theme';

/** Light or dark, as chosen (kept in local storage), else as the system prefers. */
function applyTheme(theme: 'light' | 'dark') {
  document.documentElement.dataset.theme = theme;
  localStorage.setItem(THEME_KEY, theme);
  document.dispatchEvent(new Event('themechange'));
}
const initialTheme = (localStorage.getItem(THEME_KEY) as 'light' | 'dark' | null) ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
document.documentElement.dataset.theme = initialTheme;

/** The view of the location's hash: `#/trader/ID`, `#/reviews`, …; the fleet by default. */
function useRoute(): string[] {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
}

function SignIn({ onSignedIn, error }: { onSignedIn: (token: string) => void; error?: string }) {
  const [token, setToken] = useState('');
  return (
    <form
      class="signin card"
      onSubmit={(e) => {
        e.preventDefault();
        onSignedIn(token.trim());
      }}
    >
      <h1>BOT Trading v3</h1>
      <label>
        API token
        <input type="password" name="token" autocomplete="off" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} required />
      </label>
      <button type="submit">Sign in</button>
      {error && <p class="error">{error}</p>}
      <p class="note"><code>botv3 start</code> prints an admin token at its first start; create more with <code>botv3 tokens create --name NAME --scopes read</code>. The token is kept in this tab only.</p>
    </form>
  );
}

function App() {
  const [who, setWho] = useState<{ name: string; scopes: Scope[] }>();
  const [error, setError] = useState<string>();
  const [theme, setTheme] = useState(initialTheme);
  const [notices, setNotices] = useState<{ id: number; text: string; kind: 'error' | 'info' }[]>([]);
  const [streamState, setStreamState] = useState<StreamState>('connecting');
  const route = useRoute();

  const signIn = (token: string) => {
    session.signIn(token);
    call<{ name: string; scopes: Scope[] }>('GET', '/session').then(setWho, (e: Error) => {
      session.signOut();
      setError(e.message);
    });
  };
  useEffect(() => {
    const token = session.token();
    if (token) signIn(token);
    return onSignedOut(() => {
      setWho(undefined);
      setError('the token was refused: sign in again');
    });
  }, []);

  const shared = useMemo<Session | undefined>(() => {
    if (!who) return undefined;
    const stream = new LiveStream();
    stream.onState(setStreamState);
    let next = 0;
    const notify = (text: string, kind: 'error' | 'info' = 'error') => {
      const id = next++;
      setNotices((before) => [...before.slice(-4), { id, text, kind }]);
      setTimeout(() => setNotices((before) => before.filter((n) => n.id !== id)), kind === 'error' ? 10_000 : 4_000);
    };
    return { ...who, stream, notify };
  }, [who]);
  useEffect(() => () => shared?.stream.close(), [shared]);

  const switchTheme = () => {
    const next = theme === 'dark' ? 'light' : 'dark';
    setTheme(next);
    applyTheme(next);
  };
  if (!shared) return <SignIn onSignedIn={signIn} error={error} />;
  const [view = 'fleet', id] = route;
  const nav = [['fleet', 'Fleet'], ['reviews', 'Reviews'], ['system', 'System'], ['backtests', 'Backtests']];
  return (
    <SessionContext.Provider value={shared}>
      <nav>
        <b class="brand">botv3</b>
        {nav.map(([href, label]) => <a key={href} href={`#/${href}`} class={view === href ? 'current' : ''}>{label}</a>)}
        <span class="spacer" />
        <Badge text={streamState} />
        <button aria-label="theme" onClick={switchTheme}>{theme === 'dark' ? 'light' : 'dark'}</button>
        <span class="who">{shared.name}</span>
        <button onClick={() => (session.signOut(), setWho(undefined))}>sign out</button>
      </nav>
      <div class="notices" role="status">
        {notices.map((n) => <p key={n.id} class={n.kind}>{n.text}</p>)}
      </div>
      <main data-view={view}>
        {view === 'trader' && id ? <Trader key={id} id={id} /> : view === 'reviews' ? <Reviews /> : view === 'system' ? <System /> : view === 'backtests' ? <Backtests /> : <Fleet />}
      </main>
    </SessionContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
