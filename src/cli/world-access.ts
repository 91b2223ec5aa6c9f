// Opening a world read-only for one CLI command, and printing text or --json. For commands
// that inspect a world while `agora start` may be writing it (WAL lets them read).
import type { Command } from 'commander';
import { openWorld, type World } from '../orchestrator/open-world.js';
import { loadCliConfig, type GlobalOptions } from './main.js';

export type CommandOptions = GlobalOptions & Record<string, unknown>;

/** Opens the world named by the command's options (never creates one); the caller closes it. */
export function openCliWorld(command: Command): { world: World; options: CommandOptions } {
  const options = command.optsWithGlobals<CommandOptions>();
  return { world: openWorld({ dir: options.world, config: loadCliConfig(options), create: false, log_to_file: false }), options };
}

export function withWorld<T>(command: Command, fn: (world: World, options: CommandOptions) => T): T {
  const { world, options } = openCliWorld(command);
  try {
    return fn(world, options);
  } finally {
    world.close();
  }
}
