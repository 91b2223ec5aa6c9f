// The artifacts join the engine: artifacts, versions, tools, calls, subscriptions, news and
// the full-text index, all rebuilt by `agora audit`; and the invariant that what calls hold
// in escrow is exactly what their open rows say.
import type { Db } from '../../store/store.js';
import { defineDomain } from '../engine/domain.js';
import { artifactEvents } from './events.js';
import { artifactProjectors, artifactTables } from './projection.js';

/**
 * Each agent's escrow account holds exactly its open bids plus its open top-level calls'
 * holds and their nested calls' holds (which were drawn from them).
 */
export function callEscrowOf(db: Db): { ok: boolean; mismatched: string[] } {
  const rows = db
    .prepare(
      `SELECT acc.owner_id AS agent_id, acc.balance_ucr AS escrow_ucr,
         COALESCE((SELECT SUM(amount_ucr) FROM market_bids b WHERE b.payer_id = acc.owner_id AND b.status = 'open'), 0) AS bids_ucr,
         COALESCE((SELECT SUM(held_ucr) FROM artifact_calls c WHERE c.payer_id = acc.owner_id AND c.status = 'open'), 0) AS calls_ucr
       FROM accounts acc WHERE acc.kind = 'escrow'`,
    )
    .all() as { agent_id: string; escrow_ucr: number; bids_ucr: number; calls_ucr: number }[];
  const mismatched = rows.filter((r) => r.escrow_ucr !== r.bids_ucr + r.calls_ucr).map((r) => r.agent_id);
  return { ok: mismatched.length === 0, mismatched };
}

export const artifactsDomain = defineDomain({
  name: 'artifacts',
  events: artifactEvents,
  projectors: [artifactProjectors],
  tables: artifactTables,
  invariants: { call_escrow: callEscrowOf },
});
