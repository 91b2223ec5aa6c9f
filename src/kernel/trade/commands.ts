// The trade domain's facade: offers (the escrowed exchange), loans, rights, and the once-a-
// cycle work the world loop asks of it (expire offers, collect what loans are owed).
import type { Artifacts } from '../artifacts/commands.js';
import type { CommandMeta, KernelCore } from '../registry.js';
import { CodeUpdates } from './code.js';
import { Loans } from './loans.js';
import { Offers } from './offers.js';
import { Rights } from './rights.js';
import { RATE_RIGHTS, BUDGET_RIGHT } from './events.js';

export class Trade {
  readonly rights: Rights;
  readonly offers: Offers;
  readonly loans: Loans;
  /** The command the code right guards: updating an agent's code. */
  readonly code: CodeUpdates;

  constructor(
    private readonly core: KernelCore,
    artifacts: Artifacts,
  ) {
    this.rights = new Rights(core);
    this.code = new CodeUpdates(core, this.rights, artifacts);
    this.offers = new Offers(core, this.rights);
    this.loans = new Loans(core);
  }

  /** Once per cycle, after the clearing: offers past their expiry close, loans due are collected. */
  tick(meta: CommandMeta = { actor: 'system:loop' }): { expired: number; collected: number; paid_ucr: number; defaulted_ucr: number } {
    return this.core.command(meta, (tx) => {
      const expired = this.offers.expireDue(tx);
      return { expired, ...this.loans.collectDue(tx) };
    });
  }

  /** The agent's LLM rate share as held now: its own per-minute windows (the proxy reads it at each call). */
  rateShare(agent_id: string): { tokens_per_minute: number; requests_per_minute: number } {
    return { tokens_per_minute: this.rights.held(agent_id, RATE_RIGHTS[0]), requests_per_minute: this.rights.held(agent_id, RATE_RIGHTS[1]) };
  }

  /** Tokens of the agent's LLM budget left now. */
  tokenBudget(agent_id: string): number {
    return this.rights.held(agent_id, BUDGET_RIGHT);
  }
}
