// env.json, as the host writes it before every run (the host's schemas/env.schema.json is
// the contract). Only the fields this agent uses are read, each checked.
import { readFileSync } from 'node:fs';

export interface InboxMessage {
  id: string;
  from: string;
  content: string;
  timestamp: string;
}

export interface MarketQuote {
  price: number;
  utilization: number;
}

/** env.json's `artifacts`: what this agent owns and what its artifacts earned since its previous run. */
export interface EnvArtifacts {
  owned: { id: string; kind: string; name: string; latest_version: number; call_price: number; calls: number; successes: number; earned: number }[];
  earned_since_last_run: { calls: number; reads: number; settled_calls: number };
}

export interface Env {
  agent_id: string;
  execution_id: string;
  credits: number;
  system_time: string;
  bundle: { cpu: number; memory: number; tokens: number; attention: number };
  markets: Record<'cpu' | 'memory' | 'tokens' | 'attention', MarketQuote>;
  inbox: InboxMessage[];
  api: { url: string };
  lineage: string[];
  generation: number;
  /** The lease this run holds, seconds (null if not said). */
  lease_s?: number | null;
  /** null when the host says nothing about artifacts. */
  artifacts?: EnvArtifacts | null;
}

function need<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`env.json: missing ${what}`);
  return value;
}

const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`env.json: ${what} is not a number`);
  return v;
};
const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new Error(`env.json: ${what} is not a string`);
  return v;
};

export function readEnv(path: string): Env {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
  const markets = need(raw.markets, 'markets') as Record<string, any>;
  const quote = (r: string): MarketQuote => ({ price: num(markets[r]?.price, `markets.${r}.price`), utilization: num(markets[r]?.utilization ?? 0, `markets.${r}.utilization`) });
  const bundle = need(raw.bundle, 'bundle') as Record<string, unknown>;
  const inbox = Array.isArray(raw.inbox) ? raw.inbox : [];
  return {
    agent_id: str(raw.agent_id, 'agent_id'),
    execution_id: str(raw.execution_id, 'execution_id'),
    credits: num(raw.credits, 'credits'),
    system_time: str(raw.system_time, 'system_time'),
    bundle: { cpu: num(bundle.cpu, 'bundle.cpu'), memory: num(bundle.memory, 'bundle.memory'), tokens: num(bundle.tokens ?? 0, 'bundle.tokens'), attention: num(bundle.attention ?? 0, 'bundle.attention') },
    markets: { cpu: quote('cpu'), memory: quote('memory'), tokens: quote('tokens'), attention: quote('attention') },
    inbox: inbox
      .filter((m: any) => m && typeof m.id === 'string' && typeof m.from === 'string' && typeof m.content === 'string')
      .map((m: any) => ({ id: m.id, from: m.from, content: m.content, timestamp: String(m.timestamp ?? '') })),
    api: { url: str(need(raw.api, 'api').url, 'api.url') },
    lineage: Array.isArray(raw.lineage) ? raw.lineage.map(String) : [],
    generation: num(raw.generation ?? 0, 'generation'),
    lease_s: typeof raw.lease?.duration_s === 'number' ? raw.lease.duration_s : null,
    artifacts: readArtifacts(raw.artifacts),
  };
}

function readArtifacts(raw: any): EnvArtifacts | null {
  if (raw === null || typeof raw !== 'object' || !Array.isArray(raw.owned)) return null;
  const earned = raw.earned_since_last_run ?? {};
  return {
    owned: raw.owned
      .filter((a: any) => a && typeof a.id === 'string' && typeof a.kind === 'string')
      .map((a: any) => ({
        id: a.id,
        kind: a.kind,
        name: String(a.name ?? ''),
        latest_version: num(a.latest_version, 'artifacts.owned.latest_version'),
        call_price: num(a.call_price ?? 0, 'artifacts.owned.call_price'),
        calls: num(a.calls ?? 0, 'artifacts.owned.calls'),
        successes: num(a.successes ?? 0, 'artifacts.owned.successes'),
        earned: num(a.earned ?? 0, 'artifacts.owned.earned'),
      })),
    earned_since_last_run: { calls: num(earned.calls ?? 0, 'earned.calls'), reads: num(earned.reads ?? 0, 'earned.reads'), settled_calls: num(earned.settled_calls ?? 0, 'earned.settled_calls') },
  };
}
