// The shell: login gate, navigation, the live connection that tells pages the world changed,
// and the route to the page on screen.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, setUnauthorizedHandler, token } from './api.js';
import { LiveTick, SummaryContext, useLoad, useRoute } from './hooks.js';
import { openStream, type StreamState } from './live.js';
import { AgentPage } from './pages/agent.js';
import { AgentsPage } from './pages/agents.js';
import { ArtifactsPage } from './pages/artifacts.js';
import { AttentionPage } from './pages/attention.js';
import { EventsPage } from './pages/events.js';
import { MarketPage } from './pages/market.js';
import { OverviewPage } from './pages/overview.js';
import { ResearchPage } from './pages/research.js';
import { ComparePage } from './pages/compare.js';
import { RequestsPage } from './pages/requests.js';
import type { Summary } from './types.js';

const PAGES = [
  { path: 'overview', title: 'World' },
  { path: 'market', title: 'Market' },
  { path: 'agents', title: 'Agents' },
  { path: 'attention', title: 'Attention' },
  { path: 'artifacts', title: 'Artifacts' },
  { path: 'requests', title: 'Requests' },
  { path: 'events', title: 'Events' },
  { path: 'kpis', title: 'KPIs' },
] as const;

function Login({ onLogin }: { onLogin: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    token.set(value.trim());
    try {
      await api<Summary>('/operator/summary');
      onLogin();
    } catch (err) {
      token.clear();
      setError(err instanceof ApiError && (err.status === 401 || err.status === 403) ? 'That is not the operator token of this world.' : (err as Error).message);
    }
  };
  return (
    <div class="login">
      <form onSubmit={submit} class="card">
        <h1>Agora</h1>
        <p class="muted">Operator dashboard. Paste the operator token that <code>agora start</code> printed (it is also in the world directory, <code>operator.token</code>).</p>
        <input type="password" name="token" placeholder="operator token" autoComplete="off" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} autoFocus />
        <button type="submit" disabled={value.trim() === ''}>Log in</button>
        {error && <p class="error">{error}</p>}
      </form>
    </div>
  );
}

function Header({ state, summary }: { state: StreamState; summary: Summary | null }) {
  return (
    <header class="topbar">
      {summary && (
        <span class="muted">
          world <code>{summary.world_id}</code> · cycle <b data-testid="header-cycle">{summary.cycle}</b>
        </span>
      )}
      <span class={`live ${state}`} title="live event stream">
        {state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : 'reconnecting…'}
      </span>
      <button
        class="link"
        onClick={() => {
          token.clear();
          location.reload();
        }}
      >
        log out
      </button>
    </header>
  );
}

function Shell() {
  const [tick, setTick] = useState(0);
  const [state, setState] = useState<StreamState>('connecting');
  useEffect(() => openStream({ onEvent: (e) => setTick(e.seq), onState: setState }), []);
  return (
    <LiveTick.Provider value={tick}>
      <Frame state={state} />
    </LiveTick.Provider>
  );
}

function Frame({ state }: { state: StreamState }) {
  const route = useRoute();
  const { data: summary } = useLoad((signal) => api<Summary>('/operator/summary', { signal }), [], { poll_ms: 15_000 });
  const page = route[0] ?? 'overview';
  let content;
  if (page === 'agents' && route[1] !== undefined) content = <AgentPage id={route[1]} />;
  else if (page === 'agents') content = <AgentsPage />;
  else if (page === 'market') content = <MarketPage />;
  else if (page === 'attention') content = <AttentionPage />;
  else if (page === 'artifacts') content = <ArtifactsPage {...(route[1] !== undefined ? { id: route[1] } : {})} />;
  else if (page === 'events') content = <EventsPage />;
  else if (page === 'kpis') content = <ResearchPage />;
  else if (page === 'requests') content = <RequestsPage />;
  else if (page === 'compare' && route[1] !== undefined) content = <ComparePage other={route[1]} />;
  else content = <OverviewPage />;

  return (
    <SummaryContext.Provider value={summary}>
    <div class="layout">
      <nav class="sidebar">
        <div class="sidebar-inner">
          <div class="brand">Agora</div>
          {PAGES.map((p) => (
            <a href={`#/${p.path}`} class={page === p.path ? 'active' : ''}>
              {p.title}
              {p.path === 'attention' && summary !== null && summary.prompts.pending > 0 && <span class="badge">{summary.prompts.pending}</span>}
              {p.path === 'requests' && summary?.requests !== undefined && summary.requests.pending > 0 && <span class="badge">{summary.requests.pending}</span>}
            </a>
          ))}
        </div>
      </nav>
      <div class="main">
        <Header state={state} summary={summary} />
        <main>{content}</main>
      </div>
    </div>
    </SummaryContext.Provider>
  );
}

export function App() {
  const [loggedIn, setLoggedIn] = useState(token.get() !== null);
  useEffect(() => setUnauthorizedHandler(() => {
    token.clear();
    setLoggedIn(false);
  }), []);
  return loggedIn ? <Shell /> : <Login onLogin={() => setLoggedIn(true)} />;
}
