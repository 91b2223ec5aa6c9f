// `agora replay`, `agora checkpoint`, `agora fork` and `agora restore` (docs/replay.md).
import type { Command } from 'commander';
import { mkdirSync, readdirSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { AgoraError } from '../base/errors.js';
import { loadConfig } from '../config/load.js';
import { applyOverrides, flattenOverrides, parseSetting, type Overrides } from '../config/overrides.js';
import { replayJournal } from '../kernel/replay.js';
import { forkWorld } from '../orchestrator/fork.js';
import { agentOwner } from '../workspace/workspace-store.js';
import { positiveInt, type GlobalOptions } from './options.js';
import { printOutput } from './output.js';
import { withOpenWorld, withWorld, writeWorld } from './world-access.js';

const collect = (value: string, previous: string[]) => [...previous, value];
const cycleArg = (v: string) => (v === '0' ? 0 : positiveInt(v));

export function registerHistoryCommands(program: Command): void {
  program
    .command('replay')
    .description('re-fold the journal into a fresh store and check every cycle\'s recorded state hash (re-runs no agent)')
    .option('--to <cycle>', 'stop after this cycle', cycleArg)
    .option('--json', 'machine-readable output')
    .action(async (options: { to?: number; json?: boolean }, command: Command) => {
      const result = await withWorld(command, (world) => replayJournal(world.db, { to_cycle: options.to }));
      const d = result.first_difference;
      const text = result.ok
        ? `replay ok: ${result.cycles_checked} cycles, ${result.events} events`
        : d !== null
          ? `replay differs at cycle ${d.cycle}, table ${d.table} (${d.where === 'journal' ? 'the journal folds to another state than it recorded' : 'a live row is not what the journal folds to'}): ${d.detail}`
          : `replay failed: ${result.journal_problems.join('; ')}`;
      printOutput(result, text, options.json);
      if (!result.ok) process.exitCode = 1;
    });

  program
    .command('checkpoint')
    .description('mark a checkpoint: the journal position now, with every agent\'s latest workspace manifest')
    .option('--name <name>', 'its name (default cycle-N)')
    .option('--json', 'machine-readable output')
    .action(async (options: { name?: string; json?: boolean }, command: Command) => {
      const marked = await writeWorld(command, {
        api: async (url, token) => {
          const res = await fetch(`${url}/operator/checkpoint`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(options.name === undefined ? {} : { name: options.name }) });
          const body = (await res.json()) as { name: string; cycle: number; seq: number; workspaces: number; error?: { code: string; message: string } };
          if (!res.ok) throw new AgoraError('INTERNAL', body.error?.message ?? `the API answered ${res.status}`);
          return body;
        },
        direct: (world) => {
          const m = world.kernel.history.markCheckpoint(options.name ?? `cycle-${world.kernel.history.lastClosedCycle()?.cycle ?? 0}`, { actor: 'operator' });
          return { name: m.name, cycle: m.cycle, seq: m.seq, workspaces: Object.keys(m.manifests).length };
        },
      });
      printOutput(marked, `checkpoint ${marked.name}: cycle ${marked.cycle}, journal position ${marked.seq}, ${marked.workspaces} workspaces`, options.json);
    });

  program
    .command('fork')
    .description('a new world: this one\'s journal up to the end of a cycle, its workspaces as then, config changes applied; start it with agora start --world DIR')
    .requiredOption('--at <cycle>', 'the cycle the fork starts after', cycleArg)
    .requiredOption('--to <dir>', 'the new world\'s directory (new or empty)')
    .option('--set <key=value>', 'a config change (repeatable), e.g. social.message_cost=0.5', collect, [])
    .option('--scenario <file>', "config changes from a scenario file's config: (docs/research.md); its agents, seed and cycles are not used: a fork goes on with its parent's. --set wins over it")
    .option('--json', 'machine-readable output')
    .action(async (options: { at: number; to: string; set: string[]; scenario?: string; json?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      // Loaded only when asked for: the scenario module (and its schema) costs every other CLI call nothing.
      const from_scenario = options.scenario === undefined ? {} : flattenOverrides((await import('../research/scenario.js')).loadScenario(options.scenario).scenario.config);
      const changes: Overrides = { ...from_scenario, ...Object.fromEntries(options.set.map(parseSetting)) };
      // The fork's config is the parent's (this command's config file) with the changes: validated whole.
      const config = loadConfig(globals.config, (raw) => applyOverrides(raw, changes)).config;
      const report = forkWorld({ parent_dir: globals.world, cycle: options.at, to_dir: options.to, changes, config });
      const restored = Object.keys(report.workspaces).length;
      printOutput(
        report,
        `forked at cycle ${report.cycle} into ${report.dir}: ${report.events} events, ${restored} workspaces restored` +
          (report.missing.length > 0 ? ` (${report.missing.length} agents had not run yet: ${report.missing.join(', ')})` : '') +
          `\nrun it with: agora start --world ${report.dir}${globals.config === undefined ? '' : ` --config ${globals.config}`}`,
        options.json,
      );
    });

  program
    .command('compare <dir>')
    .description("this world's ecosystem KPIs beside another world's (a fork's, say) at the last cycle both recorded, with the deltas")
    .option('--json', 'machine-readable output')
    .action(async (dir: string, options: { json?: boolean }, command: Command) => {
      const { compareKpis } = await import('./compare.js');
      const { openWorld } = await import('../orchestrator/open-world.js');
      const result = await withWorld(command, (here) => {
        const other = openWorld({ dir: resolve(dir), config: here.config, create: false, log_to_file: false });
        try {
          return compareKpis(here, other);
        } finally {
          other.close();
        }
      });
      const fmt = (v: number | null) => (v === null ? null : Number.isInteger(v) ? String(v) : v.toFixed(4));
      const { formatTable } = await import('./table.js');
      const head =
        result.common_cycle === null
          ? `no cycle with KPIs in both worlds (this: ${result.this_last_cycle ?? 'none'}, other: ${result.other_last_cycle ?? 'none'})`
          : `KPIs at cycle ${result.common_cycle}, the last both recorded (this world ran to ${result.this_last_cycle}, the other to ${result.other_last_cycle})` +
            (result.relation === null ? '' : `; ${result.relation}`);
      printOutput(result, `${head}\n${formatTable(['kpi', 'this', 'other', 'delta'], result.kpis.map((k) => [k.name, fmt(k.this), fmt(k.other), k.delta === null ? null : (k.delta > 0 ? '+' : '') + fmt(k.delta)]))}`, options.json);
    });

  program
    .command('restore <agent>')
    .description("write an agent's workspace as a recorded run left it into a new directory")
    .requiredOption('--to <dir>', 'a new or empty directory')
    .option('--run <execution>', 'the run (default: the latest recorded)')
    .option('--cycle <n>', 'the latest run recorded by the end of this cycle', cycleArg)
    .option('--json', 'machine-readable output')
    .action(async (agent: string, options: { to: string; run?: string; cycle?: number; json?: boolean }, command: Command) => {
      const result = await withOpenWorld(command, (world) => {
        const at_seq = options.cycle === undefined ? undefined : world.kernel.history.cycle(options.cycle)?.seq;
        if (options.cycle !== undefined && at_seq === undefined) throw new AgoraError('NOT_FOUND', `the world recorded no end of cycle ${options.cycle}`);
        const record = world.kernel.history.workspaceRecord(agent, { execution_id: options.run, at_seq });
        if (record === null) throw new AgoraError('NOT_FOUND', `no recorded workspace of ${agent}${options.run === undefined ? '' : ` for run ${options.run}`}`);
        const to = resolve(options.to);
        if (existsSync(to) && readdirSync(to).length > 0) throw new AgoraError('CONFLICT', `${to} is not empty`);
        mkdirSync(to, { recursive: true, mode: 0o755 });
        const written = world.history.restore(record.manifest, to, agentOwner(world.config.sandbox));
        return { agent_id: agent, execution_id: record.execution_id, cycle: record.cycle, manifest: record.manifest, dir: to, ...written };
      });
      printOutput(result, `restored ${result.agent_id}'s workspace after run ${result.execution_id} (cycle ${result.cycle}): ${result.files} files, ${result.bytes} bytes in ${result.dir}`, options.json);
    });
}

