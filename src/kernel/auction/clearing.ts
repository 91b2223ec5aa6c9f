// One clearing, as a pure function of the open bids, the prices and the supply: which bids
// expire, which win (and what they pay), which stay queued. The market command turns the plan
// into events; keeping the rule free of I/O keeps it deterministic and testable on its own.
import { invariant } from '../../base/errors.js';
import { secondPriceUcr } from './pricing.js';
import { RESOURCES, reserveValueUcr, zeroVector, type Bundle, type ResourceVector } from '../resources/units.js';

/** An open bid as the clearing sees it. */
export interface OpenBid {
  id: string;
  seq: number;
  payer_id: string;
  agent_id: string;
  amount_ucr: number;
  bundle: Bundle;
  placed_at_ms: number;
  placed_cycle: number;
  expires_after_cycle: number;
}

export type PricingRule = 'pay_as_bid' | 'second_price';

export interface Award {
  bid: OpenBid;
  reserve_ucr: number;
  price_paid_ucr: number;
  rule: PricingRule;
}

export interface ClearingCounts {
  open: number;
  expired: number;
  eligible: number;
  below_reserve: number;
  won: number;
  outbid: number;
  cancelled: number;
}

export interface ClearingPlan {
  cycle: number;
  /** Bids past their last cycle, in placement order. */
  expired: OpenBid[];
  /** Bids that would have won but run a dead agent, in rank order. */
  cancelled: OpenBid[];
  /** Winners in rank order. */
  awards: Award[];
  demand: ResourceVector;
  allocated: ResourceVector;
  counts: ClearingCounts;
}

export interface ClearingInput {
  cycle: number;
  /** Open bids in placement order (the order expiries are reported in). */
  bids: Iterable<OpenBid>;
  prices_ncr: ResourceVector;
  /** Units on offer this cycle, base units. */
  supply: ResourceVector;
  /** Whether the agent a bid would run is dead (asked only of bids that would win). */
  isDead(agent_id: string): boolean;
}

/** Clearing priority: amount per unit of reserve value, then earlier placement, then bid id. */
export function compareRank(a: OpenBid, score_a: number, b: OpenBid, score_b: number): number {
  if (score_a !== score_b) return score_b - score_a;
  if (a.placed_at_ms !== b.placed_at_ms) return a.placed_at_ms - b.placed_at_ms;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function fits(bundle: Bundle, remaining: ResourceVector): boolean {
  return bundle.cpu_ms <= remaining.cpu && bundle.memory_mb <= remaining.memory && bundle.tokens <= remaining.tokens && bundle.attention <= remaining.attention;
}

export function planClearing(input: ClearingInput): ClearingPlan {
  const { cycle, prices_ncr } = input;
  const expired: OpenBid[] = [];
  const eligible: OpenBid[] = [];
  const reserves: number[] = [];
  const demand = zeroVector();
  let open = 0;
  let below_reserve = 0;
  for (const bid of input.bids) {
    open++;
    if (bid.expires_after_cycle < cycle) {
      expired.push(bid);
      continue;
    }
    const reserve_ucr = reserveValueUcr(bid.bundle, prices_ncr);
    if (bid.amount_ucr < reserve_ucr) {
      below_reserve++;
      continue;
    }
    eligible.push(bid);
    reserves.push(reserve_ucr);
    demand.cpu += bid.bundle.cpu_ms;
    demand.memory += bid.bundle.memory_mb;
    demand.tokens += bid.bundle.tokens;
    demand.attention += bid.bundle.attention;
  }

  // Rank the eligible bids. Scores live in a typed array so the comparator stays cheap.
  const n = eligible.length;
  const scores = new Float64Array(n);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    scores[i] = eligible[i]!.amount_ucr / reserves[i]!;
    order[i] = i;
  }
  order.sort((i, j) => compareRank(eligible[i]!, scores[i]!, eligible[j]!, scores[j]!));

  // All-or-nothing, greedily in rank order: a bid wins only if every unit it asks for is left.
  const remaining: ResourceVector = { ...input.supply };
  const allocated = zeroVector();
  const winners: number[] = [];
  const cancelled: OpenBid[] = [];
  /** Attention bids in rank order, with whether they won: the second-price auction reads it. */
  const attention_ranked: { index: number; won: boolean }[] = [];
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const bid = eligible[i]!;
    const b = bid.bundle;
    if (!fits(b, remaining)) {
      if (b.attention > 0) attention_ranked.push({ index: i, won: false });
      continue;
    }
    if (input.isDead(bid.agent_id)) {
      cancelled.push(bid);
      continue;
    }
    remaining.cpu -= b.cpu_ms;
    remaining.memory -= b.memory_mb;
    remaining.tokens -= b.tokens;
    remaining.attention -= b.attention;
    allocated.cpu += b.cpu_ms;
    allocated.memory += b.memory_mb;
    allocated.tokens += b.tokens;
    allocated.attention += b.attention;
    winners.push(i);
    if (b.attention > 0) attention_ranked.push({ index: i, won: true });
  }

  // Each attention winner's runner-up is the next attention bid below it that did not win.
  const runner_up = new Map<number, number | null>();
  for (let a = 0; a < attention_ranked.length; a++) {
    const entry = attention_ranked[a]!;
    if (!entry.won) continue;
    let next: number | null = null;
    for (let z = a + 1; z < attention_ranked.length; z++) {
      if (!attention_ranked[z]!.won) {
        next = attention_ranked[z]!.index;
        break;
      }
    }
    runner_up.set(entry.index, next);
  }

  const awards: Award[] = winners.map((i) => {
    const bid = eligible[i]!;
    const reserve_ucr = reserves[i]!;
    if (bid.bundle.attention === 0) return { bid, reserve_ucr, price_paid_ucr: bid.amount_ucr, rule: 'pay_as_bid' };
    const r = runner_up.get(i) ?? null;
    const price_paid_ucr = secondPriceUcr({ amount_ucr: bid.amount_ucr, reserve_ucr }, r === null ? null : { amount_ucr: eligible[r]!.amount_ucr, reserve_ucr: reserves[r]! });
    return { bid, reserve_ucr, price_paid_ucr, rule: 'second_price' };
  });

  for (const r of RESOURCES) invariant(allocated[r] <= input.supply[r], `clearing allocated no more ${r} than the supply`);
  const counts: ClearingCounts = {
    open,
    expired: expired.length,
    eligible: n,
    below_reserve,
    won: awards.length,
    outbid: n - awards.length - cancelled.length,
    cancelled: cancelled.length,
  };
  return { cycle, expired, cancelled, awards, demand, allocated, counts };
}
