// `agora fork`: a new world whose journal is its parent's up to the end of a cycle, whose
// workspaces are restored from the parent's history store as that point recorded them, and
// whose config carries the changes given (kept in <fork>/overrides.yaml). It records its
// parent and cycle (world_forked), resumes the parent's random stream from there, and then
// runs on as a world of its own. The parent is only read; beside it, history/forks/ lists
// its forks for the dashboard.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { noteFork } from '../store/fork-list.js';
import { stringify as toYaml } from 'yaml';
import { AgoraError } from '../base/errors.js';
import type { Config } from '../config/schema.js';
import { OVERRIDES_FILE, type Overrides } from '../config/overrides.js';
import { VirtualClock } from '../kernel/engine/clock.js';
import { copyJournalPrefix, forkPoint } from '../kernel/history/fork-journal.js';
import { openDatabase } from '../store/database.js';
import { ensureWorldDir, worldExists, worldPaths } from '../store/world-dir.js';
import { agentOwner, WorkspaceStore } from '../workspace/workspace-store.js';
import { openWorld } from './open-world.js';

export interface ForkRequest {
  parent_dir: string;
  cycle: number;
  to_dir: string;
  changes: Overrides;
  /** The fork's config: the parent's with the changes applied (validated by the caller). */
  config: Config;
}

export interface ForkReport {
  dir: string;
  cycle: number;
  events: number;
  workspaces: Record<string, string>;
  /** Agents the parent had at that point with no recorded workspace (never ran, or not kept). */
  missing: string[];
}

export function forkWorld(request: ForkRequest): ForkReport {
  // A fork is a new world.db folded from the parent's journal beside the parent's files: SQLite by nature.
  if (request.config.store.kind === 'postgres') {
    throw new AgoraError('INVALID_ARGS', "agora fork works on SQLite worlds only (a fork is a world.db folded from its parent's journal), and this world's store is PostgreSQL; `agora replay` checks its history (docs/deploy.md)");
  }
  const parent_paths = worldPaths(request.parent_dir);
  if (!worldExists(parent_paths)) throw new AgoraError('NOT_FOUND', `no world at ${parent_paths.dir}`);
  const to = worldPaths(request.to_dir);
  if (existsSync(to.dir) && readdirSync(to.dir).length > 0) throw new AgoraError('CONFLICT', `${to.dir} is not empty: a fork goes into a new directory`);
  const parent_db = openDatabase(parent_paths.database, { readonly: true });
  try {
    const point = forkPoint(parent_db, request.cycle);
    const parent = openWorld({ dir: parent_paths.dir, config: request.config, create: false, log_to_file: false });
    try {
      const missing = parent.kernel.history.unrecordedAt(point.seq);
      if (missing.length > 0 && !request.config.history.snapshots) throw new AgoraError('CONFLICT', 'the parent recorded no workspaces (history.snapshots off)');
      if (missing.length > 0) {
        throw new AgoraError('CONFLICT', `the workspaces of ${missing.join(', ')} at cycle ${request.cycle} are not kept (history.retention): fork at a cycle whose runs were snapshotted`, { missing });
      }
      const manifests = parent.kernel.history.manifestsAt(point.seq);

      // The journal prefix, folded into the fork's own database.
      ensureWorldDir(to);
      const fork_db = openDatabase(to.database);
      let events: number;
      try {
        events = copyJournalPrefix(parent_db, fork_db, point.seq);
      } finally {
        fork_db.close();
      }
      if (Object.keys(request.changes).length > 0) writeFileSync(join(to.dir, OVERRIDES_FILE), toYaml(request.changes), { mode: 0o600 });

      const fork = openWorld({ dir: to.dir, config: request.config, clock: new VirtualClock(point.at_ms), own: true, create: false });
      try {
        parent.history.copyTo(fork.history, Object.values(manifests));
        const owner = agentOwner(request.config.sandbox);
        const restored: Record<string, string> = {};
        for (const agent of fork.kernel.agents.list({ limit: Number.MAX_SAFE_INTEGER })) {
          const workspace = WorkspaceStore.relativePath(agent.id);
          if (!fork.workspaces.exists(workspace)) fork.workspaces.create(agent.id);
          const manifest = manifests[agent.id];
          if (manifest === undefined) continue; // never ran before the fork: its workspace starts as made
          fork.history.restore(manifest, fork.workspaces.dir(workspace), owner);
          restored[agent.id] = manifest;
        }
        fork.kernel.history.recordFork(
          { parent_dir: parent_paths.dir, parent_world_id: point.world_id, cycle: point.cycle, parent_seq: point.seq, changes: request.changes, rng: point.rng },
          { actor: 'operator' },
        );
        noteFork(parent_paths.dir, { dir: to.dir, cycle: point.cycle, changes: request.changes });
        const never_ran = fork.kernel.agents.list({ limit: Number.MAX_SAFE_INTEGER }).map((a) => a.id).filter((id) => restored[id] === undefined);
        return { dir: to.dir, cycle: point.cycle, events, workspaces: restored, missing: never_ran };
      } finally {
        fork.close();
      }
    } finally {
      parent.close();
    }
  } finally {
    parent_db.close();
  }
}
