// Debt contracts: a loan is proposed by one party and accepted by the other (both consent);
// acceptance moves the principal from lender to borrower. At each due point the kernel takes
// the instalment from the borrower's spendable balance as far as it goes, never below zero,
// and pays it to whoever holds the claim then; what stays unpaid is a recorded default.
import { AgoraError } from '../../base/errors.js';
import type { Posting } from '../ledger/events.js';
import type { CommandMeta, KernelCore, Tx } from '../registry.js';

/** Publishes a loan's claim as an artifact owned by `owner_id` in the command `tx`; returns its id (the kernel wires Artifacts.issueLoanClaim). */
export type ClaimIssuer = (tx: Tx, input: { owner_id: string; loan_id: string; terms: Record<string, string | number> }) => string;
import { currentCycle, requireLiving, spendable, type LoanRow } from './rows.js';

export interface ProposeLoanInput {
  proposer_id: string;
  counterparty_id: string;
  /** The proposer's side of the loan. */
  role: 'lender' | 'borrower';
  principal_ucr: number;
  repayment_ucr: number;
  instalments: number;
  first_due_in: number;
  every_cycles: number;
}

/** What an agent's loans say of it as a borrower: its credit reputation. */
export interface CreditRecord {
  agent_id: string;
  loans_outstanding: number;
  loans_paid: number;
  loans_defaulted: number;
  repaid_ucr: number;
  defaulted_ucr: number;
}

/** Instalment i of n of a repayment: equal parts, the remainder in the last. */
export function instalmentUcr(repayment_ucr: number, instalments: number, i: number): number {
  const base = Math.floor(repayment_ucr / instalments);
  return i === instalments ? repayment_ucr - base * (instalments - 1) : base;
}

export class Loans {
  /** Set by the kernel: without it (a bare Trade) accepted loans have no claim artifact. */
  issueClaim: ClaimIssuer | null = null;

  constructor(private readonly core: KernelCore) {}

  private get limits() {
    return this.core.config.trade;
  }

  get(loan_id: string): LoanRow | null {
    return this.core.writer.get<LoanRow>('SELECT * FROM trade_loans WHERE loan_id = ?', loan_id) ?? null;
  }

  list(options: { agent_id?: string; status?: LoanRow['status']; limit: number }): LoanRow[] {
    return this.core.writer.all<LoanRow>(
      `SELECT * FROM trade_loans WHERE (? IS NULL OR lender_id = ? OR borrower_id = ? OR holder_id = ?) AND (? IS NULL OR status = ?) ORDER BY created_at_ms, loan_id LIMIT ?`,
      options.agent_id ?? null, options.agent_id ?? null, options.agent_id ?? null, options.agent_id ?? null, options.status ?? null, options.status ?? null, options.limit,
    );
  }

  payments(loan_id: string): { instalment: number; cycle: number; owed_ucr: number; paid_ucr: number; to_id: string }[] {
    return this.core.writer.all('SELECT instalment, cycle, owed_ucr, paid_ucr, to_id FROM trade_loan_payments WHERE loan_id = ? ORDER BY instalment', loan_id);
  }

  creditRecord(agent_id: string): CreditRecord {
    const row = this.core.writer.get<Omit<CreditRecord, 'agent_id'>>(
      `SELECT COALESCE(SUM(status = 'outstanding'), 0) AS loans_outstanding, COALESCE(SUM(status = 'paid'), 0) AS loans_paid,
              COALESCE(SUM(status = 'defaulted'), 0) AS loans_defaulted, COALESCE(SUM(paid_ucr), 0) AS repaid_ucr, COALESCE(SUM(defaulted_ucr), 0) AS defaulted_ucr
       FROM trade_loans WHERE borrower_id = ? AND status IN ('outstanding', 'paid', 'defaulted')`,
      agent_id,
    )!;
    return { agent_id, ...row };
  }

  propose(input: ProposeLoanInput, meta: CommandMeta): LoanRow {
    const l = this.limits;
    const whole = (v: number, min: number, max: number, field: string) => {
      if (!Number.isSafeInteger(v) || v < min || v > max) throw new AgoraError('INVALID_ARGS', `${field} must be a whole number from ${min} to ${max}`, { field });
    };
    whole(input.principal_ucr, 1, Number.MAX_SAFE_INTEGER, 'principal');
    whole(input.repayment_ucr, 1, Number.MAX_SAFE_INTEGER, 'repayment');
    whole(input.instalments, 1, l.loan_instalments_max, 'instalments');
    whole(input.first_due_in, 1, l.loan_term_cycles_max, 'first_due_in_cycles');
    whole(input.every_cycles, 1, l.loan_term_cycles_max, 'every_cycles');
    if (input.first_due_in + input.every_cycles * (input.instalments - 1) > l.loan_term_cycles_max) {
      throw new AgoraError('INVALID_ARGS', `the last instalment would fall due after trade.loan_term_cycles_max (${l.loan_term_cycles_max}) cycles`, { field: 'every_cycles' });
    }
    if (input.repayment_ucr < input.instalments) throw new AgoraError('INVALID_ARGS', 'each instalment is at least 1 µcr', { field: 'repayment' });
    if (input.counterparty_id === input.proposer_id) throw new AgoraError('INVALID_ARGS', 'a loan is between two agents');
    return this.core.command(meta, (tx) => {
      requireLiving(this.core, input.proposer_id, 'proposer');
      requireLiving(this.core, input.counterparty_id, 'counterparty');
      for (const party of [input.proposer_id, input.counterparty_id]) {
        const n = this.core.writer.get<{ n: number }>("SELECT COUNT(*) AS n FROM trade_loans WHERE (lender_id = ? OR borrower_id = ?) AND status IN ('proposed', 'outstanding')", party, party)!.n;
        if (n >= l.loans_open_per_agent_max) throw new AgoraError('LIMIT', `${party} is party to ${n} open loans; at most ${l.loans_open_per_agent_max} (trade.loans_open_per_agent_max)`);
      }
      const lender_id = input.role === 'lender' ? input.proposer_id : input.counterparty_id;
      const borrower_id = input.role === 'lender' ? input.counterparty_id : input.proposer_id;
      const loan_id = this.core.rng.id('loan', 12);
      tx.emit('loan_proposed', {
        loan_id,
        proposer_id: input.proposer_id,
        lender_id,
        borrower_id,
        principal_ucr: input.principal_ucr,
        repayment_ucr: input.repayment_ucr,
        instalments: input.instalments,
        first_due_in: input.first_due_in,
        every_cycles: input.every_cycles,
      });
      return this.get(loan_id)!;
    });
  }

  /** The other party consents, naming the terms it saw (principal and repayment). */
  accept(input: { by_id: string; loan_id: string; principal_ucr: number; repayment_ucr: number }, meta: CommandMeta): LoanRow {
    return this.core.command(meta, (tx) => {
      const loan = this.requireProposed(input.loan_id);
      const other = loan.proposer_id === loan.lender_id ? loan.borrower_id : loan.lender_id;
      if (input.by_id !== other) throw new AgoraError('ACCESS_DENIED', `only ${other} may accept loan ${loan.loan_id}`);
      if (input.principal_ucr !== loan.principal_ucr || input.repayment_ucr !== loan.repayment_ucr) {
        throw new AgoraError('CONFLICT', `loan ${loan.loan_id} is for ${loan.principal_ucr} µcr repaid as ${loan.repayment_ucr} µcr; the acceptance names other terms, nothing moved`, { principal_ucr: loan.principal_ucr, repayment_ucr: loan.repayment_ucr });
      }
      requireLiving(this.core, loan.lender_id, 'lender');
      requireLiving(this.core, loan.borrower_id, 'borrower');
      const balance = spendable(this.core, loan.lender_id);
      if (balance < loan.principal_ucr) throw new AgoraError('INSUFFICIENT_FUNDS', `the lender ${loan.lender_id} has ${balance} µcr; the principal is ${loan.principal_ucr} µcr`, { balance_ucr: balance });
      const cycle = currentCycle(this.core);
      // The claim: an artifact the lender owns; whoever owns it is paid the repayments.
      const terms = {
        lender_id: loan.lender_id,
        borrower_id: loan.borrower_id,
        principal_ucr: loan.principal_ucr,
        repayment_ucr: loan.repayment_ucr,
        instalments: loan.instalments,
        accepted_cycle: cycle,
        first_due_cycle: cycle + loan.first_due_in,
        every_cycles: loan.every_cycles,
      };
      const claim_artifact_id = this.issueClaim?.(tx, { owner_id: loan.lender_id, loan_id: loan.loan_id, terms });
      tx.emit('loan_accepted', {
        loan_id: loan.loan_id,
        by_id: input.by_id,
        cycle,
        first_due_cycle: cycle + loan.first_due_in,
        ...(claim_artifact_id === undefined ? {} : { claim_artifact_id }),
        postings: [{ from: loan.lender_id, to: loan.borrower_id, amount_ucr: loan.principal_ucr, kind: 'transfer', memo: `loan ${loan.loan_id}` }],
      });
      return this.get(loan.loan_id)!;
    });
  }

  /** Either party withdraws (proposer) or declines (the other) a loan not yet accepted. */
  withdraw(input: { by_id: string; loan_id: string }, meta: CommandMeta): LoanRow {
    return this.core.command(meta, (tx) => {
      const loan = this.requireProposed(input.loan_id);
      if (input.by_id !== loan.lender_id && input.by_id !== loan.borrower_id) throw new AgoraError('ACCESS_DENIED', `only a party to loan ${loan.loan_id} may withdraw it`);
      tx.emit('loan_withdrawn', { loan_id: loan.loan_id, by_id: input.by_id });
      return this.get(loan.loan_id)!;
    });
  }

  /** Every due point up to the current cycle, in due order (the loop calls it once per cycle). */
  collectDue(tx: Tx): { collected: number; paid_ucr: number; defaulted_ucr: number } {
    const cycle = currentCycle(this.core);
    let collected = 0;
    let paid_total = 0;
    let defaulted_total = 0;
    for (;;) {
      const loan = this.core.writer.get<LoanRow>("SELECT * FROM trade_loans WHERE status = 'outstanding' AND next_due_cycle <= ? ORDER BY next_due_cycle, loan_id LIMIT 1", cycle);
      if (loan === undefined) break;
      const i = loan.next_instalment;
      const owed_ucr = instalmentUcr(loan.repayment_ucr, loan.instalments, i);
      const to_id = loan.holder_id;
      // A borrower holding its own claim owes itself: settled with no posting.
      const paid_ucr = to_id === loan.borrower_id ? owed_ucr : Math.min(owed_ucr, spendable(this.core, loan.borrower_id));
      const defaulted_ucr = owed_ucr - paid_ucr;
      const last = i === loan.instalments;
      const status = !last ? 'outstanding' : loan.defaulted_ucr + defaulted_ucr > 0 ? 'defaulted' : 'paid';
      const postings: Posting[] = to_id !== loan.borrower_id && paid_ucr > 0 ? [{ from: loan.borrower_id, to: to_id, amount_ucr: paid_ucr, kind: 'transfer', memo: `loan ${loan.loan_id} instalment ${i}` }] : [];
      tx.emit('loan_collected', {
        loan_id: loan.loan_id,
        instalment: i,
        cycle,
        owed_ucr,
        paid_ucr,
        defaulted_ucr,
        to_id,
        status,
        next_due_cycle: last ? null : loan.next_due_cycle! + loan.every_cycles,
        postings,
      });
      collected++;
      paid_total += paid_ucr;
      defaulted_total += defaulted_ucr;
    }
    return { collected, paid_ucr: paid_total, defaulted_ucr: defaulted_total };
  }

  private requireProposed(loan_id: string): LoanRow {
    const loan = this.get(loan_id);
    if (loan === null) throw new AgoraError('NOT_FOUND', `no loan ${loan_id}`);
    if (loan.status !== 'proposed') throw new AgoraError('CONFLICT', `loan ${loan_id} is ${loan.status}`, { status: loan.status });
    return loan;
  }
}
