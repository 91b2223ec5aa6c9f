// Opening a world for one CLI command, and printing text or --json. Readers open it without
// its lock (WAL lets them read while `agora start` writes), and only its store and kernel
// (orchestrator/read-world.ts): the whole composition is loaded only by the commands that use
// it (withOpenWorld) and by a command that writes, when it writes; a command that writes goes
// through the running world's API when it runs, else owns the world (its lock) while it writes.
import type { Command } from 'commander';
import type { World } from '../orchestrator/open-world.js';
import { openWorldReader, type WorldReader } from '../orchestrator/read-world.js';
import { loadCliConfig, type GlobalOptions } from './options.js';
import { runningApiUrl } from './running-world.js';

export type CommandOptions = GlobalOptions & Record<string, unknown>;

const openWhole = async (options: CommandOptions, own: boolean): Promise<World> => {
  const { openWorld } = await import('../orchestrator/open-world.js');
  return openWorld({ dir: options.world, config: loadCliConfig(options), create: false, log_to_file: false, own });
};

/** Opens the world named by the command's options to read it (never creates one); the caller closes it. */
export async function openCliWorld(command: Command): Promise<{ world: WorldReader; options: CommandOptions }> {
  const options = command.optsWithGlobals<CommandOptions>();
  // A database with no world initialised in it yet: the whole opening makes genesis, as it always did.
  const world = openWorldReader({ dir: options.world, config: loadCliConfig(options) }) ?? (await openWhole(options, false));
  return { world, options };
}

export async function withWorld<T>(command: Command, fn: (world: WorldReader, options: CommandOptions) => T): Promise<Awaited<T>> {
  const { world, options } = await openCliWorld(command);
  try {
    return await fn(world, options);
  } finally {
    world.close();
  }
}

/** As withWorld, with the whole world (its workspace history, its token signer). */
export async function withOpenWorld<T>(command: Command, fn: (world: World, options: CommandOptions) => T): Promise<Awaited<T>> {
  const options = command.optsWithGlobals<CommandOptions>();
  const world = await openWhole(options, false);
  try {
    return await fn(world, options);
  } finally {
    world.close();
  }
}

export interface WorldWrite<T> {
  /** The world runs: only its process writes it, so ask its API. */
  api(url: string, operator_token: string, options: CommandOptions): Promise<T>;
  /** Nothing runs it: write it directly, holding its lock so that no start begins meanwhile. */
  direct(world: World, options: CommandOptions): T | Promise<T>;
}

/** Runs a command that changes the world, by whichever of the two ways is safe now. */
export async function writeWorld<T>(command: Command, how: WorldWrite<T>): Promise<T> {
  const options = command.optsWithGlobals<CommandOptions>();
  const config = loadCliConfig(options);
  const [{ openWorld }, { WorldBusyError }] = await Promise.all([import('../orchestrator/open-world.js'), import('../store/world-lock.js')]);
  let world: World;
  try {
    world = openWorld({ dir: options.world, config, create: false, log_to_file: false, own: true });
  } catch (err) {
    if (!(err instanceof WorldBusyError)) throw err;
    const reader = openWorld({ dir: options.world, config, create: false, log_to_file: false });
    let url: string | null;
    try {
      url = await runningApiUrl(reader.paths.dir, reader.kernel.worldId(), config.server.health_timeout_ms);
    } finally {
      reader.close();
    }
    if (url === null) throw new WorldBusyError(err.world_dir, err.owner, 'its API does not answer yet; try again once it has started, or stop it');
    return how.api(url, reader.operator_token, options);
  }
  try {
    // Awaited inside: an asynchronous write (agora add copies a project) holds the lock until it ends.
    return await how.direct(world, options);
  } finally {
    world.close();
  }
}
