// One world = one directory: the database, the agents' workspaces, system.log and the two
// secrets (operator token, token-signing key), both readable by the owner only.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface WorldPaths {
  dir: string;
  database: string;
  workspaces: string;
  /** Workspace images (host-only: never inside a workspace). */
  disks: string;
  executions: string;
  /** Artifact bytes, content-addressed (host-only: written by the host, mounted read-only into calls). */
  artifacts: string;
  log: string;
  operator_token: string;
  signing_key: string;
}

export function worldPaths(dir: string): WorldPaths {
  const root = resolve(dir);
  return {
    dir: root,
    database: join(root, 'world.db'),
    workspaces: join(root, 'workspaces'),
    disks: join(root, 'disks'),
    executions: join(root, 'executions'),
    artifacts: join(root, 'artifacts'),
    log: join(root, 'system.log'),
    operator_token: join(root, 'operator.token'),
    signing_key: join(root, 'signing.key'),
  };
}

/** Creates the directory skeleton if missing; returns whether the world is new. */
export function ensureWorldDir(paths: WorldPaths): boolean {
  const fresh = !existsSync(paths.database);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  mkdirSync(paths.workspaces, { recursive: true });
  mkdirSync(paths.executions, { recursive: true });
  mkdirSync(paths.artifacts, { recursive: true, mode: 0o700 });
  return fresh;
}

/** Reads a secret file, creating it (0600) with fresh random bytes the first time. */
export function readOrCreateSecret(file: string, bytes = 32): string {
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(bytes).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  const mode = statSync(file).mode & 0o777;
  if (mode !== 0o600) chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{32,}$/.test(secret)) throw new Error(`${file} is damaged: expected a hex secret`);
  return secret;
}

/**
 * Whether the directory holds a world. On PostgreSQL the journal is not in the directory: a
 * world's directory is made, secrets and all, at its first open, so its operator token says so.
 */
export function worldExists(paths: WorldPaths, store_kind: 'sqlite' | 'postgres' = 'sqlite'): boolean {
  return existsSync(store_kind === 'postgres' ? paths.operator_token : paths.database);
}
