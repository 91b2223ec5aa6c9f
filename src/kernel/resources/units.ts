// Market resources and their units. Inside the kernel every quantity is an integer of a base
// unit (CPU-milliseconds, MB, tokens, slots) and every price an integer of nano-credits per
// base unit, so that valuing a bundle is exact integer arithmetic. The API speaks natural
// units (CPU-seconds, MB, tokens, slots) and decimal credits per natural unit; the functions
// here are the only crossing between the two.
import type { Config } from '../../config/schema.js';
import { AgoraError, invariant } from '../../base/errors.js';

export const RESOURCES = ['cpu', 'memory', 'tokens', 'attention'] as const;
export type Resource = (typeof RESOURCES)[number];

/** One integer per resource, in base units (quantities) or nano-credits per base unit (prices). */
export type ResourceVector = Record<Resource, number>;

/** 1 µcr = 1000 ncr: prices need finer steps than money does, so that small moves compound. */
export const NCR_PER_UCR = 1000;
const NCR_PER_CREDIT = 1e9;

export interface ResourceUnit {
  /** The unit the API and config speak. */
  natural: string;
  /** Base units per natural unit: 1000 CPU-milliseconds make a CPU-second. */
  base_per_natural: number;
  /** Decimals a quantity may carry in natural units (a CPU-millisecond is the smallest CPU amount). */
  decimals: number;
}

export const resourceUnits: Readonly<Record<Resource, ResourceUnit>> = {
  cpu: { natural: 'CPU-second', base_per_natural: 1000, decimals: 3 },
  memory: { natural: 'MB', base_per_natural: 1, decimals: 0 },
  tokens: { natural: 'token', base_per_natural: 1, decimals: 0 },
  attention: { natural: 'slot', base_per_natural: 1, decimals: 0 },
};

/**
 * What a bid buys, in base units. `memory_mb` and `duration_s` also bound the run (the
 * sandbox holds it to them); `duration_s` is not a market resource and has no supply.
 */
export interface Bundle {
  /** CPU time in CPU-milliseconds. */
  cpu_ms: number;
  memory_mb: number;
  tokens: number;
  /** Human prompt slots. */
  attention: number;
  duration_s: number;
}

/** A bundle's quantity of one resource, in base units. */
export function quantityOf(bundle: Bundle, resource: Resource): number {
  switch (resource) {
    case 'cpu':
      return bundle.cpu_ms;
    case 'memory':
      return bundle.memory_mb;
    case 'tokens':
      return bundle.tokens;
    case 'attention':
      return bundle.attention;
  }
}

export function zeroVector(): ResourceVector {
  return { cpu: 0, memory: 0, tokens: 0, attention: 0 };
}

export function mapResources(fn: (resource: Resource) => number): ResourceVector {
  return { cpu: fn('cpu'), memory: fn('memory'), tokens: fn('tokens'), attention: fn('attention') };
}

/**
 * A bundle's reserve value at `prices_ncr`, in µcr, rounded up: a bid must pay at least the
 * whole value, so a fraction of a µcr counts against the bidder.
 */
export function reserveValueUcr(bundle: Bundle, prices_ncr: ResourceVector): number {
  const ncr =
    bundle.cpu_ms * prices_ncr.cpu + bundle.memory_mb * prices_ncr.memory + bundle.tokens * prices_ncr.tokens + bundle.attention * prices_ncr.attention;
  invariant(Number.isSafeInteger(ncr), 'bundle value fits exact arithmetic (the config refuses maxima that would not)');
  return Math.ceil(ncr / NCR_PER_UCR);
}

/** A config price (decimal credits per natural unit) as integer nano-credits per base unit, at least 1. */
export function priceToNcr(resource: Resource, credits_per_natural: number): number {
  return Math.max(1, Math.round((credits_per_natural * NCR_PER_CREDIT) / resourceUnits[resource].base_per_natural));
}

/** A kernel price as decimal credits per natural unit, for the API and the CLI. */
export function priceToCredits(resource: Resource, ncr_per_base: number): number {
  return (ncr_per_base * resourceUnits[resource].base_per_natural) / NCR_PER_CREDIT;
}

/** A config or API quantity (natural units) in base units. */
export function naturalToBase(resource: Resource, natural: number): number {
  return Math.round(natural * resourceUnits[resource].base_per_natural);
}

export function baseToNatural(resource: Resource, base: number): number {
  return base / resourceUnits[resource].base_per_natural;
}

/** Supply per cycle from the config, in base units. */
export function configuredSupply(config: Config): ResourceVector {
  return mapResources((r) => naturalToBase(r, config.market.resources[r].supply_per_cycle));
}

export function configuredStartPrices(config: Config): ResourceVector {
  return mapResources((r) => priceToNcr(r, config.market.resources[r].price_start));
}

export interface PriceBounds {
  min_ncr: ResourceVector;
  max_ncr: ResourceVector;
}

export function configuredPriceBounds(config: Config): PriceBounds {
  return {
    min_ncr: mapResources((r) => priceToNcr(r, config.market.resources[r].price_min)),
    max_ncr: mapResources((r) => priceToNcr(r, config.market.resources[r].price_max)),
  };
}

/**
 * Reads a quantity given in natural units (a JSON number) as base units, exactly: refuses
 * negative and non-finite values and more decimals than the resource's base unit allows.
 */
export function parseQuantity(resource: Resource | 'duration_s', value: number, field: string): number {
  const unit = resource === 'duration_s' ? { base_per_natural: 1, decimals: 0 } : resourceUnits[resource];
  if (!Number.isFinite(value)) throw new AgoraError('INVALID_ARGS', `${field} must be a finite number`, { field, value: String(value) });
  if (value < 0) throw new AgoraError('INVALID_ARGS', `${field} must not be negative`, { field, value });
  const base = value * unit.base_per_natural;
  const rounded = Math.round(base);
  // A value with at most `decimals` decimals scales to within float noise of an integer.
  if (Math.abs(base - rounded) > Math.max(1e-9, Math.abs(base) * 1e-12)) {
    throw new AgoraError('INVALID_ARGS', `${field} allows at most ${unit.decimals} decimals`, { field, value });
  }
  if (!Number.isSafeInteger(rounded)) throw new AgoraError('INVALID_ARGS', `${field} is too large`, { field, value });
  return rounded;
}

/** The API's view of a bundle: natural units. */
export interface BundleNatural {
  cpu: number;
  memory: number;
  tokens: number;
  attention: number;
  duration_s: number;
}

export function bundleToNatural(bundle: Bundle): BundleNatural {
  return {
    cpu: baseToNatural('cpu', bundle.cpu_ms),
    memory: bundle.memory_mb,
    tokens: bundle.tokens,
    attention: bundle.attention,
    duration_s: bundle.duration_s,
  };
}

export function bundleFromNatural(input: BundleNatural): Bundle {
  return {
    cpu_ms: parseQuantity('cpu', input.cpu, 'bundle.cpu'),
    memory_mb: parseQuantity('memory', input.memory, 'bundle.memory'),
    tokens: parseQuantity('tokens', input.tokens, 'bundle.tokens'),
    attention: parseQuantity('attention', input.attention, 'bundle.attention'),
    duration_s: parseQuantity('duration_s', input.duration_s, 'bundle.duration_s'),
  };
}
