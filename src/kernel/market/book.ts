// The order book in memory: every open bid, kept current from committed market events, so
// that a clearing of 100,000 bids reads no rows and order-book pages cost no table scan.
//
// It is a cache of `market_bids WHERE status = 'open'`, never the truth. It knows it is current
// when the seq of the last market event it applied equals `market_state.last_event_seq`, and it
// hears every committed event in order: a gap in the seqs (a writer it did not hear) drops it,
// and the next use reloads it from the table. A book is only kept if it was loaded outside a
// transaction, so it never holds state that could still be rolled back.
import type { Db, Statement } from '../../store/store.js';
import { compareRank, type OpenBid } from '../auction/clearing.js';
import type { EventEnvelope } from '../registry.js';
import { RESOURCES, reserveValueUcr, type ResourceVector } from '../resources/units.js';

/** Columns read when loading the book, in this order (raw rows: no per-row column objects). */
const BOOK_COLUMNS = 'id, seq, payer_id, agent_id, amount_ucr, cpu_ms, memory_mb, tokens, attention, duration_s, placed_at_ms, placed_cycle, expires_after_cycle';
type BookRow = [string, number, string, string, number, number, number, number, number, number, number, number, number];

export interface BookEntry {
  bid: OpenBid;
  reserve_ucr: number;
  /** Attention bids are sealed: their amounts are not shown and they are not ranked. */
  sealed: boolean;
}

/** The facts a book is built from, as of one point of the journal. */
export interface BookSnapshot {
  bids: ReadonlyMap<string, OpenBid>;
  prices_ncr: ResourceVector;
  cycle: number;
}

function rowToBid(r: BookRow): OpenBid {
  return {
    id: r[0],
    seq: r[1],
    payer_id: r[2],
    agent_id: r[3],
    amount_ucr: r[4],
    bundle: { cpu_ms: r[5], memory_mb: r[6], tokens: r[7], attention: r[8], duration_s: r[9] },
    placed_at_ms: r[10],
    placed_cycle: r[11],
    expires_after_cycle: r[12],
  };
}

class BookData implements BookSnapshot {
  readonly bids = new Map<string, OpenBid>();
  prices_ncr: ResourceVector;
  cycle: number;
  market_seq: number;
  /** Rank order of the page view at the current prices; bids placed since are in `recent`. */
  private ranked: OpenBid[] | null = null;
  private recent: OpenBid[] = [];
  private removed_since_rank = 0;

  constructor(db: Db, start_prices_ncr: ResourceVector) {
    const state = db.prepare('SELECT cycle, last_event_seq FROM market_state WHERE id = 1').get() as { cycle: number; last_event_seq: number } | undefined;
    this.cycle = state?.cycle ?? 0;
    this.market_seq = state?.last_event_seq ?? 0;
    this.prices_ncr = { ...start_prices_ncr };
    for (const row of db.prepare('SELECT resource, price_ncr FROM market_resources').all() as { resource: string; price_ncr: number }[]) {
      if ((RESOURCES as readonly string[]).includes(row.resource)) this.prices_ncr[row.resource as keyof ResourceVector] = row.price_ncr;
    }
    const rows = db.prepare(`SELECT ${BOOK_COLUMNS} FROM market_bids WHERE status = 'open' ORDER BY seq`).raw().iterate() as IterableIterator<BookRow>;
    for (const row of rows) this.bids.set(row[0], rowToBid(row));
  }

  applyMarketEvent(event: EventEnvelope): void {
    switch (event.type) {
      case 'bid_placed': {
        const d = (event as EventEnvelope<'bid_placed'>).data;
        const bid: OpenBid = {
          id: d.bid_id,
          seq: event.seq,
          payer_id: d.payer_id,
          agent_id: d.agent_id,
          amount_ucr: d.amount_ucr,
          bundle: { ...d.bundle },
          placed_at_ms: event.at_ms,
          placed_cycle: d.cycle,
          expires_after_cycle: d.expires_after_cycle,
        };
        this.bids.set(bid.id, bid);
        if (this.ranked !== null) this.recent.push(bid);
        break;
      }
      case 'bid_withdrawn':
      case 'bid_expired':
      case 'bid_won': {
        const d = event.data as { bid_id: string };
        if (this.bids.delete(d.bid_id)) this.removed_since_rank++;
        break;
      }
      case 'market_cleared': {
        const d = (event as EventEnvelope<'market_cleared'>).data;
        this.cycle = d.cycle;
        this.prices_ncr = { ...d.next_prices_ncr };
        this.ranked = null; // new prices, new order
        break;
      }
      case 'market_opened': {
        this.prices_ncr = { ...(event as EventEnvelope<'market_opened'>).data.prices_ncr };
        this.ranked = null;
        break;
      }
      default:
        return;
    }
    this.market_seq = event.seq;
  }

  /**
   * A page of the book in view order: unsealed bids by clearing priority at the current
   * prices, then sealed (attention) bids by placement. Ranking is done once per cycle (or
   * when many bids have left); bids placed since are listed after it, by placement.
   */
  page(offset: number, limit: number): BookEntry[] {
    if (this.ranked === null || this.removed_since_rank > this.bids.size) this.rank();
    const out: BookEntry[] = [];
    let skipped = 0;
    for (const list of [this.ranked!, this.recent]) {
      for (const bid of list) {
        if (!this.bids.has(bid.id)) continue;
        if (skipped < offset) {
          skipped++;
          continue;
        }
        out.push(this.entry(bid));
        if (out.length === limit) return out;
      }
    }
    return out;
  }

  entry(bid: OpenBid): BookEntry {
    return { bid, reserve_ucr: reserveValueUcr(bid.bundle, this.prices_ncr), sealed: bid.bundle.attention > 0 };
  }

  private rank(): void {
    const unsealed: { bid: OpenBid; score: number }[] = [];
    const sealed: OpenBid[] = [];
    for (const bid of this.bids.values()) {
      if (bid.bundle.attention > 0) sealed.push(bid);
      else unsealed.push({ bid, score: bid.amount_ucr / reserveValueUcr(bid.bundle, this.prices_ncr) });
    }
    unsealed.sort((a, b) => compareRank(a.bid, a.score, b.bid, b.score));
    // `bids` iterates in placement order, so the sealed list already is.
    this.ranked = [...unsealed.map((u) => u.bid), ...sealed];
    this.recent = [];
    this.removed_since_rank = 0;
  }
}

const MARKET_EVENTS = new Set<string>(['market_opened', 'bid_placed', 'bid_withdrawn', 'bid_expired', 'bid_won', 'market_cleared']);

export class MarketBook {
  private data: BookData | null = null;
  /** Seq of the last committed event heard (any type): the contiguity check. */
  private heard_seq = 0;
  private readonly marketSeqStatement: Statement;
  private readonly lastSeqStatement: Statement;

  constructor(
    private readonly db: Db,
    private readonly start_prices_ncr: () => ResourceVector,
  ) {
    this.marketSeqStatement = db.prepare('SELECT last_event_seq FROM market_state WHERE id = 1');
    this.lastSeqStatement = db.prepare('SELECT MAX(seq) AS seq FROM events');
  }

  /**
   * The book as the current transaction (or, outside one, the database) sees it. Inside a
   * transaction that has written market events the kept book is behind; a throwaway book is
   * read from the table for that one use.
   */
  current(): BookData {
    const seq = (this.marketSeqStatement.get() as { last_event_seq: number } | undefined)?.last_event_seq ?? 0;
    if (this.data !== null && this.data.market_seq === seq) return this.data;
    const loaded = new BookData(this.db, this.start_prices_ncr());
    if (!this.db.inTransaction) {
      this.data = loaded;
      this.heard_seq = this.lastSeq();
    }
    return loaded;
  }

  /** Drops the kept book; the next use reloads it. */
  invalidate(): void {
    this.data = null;
  }

  /** The kernel's listener: committed events, in order. */
  hear(events: readonly EventEnvelope[]): void {
    if (this.data === null) {
      // The first market write of a process loads the book (committed state, which already
      // holds these events), so a writer keeps it current from then on and never pays a
      // cold load inside a clearing; read-only processes never load it until they read it.
      if (!this.db.inTransaction && events.some((e) => MARKET_EVENTS.has(e.type))) this.current();
      return;
    }
    for (const event of events) {
      if (event.seq !== this.heard_seq + 1) {
        // Someone wrote events this book did not hear: it can no longer vouch for itself.
        this.data = null;
        return;
      }
      this.heard_seq = event.seq;
      this.data.applyMarketEvent(event);
    }
  }

  private lastSeq(): number {
    return (this.lastSeqStatement.get() as { seq: number | null }).seq ?? 0;
  }
}

export type { BookData };
