// Every `agora` subcommand, once: its name, its arguments, the line --help shows for it, and the
// module that registers it. main.ts builds the whole program from this list, entry.ts loads
// only the module of the command asked for and prints --help from it without loading any,
// and test/cli.test.ts checks it against what the modules register (names, arguments and
// descriptions), so the three cannot drift apart.
import type { Command } from 'commander';

export type Register = (program: Command) => void;

export interface CommandEntry {
  name: string;
  /** The arguments as --help shows them, e.g. `<request> <reason>`. */
  args: string;
  /** Whether the command takes options (--help then shows `[options]`). */
  options: boolean;
  summary: string;
}

export interface CommandModule {
  load: () => Promise<Register>;
  commands: readonly CommandEntry[];
}

const c = (name: string, args: string, options: boolean, summary: string): CommandEntry => ({ name, args, options, summary });

/** In the order --help lists them. Summaries are written out (10 is attention's SCORE_MAX): importing
 * the kernel's constants here would load zod for --help. */
export const commandModules: readonly CommandModule[] = [
  {
    load: () => import('./start.js').then((m) => m.registerStartCommand),
    commands: [
      c('start', '', true, 'open (or create) the world, serve the API and dashboard, run the world loop'),
    ],
  },
  {
    load: () => import('./inspect.js').then((m) => m.registerInspectCommands),
    commands: [
      c('status', '', true, 'world summary: cycle, population, runs, what waits for the operator, credits, journal position, conservation'),
      c('config', '', true, 'the effective config (defaults merged with the config file), as YAML or --json; docs/config.md says what each key means'),
      c('agents', '', true, 'agents as a lineage tree with status, generation, balance and runs (--table for counters)'),
      c('history', '<agent>', true, "an agent's ledger history, newest first"),
      c('audit', '', true, 'rebuild every projection from the journal alone and compare; exits 1 on any difference'),
      c('token', '<agent>', true, 'mint a bearer token for an agent (development and tests; runs get their own)'),
    ],
  },
  {
    load: () => import('./attention.js').then((m) => m.registerAttentionCommands),
    commands: [
      c('prompts', '', true, 'prompts agents have put to the operator (pending ones, oldest first, unless told otherwise)'),
      c('reward', '<prompt> <interesting> <useful> <understandable> [reply]', true, 'score a pending prompt (0-10 each) and optionally reply; the reward is minted to the agent, the reply goes to its inbox'),
    ],
  },
  {
    load: () => import('./inbox.js').then((m) => m.registerInboxCommand),
    commands: [
      c('inbox', '<agent>', true, "an agent's inbox: its latest messages and what it has read"),
    ],
  },
  {
    load: () => import('./markets.js').then((m) => m.registerMarketsCommand),
    commands: [
      c('markets', '', true, 'market prices, utilisation, the order book and recent clearings'),
    ],
  },
  {
    load: () => import('./research.js').then((m) => m.registerResearchCommands),
    commands: [
      c('experiment', '<scenario>', true, 'run a scenario file N times per variant (seeds seed..seed+N-1) on a simulated clock; write CSV, summary with 95% intervals, charts'),
      c('add', '<dir>', true, 'add agents of your own from a project directory (main.py, main.js or agent.json): generation 0, funded by an operator grant, with a first bid so they run'),
      c('pause', '<agent>', true, 'pause an agent: its bids are withdrawn and refunded, nothing runs it, the lifecycle leaves it alone until resumed'),
      c('resume', '<agent>', true, 'resume a paused agent (with a bid for its next run when it can pay one)'),
      c('kill', '<agent>', true, 'kill an agent: its bids are withdrawn and refunded, what it holds is burned, it is dead'),
      c('report', '', true, "the auditor's reports (every auditor.every_cycles cycles), newest first"),
      c('kpis', '', true, 'the ecosystem KPIs of the last cycles (docs/kpis.md)'),
    ],
  },
  {
    load: () => import('./artifacts.js').then((m) => m.registerArtifactCommands),
    commands: [
      c('artifacts', '', true, 'the artifact directory: ranked by verified successes, then price, then recency'),
      c('artifact', '<id>', true, 'one artifact: metadata, interface, versions and usage (never its content)'),
    ],
  },
  {
    load: () => import('./capabilities.js').then((m) => m.registerCapabilityCommands),
    commands: [
      c('requests', '', true, 'capability requests agents have put to the operator (pending ones, oldest first, unless told otherwise)'),
      c('approve', '<request>', true, 'grant a pending capability request: the scope defaults to the name in the capability (a model id, an MB cap)'),
      c('deny', '<request> <reason>', true, 'refuse a pending capability request with a reason the agent hears'),
    ],
  },
  {
    load: () => import('./history.js').then((m) => m.registerHistoryCommands),
    commands: [
      c('replay', '', true, "re-fold the journal into a fresh store and check every cycle's recorded state hash (re-runs no agent)"),
      c('checkpoint', '', true, "mark a checkpoint: the journal position now, with every agent's latest workspace manifest"),
      c('fork', '', true, "a new world: this one's journal up to the end of a cycle, its workspaces as then, config changes applied; start it with agora start --world DIR"),
      c('compare', '<dir>', true, "this world's ecosystem KPIs beside another world's (a fork's, say) at the last cycle both recorded, with the deltas"),
      c('restore', '<agent>', true, "write an agent's workspace as a recorded run left it into a new directory"),
    ],
  },
  {
    load: () => import('./migrate-store.js').then((m) => m.registerMigrateStoreCommand),
    commands: [
      c('migrate-store', '', true, "copy this stopped SQLite world's journal and tables into an empty PostgreSQL database; then start it with store.kind: postgres"),
    ],
  },
  {
    load: () => import('./runner.js').then((m) => m.registerRunnerCommand),
    commands: [
      c('runner', '', true, "a runner host: take the world's runs from its NATS run queue and run each in a bwrap sandbox here (events.nats.dispatch_runs)"),
    ],
  },
  {
    load: () => import('./mcp.js').then((m) => m.registerMcpCommand),
    commands: [
      c('mcp', '', false, "an MCP server on stdio with the operator's tools, for an LLM client; it talks to the running world (agora start) with the operator token"),
    ],
  },
  {
    load: () => import('./trade.js').then((m) => m.registerTradeCommands),
    commands: [
      c('offers', '', true, 'the offer book: artifacts, licences, loan claims and rights for sale (open by default)'),
      c('loans', '', true, 'loans between agents: principal, repayment, who holds the claim, paid and defaulted'),
    ],
  },
];

/** The module that registers `name`, or undefined for a name no command has. */
export function commandModule(name: string): CommandModule | undefined {
  return commandModules.find((m) => m.commands.some((command) => command.name === name));
}
