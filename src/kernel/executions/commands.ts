// Executions: the record of each agent run, from a won bid to its end. The orchestrator
// launches and stops processes; these commands record what happened, in the journal.
import type { KernelCore, Tx } from '../registry.js';
import { AgoraError, invariant } from '../../base/errors.js';
import type { CommandMeta } from '../registry.js';
import type { ExecutionReason } from './events.js';
import type { Bundle } from '../resources/units.js';

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

/** A lease the host owes an agent and has not yet given it (queued, or returned by a stop). */
export interface WaitingLease {
  /** A bid id, or `<execution id>:rest`. */
  id: string;
  agent_id: string;
  cycle: number;
  bundle: Bundle;
  owed_at_ms: number;
}

/** Why the host, not the agent, cut a run short. */
export interface Interruption {
  reason: 'stopped' | 'lost';
  /** When the run was cut short (for lost: the last time the host is known to have been alive). */
  interrupted_at_ms: number;
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
    // Through the writer's cached statement: env.json asks this for every run.
    return this.core.writer
      .all<ExecutionRow>('SELECT * FROM executions WHERE agent_id = ? AND started_at_ms < ? ORDER BY started_at_ms DESC, id DESC LIMIT ?', agent_id, options.before_ms ?? Number.MAX_SAFE_INTEGER, options.limit)
      .map(view);
  }

  /**
   * When the agent's run before `before_ms` ended (or started, if it has not ended), or null
   * if it had none: env.json's "since your previous run" for every run, so two columns of one
   * row through the (agent_id, started_at_ms) index, not the whole row made a view.
   */
  previousRunMs(agent_id: string, before_ms: number): number | null {
    const row = this.core.writer.get<{ started_at_ms: number; ended_at_ms: number | null }>(
      'SELECT started_at_ms, ended_at_ms FROM executions WHERE agent_id = ? AND started_at_ms < ? ORDER BY started_at_ms DESC, id DESC LIMIT 1',
      agent_id, before_ms,
    );
    return row === undefined ? null : (row.ended_at_ms ?? row.started_at_ms);
  }

  recent(limit: number): ExecutionView[] {
    return (this.core.db.prepare('SELECT * FROM executions ORDER BY started_at_ms DESC, id DESC LIMIT ?').all(limit) as ExecutionRow[]).map(view);
  }

  /** Leases owed and not yet run, oldest first, for agents still alive or dormant. */
  waitingLeases(): WaitingLease[] {
    const rows = this.core.db
      .prepare(
        `SELECT l.id, l.agent_id, l.cycle, l.bundle, l.owed_at_ms FROM leases l JOIN agents a ON a.id = l.agent_id
         WHERE l.status = 'waiting' AND a.status <> 'dead' ORDER BY l.owed_seq, l.id`,
      )
      .all() as (Omit<WaitingLease, 'bundle'> & { bundle: string })[];
    return rows.map((r) => ({ ...r, bundle: JSON.parse(r.bundle) as Bundle }));
  }

  /** When the journal last recorded anything: the last moment the host is known to have been alive. */
  lastJournaledAtMs(): number {
    return this.core.writer.get<{ at_ms: number | null }>('SELECT MAX(at_ms) AS at_ms FROM events')?.at_ms ?? 0;
  }

  /** Checked by every command that runs a lease: a lease is given once. */
  private requireNotGranted(lease_id: string): void {
    const lease = this.core.writer.get<{ status: string }>('SELECT status FROM leases WHERE id = ?', lease_id);
    if (lease !== undefined && lease.status !== 'waiting') throw new AgoraError('CONFLICT', `lease ${lease_id} has already been run`);
  }

  /**
   * A run begins. Its lease ends at `lease_ends_at_ms`, or `lease_duration_ms` after the
   * command's own time (the event's time): a launcher that starts a run now gives the
   * duration, so the journaled lease spans exactly what was bought.
   */
  start(
    request: { agent_id: string; bid_id: string; cycle: number; bundle: Bundle } & ({ lease_ends_at_ms: number } | { lease_duration_ms: number }),
    meta: CommandMeta,
  ): ExecutionView {
    return this.core.command(meta, (tx) => {
      const { lease_ends_at_ms, lease_duration_ms, ...rest } = request as typeof request & { lease_ends_at_ms?: number; lease_duration_ms?: number };
      invariant((lease_ends_at_ms === undefined) !== (lease_duration_ms === undefined), 'a run starts with either its lease end or its lease duration');
      const input = { ...rest, lease_ends_at_ms: lease_ends_at_ms ?? tx.now_ms + lease_duration_ms! };
      this.requireNotGranted(input.bid_id);
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
      this.requireNotGranted(input.bid_id);
      tx.emit('execution_lease_extended', { ...input, agent_id: current.agent_id });
      return this.require(input.execution_id);
    });
  }

  end(execution_id: string, outcome: ExecutionOutcome, meta: CommandMeta): ExecutionView {
    return this.core.command(meta, (tx) => this.emitEnded(tx, execution_id, outcome));
  }

  /**
   * Ends a run the host cut short (a world stop, or a host that died under it). That is not
   * the agent's doing: the lease time it had left, with the CPU, tokens and attention slots
   * it had not used, is owed to it as a lease of its own (lease_returned), run when the world
   * runs again. Nothing is refunded: the agent gets the run it paid for.
   */
  interrupt(execution_id: string, outcome: ExecutionOutcome, why: Interruption, meta: CommandMeta): ExecutionView {
    invariant(outcome.reason === why.reason, 'an interrupted run ends with the reason of its interruption');
    return this.core.command(meta, (tx) => {
      const ended = this.emitEnded(tx, execution_id, outcome);
      const unused_ms = Math.max(0, ended.lease_ends_at_ms - why.interrupted_at_ms);
      const alive = this.core.writer.get<{ status: string }>('SELECT status FROM agents WHERE id = ?', ended.agent_id)?.status !== 'dead';
      if (unused_ms === 0 || !alive) return ended;
      const cycle = this.core.writer.get<{ cycle: number }>('SELECT cycle FROM market_state WHERE id = 1')?.cycle ?? ended.cycle;
      tx.emit('lease_returned', {
        lease_id: `${execution_id}:rest`,
        execution_id,
        agent_id: ended.agent_id,
        cycle,
        reason: why.reason,
        interrupted_at_ms: why.interrupted_at_ms,
        unused_ms,
        bundle: this.unusedBundle(ended, unused_ms),
      });
      return ended;
    });
  }

  /** What an ended run had bought and not used: the rest of its time, CPU, tokens and prompts. */
  private unusedBundle(ended: ExecutionView, unused_ms: number): Bundle {
    const b = ended.bundle;
    const tokens = this.core.writer.get<{ left: number }>('SELECT MAX(0, tokens_bundled - tokens_used) AS left FROM llm_usage WHERE execution_id = ?', ended.id);
    const prompts = this.core.writer.get<{ left: number | null }>('SELECT SUM(MAX(0, slots - prompts)) AS left FROM attention_slots WHERE execution_id = ?', ended.id);
    return {
      // A budget of 0 would mean "no CPU limit" to the runner: the rest keeps at least 1 ms.
      cpu_ms: b.cpu_ms > 0 ? Math.max(1, b.cpu_ms - (ended.cpu_ms ?? 0)) : 0,
      memory_mb: b.memory_mb,
      tokens: tokens?.left ?? b.tokens,
      attention: prompts?.left ?? 0,
      duration_s: Math.ceil(unused_ms / 1000),
    };
  }

  private emitEnded(tx: Tx, execution_id: string, outcome: ExecutionOutcome): ExecutionView {
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
  }
}
