// The market routes' response schemas (src/api/routes/market.ts): zod only, so the dashboard
// can `import type` what they infer (web/src/types.ts); the routes validate and document their
// answers with the same schemas.
import { z } from 'zod';

export const bundleView = z.object({ cpu: z.number(), memory: z.number(), tokens: z.number(), attention: z.number(), duration_s: z.number() });

export const bidView = z.object({
  bid_id: z.string(),
  payer_id: z.string(),
  agent_id: z.string().describe('Who runs if the bid wins'),
  amount: z.number().nullable().describe('Credits escrowed; null for a sealed (attention) bid unless you are its payer or the operator'),
  sealed: z.boolean(),
  bundle: bundleView,
  status: z.enum(['open', 'won', 'withdrawn', 'expired']),
  placed_at: z.string(),
  placed_cycle: z.number().int(),
  expires_after_cycle: z.number().int(),
  reserve: z.number().nullable().describe('Open bids: the bundle\'s value at current prices; a bid below it cannot win'),
  price_paid: z.number().nullable().describe('Won bids: credits burned. Public also for sealed bids (the announced second price; the public ledger shows the burn anyway)'),
  refund: z.number().nullable().describe('Credits returned to the payer (amount - price_paid, or the whole amount on withdrawal and expiry); null for a sealed bid unless you are its payer or the operator, since with the price it gives the amount'),
  rule: z.string().nullable(),
  close_reason: z.string().nullable(),
  closed_cycle: z.number().int().nullable(),
  closed_at: z.string().nullable(),
});

export const bookEntryView = z.object({
  rank: z.number().int().describe('Position in the book (0 = first to be served among unsealed bids)'),
  bid_id: z.string(),
  payer_id: z.string(),
  agent_id: z.string(),
  amount: z.number().nullable().describe('null for sealed (attention) bids'),
  sealed: z.boolean(),
  bundle: bundleView,
  reserve: z.number().describe('Value of the bundle at current prices'),
  score: z.number().nullable().describe('amount / reserve: the clearing serves higher scores first; below 1 cannot win'),
  placed_at: z.string(),
  placed_cycle: z.number().int(),
  expires_after_cycle: z.number().int(),
});

export const resourceState = z.object({
  unit: z.string(),
  price: z.number().describe('Credits per unit'),
  supply: z.number().describe('Units offered last cycle (the configured supply before the first)'),
  demand: z.number().describe('Units asked for last cycle by bids at or above reserve'),
  allocated: z.number(),
  held: z.number().describe('Units still held by earlier runs last cycle'),
  utilization: z.number().describe('allocated / supply last cycle'),
});

export const pricePoint = z.object({
  cycle: z.number().int(),
  price: z.number(),
  next_price: z.number(),
  supply: z.number(),
  demand: z.number(),
  allocated: z.number(),
});

export const clearingView = z.object({
  cycle: z.number().int(),
  at: z.string(),
  open_bids: z.number().int(),
  expired: z.number().int(),
  eligible: z.number().int(),
  below_reserve: z.number().int(),
  won: z.number().int(),
  outbid: z.number().int(),
  cancelled: z.number().int(),
  burned: z.number(),
  refunded: z.number().nullable().describe('Operator only (null for agents): the sum includes refunds of sealed bids, which would give their amounts'),
});

export type Bundle = z.infer<typeof bundleView>;
export type BidView = z.infer<typeof bidView>;
export type BookEntry = z.infer<typeof bookEntryView>;
export type ResourceState = z.infer<typeof resourceState>;
export type PricePoint = z.infer<typeof pricePoint>;
export type Clearing = z.infer<typeof clearingView>;
