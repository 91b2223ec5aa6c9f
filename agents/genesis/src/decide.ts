// The agent's decisions, as pure functions of what it knows: what to bid for its next lease,
// whether to spawn and with how much. Money is handled in whole micro-credits (µcr) so that
// a bid never exceeds the balance by a rounding error.
import type { Strategy } from './strategy.js';

export type Resource = 'cpu' | 'memory' | 'tokens' | 'attention';
export type Prices = Record<Resource, number>;

export interface Bundle {
  cpu: number;
  memory: number;
  tokens: number;
  attention: number;
  duration_s: number;
}

export const UCR = 1_000_000;
export const toUcr = (credits: number) => Math.floor(credits * UCR + 1e-6);
export const creditsText = (ucr: number) => (ucr / UCR).toFixed(6);

/** The smallest run worth buying when money is short (a run of this agent peaks near 50 MB). */
export const LEAN_BUNDLE: Omit<Bundle, 'duration_s'> = { cpu: 0.3, memory: 96, tokens: 0, attention: 0 };

/** What a bundle costs at these prices (the market's reserve value), rounded up, in µcr. */
export function reserveUcr(bundle: Bundle, prices: Prices): number {
  const credits = bundle.cpu * prices.cpu + bundle.memory * prices.memory + bundle.tokens * prices.tokens + bundle.attention * prices.attention;
  // One µcr over: the market values bundles exactly and a bid below the value never wins.
  return Math.ceil(credits * UCR - 1e-6) + 1;
}

/** The bundle the genes ask for; a run with attention also buys `thinking_tokens` LLM tokens to write its prompt with. */
export function strategyBundle(s: Strategy, attention: boolean, thinking_tokens = 0): Bundle {
  return { cpu: Math.round(s.cpu_s * 1000) / 1000, memory: Math.round(s.memory_mb), tokens: attention ? thinking_tokens : 0, attention: attention ? 1 : 0, duration_s: Math.round(s.lease_s) };
}

export type BidPlan =
  | { kind: 'bid'; bundle: Bundle; amount_ucr: number; reserve_ucr: number; why: string }
  | { kind: 'bequeath'; why: string };

/**
 * The bid for the next lease. Always at least the bundle's reserve value (below it a bid
 * never wins); the markup above it comes only from money beyond `reserve_runs` runs' worth,
 * so a markup never eats the credits that keep the agent running. When even one run is out
 * of reach, the agent gives what it has left to its kin instead of wasting it in the queue.
 */
export function planBid(input: { balance_ucr: number; strategy: Strategy; prices: Prices; busy: boolean; want_attention: boolean; thinking_tokens?: number }): BidPlan {
  const { balance_ucr, strategy: s, prices } = input;
  const plain = strategyBundle(s, false);
  const plain_ucr = reserveUcr(plain, prices);
  let bundle = plain;
  if (input.want_attention) {
    const with_attention = strategyBundle(s, true, input.thinking_tokens ?? 0);
    const cost = reserveUcr(with_attention, prices);
    if (balance_ucr - cost >= s.reserve_runs * plain_ucr) bundle = with_attention;
  }
  let reserve_ucr = reserveUcr(bundle, prices);
  if (balance_ucr < reserve_ucr) {
    const lean: Bundle = { ...LEAN_BUNDLE, duration_s: Math.min(plain.duration_s, 5) };
    const lean_ucr = reserveUcr(lean, prices);
    if (balance_ucr < lean_ucr) return { kind: 'bequeath', why: `balance ${creditsText(balance_ucr)} < a lean run ${creditsText(lean_ucr)}` };
    return { kind: 'bid', bundle: lean, amount_ucr: lean_ucr, reserve_ucr: lean_ucr, why: 'short of money: a lean run at reserve' };
  }
  const spare_ucr = Math.max(0, balance_ucr - s.reserve_runs * reserve_ucr);
  // The richer (in runs it can afford), the more it offers: a queued bid the prices overtake
  // cannot be raised until the agent runs again, so the well-off buy certainty.
  const runs_affordable = balance_ucr / reserve_ucr;
  const markup = (s.bid_markup + s.risk * Math.log10(Math.max(1, runs_affordable))) * (input.busy ? 1 + s.risk : 1);
  const markup_ucr = Math.min(Math.floor(reserve_ucr * markup), spare_ucr);
  const amount_ucr = Math.min(balance_ucr, reserve_ucr + markup_ucr);
  return { kind: 'bid', bundle, amount_ucr, reserve_ucr, why: `reserve ${creditsText(reserve_ucr)} + markup ${creditsText(markup_ucr)}${input.busy ? ' (busy market)' : ''}` };
}

export interface SpawnRules {
  spawn_cost: number;
  spawn_min_initial_credits: number;
}

/**
 * Whether to spawn now, and what to give: only when richer than spawn_threshold, not more
 * often than every spawn_every_runs runs, and only if what remains still keeps reserve_runs
 * runs' worth.
 */
export function planSpawn(input: { balance_ucr: number; strategy: Strategy; runs: number; last_spawn_run: number | null; rules: SpawnRules; run_cost_ucr: number }): { initial_ucr: number } | null {
  const s = input.strategy;
  if (input.balance_ucr < toUcr(s.spawn_threshold)) return null;
  if (input.last_spawn_run !== null && input.runs - input.last_spawn_run < s.spawn_every_runs) return null;
  const min_ucr = toUcr(input.rules.spawn_min_initial_credits);
  const initial_ucr = Math.max(min_ucr, Math.floor(input.balance_ucr * s.spawn_share));
  const left_ucr = input.balance_ucr - initial_ucr - toUcr(input.rules.spawn_cost);
  if (left_ucr < s.reserve_runs * input.run_cost_ucr) return null;
  return { initial_ucr };
}
