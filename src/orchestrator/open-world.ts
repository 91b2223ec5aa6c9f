// The composition root: opens (or creates) a world directory and wires config, store,
// kernel, logs and secrets together. `agora start`, the CLI and the tests all come here.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { TokenSigner } from '../api/tokens.js';
import { installGenesisProject } from './genesis-project.js';
import { SystemClock, type Clock } from '../kernel/clock.js';
import { GENESIS_ID, Kernel } from '../kernel/kernel.js';
import { Rng } from '../kernel/rng.js';
import { createSystemLog } from '../log/system-log.js';
import { openDatabase, type Db } from '../store/database.js';
import { agentOwner, WorkspaceStore } from '../workspace/workspace-store.js';
import { ensureWorldDir, readOrCreateSecret, worldExists, worldPaths, type WorldPaths } from '../store/world-dir.js';

export interface WorldOptions {
  dir: string;
  config: Config;
  clock?: Clock;
  seed?: number;
  /** Write system.log (off only for throwaway benchmark worlds). */
  log_to_file?: boolean;
  /** Create the world if the directory holds none (default true; the CLI's readers say false). */
  create?: boolean;
}

export class NoWorldError extends Error {}

export interface World {
  paths: WorldPaths;
  config: Config;
  db: Db;
  kernel: Kernel;
  log: Logger;
  signer: TokenSigner;
  operator_token: string;
  /** The agents' workspaces: the only way to a workspace's host path. */
  workspaces: WorkspaceStore;
  created: boolean;
  close(): void;
}

export function openWorld(options: WorldOptions): World {
  const paths = worldPaths(options.dir);
  if (options.create === false && !worldExists(paths)) {
    throw new NoWorldError(`no world at ${paths.dir}; create one with \`agora start --world ${options.dir}\``);
  }
  const fresh = ensureWorldDir(paths);
  const systemLog = createSystemLog(options.log_to_file === false ? null : paths.log, options.config.log.level);
  const log = systemLog.logger;
  const db = openDatabase(paths.database, {
    synchronous: options.config.store.synchronous,
    busy_timeout_ms: options.config.store.busy_timeout_ms,
  });
  const kernel = new Kernel({
    db,
    clock: options.clock ?? new SystemClock(),
    rng: new Rng(options.seed),
    config: options.config,
    log: log.child({ component: 'kernel' }),
  });
  const workspaces = new WorkspaceStore({
    world_dir: paths.dir,
    disks_dir: paths.disks,
    backing: options.config.workspace.backing,
    limits: { bytes_max: options.config.workspace.bytes_max, inodes_max: options.config.workspace.inodes_max, depth_max: options.config.workspace.depth_max },
    owner: agentOwner(options.config.sandbox),
    log: log.child({ component: 'workspaces' }),
  });
  let created = false;
  if (!kernel.isInitialised()) {
    const genesis_workspace = WorkspaceStore.relativePath(GENESIS_ID);
    if (!workspaces.exists(genesis_workspace)) workspaces.create(GENESIS_ID);
    installGenesisProject(workspaces.dir(genesis_workspace));
    kernel.initialise({ genesis_workspace });
    created = true;
    log.info({ component: 'kernel', world: paths.dir, fresh }, 'world created');
  }
  const signer = new TokenSigner(readOrCreateSecret(paths.signing_key));
  const operator_token = readOrCreateSecret(paths.operator_token);
  return {
    paths,
    config: options.config,
    db,
    kernel,
    log,
    signer,
    operator_token,
    workspaces,
    created,
    close() {
      workspaces.close();
      db.close();
      systemLog.close();
    },
  };
}
