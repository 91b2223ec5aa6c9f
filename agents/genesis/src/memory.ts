// What the agent remembers between runs (state.json), its genes (strategy.json) and its
// one-line-per-run reasoning trace (trace.log, kept under a size bound).
import { appendFileSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseStrategy, type Strategy } from './strategy.js';

export interface State {
  agent_id: string;
  runs: number;
  last_spawn_run: number | null;
  children: string[];
  greeted_parent: boolean;
  profile: string;
  last_bid: { amount: number; cycle: number; bid_id: string } | null;
  last_balance: number | null;
  /** Per child: its run count when last seen, and for how many of our runs it has not grown. */
  kin: Record<string, { executions: number; stalled: number }>;
}

const TRACE_BYTES_MAX = 64 * 1024;

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Written to a temp file and renamed, so a killed run never leaves half a file. */
function writeJson(path: string, value: unknown): void {
  writeFileSync(path + '.tmp', JSON.stringify(value, null, 2) + '\n');
  renameSync(path + '.tmp', path);
}

export function freshState(agent_id: string): State {
  return { agent_id, runs: 0, last_spawn_run: null, children: [], greeted_parent: false, profile: '', last_bid: null, last_balance: null, kin: {} };
}

/** A state copied from a parent (spawn with copy_self) belongs to the parent: start afresh. */
export function loadState(dir: string, agent_id: string): State {
  const raw = readJson(join(dir, 'state.json')) as Partial<State> | null;
  if (raw === null || raw.agent_id !== agent_id) return freshState(agent_id);
  return {
    ...freshState(agent_id),
    ...raw,
    children: Array.isArray(raw.children) ? raw.children.map(String) : [],
    kin: raw.kin !== null && typeof raw.kin === 'object' ? raw.kin : {},
  };
}

export function saveState(dir: string, state: State): void {
  writeJson(join(dir, 'state.json'), state);
}

export function loadStrategy(dir: string): Strategy {
  return parseStrategy(readJson(join(dir, 'strategy.json')));
}

export function saveStrategy(dir: string, strategy: Strategy): void {
  writeJson(join(dir, 'strategy.json'), strategy);
}

/** Appends one line; past TRACE_BYTES_MAX the older half is dropped. */
export function trace(dir: string, line: string): void {
  const path = join(dir, 'trace.log');
  appendFileSync(path, line.replace(/\n/g, ' ').slice(0, 2000) + '\n');
  if (existsSync(path) && statSync(path).size > TRACE_BYTES_MAX) {
    const text = readFileSync(path, 'utf8');
    const kept = text.slice(text.length - TRACE_BYTES_MAX / 2);
    writeFileSync(path, kept.slice(kept.indexOf('\n') + 1));
  }
}
