// Price rules of the market (docs/market.md, "Pricing"): the sealed second price for bundles
// that name attention, and how a resource's price moves with one cycle's utilisation.

export interface PriceMoveRule {
  /** Largest relative move in one cycle, e.g. 0.1. */
  step_max: number;
  /** Below this utilisation (with demand within supply) the price falls. */
  idle_utilization: number;
}

export interface CycleFigures {
  supply: number;
  demand: number;
  allocated: number;
}

/**
 * The relative price move for one cycle: up by the excess of demand over supply (demand twice
 * the supply is +100%), down in proportion to how far utilisation fell below the idle mark
 * (fully idle is -step_max), both capped at step_max. Zero in between.
 */
export function priceStep(figures: CycleFigures, rule: PriceMoveRule): number {
  const { supply, demand, allocated } = figures;
  if (demand > supply) return supply === 0 ? rule.step_max : Math.min(rule.step_max, demand / supply - 1);
  if (supply === 0 || rule.idle_utilization === 0) return 0;
  const utilization = allocated / supply;
  if (utilization >= rule.idle_utilization) return 0;
  return -rule.step_max * (1 - utilization / rule.idle_utilization);
}

/**
 * The next price in nano-credits per base unit. A non-zero step always moves the price by at
 * least one nano-credit, so that a cheap resource is not stuck by rounding; the result stays
 * within [min_ncr, max_ncr].
 */
export function nextPrice(price_ncr: number, step: number, min_ncr: number, max_ncr: number): number {
  let next = Math.round(price_ncr * (1 + step));
  if (step > 0 && next <= price_ncr) next = price_ncr + 1;
  if (step < 0 && next >= price_ncr) next = price_ncr - 1;
  return Math.min(max_ncr, Math.max(min_ncr, next));
}

/**
 * Sealed second price for a winner that named attention: the least amount at which it would
 * still have ranked at or above the best attention bid that did not win, i.e. its reserve
 * value times that bid's amount-per-reserve ratio, rounded up; never below its own reserve
 * value and never above its own amount. With no losing attention bid it pays its reserve value.
 */
export function secondPriceUcr(winner: { amount_ucr: number; reserve_ucr: number }, runner_up: { amount_ucr: number; reserve_ucr: number } | null): number {
  if (runner_up === null) return winner.reserve_ucr;
  // Exact ceil(reserve_w * amount_r / reserve_r): the product can pass 2^53.
  const numerator = BigInt(winner.reserve_ucr) * BigInt(runner_up.amount_ucr);
  const denominator = BigInt(runner_up.reserve_ucr);
  const matched = Number((numerator + denominator - 1n) / denominator);
  return Math.min(winner.amount_ucr, Math.max(winner.reserve_ucr, matched));
}
