// Opening a world to read it, as the CLI's read-only commands do (status, prompts, requests,
// agents...): its store and kernel only. The whole composition (open-world.ts) also builds the
// workspaces, the workspace history, the artifact invoker and the package installer, whose
// modules (the sandbox runner, the MCP client, their schemas) a reader never uses but would
// compile at every start. What it reads and how it reads it are the same as openWorld's.
import { mkdirSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { SystemClock } from '../kernel/engine/clock.js';
import { Kernel } from '../kernel/kernel.js';
import { Rng } from '../kernel/engine/rng.js';
import { createSystemLog } from '../log/system-log.js';
import { openStore, type Db } from '../store/database.js';
import { ensureWorldDir, readOrCreateSecret, worldExists, worldPaths, type WorldPaths } from '../store/world-dir.js';

export class NoWorldError extends Error {}

/** The part of an open world (open-world.ts's World) a reader uses; a World is one too. */
export interface WorldReader {
  paths: WorldPaths;
  config: Config;
  db: Db;
  kernel: Kernel;
  operator_token: string;
  close(): void;
}

/** Throws NoWorldError when the directory holds no world. */
export function assertWorldExists(dir: string, store_kind: 'sqlite' | 'postgres' = 'sqlite'): WorldPaths {
  const paths = worldPaths(dir);
  if (!worldExists(paths, store_kind)) throw new NoWorldError(`no world at ${paths.dir}; create one with \`agora start --world ${dir}\``);
  return paths;
}

/**
 * Opens an existing world to read it, without its lock (WAL lets it read while the owner
 * writes). Null when its database holds no initialised world yet: only openWorld creates
 * genesis, so the caller opens it that way then.
 */
export function openWorldReader(options: { dir: string; config: Config }): WorldReader | null {
  const paths = assertWorldExists(options.dir, options.config.store.kind);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  ensureWorldDir(paths);
  const log = createSystemLog(null, options.config.log.level).logger;
  // A reader, not the writer: on PostgreSQL it takes no lock and runs no migration.
  const db = openStore(paths.database, options.config.store, { writer: false });
  try {
    const kernel = new Kernel({ db, clock: new SystemClock(), rng: new Rng(), config: options.config, log: log.child({ component: 'kernel' }), artifacts_dir: paths.artifacts });
    if (!kernel.isInitialised()) {
      db.close();
      return null;
    }
    // As openWorld: a fork not yet run resumes its parent's random stream.
    const resume = kernel.history.pendingForkRng();
    if (resume !== null) kernel.core.resumeRng(resume);
    readOrCreateSecret(paths.signing_key);
    const operator_token = readOrCreateSecret(paths.operator_token);
    return { paths, config: options.config, db, kernel, operator_token, close: () => db.close() };
  } catch (err) {
    db.close();
    throw err;
  }
}
