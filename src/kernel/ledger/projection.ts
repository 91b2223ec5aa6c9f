// Applies postings: double-entry, one debit and one credit of the same amount each. The
// accounts table's CHECK refuses a negative non-source balance even if a rule above it slips.
import { accountOwner, SINK_ACCOUNTS, SOURCE_ACCOUNTS } from './accounts.js';
import type { Posting } from './events.js';
import type { EventEnvelope } from '../engine/events.js';
import type { Projectors } from '../registry.js';
import type { ProjectionWriter } from '../engine/projection.js';

const SPENT_KINDS = new Set<Posting['kind']>(['transfer', 'burn', 'fee', 'spawn']);
const EARNED_KINDS = new Set<Posting['kind']>(['transfer', 'reward']);

export function applyPostings(w: ProjectionWriter, postings: readonly Posting[], event: EventEnvelope): void {
  for (const p of postings) {
    const payer = accountOwner(p.from);
    const payee = accountOwner(p.to);
    // Moving money between an agent's own account and its escrow is neither income nor spending.
    const spent_ucr = payer !== null && payer !== payee && SPENT_KINDS.has(p.kind) ? p.amount_ucr : 0;
    const earned_ucr = payee !== null && payee !== payer && EARNED_KINDS.has(p.kind) ? p.amount_ucr : 0;
    const debited = w.run('UPDATE accounts SET balance_ucr = balance_ucr - ?, spent_ucr = spent_ucr + ? WHERE id = ?', p.amount_ucr, spent_ucr, p.from);
    const credited = w.run('UPDATE accounts SET balance_ucr = balance_ucr + ?, earned_ucr = earned_ucr + ? WHERE id = ?', p.amount_ucr, earned_ucr, p.to);
    if (debited.changes !== 1 || credited.changes !== 1) {
      throw new Error(`posting between unknown accounts ${p.from} -> ${p.to} (event ${event.seq})`);
    }
    w.run(
      'INSERT INTO postings (seq, from_id, to_id, amount_ucr, kind, memo, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
      event.seq, p.from, p.to, p.amount_ucr, p.kind, p.memo ?? null, event.at_ms,
    );
  }
}

export const ledgerProjectors: Projectors = {
  world_created(w, data, event) {
    for (const id of SOURCE_ACCOUNTS) w.run("INSERT INTO accounts (id, kind) VALUES (?, 'source')", id);
    for (const id of SINK_ACCOUNTS) w.run("INSERT INTO accounts (id, kind) VALUES (?, 'sink')", id);
    w.run("INSERT INTO meta (key, value) VALUES ('world_id', ?), ('seed', ?), ('created_at_ms', ?)", data.world_id, String(data.seed), String(event.at_ms));
  },
};
