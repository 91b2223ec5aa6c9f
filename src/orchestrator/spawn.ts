// Spawn, end to end: check the money, build the child's workspace in a private temp
// directory, move it into place, then record the child and move the money in one kernel
// command. A refused or failed spawn leaves no child, no money moved and no workspace.
//
// Order, and why: the slow, fallible part (copying) happens first, in a temp dir nobody
// else knows; then, synchronously (nothing can interleave in Node), the rename and the
// command. The workspace is in place before the child exists, so a crash can leave at worst
// an orphan directory, never a child without a workspace.
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentView } from '../kernel/agents.js';
import type { BidView } from '../kernel/market-reads.js';
import type { SpawnInput } from '../kernel/social.js';
import type { CommandMeta } from '../kernel/events.js';
import type { Kernel } from '../kernel/kernel.js';
import { invariant } from '../kernel/errors.js';
import { checkGivenFiles, copyWorkspace, writeGivenFiles } from './workspace-copy.js';

export interface SpawnRequest {
  parent_id: string;
  initial_ucr: number;
  /** Relative path -> UTF-8 content, written over the copy. */
  files: Record<string, string>;
  copy_self: boolean;
  note: string;
  first_bid?: SpawnInput['first_bid'];
}

export interface SpawnResult {
  child: AgentView;
  first_bid: BidView;
  files: { copied: number; given: number; skipped: number; bytes: number };
  /** The first skipped entries of the parent's workspace, for the caller to see what was left out. */
  skipped: string[];
}

const SKIPPED_SHOWN_MAX = 50;

export async function spawnChild(world_dir: string, kernel: Kernel, request: SpawnRequest, meta: CommandMeta): Promise<SpawnResult> {
  const social = kernel.config.social;
  const given = checkGivenFiles(request.files, {
    files_max: social.spawn_files_max,
    file_bytes_max: social.spawn_file_bytes_max,
    bytes_max: social.spawn_files_bytes_max,
    path_chars_max: social.spawn_path_chars_max,
  });
  const { parent } = kernel.social.checkSpawn(request);

  const workspaces = join(world_dir, 'workspaces');
  const temp = mkdtempSync(join(workspaces, '.spawn-'));
  try {
    const copy = request.copy_self
      ? await copyWorkspace(join(world_dir, parent.workspace), temp, {
          files_max: social.spawn_copy_files_max,
          bytes_max: social.spawn_copy_bytes_max,
          file_bytes_max: social.spawn_copy_file_bytes_max,
        })
      : { copied: 0, skipped: [], bytes: 0 };
    const given_bytes = await writeGivenFiles(temp, given);
    const files = { copied: copy.copied, given: given.length, skipped: copy.skipped.length, bytes: copy.bytes + given_bytes };

    // From here to the end, synchronous: nothing else runs in between.
    let child_id = kernel.social.newAgentId();
    while (existsSync(join(workspaces, child_id))) child_id = kernel.social.newAgentId();
    const workspace = join('workspaces', child_id);
    const final = join(world_dir, workspace);
    renameSync(temp, final);
    try {
      const { child, first_bid } = kernel.social.spawn({ parent_id: request.parent_id, child_id, initial_ucr: request.initial_ucr, workspace, files, note: request.note, first_bid: request.first_bid }, meta);
      return { child, first_bid, files, skipped: copy.skipped.slice(0, SKIPPED_SHOWN_MAX) };
    } catch (err) {
      rmSync(final, { recursive: true, force: true });
      invariant(!existsSync(final), 'a refused spawn leaves no workspace');
      throw err;
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
