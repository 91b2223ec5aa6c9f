// The composition root: opens (or creates) a world directory and wires config, store,
// kernel, logs and secrets together. `agora start`, the CLI and the tests all come here.
import { mkdirSync, rmSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { SpawnService } from '../kernel/social/spawn-service.js';
import { spawnChild } from './spawn.js';
import { addAgents } from './add-agents.js';
import type { AddAgentsService } from '../kernel/operator-agents/add-service.js';
import { Invoker } from './invoke/invoker.js';
import { PackageInstaller } from './packages/installer.js';
import { TokenSigner } from '../identity/tokens.js';
import { installGenesisProject } from './genesis-project.js';
import { SystemClock, type Clock } from '../kernel/engine/clock.js';
import { GENESIS_ID, Kernel } from '../kernel/kernel.js';
import { Rng } from '../kernel/engine/rng.js';
import { createSystemLog } from '../log/system-log.js';
import { openStore, type Db } from '../store/database.js';
import { agentOwner, WorkspaceStore } from '../workspace/workspace-store.js';
import { HistoryStore } from '../workspace/history-store.js';
import { workspaceWalkLimits } from '../workspace/walk.js';
import { join } from 'node:path';
import { ensureWorldDir, readOrCreateSecret, worldExists, worldPaths, type WorldPaths } from '../store/world-dir.js';
import { lockWorld, type WorldLock } from '../store/world-lock.js';
import { NoWorldError } from './read-world.js';

export interface WorldOptions {
  dir: string;
  config: Config;
  clock?: Clock;
  seed?: number;
  /** Write system.log (off only for throwaway benchmark worlds). */
  log_to_file?: boolean;
  /** Create the world if the directory holds none (default true; the CLI's readers say false). */
  create?: boolean;
  /**
   * Open it to own it (`agora start`, a CLI command that writes): take the world's exclusive
   * lock (store/world-lock.ts) before touching anything, or throw WorldBusyError. Readers
   * leave it off: WAL lets them read while the owner writes.
   */
  own?: boolean;
}

// Where the CLI's readers open a world too (read-world.ts, which a reader loads without this file).
export { NoWorldError } from './read-world.js';

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
  /** The workspace history: a content-addressed store of what each run left (docs/replay.md). */
  history: HistoryStore;
  /** Spawn end to end (workspace, then the kernel command): the service the API offers agents. */
  spawn: SpawnService;
  /** The operator's own agents, end to end (workspace, then the kernel command): agora add. */
  addAgents: AddAgentsService;
  /**
   * Artifact calls end to end (docs/artifacts.md, "Invoking"); it runs code once a runner and
   * the API are attached (`invoker.attach`, which the launcher does for its own).
   */
  invoker: Invoker;
  invocation: Invoker;
  /** Executable access contracts for the data routes (ContractRunner), the same invoker. */
  contracts: Invoker;
  calls: Invoker;
  /** Package installs (docs/packages.md): in a sandbox of the invoker's runner once it is attached. */
  packages: PackageInstaller;
  created: boolean;
  /** Held while the world is open when it was opened with `own`. */
  lock: WorldLock | null;
  /**
   * Closes the world. `discard`: a start that failed; if this open created the world's
   * directory, it is removed (while the lock is still held), so a failed start leaves nothing.
   */
  close(options?: { discard?: boolean }): void;
}

export function openWorld(options: WorldOptions): World {
  const paths = worldPaths(options.dir);
  if (options.create === false && !worldExists(paths, options.config.store.kind)) {
    throw new NoWorldError(`no world at ${paths.dir}; create one with \`agora start --world ${options.dir}\``);
  }
  // The first directory this call created (undefined when it existed): what a failed start removes.
  const created_dir = mkdirSync(paths.dir, { recursive: true, mode: 0o700 }) ?? null;
  const discardCreated = () => {
    if (created_dir !== null) rmSync(created_dir, { recursive: true, force: true });
  };
  let lock: WorldLock | null = null;
  try {
    // Before anything else is read or written: a second start must touch nothing.
    if (options.own === true) lock = lockWorld(paths.dir);
  } catch (err) {
    discardCreated();
    throw err;
  }
  const opened: (() => void)[] = [];
  const close = (discard: boolean) => {
    for (const undo of opened.splice(0).reverse()) undo();
    if (discard) discardCreated();
    lock?.release();
  };
  try {
    const fresh = ensureWorldDir(paths);
    const systemLog = createSystemLog(options.log_to_file === false ? null : paths.log, options.config.log.level);
    opened.push(() => systemLog.close());
    const log = systemLog.logger;
    // The kernel's process is the world's one writer (on PostgreSQL: its advisory lock).
    const db = openStore(paths.database, options.config.store, { writer: true });
    opened.push(() => db.close());
    const kernel = new Kernel({
      db,
      clock: options.clock ?? new SystemClock(),
      rng: new Rng(options.seed),
      config: options.config,
      log: log.child({ component: 'kernel' }),
      artifacts_dir: paths.artifacts,
    });
    const workspaces = new WorkspaceStore({
      world_dir: paths.dir,
      disks_dir: paths.disks,
      backing: options.config.workspace.backing,
      limits: { bytes_max: options.config.workspace.bytes_max, inodes_max: options.config.workspace.inodes_max, depth_max: options.config.workspace.depth_max },
      owner: agentOwner(options.config.sandbox),
      log: log.child({ component: 'workspaces' }),
      tool_timeout_ms: options.config.workspace.tool_timeout_ms,
      remove_entries_max: options.config.workspace.remove_entries_max,
    });
    // Unmounted before anything of the world is removed (close runs these in reverse).
    opened.push(() => workspaces.close());
    let created = false;
    if (!kernel.isInitialised()) {
      const genesis_workspace = WorkspaceStore.relativePath(GENESIS_ID);
      if (!workspaces.exists(genesis_workspace)) workspaces.create(GENESIS_ID);
      installGenesisProject(workspaces.dir(genesis_workspace));
      kernel.initialise({ genesis_workspace });
      created = true;
      log.info({ component: 'kernel', world: paths.dir, fresh }, 'world created');
    }
    const history = new HistoryStore({
      dir: join(paths.dir, 'history'),
      file_bytes_max: options.config.history.file_bytes_max,
      walk: workspaceWalkLimits(options.config.workspace),
    });
    // A fork not yet run resumes its parent's random stream where the parent's cycle left it.
    const resume = kernel.history.pendingForkRng();
    if (resume !== null) kernel.core.resumeRng(resume);
    const signer = new TokenSigner(readOrCreateSecret(paths.signing_key), { verified_entries_max: options.config.auth.verified_tokens_max });
    const operator_token = readOrCreateSecret(paths.operator_token);
    const invoker = new Invoker({
      artifacts: kernel.artifacts,
      config: options.config,
      log: log.child({ component: 'invoke' }),
      calls: signer.calls,
      now_world_ms: () => kernel.clock.now_ms(),
      log_dir: paths.executions,
      kernel,
    });
    opened.push(() => invoker.close());
    // A new world's directory lists Agora's own services from the start (a running world's
    // invoker adds any missing when it is attached).
    if (created) invoker.registerServices();
    return {
      paths,
      config: options.config,
      db,
      kernel,
      log,
      signer,
      operator_token,
      workspaces,
      history,
      spawn: (request, meta) => spawnChild({ kernel, workspaces }, request, meta),
      addAgents: (request, meta) => addAgents({ kernel, workspaces }, request, meta),
      invoker,
      invocation: invoker,
      contracts: invoker,
      calls: invoker,
      packages: new PackageInstaller({ kernel, workspaces, sandbox: () => invoker.sandboxContext() }),
      created,
      lock,
      close: (close_options) => close(close_options?.discard === true),
    };
  } catch (err) {
    // Opening failed half-way (genesis not built, a newer schema...): nothing stays open or half-made.
    close(true);
    throw err;
  }
}
