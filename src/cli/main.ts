// `agora`: the command line. Every command takes --world (or AGORA_WORLD) and --config
// (or AGORA_CONFIG). Errors print one line and exit non-zero, never a stack trace.
import { Command } from 'commander';
import { ConfigError } from '../config/load.js';
import { AgoraError } from '../base/errors.js';
import { GenesisNotBuiltError } from '../orchestrator/genesis-project.js';
import { NoWorldError } from '../orchestrator/open-world.js';
import { SchemaVersionError } from '../store/migrations.js';
import { registerInboxCommand } from './inbox.js';
import { registerAttentionCommands } from './attention.js';
import { registerInspectCommands } from './inspect.js';
import { registerMarketsCommand } from './markets.js';
import { registerStartCommand } from './start.js';
import { registerHistoryCommands } from './history.js';
import { printError } from './output.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('agora')
    .description('Agora: a host for an economy of autonomous software agents')
    .option('-w, --world <dir>', 'world directory', process.env.AGORA_WORLD ?? './world')
    .option('-c, --config <file>', 'config file (default ./agora.yaml when present)', process.env.AGORA_CONFIG)
    .showHelpAfterError();
  registerStartCommand(program);
  registerInspectCommands(program);
  registerAttentionCommands(program);
  registerInboxCommand(program);
  registerMarketsCommand(program);
  registerHistoryCommands(program);
  return program;
}

function explain(err: unknown): string | null {
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
