// The audit's checks of trade (docs/trade.md, "Invariants"), over any database, live or replayed.
import type { Db } from '../../store/store.js';

/** Conserved: for every right, what is held (escrow included) is what was issued less what was used. */
export function rightsConservedOf(db: Db): { ok: boolean; mismatched: string[] } {
  const rows = db
    .prepare(
      `SELECT s.right_name, s.issued_units - s.consumed_units AS expected, COALESCE((SELECT SUM(units) FROM trade_rights r WHERE r.right_name = s.right_name), 0) AS held
       FROM trade_rights_supply s`,
    )
    .all() as { right_name: string; expected: number; held: number }[];
  const orphan = db.prepare('SELECT DISTINCT right_name FROM trade_rights WHERE right_name NOT IN (SELECT right_name FROM trade_rights_supply)').all() as { right_name: string }[];
  const mismatched = [...rows.filter((r) => r.expected !== r.held).map((r) => r.right_name), ...orphan.map((r) => r.right_name)];
  return { ok: mismatched.length === 0, mismatched };
}

/**
 * No holding negative; what an open right offer holds sits in its seller's escrow exactly; an
 * agent's code right is held by one holder at most (never twice).
 */
export function rightsHeldOnceOf(db: Db): { ok: boolean; problems: string[] } {
  const problems: string[] = [];
  const negative = db.prepare('SELECT holder_id, right_name FROM trade_rights WHERE units < 0').all() as { holder_id: string; right_name: string }[];
  for (const n of negative) problems.push(`negative ${n.right_name} of ${n.holder_id}`);
  const escrow = db
    .prepare(
      `SELECT r.holder_id, r.right_name, r.units,
         COALESCE((SELECT SUM(o.units) FROM trade_offers o WHERE o.kind = 'right' AND o.status = 'open' AND 'escrow:' || o.seller_id = r.holder_id AND o.right_name = r.right_name), 0) AS offered
       FROM trade_rights r WHERE r.holder_id LIKE 'escrow:%'`,
    )
    .all() as { holder_id: string; right_name: string; units: number; offered: number }[];
  for (const e of escrow) if (e.units !== e.offered) problems.push(`${e.holder_id} holds ${e.units} ${e.right_name}, its open offers ${e.offered}`);
  const code = db.prepare("SELECT right_name, SUM(units) AS total FROM trade_rights WHERE right_name LIKE 'code:%' GROUP BY right_name HAVING SUM(units) > 1").all() as { right_name: string }[];
  for (const c of code) problems.push(`${c.right_name} held more than once`);
  return { ok: problems.length === 0, problems };
}

/** Loans: paid plus defaulted is what their collections say; a closed loan collected every instalment. */
export function loansConsistentOf(db: Db): { ok: boolean; mismatched: string[] } {
  const rows = db
    .prepare(
      `SELECT l.loan_id, l.status, l.instalments, l.paid_ucr, l.defaulted_ucr, l.repayment_ucr,
         COALESCE(SUM(p.paid_ucr), 0) AS paid, COALESCE(SUM(p.owed_ucr - p.paid_ucr), 0) AS unpaid, COUNT(p.instalment) AS n
       FROM trade_loans l LEFT JOIN trade_loan_payments p ON p.loan_id = l.loan_id GROUP BY l.loan_id`,
    )
    .all() as { loan_id: string; status: string; instalments: number; paid_ucr: number; defaulted_ucr: number; repayment_ucr: number; paid: number; unpaid: number; n: number }[];
  const bad = rows.filter(
    (r) =>
      r.paid !== r.paid_ucr ||
      r.unpaid !== r.defaulted_ucr ||
      ((r.status === 'paid' || r.status === 'defaulted') && (r.n !== r.instalments || r.paid_ucr + r.defaulted_ucr !== r.repayment_ucr)) ||
      (r.status === 'paid' && r.defaulted_ucr !== 0),
  );
  return { ok: bad.length === 0, mismatched: bad.map((r) => r.loan_id) };
}

/** A loan's claim artifact exists, is live, and is owned by the loan's creditor of record (who is paid). */
export function loanClaimsOwnedOf(db: Db): { ok: boolean; mismatched: string[] } {
  const rows = db
    .prepare(
      `SELECT l.loan_id FROM trade_loans l LEFT JOIN artifacts a ON a.id = l.claim_artifact_id
       WHERE l.claim_artifact_id IS NOT NULL AND (a.id IS NULL OR a.owner_id <> l.holder_id OR a.status <> 'live' OR a.kind <> 'contract')`,
    )
    .all() as { loan_id: string }[];
  return { ok: rows.length === 0, mismatched: rows.map((r) => r.loan_id) };
}
