// Host file ownership and reachability for the unprivileged uid a sandbox runs as.
import { lchownSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface HostIds {
  uid: number;
  gid: number;
}

/**
 * Hands a workspace to the sandbox uid, so the agent can change everything in it. Only what
 * someone else owns is touched, and only directories someone else owns are descended: what
 * the agent made is already its own, so a workspace of a million agent files costs one
 * directory read per run, not a million. Symlinks are re-owned, never followed.
 */
export function adoptWorkspace(dir: string, ids: HostIds): number {
  let changed = 0;
  const visit = (path: string, top: boolean): void => {
    const st = lstatSync(path);
    const foreign = st.uid !== ids.uid || st.gid !== ids.gid;
    if (foreign) {
      lchownSync(path, ids.uid, ids.gid);
      changed++;
    }
    if (st.isDirectory() && (foreign || top)) {
      for (const name of readdirSync(path)) visit(join(path, name), false);
    }
  };
  visit(dir, true);
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
