// A bounded walk of a workspace through SafeDir: every directory is opened beneath its
// parent's descriptor, links are reported and never followed, and the walk stops with an
// error (never silently) past a depth or an entry count. Copying, measuring and re-owning a
// workspace all walk through here.
import { AgoraError } from '../base/errors.js';
import { type Entry, SafeDir, UnsafeEntryError } from './safe-dir.js';

export interface WalkLimits {
  /** Entries visited in all (files, directories, links...). */
  entries_max: number;
  /** Directories deep below the root (each level holds one descriptor open). */
  depth_max: number;
}

export interface WalkVisitor {
  /** Return false to skip descending into a directory. */
  dir?(parent: SafeDir, entry: Entry, path: readonly string[]): boolean;
  /** Called after a directory's children. */
  leaveDir?(dir: SafeDir, path: readonly string[]): void;
  nonDir?(parent: SafeDir, entry: Entry, path: readonly string[]): void;
}

export class WalkLimitError extends AgoraError {
  constructor(message: string, details: unknown) {
    super('PAYLOAD_TOO_LARGE', message, details);
    this.name = 'WalkLimitError';
  }
}

/** Visits everything below `root` in name order, depth first. */
export function walk(root: SafeDir, limits: WalkLimits, visitor: WalkVisitor): { entries: number } {
  let entries = 0;
  const visit = (dir: SafeDir, path: readonly string[]): void => {
    const listed = dir.entries(Math.max(0, limits.entries_max - entries) + 1);
    for (const entry of listed) {
      entries++;
      if (entries > limits.entries_max) {
        throw new WalkLimitError(`the workspace holds more than ${limits.entries_max} entries`, { entries_max: limits.entries_max });
      }
      const child_path = [...path, entry.name];
      if (entry.kind !== 'dir') {
        visitor.nonDir?.(dir, entry, child_path);
        continue;
      }
      if (visitor.dir !== undefined && !visitor.dir(dir, entry, child_path)) continue;
      if (child_path.length > limits.depth_max) {
        throw new WalkLimitError(`the workspace nests directories deeper than ${limits.depth_max}`, { depth_max: limits.depth_max });
      }
      let sub: SafeDir;
      try {
        sub = dir.openDir(entry.name);
      } catch (err) {
        // Swapped for a link or removed since it was listed: what is there now is not a directory.
        if (err instanceof UnsafeEntryError || (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      try {
        visit(sub, child_path);
        visitor.leaveDir?.(sub, child_path);
      } finally {
        sub.close();
      }
    }
  };
  try {
    visit(root, []);
  } catch (err) {
    // entries() past its bound says so in its own words; report the walk's limit instead.
    if (err instanceof AgoraError && !(err instanceof WalkLimitError) && err.code === 'PAYLOAD_TOO_LARGE') {
      throw new WalkLimitError(`the workspace holds more than ${limits.entries_max} entries`, { entries_max: limits.entries_max });
    }
    throw err;
  }
  return { entries };
}

/**
 * The bound for walks over a whole workspace. Twice the inode allowance: a plain directory
 * workspace can overshoot its allowance between two measurements, and the host must still
 * be able to hand it back to its agent to clean up (past this, the run is refused).
 */
export function workspaceWalkLimits(workspace: { inodes_max: number; depth_max: number }): WalkLimits {
  return { entries_max: workspace.inodes_max * 2, depth_max: workspace.depth_max };
}
