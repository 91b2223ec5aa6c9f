// Read side of the market: prices, per-resource state, bids, the order book and history.
// Every read is O(1) or O(page) in the number of agents and bids: state is one row plus a
// per-cycle cache, pages come from the in-memory book or from indexes.
import type { Db, Statement } from '../../store/store.js';
import type { Config } from '../../config/schema.js';
import type { BookEntry, MarketBook } from './book.js';
import type { ClearingCounts } from '../auction/clearing.js';
import { configuredStartPrices, configuredSupply, mapResources, RESOURCES, type Bundle, type Resource, type ResourceVector } from '../resources/units.js';

export type BidStatus = 'open' | 'won' | 'withdrawn' | 'expired';

export interface BidView {
  bid_id: string;
  payer_id: string;
  /** Who runs if the bid wins. */
  agent_id: string;
  amount_ucr: number;
  bundle: Bundle;
  status: BidStatus;
  placed_at_ms: number;
  /** First cycle the bid competes in. */
  placed_cycle: number;
  /** Last cycle it competes in. */
  expires_after_cycle: number;
  /** `withdrawn`, `agent_dead` or `ttl` for closed bids that did not win. */
  close_reason: string | null;
  closed_cycle: number | null;
  closed_at_ms: number | null;
  price_paid_ucr: number | null;
  refund_ucr: number | null;
  rule: 'pay_as_bid' | 'second_price' | null;
}

export interface ResourceState {
  price_ncr: number;
  /** Units offered in the last cycle (base units; configured supply before the first). */
  supply: number;
  held: number;
  demand: number;
  allocated: number;
  /** allocated / supply of the last cycle, 0 to 1. */
  utilization: number;
}

export interface MarketStateView {
  opened: boolean;
  /** Last cleared cycle; 0 before the first clearing. */
  cycle: number;
  open_bids: number;
  open_escrow_ucr: number;
  resources: Record<Resource, ResourceState>;
}

/** A row of market_clearings: the cycle's counts (as `ClearingCounts`, but `open` is `open_bids`) and money. */
export interface ClearingRow extends Omit<ClearingCounts, 'open'> {
  cycle: number;
  seq: number;
  at_ms: number;
  open_bids: number;
  burned_ucr: number;
  refunded_ucr: number;
}

export interface PricePoint {
  cycle: number;
  price_ncr: number;
  next_price_ncr: number;
  supply: number;
  demand: number;
  allocated: number;
}

export interface MarketHistory {
  clearings: ClearingRow[];
  trades: BidView[];
  prices: Record<Resource, PricePoint[]>;
}

export interface OrderBookPage {
  cycle: number;
  total: number;
  prices_ncr: ResourceVector;
  items: BookEntry[];
}

/** A market_bids row as the reads select it: the view's fields, with the bundle flattened. */
type BidRow = Omit<BidView, 'bid_id' | 'bundle'> & Bundle & { id: string };

export function bidRowToView(row: BidRow): BidView {
  return {
    bid_id: row.id,
    payer_id: row.payer_id,
    agent_id: row.agent_id,
    amount_ucr: row.amount_ucr,
    bundle: { cpu_ms: row.cpu_ms, memory_mb: row.memory_mb, tokens: row.tokens, attention: row.attention, duration_s: row.duration_s },
    status: row.status,
    placed_at_ms: row.placed_at_ms,
    placed_cycle: row.placed_cycle,
    expires_after_cycle: row.expires_after_cycle,
    close_reason: row.close_reason,
    closed_cycle: row.closed_cycle,
    closed_at_ms: row.closed_at_ms,
    price_paid_ucr: row.price_paid_ucr,
    refund_ucr: row.refund_ucr,
    rule: row.rule,
  };
}

export class MarketReads {
  private cached: { cycle: number; resources: Record<Resource, ResourceState> } | null = null;
  private readonly stateStatement: Statement;
  private readonly bidStatement: Statement;

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly book: MarketBook,
  ) {
    this.stateStatement = db.prepare('SELECT cycle, open_bids, open_escrow_ucr FROM market_state WHERE id = 1');
    this.bidStatement = db.prepare('SELECT * FROM market_bids WHERE id = ?');
  }

  /**
   * Prices and last-cycle figures. The per-resource part changes only when a cycle clears, so
   * it is cached by cycle (never from inside a transaction, which could still roll back).
   */
  state(): MarketStateView {
    const row = this.stateStatement.get() as { cycle: number; open_bids: number; open_escrow_ucr: number } | undefined;
    if (row === undefined) {
      const prices = configuredStartPrices(this.config);
      const supply = configuredSupply(this.config);
      const resources = Object.fromEntries(
        RESOURCES.map((r) => [r, { price_ncr: prices[r], supply: supply[r], held: 0, demand: 0, allocated: 0, utilization: 0 }]),
      ) as Record<Resource, ResourceState>;
      return { opened: false, cycle: 0, open_bids: 0, open_escrow_ucr: 0, resources };
    }
    let resources = this.cached?.cycle === row.cycle ? this.cached.resources : null;
    if (resources === null) {
      const rows = this.db.prepare('SELECT * FROM market_resources').all() as ({ resource: Resource } & Omit<ResourceState, 'utilization'>)[];
      resources = {} as Record<Resource, ResourceState>;
      for (const r of rows) {
        resources[r.resource] = {
          price_ncr: r.price_ncr,
          supply: r.supply,
          held: r.held,
          demand: r.demand,
          allocated: r.allocated,
          utilization: r.supply > 0 ? r.allocated / r.supply : 0,
        };
      }
      if (!this.db.inTransaction) this.cached = { cycle: row.cycle, resources };
    }
    return { opened: true, cycle: row.cycle, open_bids: row.open_bids, open_escrow_ucr: row.open_escrow_ucr, resources };
  }

  /** Prices in force for the next clearing, nano-credits per base unit. */
  prices(): ResourceVector {
    const { resources } = this.state();
    return mapResources((r) => resources[r].price_ncr);
  }

  bid(bid_id: string): BidView | null {
    const row = this.bidStatement.get(bid_id) as BidRow | undefined;
    return row === undefined ? null : bidRowToView(row);
  }

  /** A payer's bids, newest first; `open_only` limits to the ones still queued. */
  bidsOf(payer_id: string, options: { open_only: boolean; limit: number }): BidView[] {
    const sql = options.open_only
      ? "SELECT * FROM market_bids WHERE payer_id = ? AND status = 'open' ORDER BY seq DESC LIMIT ?"
      : 'SELECT * FROM market_bids WHERE payer_id = ? ORDER BY seq DESC LIMIT ?';
    return (this.db.prepare(sql).all(payer_id, options.limit) as BidRow[]).map(bidRowToView);
  }

  /** The open order book, a page at a time, in view order (see MarketBook). */
  orderBook(options: { offset: number; limit: number }): OrderBookPage {
    const book = this.book.current();
    return { cycle: book.cycle, total: book.bids.size, prices_ncr: { ...book.prices_ncr }, items: book.page(options.offset, options.limit) };
  }

  /** Recent clearings and trades, newest first, and each resource's recent price points. */
  history(options: { trades: number; cycles: number }): MarketHistory {
    const clearings = this.db.prepare('SELECT * FROM market_clearings ORDER BY cycle DESC LIMIT ?').all(options.cycles) as ClearingRow[];
    const trades = (this.db.prepare("SELECT * FROM market_bids WHERE status = 'won' ORDER BY closed_seq DESC LIMIT ?").all(options.trades) as BidRow[]).map(bidRowToView);
    const pricesStatement = this.db.prepare(
      'SELECT cycle, price_ncr, next_price_ncr, supply, demand, allocated FROM market_prices WHERE resource = ? ORDER BY cycle DESC LIMIT ?',
    );
    const prices = Object.fromEntries(RESOURCES.map((r) => [r, pricesStatement.all(r, options.cycles) as PricePoint[]])) as Record<Resource, PricePoint[]>;
    return { clearings, trades, prices };
  }
}
