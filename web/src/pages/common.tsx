// Small pieces every page uses.
import type { ComponentChildren } from 'preact';

export function Stat({ label, value, sub, testid, title }: { label: string; value: ComponentChildren; sub?: ComponentChildren; testid?: string; title?: string }) {
  return (
    <div class="stat" data-testid={testid}>
      <div class="stat-label">{label}</div>
      <div class="stat-value" title={title}>{value}</div>
      {sub !== undefined && <div class="stat-sub">{sub}</div>}
    </div>
  );
}

export function Card({ title, children, actions, wide }: { title: string; children: ComponentChildren; actions?: ComponentChildren; wide?: boolean }) {
  return (
    <section class={`card${wide ? ' wide' : ''}`}>
      <div class="card-head">
        <h2>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

export function StatusDot({ status }: { status: string }) {
  return <span class={`dot ${status}`} title={status} />;
}

export function AgentLink({ id }: { id: string }) {
  return <a href={`#/agents/${encodeURIComponent(id)}`}>{id}</a>;
}

export function Loading({ error }: { error: string | null }) {
  return error !== null ? <p class="error">{error}</p> : <p class="muted">Loading…</p>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="muted empty">{children}</p>;
}

export const COLORS = { alive: '#2f9e44', dormant: '#e8a317', dead: '#868e96', minted: '#4263eb', rewarded: '#ae3ec9', burned: '#e03131', held: '#1c7ed6', running: '#0ca678', price: '#4263eb', utilization: '#f08c00' };
