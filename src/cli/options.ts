// What every subcommand shares: the global options, an option parser, the config they name.
// Apart from main.ts (which registers the subcommands), so the subcommands never import it.
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/load.js';

export interface GlobalOptions {
  world: string;
  config?: string;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

export function loadCliConfig(options: GlobalOptions) {
  return loadConfig(options.config).config;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number of at least 0');
  return n;
}
