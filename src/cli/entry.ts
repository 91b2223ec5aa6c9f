// The CLI's entry (bin/agora.js runs it, bundled into build/cli/ at install): it loads only the
// module of the command asked for (the list in commands.ts), so `agora status` does not load
// the API server, the sandbox or the LLM proxy, and `agora --help` is printed from the list
// alone. Anything else (an unknown command, --version, `help X`) loads the whole program
// (main.ts); it works the same, only slower to start.
import { Help, type Command } from 'commander';
import { commandModule, commandModules, type CommandEntry } from './commands.js';
import { baseProgram } from './program.js';

const GLOBAL_WITH_VALUE = new Set(['-w', '--world', '-c', '--config']);

/** The subcommand's name: the first argument that is neither a global option nor its value. */
export function commandName(argv: readonly string[]): string | null {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (GLOBAL_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
    else if (!/^--(world|config)=/.test(arg)) return null; // --help, --version, or an unknown option: the whole program answers
  }
  return null;
}

/** True for `agora --help` (or -h), global options aside: the program's own help. */
export function isProgramHelp(argv: readonly string[]): boolean {
  let help = false;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (GLOBAL_WITH_VALUE.has(arg)) i++;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (!/^--(world|config)=/.test(arg)) return false;
  }
  return help;
}

const term = (c: CommandEntry) => `${c.name}${c.options ? ' [options]' : ''}${c.args === '' ? '' : ` ${c.args}`}`;

/** The program with each command as its line in the list only: enough for --help, which it prints as main.ts's would. */
export function helpProgram(): Command {
  const program = baseProgram();
  const entries = new Map(commandModules.flatMap((m) => m.commands.map((c) => [c.name, c] as const)));
  for (const c of entries.values()) program.command(c.args === '' ? c.name : `${c.name} ${c.args}`).description(c.summary);
  const help = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => (entries.has(cmd.name()) ? term(entries.get(cmd.name())!) : help.subcommandTerm(cmd)) });
  return program;
}

export async function run(argv: string[]): Promise<void> {
  if (isProgramHelp(argv)) {
    await helpProgram().parseAsync(argv);
    return;
  }
  const name = commandName(argv);
  const load = name === null ? undefined : commandModule(name)?.load;
  if (load === undefined) {
    const { main } = await import('./main.js');
    return main(argv);
  }
  if (name !== 'start') {
    // A short command parses the config and a few rows once: zod's compiled fast paths (built
    // with new Function per schema) cost more than they save. A running world keeps them.
    const { config } = await import('zod');
    config({ jitless: true });
  }
  const program = baseProgram();
  (await load())(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    // Explaining an error needs every module's error classes: loaded only when one happens.
    const [{ explain }, { printError }] = await Promise.all([import('./main.js'), import('./output.js')]);
    const message = explain(err);
    if (message === null) throw err;
    printError(`agora: ${message}`);
    process.exitCode = 1;
  }
}
