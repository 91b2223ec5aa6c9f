// Host file ownership and reachability for the unprivileged uid a sandbox runs as.
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SafeDir } from '../workspace/safe-dir.js';
import { walk, type WalkLimits } from '../workspace/walk.js';

export interface HostIds {
  uid: number;
  gid: number;
}

/**
 * Hands a workspace to the sandbox uid, so the agent can change everything in it. Only what
 * someone else owns is touched, and only directories someone else owns are descended: what
 * the agent made is already its own, so a workspace of a million agent files costs one
 * directory read per run, not a million. Walked through SafeDir: entries are re-owned
 * themselves (lchown), never followed, and the walk is bounded.
 */
export function adoptWorkspace(dir: string, ids: HostIds, limits: WalkLimits): number {
  let changed = 0;
  const foreign = (st: { uid: number; gid: number }) => st.uid !== ids.uid || st.gid !== ids.gid;
  SafeDir.with(dir, (root) => {
    if (foreign(root.stat())) {
      root.chownSelf(ids);
      changed++;
    }
    walk(root, limits, {
      dir: (parent, entry) => {
        const st = parent.lstat(entry.name);
        if (st === null || !foreign(st)) return false;
        parent.chownEntry(entry.name, ids);
        changed++;
        return true;
      },
      nonDir: (parent, entry) => {
        const st = parent.lstat(entry.name);
        if (st === null || !foreign(st)) return;
        parent.chownEntry(entry.name, ids);
        changed++;
      },
    });
  });
  return changed;
}

/** Whether `ids` can reach `path` by name: search on every ancestor, read (and search) on it. */
export function reachableBy(path: string, ids: HostIds): boolean {
  const full = resolve(path);
  const allowed = (p: string, bits: number): boolean => {
    const st = statSync(p);
    const mode = st.uid === ids.uid ? (st.mode >> 6) & 7 : st.gid === ids.gid ? (st.mode >> 3) & 7 : st.mode & 7;
    return (mode & bits) === bits;
  };
  try {
    for (let p = dirname(full); ; p = dirname(p)) {
      if (!allowed(p, 1)) return false;
      if (p === dirname(p)) break;
    }
    const st = statSync(full);
    return allowed(full, st.isDirectory() ? 5 : 4);
  } catch {
    return false;
  }
}
