// The history's commands and reads. Nothing here reads a clock or the OS: the hash and the
// random stream's position come from the kernel's own state.
import { AgoraError } from '../../base/errors.js';
import { EVENT_ID_DRAWS } from '../engine/core.js';
import type { Db } from '../../store/store.js';
import type { CommandMeta, EventData, KernelCore } from '../registry.js';
import { HASH_SCHEME, stateHash } from './state-hash.js';

export interface CycleHashRow {
  cycle: number;
  seq: number;
  at_ms: number;
  state_hash: string;
}

export interface WorkspaceRecordRow {
  execution_id: string;
  agent_id: string;
  cycle: number;
  seq: number;
  manifest: string;
  files: number;
  bytes: number;
}

export interface ForkOrigin {
  parent_dir: string;
  parent_world_id: string;
  cycle: number;
  parent_seq: number;
  changes: Record<string, unknown>;
}

export class History {
  constructor(private readonly core: KernelCore) {}

  /** The end of a cycle: the state hash of every kernel table, and the random stream's position. */
  closeCycle(cycle: number, meta: CommandMeta): CycleHashRow {
    return this.core.command(meta, (tx) => {
      const hash = stateHash(this.core.db, this.core.registry.tables);
      const { seed, draws } = this.core.rng.position();
      const event = tx.emit('cycle_closed', { cycle, ...hash, hash_scheme: HASH_SCHEME, rng: { seed, draws: draws + EVENT_ID_DRAWS } });
      return { cycle, seq: event.seq, at_ms: event.at_ms, state_hash: hash.state_hash };
    });
  }

  recordWorkspace(data: EventData<'workspace_recorded'>, meta: CommandMeta): void {
    this.core.command(meta, (tx) => void tx.emit('workspace_recorded', data));
  }

  recordLlmReply(data: EventData<'llm_reply_recorded'>, meta: CommandMeta): void {
    this.core.command(meta, (tx) => void tx.emit('llm_reply_recorded', data));
  }

  noteReplayDiverged(data: EventData<'llm_replay_diverged'>, meta: CommandMeta): void {
    this.core.command(meta, (tx) => void tx.emit('llm_replay_diverged', data));
  }

  /** `agora checkpoint`: the journal's position now, with each agent's latest workspace manifest. */
  markCheckpoint(name: string, meta: CommandMeta): EventData<'checkpoint_marked'> {
    return this.core.command(meta, (tx) => {
      const last = this.core.writer.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM events')!.seq ?? 0;
      const data = { name, cycle: this.lastClosedCycle()?.cycle ?? 0, seq: last, manifests: this.manifestsAt(last) };
      tx.emit('checkpoint_marked', data);
      return data;
    });
  }

  recordFork(data: EventData<'world_forked'>, meta: CommandMeta): void {
    this.core.command(meta, (tx) => {
      if (this.origin() !== null) throw new AgoraError('CONFLICT', 'this world is already a fork');
      tx.emit('world_forked', data);
    });
  }

  /** The random stream a fork resumes: when the journal's last event is its world_forked. */
  pendingForkRng(): { seed: number; draws: number } | null {
    const last = this.core.db.prepare('SELECT type, data FROM events ORDER BY seq DESC LIMIT 1').get() as { type: string; data: string } | undefined;
    if (last?.type !== 'world_forked') return null;
    return (JSON.parse(last.data) as EventData<'world_forked'>).rng;
  }

  /** How many replies this world has recorded for this agent and request (the next one's turn). */
  repliesRecorded(agent_id: string, request_sha256: string): number {
    return (this.core.db.prepare('SELECT COUNT(*) AS n FROM history_llm_replies WHERE agent_id = ? AND request_sha256 = ?').get(agent_id, request_sha256) as { n: number }).n;
  }

  /** Whether llm.mode replay has met a request with no recording (from then on the world is live). */
  replayDiverged(): boolean {
    // A fork's copied prefix may hold its parent's own divergence: only this world's counts.
    const since = (this.core.db.prepare('SELECT seq FROM history_origin LIMIT 1').get() as { seq: number } | undefined)?.seq ?? 0;
    return this.core.db.prepare("SELECT 1 FROM events WHERE type = 'llm_replay_diverged' AND seq > ? LIMIT 1").get(since) !== undefined;
  }

  cycles(): CycleHashRow[] {
    return this.core.db.prepare('SELECT cycle, seq, at_ms, state_hash FROM history_cycles ORDER BY seq').all() as CycleHashRow[];
  }

  /** How many cycles are hashed (a count: the dashboard's world page asks on every load). */
  cyclesClosed(): number {
    return (this.core.db.prepare('SELECT COUNT(*) AS n FROM history_cycles').get() as { n: number }).n;
  }

  cycle(cycle: number): CycleHashRow | null {
    return (this.core.db.prepare('SELECT cycle, seq, at_ms, state_hash FROM history_cycles WHERE cycle = ? ORDER BY seq DESC LIMIT 1').get(cycle) as CycleHashRow | undefined) ?? null;
  }

  lastClosedCycle(): CycleHashRow | null {
    return (this.core.db.prepare('SELECT cycle, seq, at_ms, state_hash FROM history_cycles ORDER BY seq DESC LIMIT 1').get() as CycleHashRow | undefined) ?? null;
  }

  /** Each agent's latest workspace manifest journaled at or before `seq`. */
  manifestsAt(seq: number): Record<string, string> {
    const rows = this.core.db
      .prepare(
        `SELECT agent_id, manifest FROM history_workspaces w WHERE seq = (
           SELECT MAX(seq) FROM history_workspaces v WHERE v.agent_id = w.agent_id AND v.seq <= ?) ORDER BY agent_id`,
      )
      .all(seq) as { agent_id: string; manifest: string }[];
    return Object.fromEntries(rows.map((r) => [r.agent_id, r.manifest]));
  }

  /** The workspace an agent's run left, or its latest before `seq` when no run is named. */
  workspaceRecord(agent_id: string, options: { execution_id?: string; at_seq?: number }): WorkspaceRecordRow | null {
    const row =
      options.execution_id !== undefined
        ? this.core.db.prepare('SELECT * FROM history_workspaces WHERE agent_id = ? AND execution_id = ?').get(agent_id, options.execution_id)
        : this.core.db.prepare('SELECT * FROM history_workspaces WHERE agent_id = ? AND seq <= ? ORDER BY seq DESC LIMIT 1').get(agent_id, options.at_seq ?? Number.MAX_SAFE_INTEGER);
    return (row as WorkspaceRecordRow | undefined) ?? null;
  }

  /** Every manifest the journal names (what the history store's retention must keep or may drop). */
  workspaceRecords(): WorkspaceRecordRow[] {
    return this.core.db.prepare('SELECT * FROM history_workspaces ORDER BY seq').all() as WorkspaceRecordRow[];
  }

  /** Agents whose last run at or before `seq` left no recorded workspace: their workspace at `seq` is not kept. */
  unrecordedAt(seq: number): string[] {
    const rows = this.core.db
      .prepare(
        `SELECT r.agent_id FROM (
           SELECT json_extract(data, '$.agent_id') AS agent_id, MAX(seq) AS ended_seq FROM events
           WHERE type = 'execution_ended' AND seq <= ? GROUP BY 1) r
         WHERE r.ended_seq > COALESCE((SELECT MAX(w.seq) FROM history_workspaces w WHERE w.agent_id = r.agent_id AND w.seq <= ?), 0)
         ORDER BY r.agent_id`,
      )
      .all(seq, seq) as { agent_id: string }[];
    return rows.map((r) => r.agent_id);
  }

  origin(): ForkOrigin | null {
    return originOf(this.core.db);
  }

  checkpoints(): { seq: number; name: string; cycle: number; at_seq: number }[] {
    return this.core.db.prepare('SELECT seq, name, cycle, at_seq FROM history_checkpoints ORDER BY seq').all() as { seq: number; name: string; cycle: number; at_seq: number }[];
  }
}

/** Where the world in `db` was forked from (any world's database: the dashboard reads a fork's). */
export function originOf(db: Db): ForkOrigin | null {
  const row = db.prepare('SELECT parent_dir, parent_world_id, cycle, parent_seq, changes FROM history_origin LIMIT 1').get() as
    | (Omit<ForkOrigin, 'changes'> & { changes: string })
    | undefined;
  return row === undefined ? null : { ...row, changes: JSON.parse(row.changes) as Record<string, unknown> };
}

export function worldIdOf(db: Db): string | null {
  return (db.prepare("SELECT value FROM meta WHERE key = 'world_id'").pluck().get() as string | undefined) ?? null;
}
