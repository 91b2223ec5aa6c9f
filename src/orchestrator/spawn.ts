// Spawn, end to end: check the money, build the child's workspace, then record the child
// and move the money in one kernel command. A refused or failed spawn leaves no child, no
// money moved and no workspace.
//
// Order, and why: the slow, fallible part (copying) happens first, into a workspace made
// for an id no agent has; then, synchronously (nothing can interleave in Node), the
// command. The workspace is in place before the child exists, so a crash can leave at worst
// an orphan workspace, never a child without one.
import type { Kernel } from '../kernel/kernel.js';
import type { CommandMeta } from '../kernel/registry.js';
import type { SpawnRequest, SpawnResult } from '../kernel/social/spawn-service.js';
import { AgoraError, invariant } from '../base/errors.js';
import { agentOwner, WorkspaceStore } from '../workspace/workspace-store.js';
import { checkGivenFiles, copyWorkspace, writeGivenFiles } from './workspace-copy.js';

export type { SpawnRequest, SpawnResult };


export async function spawnChild(world: { kernel: Kernel; workspaces: WorkspaceStore }, request: SpawnRequest, meta: CommandMeta): Promise<SpawnResult> {
  const { kernel, workspaces } = world;
  const social = kernel.config.social;
  const given = checkGivenFiles(request.files, {
    files_max: social.spawn_files_max,
    file_bytes_max: social.spawn_file_bytes_max,
    bytes_max: social.spawn_files_bytes_max,
    path_chars_max: social.spawn_path_chars_max,
  });
  const { parent } = kernel.social.checkSpawn(request);
  const owner = agentOwner(kernel.config.sandbox);

  let child_id = kernel.social.newAgentId();
  while (workspaces.exists(WorkspaceStore.relativePath(child_id))) child_id = kernel.social.newAgentId();
  const workspace = workspaces.create(child_id);
  try {
    const target = workspaces.dir(workspace);
    const copy = request.copy_self
      ? copyWorkspace(workspaces.dir(parent.workspace), target, {
          files_max: social.spawn_copy_files_max,
          bytes_max: social.spawn_copy_bytes_max,
          file_bytes_max: social.spawn_copy_file_bytes_max,
          entries_max: kernel.config.workspace.inodes_max,
          depth_max: kernel.config.workspace.depth_max,
        }, owner, owner)
      : { copied: 0, skipped: [], bytes: 0 };
    const given_bytes = writeGivenFiles(target, given, owner);
    const files = { copied: copy.copied, given: given.length, skipped: copy.skipped.length, bytes: copy.bytes + given_bytes };
    const { child, first_bid } = kernel.social.spawn({ parent_id: request.parent_id, child_id, initial_ucr: request.initial_ucr, workspace, files, note: request.note, first_bid: request.first_bid }, meta);
    return { child, first_bid, files, skipped: copy.skipped.slice(0, social.spawn_skipped_shown_max) };
  } catch (err) {
    workspaces.remove(workspace);
    invariant(!workspaces.exists(workspace), 'a refused spawn leaves no workspace');
    throw diskFull(err);
  }
}

/** A child's workspace has the same allowance as any: a copy that does not fit says so. */
function diskFull(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new AgoraError('PAYLOAD_TOO_LARGE', "the child's files do not fit in a workspace's disk allowance (workspace.bytes_max, workspace.inodes_max)", null);
  }
  return err;
}
