// Helpers for market tests: bundles in readable units, and the escrow/order-book invariant.
import assert from 'node:assert/strict';
import type { Bundle } from '../../src/kernel/resources/units.js';
import type { World } from '../../src/orchestrator/open-world.js';

/** A bundle in CPU-seconds and MB (converted to the kernel's base units). */
export function bundle(parts: { cpu_s?: number; memory_mb?: number; tokens?: number; attention?: number; duration_s?: number } = {}): Bundle {
  return {
    cpu_ms: Math.round((parts.cpu_s ?? 1) * 1000),
    memory_mb: parts.memory_mb ?? 64,
    tokens: parts.tokens ?? 0,
    attention: parts.attention ?? 0,
    duration_s: parts.duration_s ?? 10,
  };
}

export const credits = (c: number) => Math.round(c * 1_000_000);

/**
 * Every open bid's amount sits in its payer's escrow, and nothing else does (the market is the
 * only user of escrow so far); the book's counters agree with the table.
 */
export function assertEscrowMatchesBook(world: World): void {
  const rows = world.db
    .prepare(
      `SELECT a.owner_id AS payer, a.balance_ucr AS escrow,
              COALESCE((SELECT SUM(amount_ucr) FROM market_bids b WHERE b.payer_id = a.owner_id AND b.status = 'open'), 0) AS open
       FROM accounts a WHERE a.kind = 'escrow'`,
    )
    .all() as { payer: string; escrow: number; open: number }[];
  for (const row of rows) assert.equal(row.escrow, row.open, `escrow of ${row.payer} holds exactly its open bids`);
  const state = world.kernel.market.state();
  const counted = world.db.prepare("SELECT COUNT(*) AS n, COALESCE(SUM(amount_ucr), 0) AS s FROM market_bids WHERE status = 'open'").get() as { n: number; s: number };
  assert.equal(state.open_bids, counted.n);
  assert.equal(state.open_escrow_ucr, counted.s);
  assert.equal(world.kernel.market.orderBook({ offset: 0, limit: 1 }).total, counted.n, 'the in-memory book holds every open bid');
}
