// The market's journal events (docs/market.md). Quantities are base units, prices integer
// nano-credits per base unit.
import { z } from 'zod';
import { lazySchemas } from '../engine/events.js';
import { agentId, count, postings } from '../ledger/events.js';
import { lazy } from '../../base/lazy.js';

const cycle = lazy(() => z.number().int().min(0));
const perResource = lazy(() => z.strictObject({ cpu: count(), memory: count(), tokens: count(), attention: count() }));
const prices = lazy(() => z.strictObject({ cpu: count(), memory: count(), tokens: count(), attention: count() }).describe('Nano-credits per base unit.'));
const bundle = lazy(() => z
  .strictObject({
    cpu_ms: count().describe('CPU-milliseconds'),
    memory_mb: count(),
    tokens: count(),
    attention: count().describe('Human prompt slots'),
    duration_s: count(),
  })
  .describe('What a bid buys, in base units.'));
const bidId = lazy(() => z.string().min(1));
const ucr = lazy(() => z.number().int().min(0));

export const marketEvents = lazySchemas({
  market_opened: () => z
    .strictObject({ prices_ncr: prices(), supply: perResource() })
    .describe("The market's starting prices (from config) were fixed. Emitted once per world, before its first bid."),
  bid_placed: () => z
    .strictObject({
      bid_id: bidId(),
      payer_id: agentId().describe('Whose credits are escrowed and spent'),
      agent_id: agentId().describe('Who runs if the bid wins (the payer, or the agent it pays for)'),
      amount_ucr: z.number().int().positive(),
      bundle: bundle(),
      cycle: cycle().describe('First clearing cycle the bid competes in'),
      expires_after_cycle: cycle().describe('Last clearing cycle the bid competes in; it expires before the next one'),
      postings: postings(),
    })
    .describe("A bid was queued; its whole amount moved from the payer's account to the payer's escrow."),
  bid_withdrawn: () => z
    .strictObject({
      bid_id: bidId(),
      payer_id: agentId(),
      agent_id: agentId(),
      reason: z.enum(['withdrawn', 'agent_dead', 'agent_paused']).describe('The payer withdrew it, the agent it would run died (or was killed), or the operator paused that agent'),
      cycle: cycle().describe('The cycle being cleared, or the last cleared cycle'),
      refund_ucr: ucr(),
      postings: postings(),
    })
    .describe('An open bid was taken off the book and its escrow refunded in full.'),
  bid_expired: () => z
    .strictObject({ bid_id: bidId(), payer_id: agentId(), agent_id: agentId(), cycle: cycle(), refund_ucr: ucr(), postings: postings() })
    .describe('An unfilled bid outlived its ttl_cycles; its escrow was refunded in full before the cycle cleared.'),
  bid_won: () => z
    .strictObject({
      bid_id: bidId(),
      cycle: cycle(),
      payer_id: agentId(),
      agent_id: agentId(),
      bundle: bundle(),
      amount_ucr: z.number().int().positive(),
      price_paid_ucr: z.number().int().positive(),
      refund_ucr: ucr(),
      rule: z.enum(['pay_as_bid', 'second_price']).describe('Bundles pay their bid; bundles with attention pay the sealed second price'),
      postings: postings(),
    })
    .describe('A bid was allocated its bundle: the price paid was burned from escrow, any excess refunded.'),
  market_cleared: () => z
    .strictObject({
      cycle: cycle(),
      prices_ncr: prices().describe('Prices this cycle cleared at (reserve values)'),
      next_prices_ncr: prices().describe('Prices for the next cycle, moved by utilisation'),
      supply: perResource().describe('Units offered this cycle: configured supply less units still held'),
      held: perResource().describe('Units still held by runs from earlier cycles, as reported by the caller'),
      demand: perResource().describe('Units asked for by bids at or above their reserve value'),
      allocated: perResource().describe('Units allocated to winners'),
      bids: z.strictObject({
        open: count().describe('Open bids before expiry'),
        expired: count(),
        eligible: count().describe('Bids at or above their reserve value'),
        below_reserve: count().describe('Bids below their reserve value: they stay queued'),
        won: count(),
        outbid: count().describe('Eligible bids that did not fit what was left: they stay queued'),
        cancelled: count().describe('Bids withdrawn because the agent they would run is dead'),
      }),
      burned_ucr: ucr(),
      refunded_ucr: ucr().describe('Refunds of this clearing: expiries, cancellations and second-price excess'),
    })
    .describe('A clearing cycle ended. Losing bids are summarised here (counts), not one event each.'),
});
