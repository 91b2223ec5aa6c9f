// `agora`: the command line. Every command takes --world (or AGORA_WORLD) and --config
// (or AGORA_CONFIG). Errors print one line and exit non-zero, never a stack trace.
import { CommanderError, type Command } from 'commander';
import { baseProgram } from './program.js';
import { ConfigError } from '../config/load.js';
import { AgoraError } from '../base/errors.js';
import { GenesisNotBuiltError } from '../orchestrator/genesis-project.js';
import { NoWorldError } from '../orchestrator/open-world.js';
import { SchemaVersionError } from '../store/migrations.js';
import { commandModules } from './commands.js';
import { printError } from './output.js';
import { ScenarioError } from '../research/scenario.js';

/** The whole program: every command module of the list (commands.ts) registered, in its order. */
export async function buildProgram(): Promise<Command> {
  const program = baseProgram();
  for (const register of await Promise.all(commandModules.map((m) => m.load()))) register(program);
  return program;
}

/** One line for an error the operator can act on; null for a bug (then the trace is shown). */
export function explain(err: unknown): string | null {
  // An option parser's refusal thrown from inside an action (commander reports its own otherwise).
  if (err instanceof CommanderError) return err.message.replace(/^error: /, '');
  if (err instanceof ScenarioError) return `scenario error: ${err.message}`;
  if (err instanceof ConfigError) return `config error: ${err.message}`;
  if (err instanceof SchemaVersionError || err instanceof NoWorldError || err instanceof GenesisNotBuiltError) return err.message;
  if (err instanceof AgoraError) return `${err.code}: ${err.message}`;
  if (err instanceof Error && 'code' in err && err.code === 'EADDRINUSE') return `cannot listen: ${err.message} (set server.port or --port)`;
  return null;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await (await buildProgram()).parseAsync(argv);
  } catch (err) {
    const message = explain(err);
    if (message === null) throw err;
    printError(`agora: ${message}`);
    process.exitCode = 1;
  }
}
