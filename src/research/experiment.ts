// `agora experiment FILE --repeat N [--vary key=v1,v2]` (docs/research.md): every variant of a
// scenario run with N seeds, each run its own `agora start --scenario` process on a simulated
// clock (so runs in parallel share nothing but the machine), at most `parallel` at once. The
// results directory holds each run's world, kpis.csv (every KPI per cycle per run),
// summary.csv and summary.md (means and 95% intervals per variant), checks.csv, generations.csv,
// charts/*.svg and meta.json (code version, config, seeds).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { stringify as toYaml, parse as parseYaml } from 'yaml';
import { AgoraError } from '../base/errors.js';
import type { Config } from '../config/schema.js';
import { AGORA_VERSION } from '../kernel/kernel.js';
import { KPI_NAMES } from '../kernel/kpis/definitions.js';
import { openWorld } from '../orchestrator/open-world.js';
import { runResults, type RunResults } from './run-results.js';
import { setPath, validateScenario, type LoadedScenario } from './scenario.js';
import { meanInterval } from './stats.js';
import { lineChartSvg } from './svg-chart.js';

const AGORA_BIN = fileURLToPath(new URL('../../bin/agora.js', import.meta.url));

export interface Vary {
  key: string;
  values: unknown[];
}

/** `key=v1,v2` (values read as YAML scalars: 5 is a number, true a boolean). */
export function parseVary(text: string): Vary {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new AgoraError('INVALID_ARGS', `--vary ${text}: expected key=v1,v2 (e.g. config.market.clearing_interval_s=5,10)`);
  const values = text.slice(eq + 1).split(',').map((v) => parseYaml(v) as unknown);
  return { key: text.slice(0, eq), values };
}

export interface Variant {
  name: string;
  settings: Record<string, unknown>;
  loaded: LoadedScenario;
}

export function variantsOf(base: LoadedScenario, varies: Vary[], base_config: Record<string, unknown>): Variant[] {
  let docs: { name: string; settings: Record<string, unknown>; raw: Record<string, unknown> }[] = [{ name: 'base', settings: {}, raw: base.raw }];
  for (const vary of varies) {
    docs = docs.flatMap((d) =>
      vary.values.map((value) => ({
        name: [...(d.name === 'base' ? [] : [d.name]), `${vary.key}=${String(value)}`].join(' '),
        settings: { ...d.settings, [vary.key]: value },
        raw: setPath(d.raw, vary.key, value),
      })),
    );
  }
  // Each variant is validated as its own file would be: a bad value names its key.
  return docs.map((d) => ({ name: d.name, settings: d.settings, loaded: { ...validateScenario(d.raw, `${base.file} (${d.name})`, base_config), file: base.file } }));
}

export interface RunSpec {
  variant: Variant;
  seed: number;
  index: number;
  dir: string;
}

export interface FinishedRun extends RunSpec {
  ok: boolean;
  error: string | null;
  results: RunResults | null;
}

export interface ExperimentOptions {
  repeat: number;
  varies: Vary[];
  out: string;
  parallel: number;
  /** The --config file, passed to each run. */
  config_file?: string;
  base_config: Config;
  log: Logger;
  progress?: (done_cycles: number, total_cycles: number, done_runs: number, total_runs: number) => void;
}

const safe = (name: string) => name.replace(/[^A-Za-z0-9_.=-]+/g, '_');

function codeVersion(): { agora_version: string; git_commit: string | null; git_dirty: boolean | null } {
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return { agora_version: AGORA_VERSION, git_commit: commit, git_dirty: dirty };
  } catch {
    return { agora_version: AGORA_VERSION, git_commit: null, git_dirty: null };
  }
}

/** One run: `agora start --scenario` as its own process, then its world read for results. */
async function runOne(spec: RunSpec, options: ExperimentOptions, onCycle: (cycle: number) => void): Promise<FinishedRun> {
  mkdirSync(spec.dir, { recursive: true });
  const scenario_file = join(spec.dir, 'scenario.yaml');
  // The variant's scenario, its agent projects made absolute (the copy lives elsewhere).
  const raw = structuredClone(spec.variant.loaded.raw);
  const agents = spec.variant.loaded.scenario.agents.map((a) => ({ ...a, project: resolve(join(spec.variant.loaded.file, '..'), a.project) }));
  writeFileSync(scenario_file, toYaml({ ...raw, agents, seed: spec.seed }));
  const world_dir = join(spec.dir, 'world');
  const args = [AGORA_BIN, '-w', world_dir, ...(options.config_file === undefined ? [] : ['-c', options.config_file]), 'start', '--scenario', scenario_file, '--port', '0'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let line = '';
  child.stdout.on('data', (chunk: Buffer) => {
    line += chunk.toString();
    let nl: number;
    while ((nl = line.indexOf('\n')) >= 0) {
      const one = line.slice(0, nl);
      line = line.slice(nl + 1);
      const m = /^cycle (\d+):/.exec(one);
      if (m) onCycle(Number(m[1]));
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (out = (out + chunk.toString()).slice(-4000)));
  const code = await new Promise<number | null>((done) => child.once('close', (c) => done(c)));
  writeFileSync(join(spec.dir, 'stderr.txt'), out);
  if (code !== 0) return { ...spec, ok: false, error: `agora start exited ${code}: ${out.trim().split('\n').slice(-3).join(' | ')}`, results: null };
  const world = openWorld({ dir: world_dir, config: spec.variant.loaded.config, create: false, log_to_file: false });
  try {
    return { ...spec, ok: true, error: null, results: await runResults(world.kernel, spec.variant.loaded.scenario, spec.variant.loaded.config, options.log) };
  } finally {
    world.close();
  }
}

async function pool<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
  return results;
}

export function defaultParallel(config: Config): number {
  return config.experiments.parallel_max === 0 ? availableParallelism() : config.experiments.parallel_max;
}

export async function runExperiment(base: LoadedScenario, options: ExperimentOptions): Promise<{ out: string; runs: FinishedRun[] }> {
  const limits = options.base_config.experiments;
  if (options.repeat > limits.repeat_max) throw new AgoraError('INVALID_ARGS', `--repeat ${options.repeat} is more than experiments.repeat_max (${limits.repeat_max})`);
  const variants = variantsOf(base, options.varies, options.base_config as unknown as Record<string, unknown>);
  for (const v of variants) {
    if (v.loaded.scenario.cycles > limits.cycles_max) throw new AgoraError('INVALID_ARGS', `${v.name}: cycles ${v.loaded.scenario.cycles} is more than experiments.cycles_max (${limits.cycles_max})`);
  }
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const specs: RunSpec[] = variants.flatMap((variant) =>
    Array.from({ length: options.repeat }, (_, i) => ({ variant, seed: variant.loaded.scenario.seed + i, index: i, dir: join(out, 'runs', safe(variant.name), `seed-${variant.loaded.scenario.seed + i}`) })),
  );
  const meta = {
    scenario: base.scenario.name,
    scenario_file: base.file,
    started_at: new Date().toISOString(),
    finished_at: null as string | null,
    code: codeVersion(),
    repeat: options.repeat,
    vary: options.varies,
    parallel: options.parallel,
    variants: variants.map((v) => ({ name: v.name, settings: v.settings, cycles: v.loaded.scenario.cycles, seeds: specs.filter((s) => s.variant === v).map((s) => s.seed), config: v.loaded.config })),
  };
  writeFileSync(join(out, 'meta.json'), JSON.stringify(meta, null, 2));
  const total_cycles = specs.reduce((s, r) => s + r.variant.loaded.scenario.cycles, 0);
  const progressOf = new Map<RunSpec, number>();
  let done_runs = 0;
  const report = () => options.progress?.([...progressOf.values()].reduce((s, n) => s + n, 0), total_cycles, done_runs, specs.length);
  report();
  const runs = await pool(specs, options.parallel, async (spec) => {
    const run = await runOne(spec, options, (cycle) => {
      progressOf.set(spec, Math.min(cycle, spec.variant.loaded.scenario.cycles));
      report();
    });
    progressOf.set(spec, spec.variant.loaded.scenario.cycles);
    done_runs++;
    report();
    return run;
  });
  writeResults(out, base, variants, runs, options.base_config);
  meta.finished_at = new Date().toISOString();
  writeFileSync(join(out, 'meta.json'), JSON.stringify({ ...meta, failed_runs: runs.filter((r) => !r.ok).map((r) => ({ variant: r.variant.name, seed: r.seed, error: r.error })) }, null, 2));
  return { out, runs };
}

const csvCell = (v: unknown) => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const csv = (rows: unknown[][]) => rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
const fmt = (v: number | null) => (v === null ? '' : Number(v.toPrecision(6)).toString());

/** The KPIs a scenario collects: its measures, else all. */
function measuresOf(base: LoadedScenario): string[] {
  return base.scenario.measures.length > 0 ? base.scenario.measures : [...KPI_NAMES];
}

export function writeResults(out: string, base: LoadedScenario, variants: Variant[], runs: FinishedRun[], config: Config): void {
  const kpis = measuresOf(base);
  const ok = runs.filter((r) => r.ok && r.results !== null);
  // kpis.csv: one row per run and cycle.
  const kpiRows: unknown[][] = [['variant', 'seed', 'cycle', ...kpis]];
  for (const run of ok) for (const row of run.results!.kpis) kpiRows.push([run.variant.name, run.seed, row.cycle, ...kpis.map((k) => row.values[k] ?? null)]);
  writeFileSync(join(out, 'kpis.csv'), csv(kpiRows));

  // summary: per variant and KPI, over its runs, the value at the last cycle and the mean over cycles.
  const summaryRows: unknown[][] = [['variant', 'kpi', 'statistic', 'n', 'mean', 'ci95_low', 'ci95_high']];
  const md: string[] = [`# ${base.scenario.name}: summary`, '', `Means over runs with 95% confidence intervals (Student's t). \`final\`: the KPI at a run's last cycle; \`over_cycles\`: its mean over the run's cycles.`, ''];
  md.push('| variant | kpi | statistic | n | mean | 95% CI |', '|---|---|---|---|---|---|');
  for (const v of variants) {
    const vr = ok.filter((r) => r.variant === v);
    for (const k of kpis) {
      const finals = vr.map((r) => r.results!.kpis[r.results!.kpis.length - 1]?.values[k] ?? null);
      const overCycles = vr.map((r) => meanInterval(r.results!.kpis.map((row) => row.values[k] ?? null)).mean);
      for (const [statistic, values] of [['final', finals], ['over_cycles', overCycles]] as const) {
        const i = meanInterval(values);
        summaryRows.push([v.name, k, statistic, i.n, fmt(i.mean), fmt(i.ci_low), fmt(i.ci_high)]);
        md.push(`| ${v.name} | ${k} | ${statistic} | ${i.n} | ${fmt(i.mean)} | ${i.ci_low === null ? '' : `${fmt(i.ci_low)} to ${fmt(i.ci_high)}`} |`);
      }
    }
  }
  writeFileSync(join(out, 'summary.csv'), csv(summaryRows));

  // checks.csv: the benchmark's verdicts per run, with the events that decided each.
  const checkRows: unknown[][] = [['variant', 'seed', 'scenario', 'kind', 'outcome', 'why', 'events']];
  for (const run of ok) {
    for (const c of run.results!.checks) checkRows.push([run.variant.name, run.seed, c.name, 'rule', c.outcome, c.why, c.events.map((e) => `#${e.seq} ${e.type} by ${e.actor} in cycle ${e.cycle}`).join('; ')]);
    for (const j of run.results!.judged) checkRows.push([run.variant.name, run.seed, j.name, 'judged', j.outcome, j.why, j.scores.join(' ')]);
  }
  writeFileSync(join(out, 'checks.csv'), csv(checkRows));
  if (checkRows.length > 1) {
    md.push('', '## Benchmark', '', '| variant | seed | scenario | kind | outcome | why | deciding events |', '|---|---|---|---|---|---|---|');
    for (const r of checkRows.slice(1)) md.push(`| ${r.map((c) => String(c ?? '').replace(/\|/g, '\\|')).join(' | ')} |`);
  }

  // generations.csv and the improvement between generations (deltas of the per-agent means).
  const genRows: unknown[][] = [['variant', 'seed', 'generation', 'agents', 'lifespan_cycles', 'executions', 'earned', 'spent', 'children']];
  for (const run of ok) for (const g of run.results!.generations) genRows.push([run.variant.name, run.seed, g.generation, g.agents, fmt(g.lifespan_cycles), fmt(g.executions), fmt(g.earned), fmt(g.spent), fmt(g.children)]);
  writeFileSync(join(out, 'generations.csv'), csv(genRows));
  const improvement = base.scenario.improvement;
  if (improvement !== undefined) {
    md.push('', '## Improvement between generations', '', 'Mean over runs of (generation g+1 minus generation g) of the per-agent means, with 95% intervals.', '', '| variant | measure | from generation | n | mean delta | 95% CI |', '|---|---|---|---|---|---|');
    for (const v of variants) {
      const vr = ok.filter((r) => r.variant === v);
      const maxGen = Math.max(0, ...vr.flatMap((r) => r.results!.generations.map((g) => g.generation)));
      for (const measure of improvement.measures) {
        for (let g = 0; g < maxGen; g++) {
          const deltas = vr.map((r) => {
            const a = r.results!.generations.find((x) => x.generation === g);
            const b = r.results!.generations.find((x) => x.generation === g + 1);
            return a === undefined || b === undefined ? null : b[measure] - a[measure];
          });
          const i = meanInterval(deltas);
          md.push(`| ${v.name} | ${measure} | ${g} | ${i.n} | ${fmt(i.mean)} | ${i.ci_low === null ? '' : `${fmt(i.ci_low)} to ${fmt(i.ci_high)}`} |`);
        }
      }
    }
  }
  const failed = runs.filter((r) => !r.ok);
  if (failed.length > 0) md.push('', '## Failed runs', '', ...failed.map((r) => `- ${r.variant.name}, seed ${r.seed}: ${r.error}`));
  writeFileSync(join(out, 'summary.md'), md.join('\n') + '\n');

  // charts: the main KPIs over cycles, one line per variant (its mean over seeds).
  mkdirSync(join(out, 'charts'), { recursive: true });
  const charted = config.experiments.chart_kpis.filter((k) => kpis.includes(k));
  const maxCycle = Math.max(0, ...ok.flatMap((r) => r.results!.kpis.map((row) => row.cycle)));
  const x = Array.from({ length: maxCycle }, (_, i) => i + 1);
  for (const k of charted) {
    const lines = variants.map((v) => {
      const vr = ok.filter((r) => r.variant === v);
      return { label: v.name, values: x.map((c) => meanInterval(vr.map((r) => r.results!.kpis.find((row) => row.cycle === c)?.values[k] ?? null)).mean) };
    });
    writeFileSync(join(out, 'charts', `${k}.svg`), lineChartSvg({ title: `${k} (mean over seeds)`, x, lines }));
  }
}
