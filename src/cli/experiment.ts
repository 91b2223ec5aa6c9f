// `agora experiment FILE --repeat N [--vary key=v1,v2]...`: runs a scenario's variants with N
// seeds each, on a simulated clock, and writes the results directory (docs/research.md).
import type { Command } from 'commander';
import pino from 'pino';
import { defaultParallel, parseVary, runExperiment, type Vary } from '../research/experiment.js';
import { loadScenario, withCycles } from '../research/scenario.js';
import { loadCliConfig, positiveInt, type GlobalOptions } from './options.js';
import { printText } from './output.js';

/** One line, redrawn in place on a terminal; elsewhere a line per finished run. */
function progressBar(stream: NodeJS.WriteStream): (done: number, total: number, runs: number, total_runs: number) => void {
  let last_runs = -1;
  return (done, total, runs, total_runs) => {
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} cycles, ${runs}/${total_runs} runs`;
    if (stream.isTTY) stream.write(`\r${text}${runs === total_runs ? '\n' : ''}`);
    else if (runs !== last_runs) stream.write(`${text}\n`);
    last_runs = runs;
  };
}

export function registerExperimentCommand(program: Command): void {
  program
    .command('experiment <scenario>')
    .description('run a scenario file N times per variant (seeds seed..seed+N-1) on a simulated clock; write CSV, summary with 95% intervals, charts')
    .option('-r, --repeat <n>', 'seeds per variant', positiveInt, 3)
    .option('--vary <key=v1,v2>', 'a scenario key (dotted, e.g. config.market.clearing_interval_s) and its values; repeat for a grid', (v: string, all: Vary[]) => [...all, parseVary(v)], [] as Vary[])
    .option('--cycles <n>', "cycles per run (overrides the scenario's cycles), e.g. a short trial before the real run", positiveInt)
    .option('-o, --out <dir>', 'results directory (default results/<scenario>-<time>)')
    .option('-j, --parallel <n>', 'runs at once (default experiments.parallel_max, 0 = the CPU cores)', positiveInt)
    .action(async (file: string, _opts, command: Command) => {
      const o = command.optsWithGlobals<GlobalOptions & { repeat: number; vary: Vary[]; cycles?: number; out?: string; parallel?: number }>();
      const base_config = loadCliConfig(o);
      const as_file = loadScenario(file, base_config as unknown as Record<string, unknown>);
      const loaded = o.cycles === undefined ? as_file : withCycles(as_file, o.cycles, base_config as unknown as Record<string, unknown>);
      const out = o.out ?? `results/${loaded.scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const { runs, out: dir } = await runExperiment(loaded, {
        repeat: o.repeat,
        varies: o.vary,
        out,
        parallel: o.parallel ?? defaultParallel(base_config),
        ...(o.config === undefined ? {} : { config_file: o.config }),
        base_config,
        log: pino({ level: 'warn' }, process.stderr),
        progress: progressBar(process.stderr),
      });
      const failed = runs.filter((r) => !r.ok);
      const checks = runs.flatMap((r) => [...(r.results?.checks ?? []), ...(r.results?.judged ?? [])]);
      const count = (what: string) => checks.filter((c) => c.outcome === what).length;
      printText(`results: ${dir} (${runs.length - failed.length}/${runs.length} runs finished${checks.length > 0 ? `; benchmark: ${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped` : ''})`);
      printText(`  kpis.csv, summary.csv, summary.md, checks.csv, generations.csv, charts/, meta.json`);
      if (failed.length > 0) process.exitCode = 1;
    });
}
