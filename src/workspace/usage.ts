// How much of its disk allowance a workspace holds. A workspace on a filesystem of its own
// (an image: see disk-image.ts) is measured by statfs, exactly and in constant time, and the
// kernel itself refuses a write past its size. A workspace that is a plain directory is
// measured by a bounded walk of what the agent left (what it may hold is then enforced only
// by these measurements, between and during runs).
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { SafeDir } from './safe-dir.js';
import { walk, WalkLimitError } from './walk.js';

export interface DiskLimits {
  bytes_max: number;
  inodes_max: number;
  /** Deepest nesting walked in a plain-directory workspace. */
  depth_max: number;
}

export interface DiskUsage {
  backing: 'image' | 'directory';
  bytes_used: number;
  bytes_max: number;
  inodes_used: number;
  inodes_max: number;
}

/**
 * ext4 refuses writes while statfs still reports blocks available: it keeps min(2%, 4096
 * clusters) for its own metadata. Within that reserve (and a little slack) an image is full.
 * Not config: these mirror ext4's own reserve (fs/ext4/super.c, ext4_calculate_resv_clusters),
 * which no operator setting changes; the slack covers the blocks a last write's metadata takes.
 */
const EXT4_RESERVE_FRACTION = 0.02;
const EXT4_RESERVE_CLUSTERS_MAX = 4096;
const EXT4_RESERVE_SLACK_BLOCKS = 64;

function imageReserveBlocks(blocks: number): number {
  return Math.min(EXT4_RESERVE_CLUSTERS_MAX, Math.ceil(blocks * EXT4_RESERVE_FRACTION)) + EXT4_RESERVE_SLACK_BLOCKS;
}

/** A workspace whose root is a mount point is an image of its own. */
export function isOwnFilesystem(workspace_dir: string): boolean {
  try {
    return statSync(workspace_dir).dev !== statSync(dirname(workspace_dir)).dev;
  } catch {
    return false;
  }
}

/** Measures the workspace at `workspace_dir` (a host path whose parent the host owns). */
export function measureUsage(workspace_dir: string, limits: DiskLimits): DiskUsage {
  return SafeDir.with(workspace_dir, (root) => {
    if (isOwnFilesystem(workspace_dir)) {
      const fs = root.statfs();
      const bytes_max = Math.max(0, fs.blocks - imageReserveBlocks(fs.blocks)) * fs.bsize;
      return {
        backing: 'image',
        // What is no longer available to the agent (images are made with no blocks held back for root).
        bytes_used: Math.min(bytes_max, (fs.blocks - fs.bavail) * fs.bsize),
        bytes_max,
        // The kernel's own counts: an image holds at least inodes_max inodes (mkfs rounds up).
        inodes_used: fs.files - fs.ffree,
        inodes_max: fs.files,
      };
    }
    let bytes_used = 0;
    let inodes_used = 0;
    try {
      walk(root, { entries_max: limits.inodes_max, depth_max: limits.depth_max }, {
        dir: () => {
          inodes_used++;
          return true;
        },
        nonDir: (_parent, entry) => {
          inodes_used++;
          bytes_used += entry.size_bytes;
        },
      });
    } catch (err) {
      // More entries than allowed is itself over the limit: say so, without walking on.
      if (!(err instanceof WalkLimitError)) throw err;
      inodes_used = limits.inodes_max + 1;
    }
    return { backing: 'directory', bytes_used, bytes_max: limits.bytes_max, inodes_used, inodes_max: limits.inodes_max };
  });
}

export function isOver(usage: DiskUsage): string | null {
  if (usage.bytes_used >= usage.bytes_max) return `workspace disk full: ${usage.bytes_used} of ${usage.bytes_max} bytes`;
  if (usage.inodes_used >= usage.inodes_max) return `workspace holds ${usage.inodes_used} of ${usage.inodes_max} files and directories`;
  return null;
}
