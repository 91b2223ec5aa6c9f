// `agora add` end to end: check the request and the reserve of places, copy the project into a
// fresh workspace per agent, then record each agent (granted, with its first bid) in one kernel
// command. A refused add leaves no agent and no workspace; with --count K the agents are
// added one by one and an add that fails half-way keeps those already made (each whole).
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { AgoraError } from '../base/errors.js';
import type { Kernel } from '../kernel/kernel.js';
import { creditsToMicro } from '../kernel/ledger/money.js';
import type { AddAgentsRequest, AddedAgent } from '../kernel/operator-agents/add-service.js';
import type { CommandMeta } from '../kernel/registry.js';
import { resolveAgentCommand } from '../sandbox/command.js';
import { agentOwner, WorkspaceStore } from '../workspace/workspace-store.js';
import { copyWorkspace } from './workspace-copy.js';

export type { AddAgentsRequest, AddedAgent };

/** A name from a directory: lower case, only the characters an agent id allows. */
function slug(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|-+$/g, '');
  return s.length === 0 ? 'agent' : s.slice(0, 40);
}

export function agentIds(kernel: Kernel, request: AddAgentsRequest): string[] {
  const count = request.count ?? 1;
  const max = kernel.config.operator_agents.name_chars_max;
  if (request.name !== undefined) {
    if ([...request.name].length > max) throw new AgoraError('INVALID_ARGS', `name is longer than ${max} characters (operator_agents.name_chars_max)`, { field: 'name' });
    return count === 1 ? [request.name] : Array.from({ length: count }, (_, i) => `${request.name}-${i + 1}`);
  }
  const base = slug(basename(resolve(request.dir)));
  return Array.from({ length: count }, () => `${base}-${kernel.core.rng.id('', 6).replace(/^_/, '').toLowerCase()}`);
}

export async function addAgents(world: { kernel: Kernel; workspaces: WorkspaceStore }, request: AddAgentsRequest, meta: CommandMeta): Promise<AddedAgent[]> {
  const { kernel, workspaces } = world;
  const limits = kernel.config.operator_agents;
  const dir = resolve(request.dir);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new AgoraError('INVALID_ARGS', `${request.dir} is not a directory`, { field: 'dir' });
  const command = resolveAgentCommand(dir, kernel.config.sandbox.agent_json_bytes_max);
  if (!command.ok) throw new AgoraError('INVALID_ARGS', `${request.dir} is not an agent project: ${command.why}`, { field: 'dir' });
  const granted_ucr = creditsToMicro(request.credits ?? limits.credits_default, 'credits');
  const ids = agentIds(kernel, request);
  // Everything checkable is checked before any disk is touched.
  kernel.operatorAgents.checkAdd({ agent_ids: ids, granted_ucr });
  const owner = agentOwner(kernel.config.sandbox);
  const added: AddedAgent[] = [];
  for (const agent_id of ids) {
    const workspace = workspaces.create(agent_id);
    try {
      const copy = copyWorkspace(dir, workspaces.dir(workspace), {
        files_max: limits.project_files_max,
        bytes_max: limits.project_bytes_max,
        file_bytes_max: limits.project_file_bytes_max,
        entries_max: kernel.config.workspace.inodes_max,
        depth_max: kernel.config.workspace.depth_max,
      }, null, owner);
      const files = { copied: copy.copied, skipped: copy.skipped.length, bytes: copy.bytes };
      const { agent, first_bid } = kernel.operatorAgents.add({ agent_id, name: request.name ?? agent_id, source: request.dir, workspace, granted_ucr, files }, meta);
      added.push({ agent, first_bid, files });
    } catch (err) {
      workspaces.remove(workspace);
      throw err;
    }
  }
  return added;
}
