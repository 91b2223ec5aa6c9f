// `agora`: the command line. Every command takes --world (or AGORA_WORLD) and --config
// (or AGORA_CONFIG). Errors print one line and exit non-zero, never a stack trace.
import { CommanderError, type Command } from 'commander';
import { baseProgram } from './program.js';
import { ConfigError } from '../config/load.js';
import { AgoraError } from '../base/errors.js';
import { GenesisNotBuiltError } from '../orchestrator/genesis-project.js';
import { NoWorldError } from '../orchestrator/open-world.js';
import { SchemaVersionError } from '../store/migrations.js';
import { registerInboxCommand } from './inbox.js';
import { registerAttentionCommands } from './attention.js';
import { registerInspectCommands } from './inspect.js';
import { registerMarketsCommand } from './markets.js';
import { registerArtifactCommands } from './artifacts.js';
import { registerCapabilityCommands } from './capabilities.js';
import { registerStartCommand } from './start.js';
import { registerResearchCommands } from './research.js';
import { registerHistoryCommands } from './history.js';
import { registerMcpCommand } from './mcp.js';
import { registerTradeCommands } from './trade.js';
import { printError } from './output.js';
import { ScenarioError } from '../research/scenario.js';

export function buildProgram(): Command {
  const program = baseProgram();
  registerStartCommand(program);
  registerInspectCommands(program);
  registerAttentionCommands(program);
  registerInboxCommand(program);
  registerMarketsCommand(program);
  registerResearchCommands(program);
  registerArtifactCommands(program);
  registerCapabilityCommands(program);
  registerHistoryCommands(program);
  registerMcpCommand(program);
  registerTradeCommands(program);
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
    await buildProgram().parseAsync(argv);
  } catch (err) {
    const message = explain(err);
    if (message === null) throw err;
    printError(`agora: ${message}`);
    process.exitCode = 1;
  }
}
