// The heritable part of an agent: a handful of numbers in strategy.json. A child gets its
// parent's numbers, each mutated (log-normal noise, clamped to bounds), so a lineage explores
// how hard to bid, how much to keep, when to spawn and how much to give.
import type { Rng } from './rng.js';

interface Gene {
  min: number;
  max: number;
  /** Whole numbers only. */
  int?: boolean;
  why: string;
}

export const GENES = {
  cpu_s: { min: 0.2, max: 4, why: 'CPU-seconds bought per run' },
  memory_mb: { min: 96, max: 512, int: true, why: 'MB of memory bought per run (a run of this agent peaks near 50)' },
  lease_s: { min: 2, max: 60, int: true, why: 'seconds of running bought per run' },
  bid_markup: { min: 0, max: 3, why: 'bid = reserve value x (1 + bid_markup) when there is spare money' },
  risk: { min: 0, max: 1, why: 'how much more to bid when the market is busy or the last bid lost' },
  reserve_runs: { min: 1, max: 20, int: true, why: 'runs worth of credits kept back from markups' },
  bid_ttl_cycles: { min: 20, max: 1000, int: true, why: 'how long a bid waits in the queue (an agent whose bid expires unserved can never bid again)' },
  spawn_threshold: { min: 10, max: 2000, why: 'credits above which to spawn' },
  spawn_share: { min: 0.05, max: 0.6, why: 'share of the balance given to a child' },
  spawn_every_runs: { min: 1, max: 50, int: true, why: 'runs between two spawns' },
  attention_threshold: { min: 20, max: 5000, why: 'credits above which to bid for the human\u2019s attention' },
  attention_rate: { min: 0, max: 0.5, why: 'chance per run of asking for attention when rich' },
  replies_per_run: { min: 0, max: 10, int: true, why: 'most messages answered per run' },
  mutation: { min: 0.02, max: 0.6, why: 'spread of the mutations passed to children' },
  // How often each kind of prompt is put to the human (human.ts): drawn in proportion, moved by
  // the operator's scores, inherited by children (so what the human rewarded is passed on).
  ask_report: { min: 0.01, max: 10, why: 'weight of status reports among prompts to the human' },
  ask_question: { min: 0.01, max: 10, why: 'weight of questions among prompts to the human' },
  ask_offer: { min: 0.01, max: 10, why: 'weight of offers among prompts to the human' },
  ask_plan: { min: 0.01, max: 10, why: 'weight of plans among prompts to the human' },
  // The tool this agent publishes as an artifact and how it buys others' (artifacts.ts).
  tool_kind: { min: 0.1, max: 1.9, why: 'which tool it publishes: below 1 a price forecaster, from 1 a bid advisor' },
  tool_price: { min: 0.001, max: 0.5, why: 'credits it charges per call of its tool' },
  tool_window: { min: 2, max: 40, int: true, why: 'price points its tool looks back over (the trend fit and its smoothing)' },
  tool_markup: { min: 0, max: 1, why: 'the markup over the forecast value its bid advisor recommends' },
  tool_budget: { min: 0.002, max: 1, why: 'most credits it pays for one call of another agent\u2019s tool' },
  tool_call_rate: { min: 0, max: 1, why: 'chance per run of consulting another agent\u2019s tool before bidding' },
  tool_update_runs: { min: 1, max: 50, int: true, why: 'runs between new versions of its tool with fresh market history' },
} as const satisfies Record<string, Gene>;

export type GeneName = keyof typeof GENES;
export type Strategy = { version: 1 } & Record<GeneName, number>;

export const DEFAULT_STRATEGY: Strategy = {
  version: 1,
  cpu_s: 0.5,
  memory_mb: 96,
  lease_s: 10,
  bid_markup: 0.2,
  risk: 0.3,
  reserve_runs: 4,
  bid_ttl_cycles: 120,
  spawn_threshold: 30,
  spawn_share: 0.12,
  spawn_every_runs: 3,
  attention_threshold: 300,
  attention_rate: 0.25,
  replies_per_run: 3,
  mutation: 0.25,
  ask_report: 1,
  ask_question: 1,
  ask_offer: 1,
  ask_plan: 1,
  tool_kind: 0.9,
  tool_price: 0.01,
  tool_window: 8,
  tool_markup: 0.15,
  tool_budget: 0.05,
  tool_call_rate: 0.5,
  tool_update_runs: 4,
};

function clampGene(name: GeneName, value: number): number {
  const gene: Gene = GENES[name];
  const clamped = Math.min(gene.max, Math.max(gene.min, value));
  return gene.int === true ? Math.round(clamped) : Number(clamped.toPrecision(4));
}

/** Reads a strategy from parsed JSON: unknown keys ignored, missing or bad values defaulted, all clamped. */
export function parseStrategy(raw: unknown): Strategy {
  const source = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const out: Strategy = { ...DEFAULT_STRATEGY };
  for (const name of Object.keys(GENES) as GeneName[]) {
    const value = source[name];
    out[name] = clampGene(name, typeof value === 'number' && Number.isFinite(value) ? value : DEFAULT_STRATEGY[name]);
  }
  return out;
}

/** A child's strategy: every gene multiplied by exp(N(0, mutation)), then clamped. */
export function mutate(parent: Strategy, rng: Rng): Strategy {
  const child: Strategy = { ...parent };
  for (const name of Object.keys(GENES) as GeneName[]) {
    const factor = Math.exp(rng.normal() * parent.mutation);
    // A gene at zero would stay there under multiplication: nudge it by a share of its range.
    const base = parent[name] === 0 ? (GENES[name].max - GENES[name].min) * 0.05 * rng.next() : parent[name];
    child[name] = clampGene(name, base * factor);
  }
  return child;
}

export function describeStrategy(s: Strategy): string {
  return `markup ${s.bid_markup}, risk ${s.risk}, keep ${s.reserve_runs} runs, spawn above ${s.spawn_threshold} giving ${Math.round(s.spawn_share * 100)}%`;
}
