// Trade events into the trade tables. Rights move here and only here: every change of a
// holding is a pair (from, to) of the same units, except issue (from nothing, counted in
// trade_rights_supply.issued_units) and LLM use of the token budget (counted in consumed_units).
import { escrowAccount } from '../ledger/accounts.js';
import type { ProjectionWriter } from '../engine/projection.js';
import type { Projectors } from '../registry.js';
import { BUDGET_RIGHT } from './events.js';

function addUnits(w: ProjectionWriter, holder_id: string, right: string, delta: number): void {
  // The CHECK (units >= 0) refuses a holding going negative even if a command's check slips.
  // (An upsert would test the CHECK on the inserted row first, so update, then insert.)
  const updated = w.run('UPDATE trade_rights SET units = units + ? WHERE holder_id = ? AND right_name = ?', delta, holder_id, right);
  if (updated.changes === 0) w.run('INSERT INTO trade_rights (holder_id, right_name, units) VALUES (?, ?, ?)', holder_id, right, delta);
}

export function moveUnits(w: ProjectionWriter, from_id: string, to_id: string, right: string, units: number): void {
  addUnits(w, from_id, right, -units);
  addUnits(w, to_id, right, units);
}

export const tradeProjectors: Projectors = {
  rights_issued(w, data) {
    for (const g of data.grants) {
      addUnits(w, data.holder_id, g.right, g.units);
      w.run(
        `INSERT INTO trade_rights_supply (right_name, issued_units, consumed_units) VALUES (?, ?, 0)
         ON CONFLICT (right_name) DO UPDATE SET issued_units = trade_rights_supply.issued_units + excluded.issued_units`,
        g.right, g.units,
      );
    }
  },
  right_transferred(w, data) {
    moveUnits(w, data.from_id, data.to_id, data.right, data.units);
  },
  offer_posted(w, data, event) {
    w.run(
      `INSERT INTO trade_offers (offer_id, seller_id, kind, artifact_id, calls, loan_id, right_name, units, price_ucr, buyer_id, expires_cycle, revision, status, created_at_ms, seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 'open', ?, ?)`,
      data.offer_id, data.seller_id, data.kind, data.artifact_id, data.calls, data.loan_id, data.right, data.units, data.price_ucr, data.buyer_id, data.expires_cycle, event.at_ms, event.seq,
    );
    if (data.kind === 'right') moveUnits(w, data.seller_id, escrowAccount(data.seller_id), data.right!, data.units!);
  },
  offer_repriced(w, data) {
    w.run('UPDATE trade_offers SET price_ucr = ?, revision = ? WHERE offer_id = ?', data.price_ucr, data.revision, data.offer_id);
  },
  offer_accepted(w, data, event) {
    const offer = w.get<{ artifact_id: string | null; calls: number | null; loan_id: string | null; right_name: string | null; units: number | null }>(
      'SELECT artifact_id, calls, loan_id, right_name, units FROM trade_offers WHERE offer_id = ?',
      data.offer_id,
    )!;
    w.run("UPDATE trade_offers SET status = 'accepted', accepted_by = ?, closed_at_ms = ? WHERE offer_id = ?", data.buyer_id, event.at_ms, data.offer_id);
    if (data.kind === 'licence') {
      w.run(
        'INSERT INTO trade_licences (licence_id, holder_id, artifact_id, calls_total, calls_left, offer_id, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
        data.licence_id, data.buyer_id, offer.artifact_id, offer.calls, offer.calls, data.offer_id, event.at_ms,
      );
    } else if (data.kind === 'claim') {
      w.run('UPDATE trade_loans SET holder_id = ? WHERE loan_id = ?', data.buyer_id, offer.loan_id);
    } else if (data.kind === 'right') {
      moveUnits(w, escrowAccount(data.seller_id), data.buyer_id, offer.right_name!, offer.units!);
    }
    // kind artifact: the same command journals artifact_transferred, which moves the ownership.
  },
  offer_closed(w, data, event) {
    const offer = w.get<{ seller_id: string; kind: string; right_name: string | null; units: number | null }>('SELECT seller_id, kind, right_name, units FROM trade_offers WHERE offer_id = ?', data.offer_id)!;
    w.run('UPDATE trade_offers SET status = ?, closed_at_ms = ? WHERE offer_id = ?', data.status, event.at_ms, data.offer_id);
    if (offer.kind === 'right') moveUnits(w, escrowAccount(offer.seller_id), offer.seller_id, offer.right_name!, offer.units!);
  },
  licence_used(w, data) {
    w.run('UPDATE trade_licences SET calls_left = calls_left - 1 WHERE licence_id = ?', data.licence_id);
  },
  loan_proposed(w, data, event) {
    w.run(
      `INSERT INTO trade_loans (loan_id, proposer_id, lender_id, borrower_id, holder_id, principal_ucr, repayment_ucr, instalments, first_due_in, every_cycles, status, created_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'proposed', ?)`,
      data.loan_id, data.proposer_id, data.lender_id, data.borrower_id, data.lender_id, data.principal_ucr, data.repayment_ucr, data.instalments, data.first_due_in, data.every_cycles, event.at_ms,
    );
  },
  loan_accepted(w, data) {
    w.run(
      "UPDATE trade_loans SET status = 'outstanding', accepted_cycle = ?, next_due_cycle = ?, claim_artifact_id = ? WHERE loan_id = ?",
      data.cycle, data.first_due_cycle, data.claim_artifact_id ?? null, data.loan_id,
    );
  },
  artifact_transferred(w, data) {
    // A claim artifact changed owner (sold as a claim offer, or given): its new owner is paid.
    w.run('UPDATE trade_loans SET holder_id = ? WHERE claim_artifact_id = ?', data.to_id, data.artifact_id);
  },
  loan_withdrawn(w, data, event) {
    w.run("UPDATE trade_loans SET status = 'withdrawn', closed_at_ms = ? WHERE loan_id = ?", event.at_ms, data.loan_id);
  },
  loan_collected(w, data, event) {
    w.run(
      'INSERT INTO trade_loan_payments (seq, loan_id, instalment, cycle, owed_ucr, paid_ucr, to_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
      event.seq, data.loan_id, data.instalment, data.cycle, data.owed_ucr, data.paid_ucr, data.to_id,
    );
    // closed_at_ms is chosen here, not by a CASE over two parameters: PostgreSQL types a bare
    // parameter beside NULL in a CASE as text and refuses it for the bigint column (SQLite stores the same value).
    w.run(
      `UPDATE trade_loans SET paid_ucr = paid_ucr + ?, defaulted_ucr = defaulted_ucr + ?, next_instalment = ?, next_due_cycle = ?, status = ?,
         closed_at_ms = ? WHERE loan_id = ?`,
      data.paid_ucr, data.defaulted_ucr, data.instalment + 1, data.next_due_cycle, data.status, data.status === 'outstanding' ? null : event.at_ms, data.loan_id,
    );
  },
  llm_call_completed(w, data) {
    // Use of the token budget: what the call used, never more than is held (admission checked
    // the reservation against the holding; a reply can only be shorter than its reservation).
    if (data.total_tokens <= 0) return;
    const held = w.get<{ units: number }>('SELECT units FROM trade_rights WHERE holder_id = ? AND right_name = ?', data.agent_id, BUDGET_RIGHT)?.units ?? 0;
    const used = Math.min(held, data.total_tokens);
    if (used === 0) return;
    w.run('UPDATE trade_rights SET units = units - ? WHERE holder_id = ? AND right_name = ?', used, data.agent_id, BUDGET_RIGHT);
    w.run('UPDATE trade_rights_supply SET consumed_units = consumed_units + ? WHERE right_name = ?', used, BUDGET_RIGHT);
  },
};

export const tradeTables = ['trade_offers', 'trade_licences', 'trade_loans', 'trade_loan_payments', 'trade_rights', 'trade_rights_supply'];
