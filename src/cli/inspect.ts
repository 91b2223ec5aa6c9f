// Read-only commands and token minting. They open the world database directly (WAL lets
// them read while `agora start` writes) and never change world state.
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { escrowAccount } from '../kernel/ledger/accounts.js';
import { audit } from '../kernel/audit.js';
import { AgoraError } from '../base/errors.js';
import { microToCredits } from '../kernel/ledger/money.js';
import { lastSeq } from '../store/journal.js';
import { loadConfig } from '../config/load.js';
import { positiveInt } from './options.js';
import { printOutput as print, printText } from './output.js';
import { withOpenWorld, withWorld } from './world-access.js';
import { formatTable } from './table.js';
import { lineageTree } from './lineage-tree.js';

export function registerInspectCommands(program: Command): void {
  program
    .command('status')
    .description('world summary: cycle, population, runs, what waits for the operator, credits, journal position, conservation')
    .option('--json', 'machine-readable output')
    .action((_opts, command: Command) =>
      withWorld(command, (world, options) => {
        const k = world.kernel;
        const counts = k.agents.counts();
        const c = k.ledger.conservation();
        const summary = k.operator.summary();
        const runs = k.operator.runCounts();
        const prompts = k.attention.counts();
        const requests = k.capabilities.counts();
        const status = {
          world_id: k.worldId(),
          dir: world.paths.dir,
          cycle: summary.cycle,
          seq: lastSeq(world.db),
          agents: counts,
          runs,
          open_bids: summary.open_bids,
          prompts_pending: prompts.pending,
          requests_pending: requests.pending,
          credits_held: microToCredits(c.held_ucr),
          credits_created: microToCredits(c.created_ucr),
          credits_burned: microToCredits(c.burned_ucr),
          conservation_ok: c.ok,
        };
        const waiting = status.prompts_pending + status.requests_pending;
        const text = [
          `world       ${status.world_id} (${status.dir})`,
          `cycle       ${status.cycle}`,
          `journal     ${status.seq} events`,
          `agents      ${counts.alive} alive, ${counts.dormant} dormant, ${counts.dead} dead`,
          `runs        ${runs.running} running, ${runs.total} in all; ${status.open_bids} open bids`,
          `waiting     ${status.prompts_pending} prompts (agora prompts), ${status.requests_pending} capability requests (agora requests)${waiting > 0 ? ' for you' : ''}`,
          `credits     ${status.credits_held} held = ${status.credits_created} created - ${status.credits_burned} burned`,
          `conservation ${c.ok ? 'ok' : 'BROKEN'}`,
        ].join('\n');
        print(status, text, options.json);
      }),
    );

  program
    .command('config')
    .description('the effective config (defaults merged with the config file), as YAML or --json; docs/config.md says what each key means')
    .option('--json', 'machine-readable output')
    .action((_opts, command: Command) => {
      const options = command.optsWithGlobals<{ config?: string; json?: boolean }>();
      const { config, source } = loadConfig(options.config);
      // yaml is loaded here, not at import, so that other commands never pay for it.
      const { stringify } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
      print(config, `# effective config; from ${source}\n${stringify(config).trimEnd()}`, options.json);
    });

  program
    .command('agents')
    .description('agents as a lineage tree with status, generation, balance and runs (--table for counters)')
    .option('--table', 'a flat table with income and spending instead of the tree')
    .option('--json', 'machine-readable output')
    .action((_opts, command: Command) =>
      withWorld(command, (world, options) => {
        const agents = world.kernel.agents.list({ limit: 100_000 });
        const rows = agents.map((a) => [a.id, a.status, a.generation, a.parent_id, microToCredits(a.balance_ucr), microToCredits(a.escrow_ucr), a.executions, microToCredits(a.earned_ucr), microToCredits(a.spent_ucr)]);
        const text = options.table === true ? formatTable(['id', 'status', 'gen', 'parent', 'balance', 'escrow', 'runs', 'earned', 'spent'], rows) : lineageTree(agents);
        print(agents, text, options.json);
      }),
    );

  program
    .command('history <agent>')
    .description("an agent's ledger history, newest first")
    .option('-n, --limit <n>', 'how many postings', positiveInt, 50)
    .option('--json', 'machine-readable output')
    .action((agent: string, _opts, command: Command) =>
      withWorld(command, (world, options) => {
        world.kernel.agents.require(agent);
        const rows = world.kernel.ledger.history([agent, escrowAccount(agent)], { limit: options.limit as number });
        const table = rows.map((p) => [p.id, new Date(p.at_ms).toISOString(), p.kind, p.from_id, p.to_id, microToCredits(p.amount_ucr), p.memo]);
        print(rows, formatTable(['id', 'at', 'kind', 'from', 'to', 'amount', 'memo'], table), options.json);
      }),
    );

  program
    .command('audit')
    .description('rebuild every projection from the journal alone and compare; exits 1 on any difference')
    .option('--json', 'machine-readable output')
    .action((_opts, command: Command) =>
      withWorld(command, (world, options) => {
        const report = audit(world.db);
        const lines = [
          `replayed ${report.events} events`,
          ...report.tables.map((t) => `  ${t.table.padEnd(12)} ${t.rows} rows, ${t.differences} differences${t.first_difference ? `: ${t.first_difference}` : ''}`),
          `  conservation: sum ${report.conservation.sum_ucr} µcr, held ${report.conservation.held_ucr} = created ${report.conservation.created_ucr} - burned ${report.conservation.burned_ucr} µcr${report.conservation.negative_accounts.length ? `, negative: ${report.conservation.negative_accounts.join(', ')}` : ''}`,
          ...report.journal_problems.map((p) => `  journal: ${p}`),
          report.ok ? 'audit ok' : 'AUDIT FAILED',
        ];
        print(report, lines.join('\n'), options.json);
        if (!report.ok) process.exitCode = 1;
      }),
    );

  program
    .command('token <agent>')
    .description('mint a bearer token for an agent (development and tests; runs get their own)')
    .option('--ttl <seconds>', 'lifetime in seconds (default auth.dev_token_ttl_s)', positiveInt)
    .action((agent: string, _opts, command: Command) =>
      // The whole world: the token signer is part of the composition a reader leaves out.
      withOpenWorld(command, (world, options) => {
        const found = world.kernel.agents.get(agent);
        if (found === null) throw new AgoraError('NOT_FOUND', `no agent ${agent}`);
        const ttl_s = (options.ttl as number | undefined) ?? world.config.auth.dev_token_ttl_s;
        const token = world.signer.mint({ agent_id: agent, execution_id: null, expires_world_ms: world.kernel.clock.now_ms() + ttl_s * 1000 });
        printText(token);
      }),
    );
}
