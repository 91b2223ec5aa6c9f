// The `agora` program before any subcommand: its name and global options. Apart from main.ts
// so that the lazy entry (entry.ts) can build it without loading every subcommand.
import { Command } from 'commander';

export function baseProgram(): Command {
  return new Command()
    .name('agora')
    .description('Agora: a host for an economy of autonomous software agents')
    .option('-w, --world <dir>', 'world directory', process.env.AGORA_WORLD ?? './world')
    .option('-c, --config <file>', 'config file (default ./agora.yaml when present)', process.env.AGORA_CONFIG)
    .showHelpAfterError();
}
