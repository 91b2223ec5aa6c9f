// After a run: its workspace into the history store, its manifest into the journal, as
// history.retention says (docs/replay.md). A snapshot that fails (a workspace past its
// bounds, a file past history.file_bytes_max) is logged and the run's record stands: the
// history then has no state for that run, which a fork at that point reports.
import type { Logger } from 'pino';
import { AgoraError } from '../base/errors.js';
import type { ExecutionView } from '../kernel/executions/commands.js';
import { agentOwner } from '../workspace/workspace-store.js';
import type { World } from './open-world.js';

export function recordRunWorkspace(world: World, execution: ExecutionView, log: Logger): void {
  const rule = world.config.history;
  if (!rule.snapshots) return;
  if (rule.retention === 'every_nth_cycle' && execution.cycle % rule.every_n_cycles !== 0) return;
  const agent = world.kernel.agents.get(execution.agent_id);
  if (agent === null || !world.workspaces.exists(agent.workspace)) return;
  try {
    const report = world.history.snapshot(world.workspaces.dir(agent.workspace), execution.agent_id, agentOwner(world.config.sandbox));
    world.kernel.history.recordWorkspace(
      { execution_id: execution.id, agent_id: execution.agent_id, cycle: execution.cycle, manifest: report.manifest, files: report.files, bytes: report.bytes, skipped: report.skipped },
      { actor: 'system:history', causation_id: execution.id },
    );
  } catch (err) {
    if (!(err instanceof AgoraError)) throw err;
    log.warn({ err: err.message, execution_id: execution.id }, 'workspace snapshot failed; this run has no recorded workspace');
    return;
  }
  if (rule.retention === 'last_k') pruneToLastK(world, rule.keep_last);
}

/** Keeps each agent's last `k` snapshots in the store (their manifests stay in the journal). */
function pruneToLastK(world: World, k: number): void {
  const by_agent = new Map<string, string[]>();
  for (const record of world.kernel.history.workspaceRecords()) {
    const list = by_agent.get(record.agent_id) ?? [];
    list.push(record.manifest);
    by_agent.set(record.agent_id, list);
  }
  if ([...by_agent.values()].every((list) => list.length <= k)) return;
  const keep = new Set<string>();
  for (const list of by_agent.values()) for (const sha of list.slice(-k)) keep.add(sha);
  world.history.prune(keep);
}
