// The CLI's entry (bin/agora.js runs it, bundled into build/cli/ at install): it loads only the
// module of the command asked for, so `agora status` does not load the API server, the sandbox
// or the LLM proxy. Commands not listed here, and --help, load the whole program (main.ts);
// they work the same, only slower to start.
import type { Command } from 'commander';
import { baseProgram } from './program.js';

type Register = (program: Command) => void;

const lazyCommands: Record<string, () => Promise<Register>> = {
  start: () => import('./start.js').then((m) => m.registerStartCommand),
  status: () => import('./inspect.js').then((m) => m.registerInspectCommands),
  agents: () => import('./inspect.js').then((m) => m.registerInspectCommands),
  history: () => import('./inspect.js').then((m) => m.registerInspectCommands),
  audit: () => import('./inspect.js').then((m) => m.registerInspectCommands),
  token: () => import('./inspect.js').then((m) => m.registerInspectCommands),
  config: () => import('./inspect.js').then((m) => m.registerInspectCommands),
  prompts: () => import('./attention.js').then((m) => m.registerAttentionCommands),
  reward: () => import('./attention.js').then((m) => m.registerAttentionCommands),
  inbox: () => import('./inbox.js').then((m) => m.registerInboxCommand),
  markets: () => import('./markets.js').then((m) => m.registerMarketsCommand),
  requests: () => import('./capabilities.js').then((m) => m.registerCapabilityCommands),
  approve: () => import('./capabilities.js').then((m) => m.registerCapabilityCommands),
  deny: () => import('./capabilities.js').then((m) => m.registerCapabilityCommands),
  artifacts: () => import('./artifacts.js').then((m) => m.registerArtifactCommands),
  artifact: () => import('./artifacts.js').then((m) => m.registerArtifactCommands),
  offers: () => import('./trade.js').then((m) => m.registerTradeCommands),
  loans: () => import('./trade.js').then((m) => m.registerTradeCommands),
  add: () => import('./research.js').then((m) => m.registerResearchCommands),
  pause: () => import('./research.js').then((m) => m.registerResearchCommands),
  resume: () => import('./research.js').then((m) => m.registerResearchCommands),
  kill: () => import('./research.js').then((m) => m.registerResearchCommands),
  report: () => import('./research.js').then((m) => m.registerResearchCommands),
  kpis: () => import('./research.js').then((m) => m.registerResearchCommands),
  experiment: () => import('./research.js').then((m) => m.registerResearchCommands),
  replay: () => import('./history.js').then((m) => m.registerHistoryCommands),
  checkpoint: () => import('./history.js').then((m) => m.registerHistoryCommands),
  fork: () => import('./history.js').then((m) => m.registerHistoryCommands),
  restore: () => import('./history.js').then((m) => m.registerHistoryCommands),
  mcp: () => import('./mcp.js').then((m) => m.registerMcpCommand),
  compare: () => import('./history.js').then((m) => m.registerHistoryCommands),
};

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

export async function run(argv: string[]): Promise<void> {
  const name = commandName(argv);
  const load = name === null ? undefined : lazyCommands[name];
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
