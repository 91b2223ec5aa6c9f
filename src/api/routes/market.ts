// Market routes: bid, withdraw, and the public views (prices, state, order book, history).
// The API speaks natural units (CPU-seconds, MB, tokens, slots) and decimal credits; the
// kernel speaks base units and µcr (kernel/resources/units.ts and kernel/ledger/money.ts convert).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bidView, bookEntryView, clearingView, pricePoint, resourceState } from '../views/market.js';
import { AgoraError } from '../../base/errors.js';
import type { OpenBid } from '../../kernel/auction/clearing.js';
import type { BidView } from '../../kernel/market/reads.js';
import { bundleFromNatural, bundleToNatural, mapResources, priceToCredits, RESOURCES, resourceUnits, reserveValueUcr, type Resource } from '../../kernel/resources/units.js';
import { microToCredits, positiveCreditsToMicro } from '../../kernel/ledger/money.js';
import { callerAgentId } from '../auth.js';
import type { ApiContext } from '../context.js';
import { agentIdParam, creditsInput, errorResponses, limitQuery } from '../schemas.js';

export const bundleInput = z
  .strictObject({
    cpu: z.number().positive().describe('CPU-seconds the run may use (at most 3 decimals)'),
    memory: z.number().int().min(0).describe('MB of memory held during the run'),
    tokens: z.number().int().min(0).default(0).describe('LLM tokens'),
    attention: z.number().int().min(0).default(0).describe('Human prompt slots (sold by sealed second-price auction)'),
    duration_s: z.number().int().positive().describe('Seconds of running the bundle buys'),
  })
  .describe('What the bid buys; all-or-nothing.');







const iso = (ms: number) => new Date(ms).toISOString();
const natural = (r: Resource, base: number) => base / resourceUnits[r].base_per_natural;

/**
 * Sealed amounts are shown only to the bid's payer and the operator. Everything that gives or
 * bounds the amount is sealed with it: the refund (amount - price_paid, or the whole escrow
 * when a bid is withdrawn or expires) and the score (amount / reserve). docs/market.md, "Sealed
 * bids", says what stays public and why.
 */
function sealedFrom(request: FastifyRequest, sealed: boolean, payer_id: string): boolean {
  if (!sealed) return false;
  const caller = request.caller;
  return !(caller !== null && (caller.kind === 'operator' || (caller.kind === 'agent' && caller.agent_id === payer_id)));
}

export async function marketRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { kernel, config } = ctx;
  const market = kernel.market;

  function viewBid(request: FastifyRequest, bid: BidView) {
    const sealed = bid.bundle.attention > 0;
    const hidden = sealedFrom(request, sealed, bid.payer_id);
    return {
      bid_id: bid.bid_id,
      payer_id: bid.payer_id,
      agent_id: bid.agent_id,
      amount: hidden ? null : microToCredits(bid.amount_ucr),
      sealed,
      bundle: bundleToNatural(bid.bundle),
      status: bid.status,
      placed_at: iso(bid.placed_at_ms),
      placed_cycle: bid.placed_cycle,
      expires_after_cycle: bid.expires_after_cycle,
      reserve: bid.status === 'open' ? microToCredits(reserveValueUcr(bid.bundle, market.prices())) : null,
      price_paid: bid.price_paid_ucr === null ? null : microToCredits(bid.price_paid_ucr),
      refund: hidden || bid.refund_ucr === null ? null : microToCredits(bid.refund_ucr),
      rule: bid.rule,
      close_reason: bid.close_reason,
      closed_cycle: bid.closed_cycle,
      closed_at: bid.closed_at_ms === null ? null : iso(bid.closed_at_ms),
    };
  }

  function viewEntry(request: FastifyRequest, entry: { bid: OpenBid; reserve_ucr: number; sealed: boolean }, rank: number) {
    const { bid, reserve_ucr, sealed } = entry;
    const shown = !sealedFrom(request, sealed, bid.payer_id);
    return {
      rank,
      bid_id: bid.id,
      payer_id: bid.payer_id,
      agent_id: bid.agent_id,
      amount: shown ? microToCredits(bid.amount_ucr) : null,
      sealed,
      bundle: bundleToNatural(bid.bundle),
      reserve: microToCredits(reserve_ucr),
      score: shown ? bid.amount_ucr / reserve_ucr : null,
      placed_at: iso(bid.placed_at_ms),
      placed_cycle: bid.placed_cycle,
      expires_after_cycle: bid.expires_after_cycle,
    };
  }

  // Seed-era agents (Syntropism, seeds 000-002) bid with a flat body; accepted as a documented
  // alias of today's (docs/agents.md, "Agents written for the seeds"). Identity still comes
  // from the connection: agent_id, if present, must be the caller (auth.ts refuses otherwise).
  const seedBid = z
    .strictObject({
      agent_id: agentIdParam.optional().describe('Optional; if given it must be you'),
      amount: creditsInput,
      cpu: z.number().positive().describe('CPU-seconds'),
      memory_mb: z.number().int().min(0).describe('MB of memory'),
      tokens: z.number().int().min(0).default(0),
      attention_share: z.number().min(0).max(config.market.bundle.attention_max).default(0).describe('Human attention; any share above 0 asks for whole slots (rounded up)'),
      duration_s: z.number().int().positive().default(config.market.seed_bid_duration_s).describe(`Seconds of running (default market.seed_bid_duration_s = ${config.market.seed_bid_duration_s})`),
      ttl_cycles: z.number().int().min(1).max(config.market.bid_ttl_cycles_max).optional(),
    })
    .describe("The seeds' bid body (seed 001 and REFERENCES.md: agent_id, amount, cpu, memory_mb, tokens, attention_share)");
  const currentBid = z
    .strictObject({
      amount: creditsInput,
      bundle: bundleInput,
      for_agent: agentIdParam.optional().describe('Pay for another agent\'s run (wakes a dormant agent); you are the payer'),
      ttl_cycles: z.number().int().min(1).max(config.market.bid_ttl_cycles_max).optional().describe(`Cycles to stay queued (default ${config.market.bid_ttl_cycles_default})`),
      agent_id: agentIdParam.optional().describe('Optional; if given it must be you (use for_agent to pay for another)'),
    });

  r.post('/market/bid', {
    config: { auth: 'agent' },
    schema: {
      tags: ['market'],
      summary: 'Bid for a bundle: the amount is escrowed now, and the bid stays queued until it wins, is withdrawn or expires. The seeds\' flat body {agent_id, amount, cpu, memory_mb, tokens, attention_share} is accepted too',
      body: z.union([currentBid, seedBid]),
      response: { 200: bidView, ...errorResponses },
    },
    handler: async (request) => {
      const payer_id = callerAgentId(request);
      const body = request.body;
      const modern = 'bundle' in body
        ? body
        : {
            amount: body.amount,
            ttl_cycles: body.ttl_cycles,
            for_agent: undefined,
            bundle: { cpu: body.cpu, memory: body.memory_mb, tokens: body.tokens, attention: Math.ceil(body.attention_share), duration_s: body.duration_s },
          };
      const bid = market.placeBid(
        { payer_id, for_agent: modern.for_agent, amount_ucr: positiveCreditsToMicro(modern.amount), bundle: bundleFromNatural(modern.bundle), ttl_cycles: modern.ttl_cycles },
        { actor: payer_id, correlation_id: request.id },
      );
      // 200 like every other command of the API (a transfer also creates a record).
      return viewBid(request, bid);
    },
  });

  r.delete('/market/bid/:bid_id', {
    config: { auth: 'agent' },
    schema: {
      tags: ['market'],
      summary: 'Withdraw your open bid; its escrow is refunded in full',
      params: z.object({ bid_id: z.string().min(1).max(64) }),
      response: { 200: bidView, ...errorResponses },
    },
    handler: async (request) => {
      const agent_id = callerAgentId(request);
      return viewBid(request, market.withdrawBid(request.params.bid_id, agent_id, { actor: agent_id, correlation_id: request.id }));
    },
  });

  r.get('/market/bid/:bid_id', {
    config: { auth: 'any' },
    schema: {
      tags: ['market'],
      summary: 'One bid, open or closed',
      params: z.object({ bid_id: z.string().min(1).max(64) }),
      response: { 200: bidView, ...errorResponses },
    },
    handler: async (request) => {
      const bid = market.bid(request.params.bid_id);
      if (bid === null) throw new AgoraError('NOT_FOUND', `no bid ${request.params.bid_id}`, { bid_id: request.params.bid_id });
      return viewBid(request, bid);
    },
  });

  r.get('/market/prices', {
    config: { auth: 'any' },
    schema: {
      tags: ['market'],
      summary: 'Current price per unit of each resource, in credits (per CPU-second, MB, token, slot)',
      response: {
        200: z.object({ cpu: z.number(), memory: z.number(), tokens: z.number(), attention: z.number(), memory_mb: z.number().describe('The seeds\' name for memory (an alias)') }),
        ...errorResponses,
      },
    },
    handler: async () => {
      const prices = market.prices();
      const credits = mapResources((res) => priceToCredits(res, prices[res]));
      return { ...credits, memory_mb: credits.memory };
    },
  });

  r.get('/market/state', {
    config: { auth: 'any' },
    schema: {
      tags: ['market'],
      summary: 'Per resource: price, supply, demand and utilisation of the last cycle',
      response: {
        200: z.object({
          cycle: z.number().int().describe('Last cleared cycle (0 before the first)'),
          clearing_interval_s: z.number(),
          open_bids: z.number().int(),
          resources: z.object({ cpu: resourceState, memory: resourceState, tokens: resourceState, attention: resourceState }),
        }),
        ...errorResponses,
      },
    },
    handler: async () => {
      const state = market.state();
      const resources = Object.fromEntries(
        RESOURCES.map((res) => {
          const s = state.resources[res];
          return [
            res,
            {
              unit: resourceUnits[res].natural,
              price: priceToCredits(res, s.price_ncr),
              supply: natural(res, s.supply),
              demand: natural(res, s.demand),
              allocated: natural(res, s.allocated),
              held: natural(res, s.held),
              utilization: s.utilization,
            },
          ];
        }),
      ) as Record<Resource, z.infer<typeof resourceState>>;
      return { cycle: state.cycle, clearing_interval_s: config.market.clearing_interval_s, open_bids: state.open_bids, resources };
    },
  });

  r.get('/market/bids', {
    config: { auth: 'any' },
    schema: {
      tags: ['market'],
      summary: 'The open order book, in the order the next clearing serves it (sealed attention bids last, by placement)',
      querystring: z.object({
        offset: z.coerce.number().int().min(0).max(10_000_000).default(0).describe('Entries to skip (the previous page\'s next_offset)'),
        limit: limitQuery(config),
      }),
      response: {
        200: z.object({ cycle: z.number().int(), total: z.number().int(), next_offset: z.number().int().nullable(), items: z.array(bookEntryView) }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const { offset, limit } = request.query;
      const page = market.orderBook({ offset, limit });
      return {
        cycle: page.cycle,
        total: page.total,
        next_offset: offset + page.items.length < page.total && page.items.length === limit ? offset + limit : null,
        items: page.items.map((entry, i) => viewEntry(request, entry, offset + i)),
      };
    },
  });

  r.get('/market/bids/mine', {
    config: { auth: 'agent' },
    schema: {
      tags: ['market'],
      summary: 'Your bids as payer, newest first, open and closed',
      querystring: z.object({ open: z.enum(['true', 'false']).default('false').describe('Only open bids'), limit: limitQuery(config) }),
      response: { 200: z.object({ items: z.array(bidView) }), ...errorResponses },
    },
    handler: async (request) => {
      const payer_id = callerAgentId(request);
      const bids = market.bidsOf(payer_id, { open_only: request.query.open === 'true', limit: request.query.limit });
      return { items: bids.map((bid) => viewBid(request, bid)) };
    },
  });

  r.get('/market/history', {
    config: { auth: 'any' },
    schema: {
      tags: ['market'],
      summary: 'Recent clearings and transactions, newest first, and the price history of each resource',
      querystring: z.object({
        trades: z.coerce.number().int().min(1).max(config.market.history_trades_max).default(config.market.history_trades_default).describe('How many recent transactions'),
        cycles: z.coerce.number().int().min(1).max(config.market.history_cycles_max).default(config.market.history_cycles_default).describe('How many recent clearings and price points'),
      }),
      response: {
        200: z.object({
          clearings: z.array(clearingView),
          trades: z.array(bidView),
          prices: z.object({ cpu: z.array(pricePoint), memory: z.array(pricePoint), tokens: z.array(pricePoint), attention: z.array(pricePoint) }),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const history = market.history({ trades: request.query.trades, cycles: request.query.cycles });
      const prices = Object.fromEntries(
        RESOURCES.map((res) => [
          res,
          history.prices[res].map((p) => ({
            cycle: p.cycle,
            price: priceToCredits(res, p.price_ncr),
            next_price: priceToCredits(res, p.next_price_ncr),
            supply: natural(res, p.supply),
            demand: natural(res, p.demand),
            allocated: natural(res, p.allocated),
          })),
        ]),
      ) as Record<Resource, z.infer<typeof pricePoint>[]>;
      return {
        clearings: history.clearings.map((c) => ({
          ...c,
          at: iso(c.at_ms),
          burned: microToCredits(c.burned_ucr),
          refunded: request.caller?.kind === 'operator' ? microToCredits(c.refunded_ucr) : null,
        })),
        trades: history.trades.map((bid) => viewBid(request, bid)),
        prices,
      };
    },
  });
}
