// Rights as holdings in their own units: issued once per agent at its creation, moved by
// transfer or through an offer, read by the LLM proxy at the moment of use (docs/trade.md).
import { AgoraError } from '../../base/errors.js';
import { escrowAccount } from '../ledger/accounts.js';
import type { CommandMeta, KernelCore, Tx } from '../registry.js';
import { BUDGET_RIGHT, CODE_RIGHT_PREFIX, rightName } from './events.js';
import { requireLiving } from './rows.js';

export interface Holding {
  right: string;
  units: number;
  /** Units of it in open offers (escrow:<holder>): not usable, returned if the offer closes. */
  in_offers: number;
}

export class Rights {
  constructor(private readonly core: KernelCore) {}

  /** The world hands a new agent its default shares and the right to update its own code. */
  issueDefaults(tx: Tx, agent_id: string): void {
    const d = this.core.config.trade.rights_default;
    const rate = this.core.config.llm.rate_limits;
    tx.emit('rights_issued', {
      holder_id: agent_id,
      grants: [
        { right: 'llm_tokens_per_minute', units: rate.agent_tokens_per_minute },
        { right: 'llm_requests_per_minute', units: rate.agent_requests_per_minute },
        { right: BUDGET_RIGHT, units: d.llm_token_budget },
        { right: `${CODE_RIGHT_PREFIX}${agent_id}`, units: 1 },
      ],
      reason: 'agent created',
    });
  }

  /** Units held and usable now (what is in open offers is not). */
  held(holder_id: string, right: string): number {
    return this.core.writer.get<{ units: number }>('SELECT units FROM trade_rights WHERE holder_id = ? AND right_name = ?', holder_id, right)?.units ?? 0;
  }

  holdings(holder_id: string): Holding[] {
    const rows = this.core.writer.all<{ holder_id: string; right_name: string; units: number }>(
      'SELECT holder_id, right_name, units FROM trade_rights WHERE holder_id IN (?, ?) ORDER BY right_name',
      holder_id, escrowAccount(holder_id),
    );
    const by = new Map<string, Holding>();
    for (const r of rows) {
      const h = by.get(r.right_name) ?? { right: r.right_name, units: 0, in_offers: 0 };
      if (r.holder_id === holder_id) h.units = r.units;
      else h.in_offers = r.units;
      by.set(r.right_name, h);
    }
    return [...by.values()].filter((h) => h.units > 0 || h.in_offers > 0);
  }

  /** Who may update this agent's code: the holder of code:<agent_id> (null if it is in an offer). */
  codeHolder(agent_id: string): string | null {
    return this.core.writer.get<{ holder_id: string }>("SELECT holder_id FROM trade_rights WHERE right_name = ? AND units > 0 AND holder_id NOT LIKE 'escrow:%'", `${CODE_RIGHT_PREFIX}${agent_id}`)?.holder_id ?? null;
  }

  requireHeld(holder_id: string, right: string, units: number): void {
    const parsed = rightName().safeParse(right);
    if (!parsed.success) throw new AgoraError('INVALID_ARGS', `unknown right ${right}`, { field: 'right' });
    if (!Number.isSafeInteger(units) || units < 1) throw new AgoraError('INVALID_ARGS', 'units is a whole number of at least 1', { field: 'units' });
    const held = this.held(holder_id, right);
    if (held < units) throw new AgoraError('ACCESS_DENIED', `${holder_id} holds ${held} ${right}; it cannot give ${units}`, { right, held, units });
  }

  transfer(input: { from_id: string; to_id: string; right: string; units: number }, meta: CommandMeta): Holding[] {
    return this.core.command(meta, (tx) => {
      this.requireHeld(input.from_id, input.right, input.units);
      if (input.to_id === input.from_id) throw new AgoraError('INVALID_ARGS', 'a right is transferred to another agent');
      requireLiving(this.core, input.to_id, 'recipient');
      tx.emit('right_transferred', { from_id: input.from_id, to_id: input.to_id, right: input.right, units: input.units });
      return this.holdings(input.from_id);
    });
  }
}
