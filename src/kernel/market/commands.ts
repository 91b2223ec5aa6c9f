// The market's commands: place and withdraw escrowed bids, and clear a cycle (expire, allocate,
// charge, move prices) as one transaction. Rules and their reasons are in docs/market.md.
import { escrowAccount, SYSTEM_BURN } from '../ledger/accounts.js';
import type { KernelCore, Tx } from '../registry.js';
import { AgoraError, invariant } from '../../base/errors.js';
import type { Posting } from '../ledger/events.js';
import type { CommandMeta } from '../registry.js';
import { MarketBook } from './book.js';
import { planClearing, type ClearingCounts, type OpenBid, type PricingRule } from '../auction/clearing.js';
import { nextPrice, priceStep } from '../auction/pricing.js';
import { MarketReads, type BidView, type MarketHistory, type MarketStateView, type OrderBookPage } from './reads.js';
import {
  configuredPriceBounds,
  configuredStartPrices,
  configuredSupply,
  mapResources,
  naturalToBase,
  quantityOf,
  RESOURCES,
  type Bundle,
  type Resource,
  type ResourceVector,
} from '../resources/units.js';

export interface PlaceBidInput {
  /** The caller: whose credits are escrowed. */
  payer_id: string;
  /** Who runs if the bid wins; the payer when absent. Paying for another wakes it. */
  for_agent?: string;
  amount_ucr: number;
  bundle: Bundle;
  /** Cycles the bid stays queued; market.bid_ttl_cycles_default when absent. */
  ttl_cycles?: number;
}

export interface Winner {
  bid_id: string;
  payer_id: string;
  /** Who runs. */
  agent_id: string;
  bundle: Bundle;
  amount_ucr: number;
  price_paid_ucr: number;
  refund_ucr: number;
  rule: PricingRule;
}

export interface ClosedBid {
  bid_id: string;
  payer_id: string;
  agent_id: string;
  refund_ucr: number;
}

export interface ClearingResult {
  cycle: number;
  expired: ClosedBid[];
  /** Bids withdrawn because the agent they would run is dead. */
  cancelled: ClosedBid[];
  /** In rank order: launch them in this order. */
  winners: Winner[];
  /** Prices this cycle cleared at (nano-credits per base unit). */
  prices_ncr: ResourceVector;
  /** Prices for the next cycle. */
  next_prices_ncr: ResourceVector;
  supply: ResourceVector;
  demand: ResourceVector;
  allocated: ResourceVector;
  counts: ClearingCounts;
}

export interface ClearOptions {
  /** Units (base units) still held by runs from earlier cycles, e.g. memory of leases that go on. */
  held?: Partial<ResourceVector>;
}

const BID_ID_LENGTH = 12;

export class Market {
  private readonly book: MarketBook;
  private readonly reads: MarketReads;

  /**
   * The memory cap (MB) of one bundle for the agent that will run it: market.bundle.memory_mb_max
   * unless the operator granted it more (capabilities, memory_mb). Set by the kernel.
   */
  memoryCapMb: ((agent_id: string) => number) | null = null;

  constructor(private readonly core: KernelCore) {
    this.book = new MarketBook(core.db, () => configuredStartPrices(core.config));
    this.reads = new MarketReads(core.db, core.config, this.book);
    core.subscribe((events) => this.book.hear(events));
  }

  private get config() {
    return this.core.config.market;
  }

  /** Fixes the starting prices. Runs at world creation; older worlds open at their first market command. */
  open(tx: Tx): void {
    if (this.core.writer.get('SELECT 1 FROM market_state WHERE id = 1') !== undefined) return;
    tx.emit('market_opened', { prices_ncr: configuredStartPrices(this.core.config), supply: configuredSupply(this.core.config) });
  }

  placeBid(input: PlaceBidInput, meta: CommandMeta): BidView {
    this.checkBundle(input.bundle, input.for_agent ?? input.payer_id);
    if (!Number.isSafeInteger(input.amount_ucr) || input.amount_ucr <= 0) {
      throw new AgoraError('INVALID_ARGS', 'amount must be a positive whole number of µcr', { field: 'amount' });
    }
    const ttl_cycles = input.ttl_cycles ?? this.config.bid_ttl_cycles_default;
    if (!Number.isSafeInteger(ttl_cycles) || ttl_cycles < 1 || ttl_cycles > this.config.bid_ttl_cycles_max) {
      throw new AgoraError('INVALID_ARGS', `ttl_cycles must be a whole number from 1 to ${this.config.bid_ttl_cycles_max}`, { field: 'ttl_cycles' });
    }
    const agent_id = input.for_agent ?? input.payer_id;
    return this.core.command(meta, (tx) => {
      this.requireLiving(input.payer_id, 'payer');
      if (agent_id !== input.payer_id) this.requireLiving(agent_id, 'beneficiary');
      const state = this.core.writer.get<{ cycle: number; open_bids: number }>('SELECT cycle, open_bids FROM market_state WHERE id = 1') ?? { cycle: 0, open_bids: 0 };
      if (state.open_bids >= this.config.bids_open_max) {
        throw new AgoraError('UNAVAILABLE', `the order book is full (${this.config.bids_open_max} open bids); try after the next clearing`, null, this.config.clearing_interval_s);
      }
      const open_bids = this.core.writer.get<{ n: number }>("SELECT COUNT(*) AS n FROM market_bids WHERE payer_id = ? AND status = 'open'", input.payer_id)!.n;
      if (open_bids >= this.config.bids_open_per_agent_max) {
        throw new AgoraError('CONFLICT', `you have ${open_bids} open bids, the most allowed (market.bids_open_per_agent_max); withdraw one or wait for a clearing`, {
          open_bids,
          limit: this.config.bids_open_per_agent_max,
        });
      }
      const balance_ucr = this.core.writer.get<{ balance_ucr: number }>('SELECT balance_ucr FROM accounts WHERE id = ?', input.payer_id)!.balance_ucr;
      if (balance_ucr < input.amount_ucr) {
        throw new AgoraError('INSUFFICIENT_FUNDS', `balance is ${balance_ucr} µcr, the bid needs ${input.amount_ucr} µcr in escrow`, {
          balance_ucr,
          amount_ucr: input.amount_ucr,
        });
      }
      // Checked; from here on only emits.
      this.open(tx);
      const bid_id = this.newBidId();
      tx.emit('bid_placed', {
        bid_id,
        payer_id: input.payer_id,
        agent_id,
        amount_ucr: input.amount_ucr,
        bundle: { ...input.bundle },
        cycle: state.cycle + 1,
        expires_after_cycle: state.cycle + ttl_cycles,
        postings: [{ from: input.payer_id, to: escrowAccount(input.payer_id), amount_ucr: input.amount_ucr, kind: 'escrow', memo: bid_id }],
      });
      const view = this.reads.bid(bid_id);
      invariant(view !== null && view.status === 'open', 'a placed bid is open');
      return view;
    });
  }

  /** Withdraws an open bid and refunds its escrow in full. Only its payer may. */
  withdrawBid(bid_id: string, caller_agent_id: string, meta: CommandMeta): BidView {
    return this.core.command(meta, (tx) => {
      const bid = this.reads.bid(bid_id);
      if (bid === null) throw new AgoraError('NOT_FOUND', `no bid ${bid_id}`, { bid_id });
      if (bid.payer_id !== caller_agent_id) throw new AgoraError('ACCESS_DENIED', `bid ${bid_id} was placed by ${bid.payer_id}; only its payer may withdraw it`, { bid_id });
      if (bid.status !== 'open') throw new AgoraError('CONFLICT', `bid ${bid_id} is ${bid.status}, not open`, { bid_id, status: bid.status });
      this.emitWithdrawn(tx, bid, 'withdrawn', this.currentCycle());
      return this.reads.bid(bid_id)!;
    });
  }

  /**
   * Withdraws every open bid that would run `agent_id`, refunding each payer: for the
   * lifecycle, when an agent dies. Returns how many were withdrawn.
   */
  cancelBidsFor(agent_id: string, meta: CommandMeta, reason: 'agent_dead' | 'agent_paused' = 'agent_dead'): number {
    return this.core.command(meta, (tx) => {
      const rows = this.core.db.prepare("SELECT id FROM market_bids WHERE agent_id = ? AND status = 'open' ORDER BY seq").all(agent_id) as { id: string }[];
      const cycle = this.currentCycle();
      for (const row of rows) this.emitWithdrawn(tx, this.reads.bid(row.id)!, reason, cycle);
      return rows.length;
    });
  }

  /**
   * One cycle, in one transaction: expire bids past their ttl (refund), allocate bundles to
   * the best bids that fit (burn what they pay, refund the rest), then move each price with
   * the cycle's utilisation. The world loop calls this every market.clearing_interval_s.
   */
  clear(meta: CommandMeta, options: ClearOptions = {}): ClearingResult {
    const held = mapResources((r) => options.held?.[r] ?? 0);
    for (const r of RESOURCES) invariant(Number.isSafeInteger(held[r]) && held[r] >= 0, `held ${r} must be a whole number of base units >= 0`);
    // Load the kept book outside the transaction, so it is kept (see MarketBook).
    if (!this.core.db.inTransaction) this.book.current();
    return this.core.command(meta, (tx) => {
      this.open(tx);
      const cycle = this.currentCycle() + 1;
      const prices_ncr = this.reads.prices();
      const configured = configuredSupply(this.core.config);
      const supply = mapResources((r) => Math.max(0, configured[r] - held[r]));
      const book = this.book.current();
      const plan = planClearing({ cycle, bids: book.bids.values(), prices_ncr, supply, isDead: (id) => this.isDead(id) });

      let refunded_ucr = 0;
      let burned_ucr = 0;
      const expired: ClosedBid[] = plan.expired.map((bid) => {
        tx.emit('bid_expired', { bid_id: bid.id, payer_id: bid.payer_id, agent_id: bid.agent_id, cycle, refund_ucr: bid.amount_ucr, postings: [refund(bid, bid.amount_ucr)] });
        refunded_ucr += bid.amount_ucr;
        return { bid_id: bid.id, payer_id: bid.payer_id, agent_id: bid.agent_id, refund_ucr: bid.amount_ucr };
      });
      const cancelled: ClosedBid[] = plan.cancelled.map((bid) => {
        this.emitWithdrawn(tx, { bid_id: bid.id, payer_id: bid.payer_id, agent_id: bid.agent_id, amount_ucr: bid.amount_ucr }, 'agent_dead', cycle);
        refunded_ucr += bid.amount_ucr;
        return { bid_id: bid.id, payer_id: bid.payer_id, agent_id: bid.agent_id, refund_ucr: bid.amount_ucr };
      });
      const winners: Winner[] = plan.awards.map(({ bid, price_paid_ucr, rule }) => {
        invariant(price_paid_ucr > 0 && price_paid_ucr <= bid.amount_ucr, 'a winner pays a positive price within its escrow');
        const refund_ucr = bid.amount_ucr - price_paid_ucr;
        const postings: Posting[] = [{ from: escrowAccount(bid.payer_id), to: SYSTEM_BURN, amount_ucr: price_paid_ucr, kind: 'burn', memo: bid.id }];
        if (refund_ucr > 0) postings.push(refund(bid, refund_ucr));
        tx.emit('bid_won', {
          bid_id: bid.id,
          cycle,
          payer_id: bid.payer_id,
          agent_id: bid.agent_id,
          bundle: { ...bid.bundle },
          amount_ucr: bid.amount_ucr,
          price_paid_ucr,
          refund_ucr,
          rule,
          postings,
        });
        burned_ucr += price_paid_ucr;
        refunded_ucr += refund_ucr;
        return { bid_id: bid.id, payer_id: bid.payer_id, agent_id: bid.agent_id, bundle: { ...bid.bundle }, amount_ucr: bid.amount_ucr, price_paid_ucr, refund_ucr, rule };
      });

      const bounds = configuredPriceBounds(this.core.config);
      const rule = { step_max: this.config.price_step_max, idle_utilization: this.config.idle_utilization };
      const next_prices_ncr = mapResources((r) =>
        nextPrice(prices_ncr[r], priceStep({ supply: supply[r], demand: plan.demand[r], allocated: plan.allocated[r] }, rule), bounds.min_ncr[r], bounds.max_ncr[r]),
      );
      tx.emit('market_cleared', {
        cycle,
        prices_ncr,
        next_prices_ncr,
        supply,
        held,
        demand: plan.demand,
        allocated: plan.allocated,
        bids: plan.counts,
        burned_ucr,
        refunded_ucr,
      });
      return { cycle, expired, cancelled, winners, prices_ncr, next_prices_ncr, supply, demand: plan.demand, allocated: plan.allocated, counts: plan.counts };
    });
  }

  // ---- reads --------------------------------------------------------------------------

  /** Prices for the next clearing, nano-credits per base unit (resources/units.ts converts). */
  prices(): ResourceVector {
    return this.reads.prices();
  }

  state(): MarketStateView {
    return this.reads.state();
  }

  bid(bid_id: string): BidView | null {
    return this.reads.bid(bid_id);
  }

  bidsOf(payer_id: string, options: { open_only: boolean; limit: number }): BidView[] {
    return this.reads.bidsOf(payer_id, options);
  }

  /** How many open bids would run `agent_id` (the lifecycle's "pending bid"). */
  openBidsFor(agent_id: string): number {
    return (this.core.db.prepare("SELECT COUNT(*) AS n FROM market_bids WHERE agent_id = ? AND status = 'open'").get(agent_id) as { n: number }).n;
  }

  orderBook(options: { offset: number; limit: number }): OrderBookPage {
    return this.reads.orderBook(options);
  }

  history(options: { trades: number; cycles: number }): MarketHistory {
    return this.reads.history(options);
  }

  // ---- rules --------------------------------------------------------------------------

  private checkBundle(bundle: Bundle, agent_id: string): void {
    const b = this.config.bundle;
    const memory_mb_max = this.memoryCapMb?.(agent_id) ?? b.memory_mb_max;
    const supply = configuredSupply(this.core.config);
    const bounds: Record<keyof Bundle, [number, number]> = {
      cpu_ms: [naturalToBase('cpu', b.cpu_s_min), naturalToBase('cpu', b.cpu_s_max)],
      memory_mb: [b.memory_mb_min, memory_mb_max],
      tokens: [0, b.tokens_max],
      attention: [0, b.attention_max],
      duration_s: [b.duration_s_min, b.duration_s_max],
    };
    for (const [field, [min, max]] of Object.entries(bounds) as [keyof Bundle, [number, number]][]) {
      const value = bundle[field];
      if (!Number.isSafeInteger(value) || value < min || value > max) {
        throw new AgoraError('INVALID_ARGS', `bundle.${field} must be a whole number from ${min} to ${max}`, { field: `bundle.${field}`, value, min, max });
      }
    }
    for (const r of RESOURCES) {
      const asked = quantityOf(bundle, r);
      if (asked > supply[r]) {
        throw new AgoraError('INVALID_ARGS', `the bundle asks for ${asked} ${r} but only ${supply[r]} are sold per cycle; it could never win`, { resource: r as Resource, asked, supply: supply[r] });
      }
    }
  }

  private requireLiving(agent_id: string, role: 'payer' | 'beneficiary'): void {
    const row = this.core.writer.get<{ status: string }>('SELECT status FROM agents WHERE id = ?', agent_id);
    if (row === undefined) throw new AgoraError('NOT_FOUND', `no agent ${agent_id}`, { agent_id });
    if (row.status === 'dead') {
      throw new AgoraError('DELETED', role === 'payer' ? `agent ${agent_id} is dead` : `agent ${agent_id} is dead; a bid for it could never run`, { agent_id });
    }
    // The operator paused it (agora pause): no bid runs it until it is resumed.
    if (this.core.writer.get('SELECT 1 FROM agent_holds WHERE agent_id = ?', agent_id) !== undefined) {
      throw new AgoraError('CONFLICT', `agent ${agent_id} is paused by the operator; no bid runs it until it is resumed`, { agent_id });
    }
  }

  private isDead(agent_id: string): boolean {
    return this.core.writer.get<{ status: string }>('SELECT status FROM agents WHERE id = ?', agent_id)?.status === 'dead';
  }

  private currentCycle(): number {
    return this.core.writer.get<{ cycle: number }>('SELECT cycle FROM market_state WHERE id = 1')?.cycle ?? 0;
  }

  private newBidId(): string {
    for (;;) {
      const id = this.core.rng.id('bid', BID_ID_LENGTH);
      if (this.core.writer.get('SELECT 1 FROM market_bids WHERE id = ?', id) === undefined) return id;
    }
  }

  private emitWithdrawn(tx: Tx, bid: Pick<BidView, 'bid_id' | 'payer_id' | 'agent_id' | 'amount_ucr'>, reason: 'withdrawn' | 'agent_dead' | 'agent_paused', cycle: number): void {
    tx.emit('bid_withdrawn', {
      bid_id: bid.bid_id,
      payer_id: bid.payer_id,
      agent_id: bid.agent_id,
      reason,
      cycle,
      refund_ucr: bid.amount_ucr,
      postings: [refund({ id: bid.bid_id, payer_id: bid.payer_id }, bid.amount_ucr)],
    });
  }
}

function refund(bid: Pick<OpenBid, 'id' | 'payer_id'>, amount_ucr: number): Posting {
  return { from: escrowAccount(bid.payer_id), to: bid.payer_id, amount_ucr, kind: 'refund', memo: bid.id };
}
