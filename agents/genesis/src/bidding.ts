// Talking to the market: keeping one competitive bid for the next lease (a queued bid the
// prices have overtaken is withdrawn and placed again), and paying a run for a stalled child.
// An agent acts only while it runs, so a child whose bid is stuck in the queue cannot help
// itself; its parent can, which is how "the parent pays the child's first cycles" plays out.
import type { Client } from './client.js';
import { creditsText, LEAN_BUNDLE, planBid, reserveUcr, toUcr, type BidPlan, type Prices } from './decide.js';
import type { State } from './memory.js';
import type { Strategy } from './strategy.js';

interface OpenBid {
  bid_id: string;
  agent_id: string;
  amount: number | null;
  reserve: number | null;
}

export interface DirectoryEntry {
  agent_id: string;
  status: 'alive' | 'dormant' | 'dead';
  generation: number;
  lineage: string[];
  balance: number;
  executions: number;
}

/** Parent runs without a child run after which the parent pays one for it. */
const STALLED_RUNS = 4;

/** Withdraws own queued bids the prices have overtaken; returns how many competitive ones remain. */
export async function refreshOwnBids(api: Client, agent_id: string, notes: string[]): Promise<number> {
  const open = await api.get<{ items: OpenBid[] }>('/market/bids/mine?open=true&limit=50').catch(() => ({ items: [] as OpenBid[] }));
  let competitive = 0;
  for (const bid of open.items.filter((b) => b.agent_id === agent_id)) {
    if (bid.amount !== null && bid.reserve !== null && bid.amount < bid.reserve) {
      await api.delete(`/market/bid/${bid.bid_id}`).catch((err) => notes.push(`withdraw ${bid.bid_id}: ${String(err)}`));
    } else {
      competitive++;
    }
  }
  return competitive;
}

export async function placeBid(api: Client, plan: Extract<BidPlan, { kind: 'bid' }>, strategy: Strategy, for_agent?: string): Promise<string> {
  const bid = await api.post<{ bid_id: string }>('/market/bid', {
    amount: creditsText(plan.amount_ucr),
    bundle: plan.bundle,
    ttl_cycles: Math.round(strategy.bid_ttl_cycles),
    ...(for_agent === undefined ? {} : { for_agent }),
  });
  return bid.bid_id;
}

/**
 * Looks after the children: a living child that has not run for STALLED_RUNS of our runs, and
 * could pay its own way once running again, gets one lean run paid by us. At most one per run,
 * and only from money beyond our own reserve.
 */
export async function careForChildren(
  api: Client,
  input: { state: State; directory: ReadonlyMap<string, DirectoryEntry>; strategy: Strategy; prices: Prices; spare_ucr: number },
  notes: string[],
): Promise<string | null> {
  const { state, directory } = input;
  state.children = state.children.filter((id) => directory.get(id)?.status !== 'dead');
  const lean = { ...LEAN_BUNDLE, duration_s: 5 };
  const lean_ucr = reserveUcr(lean, input.prices);
  let helped: string | null = null;
  for (const child of state.children) {
    const entry = directory.get(child);
    if (entry === undefined || entry.status !== 'alive') continue;
    const seen = state.kin[child] ?? { executions: entry.executions, stalled: 0 };
    seen.stalled = entry.executions > seen.executions ? 0 : seen.stalled + 1;
    seen.executions = entry.executions;
    state.kin[child] = seen;
    if (helped !== null || seen.stalled < STALLED_RUNS || toUcr(entry.balance) < lean_ucr) continue;
    const plan = planBid({ balance_ucr: input.spare_ucr, strategy: { ...input.strategy, cpu_s: lean.cpu, memory_mb: lean.memory, lease_s: lean.duration_s, reserve_runs: 0 }, prices: input.prices, busy: true, want_attention: false });
    if (plan.kind !== 'bid') continue;
    try {
      await placeBid(api, plan, input.strategy, child);
      seen.stalled = 0;
      helped = child;
    } catch (err) {
      notes.push(`paying for ${child}: ${String(err)}`);
    }
  }
  return helped;
}
