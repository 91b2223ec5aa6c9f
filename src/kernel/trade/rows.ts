// Row types of the trade tables, and the small reads every trade file shares.
import type { KernelCore } from '../registry.js';
import { AgoraError } from '../../base/errors.js';
import type { OfferKind } from './events.js';

export interface OfferRow {
  offer_id: string;
  seller_id: string;
  kind: OfferKind;
  artifact_id: string | null;
  calls: number | null;
  loan_id: string | null;
  right_name: string | null;
  units: number | null;
  price_ucr: number;
  buyer_id: string | null;
  expires_cycle: number | null;
  revision: number;
  status: 'open' | 'accepted' | 'withdrawn' | 'expired';
  accepted_by: string | null;
  created_at_ms: number;
  closed_at_ms: number | null;
  seq: number;
}

export interface LoanRow {
  loan_id: string;
  proposer_id: string;
  lender_id: string;
  borrower_id: string;
  /** Who receives the repayments: the owner of the claim artifact, when the loan has one. */
  holder_id: string;
  claim_artifact_id: string | null;
  principal_ucr: number;
  repayment_ucr: number;
  instalments: number;
  first_due_in: number;
  every_cycles: number;
  accepted_cycle: number | null;
  next_instalment: number;
  next_due_cycle: number | null;
  paid_ucr: number;
  defaulted_ucr: number;
  status: 'proposed' | 'outstanding' | 'paid' | 'defaulted' | 'withdrawn';
  created_at_ms: number;
  closed_at_ms: number | null;
}

export interface LicenceRow {
  licence_id: string;
  holder_id: string;
  artifact_id: string;
  calls_total: number;
  calls_left: number;
  offer_id: string;
  created_at_ms: number;
}

/** The market's cycle: the clock of expiries and due points. */
export function currentCycle(core: KernelCore): number {
  return core.writer.get<{ cycle: number }>('SELECT cycle FROM market_state WHERE id = 1')?.cycle ?? 0;
}

/** A living agent (trade with the dead is refused: they can neither pay nor use). */
export function requireLiving(core: KernelCore, agent_id: string, role: string): void {
  const row = core.writer.get<{ status: string }>('SELECT status FROM agents WHERE id = ?', agent_id);
  if (row === undefined) throw new AgoraError('NOT_FOUND', `no agent ${agent_id} (${role})`);
  if (row.status === 'dead') throw new AgoraError('DELETED', `agent ${agent_id} (${role}) is dead`);
}

export function spendable(core: KernelCore, agent_id: string): number {
  return core.writer.get<{ balance_ucr: number }>('SELECT balance_ucr FROM accounts WHERE id = ?', agent_id)?.balance_ucr ?? 0;
}
