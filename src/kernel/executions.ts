// Executions: the record of each agent run, from a won bid to its end. The orchestrator
// launches and stops processes; these commands record what happened, in the journal.
import type { KernelCore } from './core.js';
import { AgoraError, invariant } from './errors.js';
import type { CommandMeta } from './events.js';
import type { ExecutionReason } from './execution-events.js';
import type { Bundle } from './market-units.js';

export interface ExecutionRow {
  id: string;
  agent_id: string;
  bid_id: string;
  cycle: number;
  bundle: string;
  leases: number;
  lease_ends_at_ms: number;
  started_at_ms: number;
  ended_at_ms: number | null;
  status: 'running' | 'ended';
  reason: ExecutionReason | null;
  exit_code: number | null;
  signal: string | null;
  cpu_ms: number | null;
  memory_peak_mb: number | null;
  wall_ms: number | null;
  log_bytes: number | null;
  log_truncated: number | null;
}

export interface ExecutionView extends Omit<ExecutionRow, 'bundle' | 'log_truncated'> {
  bundle: Bundle;
  log_truncated: boolean | null;
}

export interface ExecutionOutcome {
  reason: ExecutionReason;
  exit_code: number | null;
  signal: string | null;
  cpu_ms: number;
  memory_peak_mb: number;
  wall_ms: number;
  log_bytes: number;
  log_truncated: boolean;
}

function view(row: ExecutionRow): ExecutionView {
  return { ...row, bundle: JSON.parse(row.bundle) as Bundle, log_truncated: row.log_truncated === null ? null : row.log_truncated === 1 };
}

export class Executions {
  constructor(private readonly core: KernelCore) {}

  get(execution_id: string): ExecutionView | null {
    const row = this.core.writer.get<ExecutionRow>('SELECT * FROM executions WHERE id = ?', execution_id);
    return row === undefined ? null : view(row);
  }

  require(execution_id: string): ExecutionView {
    const found = this.get(execution_id);
    if (found === null) throw new AgoraError('NOT_FOUND', `no execution ${execution_id}`);
    return found;
  }

  /** The agent's running execution, if any (at most one per agent, by construction). */
  runningFor(agent_id: string): ExecutionView | null {
    const row = this.core.writer.get<ExecutionRow>("SELECT * FROM executions WHERE agent_id = ? AND status = 'running'", agent_id);
    return row === undefined ? null : view(row);
  }

  running(): ExecutionView[] {
    return (this.core.db.prepare("SELECT * FROM executions WHERE status = 'running' ORDER BY started_at_ms, id").all() as ExecutionRow[]).map(view);
  }

  isRunning(execution_id: string): boolean {
    return this.core.cachedRead(`execution-running:${execution_id}`, () =>
      this.core.writer.get<{ status: string }>('SELECT status FROM executions WHERE id = ?', execution_id)?.status === 'running',
    );
  }

  listForAgent(agent_id: string, options: { before_ms?: number; limit: number }): ExecutionView[] {
    return (
      this.core.db
        .prepare('SELECT * FROM executions WHERE agent_id = ? AND started_at_ms < ? ORDER BY started_at_ms DESC, id DESC LIMIT ?')
        .all(agent_id, options.before_ms ?? Number.MAX_SAFE_INTEGER, options.limit) as ExecutionRow[]
    ).map(view);
  }

  recent(limit: number): ExecutionView[] {
    return (this.core.db.prepare('SELECT * FROM executions ORDER BY started_at_ms DESC, id DESC LIMIT ?').all(limit) as ExecutionRow[]).map(view);
  }

  start(input: { agent_id: string; bid_id: string; cycle: number; bundle: Bundle; lease_ends_at_ms: number }, meta: CommandMeta): ExecutionView {
    return this.core.command(meta, (tx) => {
      const status = this.core.writer.get<{ status: string }>('SELECT status FROM agents WHERE id = ?', input.agent_id)?.status;
      if (status === undefined) throw new AgoraError('NOT_FOUND', `no agent ${input.agent_id}`);
      if (status === 'dead') throw new AgoraError('DELETED', `agent ${input.agent_id} is dead`);
      if (this.runningFor(input.agent_id) !== null) throw new AgoraError('CONFLICT', `agent ${input.agent_id} is already running`);
      const execution_id = this.core.rng.id('ex', 10);
      tx.emit('execution_started', { execution_id, ...input });
      const started = this.get(execution_id);
      invariant(started !== null && started.status === 'running', 'a started execution is running');
      return started;
    });
  }

  extendLease(input: { execution_id: string; bid_id: string; cycle: number; bundle: Bundle; lease_ends_at_ms: number }, meta: CommandMeta): ExecutionView {
    return this.core.command(meta, (tx) => {
      const current = this.require(input.execution_id);
      if (current.status !== 'running') throw new AgoraError('CONFLICT', `execution ${input.execution_id} has ended`);
      invariant(input.lease_ends_at_ms >= current.lease_ends_at_ms, 'a lease extension never shortens the lease');
      tx.emit('execution_lease_extended', { ...input, agent_id: current.agent_id });
      return this.require(input.execution_id);
    });
  }

  end(execution_id: string, outcome: ExecutionOutcome, meta: CommandMeta): ExecutionView {
    return this.core.command(meta, (tx) => {
      const current = this.require(execution_id);
      if (current.status !== 'running') throw new AgoraError('CONFLICT', `execution ${execution_id} has already ended`);
      tx.emit('execution_ended', {
        execution_id,
        agent_id: current.agent_id,
        reason: outcome.reason,
        exit_code: outcome.exit_code,
        signal: outcome.signal,
        cpu_ms: Math.max(0, Math.round(outcome.cpu_ms)),
        memory_peak_mb: Math.max(0, Math.round(outcome.memory_peak_mb)),
        wall_ms: Math.max(0, Math.round(outcome.wall_ms)),
        log_bytes: outcome.log_bytes,
        log_truncated: outcome.log_truncated,
      });
      return this.require(execution_id);
    });
  }
}
