// Market tables from market events. Money moves through the events' postings (applied by the
// ledger projection); these projectors keep the order book, prices and clearing history.
import type { EventEnvelope } from '../registry.js';
import { RESOURCES } from '../resources/units.js';
import type { Projectors } from '../registry.js';
import type { ProjectionWriter } from '../engine/projection.js';

/** The tables `agora audit` rebuilds and compares for the market. */
export const marketTables = ['market_state', 'market_resources', 'market_bids', 'market_clearings', 'market_prices'] as const;

function closeBid(
  w: ProjectionWriter,
  event: EventEnvelope,
  bid_id: string,
  close: { status: 'won' | 'withdrawn' | 'expired'; reason: string | null; cycle: number; price_paid_ucr: number | null; refund_ucr: number; rule: string | null },
): void {
  const bid = w.get<{ amount_ucr: number }>("SELECT amount_ucr FROM market_bids WHERE id = ? AND status = 'open'", bid_id);
  if (bid === undefined) throw new Error(`event ${event.seq} closes bid ${bid_id}, which is not open`);
  w.run(
    `UPDATE market_bids SET status = ?, close_reason = ?, closed_cycle = ?, closed_at_ms = ?, closed_seq = ?, price_paid_ucr = ?, refund_ucr = ?, rule = ?
     WHERE id = ?`,
    close.status, close.reason, close.cycle, event.at_ms, event.seq, close.price_paid_ucr, close.refund_ucr, close.rule, bid_id,
  );
  w.run('UPDATE market_state SET open_bids = open_bids - 1, open_escrow_ucr = open_escrow_ucr - ?, last_event_seq = ? WHERE id = 1', bid.amount_ucr, event.seq);
}

export const marketProjectors: Projectors = {
  market_opened(w, data, event) {
    w.run('INSERT INTO market_state (id, cycle, opened_at_ms, last_event_seq, open_bids, open_escrow_ucr) VALUES (1, 0, ?, ?, 0, 0)', event.at_ms, event.seq);
    for (const r of RESOURCES) {
      w.run(
        'INSERT INTO market_resources (resource, price_ncr, supply, held, demand, allocated, cycle) VALUES (?, ?, ?, 0, 0, 0, 0)',
        r, data.prices_ncr[r], data.supply[r],
      );
      w.run(
        'INSERT INTO market_prices (cycle, resource, price_ncr, next_price_ncr, supply, demand, allocated) VALUES (0, ?, ?, ?, ?, 0, 0)',
        r, data.prices_ncr[r], data.prices_ncr[r], data.supply[r],
      );
    }
  },

  bid_placed(w, data, event) {
    const b = data.bundle;
    w.run(
      `INSERT INTO market_bids (id, seq, payer_id, agent_id, amount_ucr, cpu_ms, memory_mb, tokens, attention, duration_s,
         placed_at_ms, placed_cycle, expires_after_cycle, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')`,
      data.bid_id, event.seq, data.payer_id, data.agent_id, data.amount_ucr, b.cpu_ms, b.memory_mb, b.tokens, b.attention, b.duration_s,
      event.at_ms, data.cycle, data.expires_after_cycle,
    );
    const changed = w.run('UPDATE market_state SET open_bids = open_bids + 1, open_escrow_ucr = open_escrow_ucr + ?, last_event_seq = ? WHERE id = 1', data.amount_ucr, event.seq);
    if (changed.changes !== 1) throw new Error(`event ${event.seq} places a bid before the market opened`);
  },

  bid_withdrawn(w, data, event) {
    closeBid(w, event, data.bid_id, { status: 'withdrawn', reason: data.reason, cycle: data.cycle, price_paid_ucr: null, refund_ucr: data.refund_ucr, rule: null });
  },

  bid_expired(w, data, event) {
    closeBid(w, event, data.bid_id, { status: 'expired', reason: 'ttl', cycle: data.cycle, price_paid_ucr: null, refund_ucr: data.refund_ucr, rule: null });
  },

  bid_won(w, data, event) {
    closeBid(w, event, data.bid_id, { status: 'won', reason: null, cycle: data.cycle, price_paid_ucr: data.price_paid_ucr, refund_ucr: data.refund_ucr, rule: data.rule });
  },

  market_cleared(w, data, event) {
    w.run('UPDATE market_state SET cycle = ?, last_event_seq = ? WHERE id = 1', data.cycle, event.seq);
    for (const r of RESOURCES) {
      w.run(
        'UPDATE market_resources SET price_ncr = ?, supply = ?, held = ?, demand = ?, allocated = ?, cycle = ? WHERE resource = ?',
        data.next_prices_ncr[r], data.supply[r], data.held[r], data.demand[r], data.allocated[r], data.cycle, r,
      );
      w.run(
        'INSERT INTO market_prices (cycle, resource, price_ncr, next_price_ncr, supply, demand, allocated) VALUES (?, ?, ?, ?, ?, ?, ?)',
        data.cycle, r, data.prices_ncr[r], data.next_prices_ncr[r], data.supply[r], data.demand[r], data.allocated[r],
      );
    }
    const n = data.bids;
    w.run(
      `INSERT INTO market_clearings (cycle, seq, at_ms, open_bids, expired, eligible, below_reserve, won, outbid, cancelled, burned_ucr, refunded_ucr)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      data.cycle, event.seq, event.at_ms, n.open, n.expired, n.eligible, n.below_reserve, n.won, n.outbid, n.cancelled, data.burned_ucr, data.refunded_ucr,
    );
  },
};
