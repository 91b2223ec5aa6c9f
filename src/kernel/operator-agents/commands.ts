// The operator's commands on agents: add one of its own (the workspace is built first by the
// orchestrator, as for a spawn), pause, resume and kill any agent. Each checks everything,
// then emits; a refusal writes nothing.
import { AgoraError, invariant } from '../../base/errors.js';
import type { Config } from '../../config/schema.js';
import type { Agents, AgentView } from '../agents/commands.js';
import { AGENT_ID_PATTERN, SYSTEM_BURN, SYSTEM_MINT } from '../ledger/accounts.js';
import type { Posting } from '../ledger/events.js';
import type { Market } from '../market/commands.js';
import type { BidView } from '../market/reads.js';
import type { CommandMeta, KernelCore } from '../registry.js';
import { bundleFromNatural, reserveValueUcr } from '../resources/units.js';

export interface OperatorAgentRow {
  agent_id: string;
  name: string;
  source: string;
  added_at_ms: number;
}

export interface AddAgentInput {
  agent_id: string;
  name: string;
  source: string;
  workspace: string;
  granted_ucr: number;
  files: { copied: number; skipped: number; bytes: number };
}

export class OperatorAgents {
  constructor(
    private readonly core: KernelCore,
    private readonly agents: Agents,
    private readonly market: Market,
  ) {}

  private get config(): Config['operator_agents'] {
    return this.core.config.operator_agents;
  }

  /** Living operator agents: those holding a place of operator_agents.places_max. */
  livingCount(): number {
    return this.core.writer.get<{ n: number }>("SELECT COUNT(*) AS n FROM operator_agents o JOIN agents a ON a.id = o.agent_id WHERE a.status <> 'dead'")!.n;
  }

  list(): OperatorAgentRow[] {
    return this.core.writer.all<OperatorAgentRow>('SELECT agent_id, name, source, added_at_ms FROM operator_agents ORDER BY added_seq');
  }

  isOperatorAgent(agent_id: string): boolean {
    return this.core.writer.get('SELECT 1 FROM operator_agents WHERE agent_id = ?', agent_id) !== undefined;
  }

  isPaused(agent_id: string): boolean {
    return this.core.writer.get('SELECT 1 FROM agent_holds WHERE agent_id = ?', agent_id) !== undefined;
  }

  /**
   * What an add checks before any disk is touched (and again inside the command): the ids are
   * valid and free, the grant within bounds, and `count` places are free in the reserve.
   */
  checkAdd(input: { agent_ids: string[]; granted_ucr: number }): void {
    const max_ucr = Math.round(this.config.credits_max * 1e6);
    if (!Number.isSafeInteger(input.granted_ucr) || input.granted_ucr <= 0 || input.granted_ucr > max_ucr) {
      throw new AgoraError('INVALID_ARGS', `credits must be more than 0 and at most ${this.config.credits_max} (operator_agents.credits_max)`, { field: 'credits' });
    }
    if (input.agent_ids.length < 1 || input.agent_ids.length > this.config.count_max) {
      throw new AgoraError('INVALID_ARGS', `count must be from 1 to ${this.config.count_max} (operator_agents.count_max)`, { field: 'count' });
    }
    for (const id of input.agent_ids) {
      if (!AGENT_ID_PATTERN.test(id)) throw new AgoraError('INVALID_ARGS', `${JSON.stringify(id)} is not a valid agent name: lower case letters, digits, - and _, starting with a letter or digit`, { field: 'name' });
      if (this.agents.get(id) !== null) throw new AgoraError('CONFLICT', `an agent named ${id} exists; choose another --name`, { field: 'name', agent_id: id });
    }
    const living = this.livingCount();
    if (living + input.agent_ids.length > this.config.places_max) {
      throw new AgoraError('UNAVAILABLE', `the world holds ${living} living operator agents and has ${this.config.places_max} places for them (operator_agents.places_max); kill some or raise it`, { living, places_max: this.config.places_max });
    }
  }

  /** The bid an added agent is born with: the configured bundle at current prices plus a markup, within its grant. */
  private firstBid(granted_ucr: number): { bundle: ReturnType<typeof bundleFromNatural>; amount_ucr: number } {
    const d = this.config.first_bid;
    const bundle = bundleFromNatural({ cpu: d.cpu_s, memory: d.memory_mb, tokens: 0, attention: 0, duration_s: d.duration_s });
    const reserve_ucr = reserveValueUcr(bundle, this.market.prices());
    if (reserve_ucr > granted_ucr) {
      throw new AgoraError('INSUFFICIENT_FUNDS', `the grant (${granted_ucr} µcr) cannot pay its first run (${reserve_ucr} µcr at current prices, operator_agents.first_bid); give more --credits`, { reserve_ucr, granted_ucr });
    }
    return { bundle, amount_ucr: Math.min(granted_ucr, Math.ceil(reserve_ucr * (1 + d.markup))) };
  }

  /** Records the agent, mints its grant and places its first bid, atomically. Its workspace already exists. */
  add(input: AddAgentInput, meta: CommandMeta): { agent: AgentView; first_bid: BidView } {
    return this.core.command(meta, (tx) => {
      this.checkAdd({ agent_ids: [input.agent_id], granted_ucr: input.granted_ucr });
      const first = this.firstBid(input.granted_ucr);
      this.agents.create(tx, {
        agent_id: input.agent_id,
        parent_id: null,
        workspace: input.workspace,
        postings: [{ from: SYSTEM_MINT, to: input.agent_id, amount_ucr: input.granted_ucr, kind: 'grant', memo: 'operator' }],
      });
      tx.emit('operator_agent_added', { agent_id: input.agent_id, name: input.name, source: input.source, granted_ucr: input.granted_ucr, files: input.files });
      const bid = this.market.placeBid({ payer_id: input.agent_id, amount_ucr: first.amount_ucr, bundle: first.bundle }, meta);
      return { agent: this.agents.require(input.agent_id), first_bid: bid };
    });
  }

  pause(agent_id: string, meta: CommandMeta): AgentView {
    return this.core.command(meta, (tx) => {
      const agent = this.requireNotDead(agent_id);
      if (this.isPaused(agent_id)) throw new AgoraError('CONFLICT', `agent ${agent_id} is paused already`, { agent_id });
      this.market.cancelBidsFor(agent_id, meta, 'agent_paused');
      tx.emit('agent_paused', { agent_id, cycle: this.market.state().cycle });
      return this.agents.require(agent.id);
    });
  }

  /** Resumes a paused agent and, when it can pay one, places the bid for its next run. */
  resume(agent_id: string, meta: CommandMeta): { agent: AgentView; bid: BidView | null } {
    return this.core.command(meta, (tx) => {
      this.requireNotDead(agent_id);
      if (!this.isPaused(agent_id)) throw new AgoraError('CONFLICT', `agent ${agent_id} is not paused`, { agent_id });
      tx.emit('agent_resumed', { agent_id, cycle: this.market.state().cycle });
      const balance_ucr = this.agents.require(agent_id).balance_ucr;
      let bid: BidView | null = null;
      try {
        const first = this.firstBid(balance_ucr);
        bid = this.market.placeBid({ payer_id: agent_id, amount_ucr: first.amount_ucr, bundle: first.bundle }, meta);
      } catch (err) {
        // Too poor for a run: resumed all the same; the lifecycle decides what becomes of it.
        if (!(err instanceof AgoraError)) throw err;
      }
      return { agent: this.agents.require(agent_id), bid };
    });
  }

  kill(agent_id: string, meta: CommandMeta): AgentView {
    return this.core.command(meta, (tx) => {
      this.requireNotDead(agent_id);
      this.market.cancelBidsFor(agent_id, meta, 'agent_dead');
      const agent = this.agents.require(agent_id);
      // Escrow backs open bids only, and they were all withdrawn just now (the ones it paid for
      // others too, below); what it holds is burned like a death's.
      const paying = this.core.writer.all<{ id: string }>("SELECT id FROM market_bids WHERE payer_id = ? AND status = 'open'", agent.id);
      for (const row of paying) this.market.withdrawBid(row.id, agent.id, meta);
      const after = this.agents.require(agent_id);
      invariant(after.escrow_ucr === 0, `killed agent ${agent_id} holds no escrow`);
      const postings: Posting[] = after.balance_ucr > 0 ? [{ from: agent_id, to: SYSTEM_BURN, amount_ucr: after.balance_ucr, kind: 'burn', memo: 'killed' }] : [];
      tx.emit('agent_killed', { agent_id, cycle: this.market.state().cycle, balance_ucr: after.balance_ucr, postings });
      return this.agents.require(agent_id);
    });
  }

  private requireNotDead(agent_id: string): AgentView {
    const agent = this.agents.require(agent_id);
    if (agent.status === 'dead') throw new AgoraError('DELETED', `agent ${agent_id} is dead`, { agent_id });
    return agent;
  }
}
