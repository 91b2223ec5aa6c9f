// The agents registry: the record of each agent (not yet its running process).
import { AGENT_ID_PATTERN, SYSTEM_MINT } from '../ledger/accounts.js';
import type { KernelCore, Tx } from '../registry.js';
import { AgoraError, invariant } from '../../base/errors.js';
import type { Posting } from '../ledger/events.js';

export type AgentStatus = 'alive' | 'dormant' | 'dead';

export interface AgentRow {
  id: string;
  status: AgentStatus;
  workspace: string;
  parent_id: string | null;
  lineage: string;
  generation: number;
  created_at_ms: number;
  status_at_ms: number;
  executions: number;
  description: string;
}

export interface AgentView extends Omit<AgentRow, 'lineage'> {
  lineage: string[];
  balance_ucr: number;
  escrow_ucr: number;
  /** Income: transfers received and human rewards (not grants, refunds or escrow moves). */
  earned_ucr: number;
  /** Spending: transfers sent, resources burned, fees, spawn payments. */
  spent_ucr: number;
}

type AgentJoinRow = AgentRow & { balance_ucr: number; escrow_ucr: number; earned_ucr: number; spent_ucr: number };

const AGENT_SELECT = `SELECT a.*, acc.balance_ucr AS balance_ucr, esc.balance_ucr AS escrow_ucr,
    acc.earned_ucr + esc.earned_ucr AS earned_ucr, acc.spent_ucr + esc.spent_ucr AS spent_ucr
  FROM agents a JOIN accounts acc ON acc.id = a.id JOIN accounts esc ON esc.id = 'escrow:' || a.id`;

export class Agents {
  /** Runs inside the creating command, after agent_created (the kernel issues the new agent's rights). */
  afterCreate: ((tx: Tx, agent_id: string) => void) | null = null;

  constructor(private readonly core: KernelCore) {}

  get(agent_id: string): AgentView | null {
    const row = this.core.writer.get<AgentJoinRow>(`${AGENT_SELECT} WHERE a.id = ?`, agent_id);
    return row === undefined ? null : { ...row, lineage: JSON.parse(row.lineage) as string[] };
  }

  /** The agent's status, or null if there is no such agent (cached: asked on every request). */
  status(agent_id: string): AgentStatus | null {
    return this.core.cachedRead(`agent-status:${agent_id}`, () => {
      const row = this.core.writer.get<{ status: AgentStatus }>('SELECT status FROM agents WHERE id = ?', agent_id);
      return row?.status ?? null;
    });
  }

  require(agent_id: string): AgentView {
    const agent = this.get(agent_id);
    if (agent === null) throw new AgoraError('NOT_FOUND', `no agent ${agent_id}`, { agent_id });
    return agent;
  }

  list(options: { status?: AgentStatus; after_id?: string; limit: number }): AgentView[] {
    const rows = this.core.db
      .prepare(`${AGENT_SELECT} WHERE (? IS NULL OR a.status = ?) AND a.id > ? ORDER BY a.id LIMIT ?`)
      .all(options.status ?? null, options.status ?? null, options.after_id ?? '', options.limit) as AgentJoinRow[];
    return rows.map((row) => ({ ...row, lineage: JSON.parse(row.lineage) as string[] }));
  }

  /** The ids of an agent's children, oldest first. */
  childrenOf(agent_id: string, limit: number): string[] {
    const rows = this.core.writer.all<{ id: string }>('SELECT id FROM agents WHERE parent_id = ? ORDER BY created_at_ms, id LIMIT ?', agent_id, limit);
    return rows.map((r) => r.id);
  }

  counts(): Record<AgentStatus, number> {
    const rows = this.core.db.prepare('SELECT status, COUNT(*) AS n FROM agents GROUP BY status').all() as { status: AgentStatus; n: number }[];
    const counts: Record<AgentStatus, number> = { alive: 0, dormant: 0, dead: 0 };
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  /**
   * Creates an agent record inside a running command. `postings` fund it (the genesis grant,
   * or a parent's spawn payment); the caller has already checked the payer can afford them.
   */
  create(
    tx: Tx,
    input: { agent_id: string; parent_id: string | null; workspace: string; postings: Posting[] },
  ): AgentView {
    if (!AGENT_ID_PATTERN.test(input.agent_id)) throw new AgoraError('INVALID_ARGS', `invalid agent id ${input.agent_id}`);
    if (this.get(input.agent_id) !== null) throw new AgoraError('CONFLICT', `agent ${input.agent_id} exists`);
    // One id namespace with artifacts (agents are the artifacts with standing): never both.
    if (this.core.writer.get('SELECT 1 FROM artifacts WHERE id = ?', input.agent_id) !== undefined) {
      throw new AgoraError('CONFLICT', `${input.agent_id} is an artifact's id; agent and artifact ids never collide`);
    }
    const parent = input.parent_id === null ? null : this.require(input.parent_id);
    tx.emit('agent_created', {
      agent_id: input.agent_id,
      parent_id: input.parent_id,
      lineage: parent === null ? [] : [...parent.lineage, parent.id],
      generation: parent === null ? 0 : parent.generation + 1,
      workspace: input.workspace,
      postings: input.postings,
    });
    this.afterCreate?.(tx, input.agent_id);
    const agent = this.get(input.agent_id);
    invariant(agent !== null, 'created agent is readable');
    return agent;
  }

  /** Genesis is funded by the mint account: the one time credits are created without a human. */
  createGenesis(tx: Tx, input: { agent_id: string; workspace: string; credits_ucr: number }): AgentView {
    const postings: Posting[] =
      input.credits_ucr > 0 ? [{ from: SYSTEM_MINT, to: input.agent_id, amount_ucr: input.credits_ucr, kind: 'grant', memo: 'genesis' }] : [];
    return this.create(tx, { agent_id: input.agent_id, parent_id: null, workspace: input.workspace, postings });
  }
}
