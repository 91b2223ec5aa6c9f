// Ledger commands and queries: transfers between agents, balances, history, conservation.
import { SINK_ACCOUNTS, SOURCE_ACCOUNTS } from './accounts.js';
import type { KernelCore } from '../registry.js';
import { AgoraError, invariant } from '../../base/errors.js';
import type { Posting } from './events.js';
import type { CommandMeta } from '../registry.js';

export interface TransferInput {
  from_id: string;
  to_id: string;
  amount_ucr: number;
  memo: string;
}

export interface PostingRow {
  id: number;
  seq: number;
  from_id: string;
  to_id: string;
  amount_ucr: number;
  kind: Posting['kind'];
  memo: string | null;
  at_ms: number;
}

export interface ConservationReport {
  ok: boolean;
  sum_ucr: number;
  held_ucr: number;
  created_ucr: number;
  burned_ucr: number;
  negative_accounts: string[];
}

export class Ledger {
  constructor(private readonly core: KernelCore) {}

  /** Balance of an account in µcr, or null if no such account. */
  balance(account_id: string): number | null {
    return this.core.cachedRead(`balance:${account_id}`, () => {
      const row = this.core.writer.get<{ balance_ucr: number }>('SELECT balance_ucr FROM accounts WHERE id = ?', account_id);
      return row === undefined ? null : row.balance_ucr;
    });
  }

  /** The spendable balance of an agent; refuses unknown agents. */
  agentBalance(agent_id: string): number {
    const row = this.core.cachedRead(`agent-balance:${agent_id}`, () =>
      this.core.writer.get<{ balance_ucr: number; kind: string }>('SELECT balance_ucr, kind FROM accounts WHERE id = ?', agent_id),
    );
    if (row === undefined || row.kind !== 'agent') throw new AgoraError('NOT_FOUND', `no agent ${agent_id}`, { agent_id });
    return row.balance_ucr;
  }

  transfer(input: TransferInput, meta: CommandMeta): { seq: number; from_balance_ucr: number } {
    invariant(Number.isSafeInteger(input.amount_ucr), 'transfer amount must be an integer of µcr');
    if (input.amount_ucr <= 0) throw new AgoraError('INVALID_ARGS', 'amount must be greater than zero');
    if (input.memo.length > this.core.config.ledger.memo_chars_max) {
      throw new AgoraError('INVALID_ARGS', `memo is longer than ${this.core.config.ledger.memo_chars_max} characters`);
    }
    if (input.from_id === input.to_id) throw new AgoraError('INVALID_ARGS', 'cannot transfer to yourself');
    return this.core.command(meta, (tx) => {
      const from = this.requireAgent(input.from_id);
      const to = this.requireAgent(input.to_id);
      if (from.status === 'dead') throw new AgoraError('DELETED', `agent ${input.from_id} is dead`);
      if (to.status === 'dead') throw new AgoraError('DELETED', `agent ${input.to_id} is dead; credits sent there would be lost`);
      if (from.balance_ucr < input.amount_ucr) {
        throw new AgoraError('INSUFFICIENT_FUNDS', `balance is ${from.balance_ucr} µcr, transfer needs ${input.amount_ucr} µcr`, {
          balance_ucr: from.balance_ucr,
          amount_ucr: input.amount_ucr,
        });
      }
      const event = tx.emit('credits_transferred', {
        from_id: input.from_id,
        to_id: input.to_id,
        amount_ucr: input.amount_ucr,
        memo: input.memo,
        postings: [{ from: input.from_id, to: input.to_id, amount_ucr: input.amount_ucr, kind: 'transfer', memo: input.memo }],
      });
      const after_ucr = from.balance_ucr - input.amount_ucr;
      invariant(this.agentBalance(input.from_id) === after_ucr, 'transfer debited the payer exactly once');
      return { seq: event.seq, from_balance_ucr: after_ucr };
    });
  }

  /** Postings touching an account, newest first; `before_id` pages backwards. */
  history(account_ids: readonly string[], options: { before_id?: number; limit: number }): PostingRow[] {
    invariant(account_ids.length > 0 && account_ids.length <= 8, 'history takes 1 to 8 accounts');
    const marks = account_ids.map(() => '?').join(', ');
    const before = options.before_id ?? Number.MAX_SAFE_INTEGER;
    return this.core.db
      .prepare(
        `SELECT * FROM postings WHERE id < ? AND (from_id IN (${marks}) OR to_id IN (${marks}))
         ORDER BY id DESC LIMIT ?`,
      )
      .all(before, ...account_ids, ...account_ids, options.limit) as PostingRow[];
  }

  /**
   * Conservation: every posting debits and credits the same amount, so all balances sum to
   * zero; what agents hold (with escrow) equals what sources created minus what was burned;
   * and nothing but a source is negative.
   */
  conservation(): ConservationReport {
    return conservationOf(this.core.db);
  }

  private requireAgent(agent_id: string): { status: string; balance_ucr: number } {
    const row = this.core.writer.get<{ status: string; balance_ucr: number }>(
      'SELECT a.status, acc.balance_ucr FROM agents a JOIN accounts acc ON acc.id = a.id WHERE a.id = ?',
      agent_id,
    );
    if (row === undefined) throw new AgoraError('NOT_FOUND', `no agent ${agent_id}`, { agent_id });
    return row;
  }
}

export function conservationOf(db: import('../../store/store.js').Db): ConservationReport {
  const rows = db.prepare('SELECT id, kind, balance_ucr FROM accounts').all() as { id: string; kind: string; balance_ucr: number }[];
  let sum_ucr = 0;
  let held_ucr = 0;
  let created_ucr = 0;
  let burned_ucr = 0;
  const negative_accounts: string[] = [];
  for (const row of rows) {
    sum_ucr += row.balance_ucr;
    if (row.kind === 'agent' || row.kind === 'escrow') held_ucr += row.balance_ucr;
    if ((SOURCE_ACCOUNTS as readonly string[]).includes(row.id)) created_ucr -= row.balance_ucr;
    if ((SINK_ACCOUNTS as readonly string[]).includes(row.id)) burned_ucr += row.balance_ucr;
    if (row.kind !== 'source' && row.balance_ucr < 0) negative_accounts.push(row.id);
  }
  const ok = sum_ucr === 0 && held_ucr === created_ucr - burned_ucr && negative_accounts.length === 0;
  return { ok, sum_ucr, held_ucr, created_ucr, burned_ucr, negative_accounts };
}
