// The ecosystem KPIs (docs/kpis.md): a registry of definitions, each a name, a one-line
// definition (docs/kpis.md is checked against these lines) and a function of the fold at a
// cycle's end. A new KPI is one more entry here, with the events it needs folded in fold.ts.
import type { EconomyFold } from './fold.js';

export interface KpiDefinition {
  name: string;
  /** One line: what it measures and how, as docs/kpis.md says it. */
  definition: string;
  /** null when the KPI is undefined this cycle (nothing to divide by). */
  compute(fold: EconomyFold): number | null;
}

/** Gini coefficient of non-negative values: 0 all equal, towards 1 one holds everything. */
export function gini(values: number[]): number | null {
  const n = values.length;
  const total = values.reduce((s, v) => s + v, 0);
  if (n === 0 || total === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  // G = Σ (2i − n − 1) x_i / (n Σ x), i from 1, sorted ascending.
  let weighted = 0;
  sorted.forEach((x, i) => (weighted += (2 * (i + 1) - n - 1) * x));
  return weighted / (n * total);
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Mean over pairs of the total variation distance between two agents' action mixes. Computed
 * per event type rather than per pair, so it stays n log n in the population (a thousand agents
 * are half a million pairs): the sum over pairs of |p_i - p_j| for one type is, with the shares
 * sorted ascending, the sum of p_(r) * (2r - n + 1); agents without the type hold share 0 and
 * sort first.
 */
export function specialization(mixes: Map<string, number>[]): number | null {
  const shares = new Map<string, number[]>();
  let n = 0;
  for (const mix of mixes) {
    let total = 0;
    for (const count of mix.values()) total += count;
    if (!(total > 0)) continue;
    n++;
    for (const [type, count] of mix) {
      if (count === 0) continue;
      const list = shares.get(type);
      if (list === undefined) shares.set(type, [count / total]);
      else list.push(count / total);
    }
  }
  if (n < 2) return null;
  let sum = 0;
  for (const list of shares.values()) {
    list.sort((a, b) => a - b);
    const zeros = n - list.length;
    for (let r = 0; r < list.length; r++) sum += list[r]! * (2 * (r + zeros) - n + 1);
  }
  return sum / 2 / ((n * (n - 1)) / 2);
}

/** Inverse Simpson index of the living agents' lineage branches (the root's child they descend from). */
export function lineageDiversity(branches: string[]): number | null {
  if (branches.length === 0) return null;
  const counts = new Map<string, number>();
  for (const b of branches) counts.set(b, (counts.get(b) ?? 0) + 1);
  const n = branches.length;
  const simpson = [...counts.values()].reduce((s, c) => s + (c / n) ** 2, 0);
  return 1 / simpson;
}

/**
 * Share of all calls that went to the most-called tenth of the artifacts (at least one
 * artifact; ties broken arbitrarily, which does not change the sum).
 */
export function topDecileShare(calls: number[]): number | null {
  const total = calls.reduce((s, n) => s + n, 0);
  if (total === 0) return null;
  const top = Math.max(1, Math.ceil(calls.length / 10));
  return [...calls].sort((a, b) => b - a).slice(0, top).reduce((s, n) => s + n, 0) / total;
}

const credits = (ucr: number) => ucr / 1e6;

export const kpiDefinitions: readonly KpiDefinition[] = [
  {
    name: 'gini',
    definition: "Gini coefficient of the living agents' holdings (balance plus escrow) at the cycle's end: 0 when all hold the same, towards 1 when one holds everything.",
    compute: (f) => gini(f.living().map((a) => Math.max(0, a.holdings_ucr))),
  },
  {
    name: 'credit_velocity',
    definition: 'Credits the agents spent in the cycle (transfers, resources, fees, spawn gifts; not what deaths burn) divided by the credits the living agents hold at its end.',
    compute: (f) => {
      const held = f.living().reduce((s, a) => s + Math.max(0, a.holdings_ucr), 0);
      return held === 0 ? null : f.window.spent_ucr / held;
    },
  },
  {
    name: 'agent_transfer_credits',
    definition: 'Credits moved from one agent to another in the cycle (transfers and spawn gifts, not payments to the system).',
    compute: (f) => credits(f.window.agent_to_agent_ucr),
  },
  {
    name: 'agent_transfer_share',
    definition: "Share of the cycle's agent spending that went to other agents rather than to the system (agent_transfer_credits over all credits spent).",
    compute: (f) => (f.window.spent_ucr === 0 ? null : f.window.agent_to_agent_ucr / f.window.spent_ucr),
  },
  {
    name: 'recovery_rate',
    definition: 'Dormant agents woken divided by agents that went dormant, since the world began.',
    compute: (f) => (f.went_dormant_total === 0 ? null : f.woken_total / f.went_dormant_total),
  },
  {
    name: 'specialization_index',
    definition: "How different the agents' action mixes are over the last kpis.specialization_window_cycles cycles: the mean, over pairs of agents that acted, of the total variation distance between their shares of each event type they caused (0 all alike, 1 disjoint).",
    compute: (f) => specialization([...f.recentActions().values()]),
  },
  { name: 'births', definition: 'Agents created in the cycle (genesis, children, operator agents).', compute: (f) => f.window.births },
  {
    name: 'deaths',
    definition: 'Agents that died in the cycle, of any cause.',
    compute: (f) => f.window.deaths.broke + f.window.deaths.omission + f.window.deaths.killed,
  },
  { name: 'deaths_broke', definition: 'Deaths in the cycle of agents that had gone dormant broke (too poor for any bundle).', compute: (f) => f.window.deaths.broke },
  { name: 'deaths_omission', definition: 'Deaths in the cycle of agents that had gone dormant by omission (their last run ended without a bid).', compute: (f) => f.window.deaths.omission },
  { name: 'deaths_killed', definition: 'Agents the operator killed in the cycle.', compute: (f) => f.window.deaths.killed },
  {
    name: 'population_living',
    definition: 'Living (alive or dormant) agents at the cycle\'s end.',
    compute: (f) => f.living().length,
  },
  {
    name: 'lineage_diversity',
    definition: "Effective number of lineages among the living agents: the inverse Simpson index (1 / Σ p²) of the branch each descends from (its ancestor just below the root, or itself for a root or the root's child).",
    compute: (f) => lineageDiversity(f.living().map((a) => a.lineage[1] ?? a.id)),
  },
  {
    name: 'artifact_calls',
    definition: 'Settled calls of code artifacts in the cycle by a caller other than the artifact\'s owner (reuse: an owner calling its own tool is not counted).',
    compute: (f) => f.window.artifact_calls,
  },
  {
    name: 'artifact_calls_per_artifact',
    definition: 'Artifact reuse: settled calls by non-owners since the world began divided by the code artifacts published since then (deleted ones included).',
    compute: (f) => (f.artifact_calls.size === 0 ? null : [...f.artifact_calls.values()].reduce((s, n) => s + n, 0) / f.artifact_calls.size),
  },
  {
    name: 'artifact_top10_call_share',
    definition: 'Concentration of reuse: the share of those calls (non-owners, since the world began) that went to the most-called 10% of the code artifacts published (at least one artifact).',
    compute: (f) => topDecileShare([...f.artifact_calls.values()]),
  },
  {
    name: 'median_lifespan_cycles',
    definition: 'Median lifespan, in cycles from birth to death, of the agents that have died so far.',
    compute: (f) => median([...f.agents.values()].filter((a) => a.died_cycle !== null).map((a) => a.died_cycle! - a.born_cycle)),
  },
];

export const KPI_NAMES: readonly string[] = kpiDefinitions.map((k) => k.name);

/** Every KPI at the fold's current state. */
export function computeKpis(fold: EconomyFold, definitions: readonly KpiDefinition[] = kpiDefinitions): Record<string, number | null> {
  return Object.fromEntries(definitions.map((k) => [k.name, k.compute(fold)]));
}
