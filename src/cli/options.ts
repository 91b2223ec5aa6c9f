// What every subcommand shares: the global options, an option parser, the config they name.
// Apart from main.ts (which registers the subcommands), so the subcommands never import it.
import { InvalidArgumentError } from 'commander';
import { AgoraError } from '../base/errors.js';
import { loadConfig } from '../config/load.js';
import { applyOverrides, readWorldOverrides } from '../config/overrides.js';

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
  // A fork carries its config changes in its own directory (config/overrides.ts).
  const overrides = readWorldOverrides(options.world);
  if (Object.keys(overrides).length === 0) return loadConfig(options.config).config;
  return loadConfig(options.config, (raw) => applyOverrides(raw, overrides)).config;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number of at least 0');
  return n;
}

/**
 * A list command's `--status <status>` (`agora prompts`, `agora requests`): one of `statuses` or
 * `all`; the filter to pass on (undefined for all), or INVALID_ARGS naming the choices.
 */
export function statusFilter<S extends string>(value: unknown, statuses: readonly S[]): S | undefined {
  const status = String(value);
  if (status === 'all') return undefined;
  if (!(statuses as readonly string[]).includes(status)) throw new AgoraError('INVALID_ARGS', `--status must be ${[...statuses, 'all'].join(', ').replace(/, all$/, ' or all')}, not ${status}`);
  return status as S;
}
