// `agora experiment` on the small shipped scenario, shortened with --cycles: 2 variants x 3 seeds
// x 4 cycles on a simulated clock. It finishes, writes the per-cycle CSV, the summary with 95% intervals and
// a chart per main KPI with one line per variant; the summary's numbers are recomputed here
// from the CSV; the results name the code version, config and seeds that made them.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseCsv } from './support/csv.js';
import { runAgora } from './support/agora-process.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { tempDir } from './support/world.js';

const skip = sandboxUnavailable();
const T_975_DF2 = 4.303;

test('agora experiment: 2 variants x 3 seeds x 4 cycles; the summary agrees with the CSV', { skip, timeout: 300_000 }, async (t) => {
  const out = join(tempDir('agora-exp-'), 'results');
  const run = await runAgora(['experiment', 'scenarios/small.yaml', '--repeat', '3', '--cycles', '4', '--vary', 'config.agents.genesis_credits=1000,3000', '--out', out], { signal: t.signal });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /6\/6 runs finished/);
  assert.match(run.stderr, /\[#{30}\] 24\/24 cycles, 6\/6 runs/, 'the progress bar reaches the end');

  const kpis = parseCsv(readFileSync(join(out, 'kpis.csv'), 'utf8'));
  const variants = ['config.agents.genesis_credits=1000', 'config.agents.genesis_credits=3000'];
  for (const v of variants) {
    for (const seed of ['1', '2', '3']) {
      const cycles = kpis.filter((r) => r.variant === v && r.seed === seed).map((r) => Number(r.cycle));
      assert.deepEqual(cycles, Array.from({ length: 4 }, (_, i) => i + 1), `${v} seed ${seed}: every cycle`);
    }
  }
  const summary = parseCsv(readFileSync(join(out, 'summary.csv'), 'utf8'));
  const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${what}: ${a} against ${b}`);
  let checked = 0;
  for (const v of variants) {
    for (const kpi of ['gini', 'population_living', 'credit_velocity', 'births']) {
      // final: each run's value at cycle 4; mean and t interval over the three seeds.
      const finals = ['1', '2', '3'].map((seed) => Number(kpis.find((r) => r.variant === v && r.seed === seed && r.cycle === '4')![kpi]));
      const mean = finals.reduce((s, x) => s + x, 0) / 3;
      const sd = Math.sqrt(finals.reduce((s, x) => s + (x - mean) ** 2, 0) / 2);
      const row = summary.find((r) => r.variant === v && r.kpi === kpi && r.statistic === 'final')!;
      assert.equal(row.n, '3');
      near(Number(row.mean), mean, `${v} ${kpi} mean`);
      near(Number(row.ci95_low), mean - (T_975_DF2 * sd) / Math.sqrt(3), `${v} ${kpi} ci low`);
      near(Number(row.ci95_high), mean + (T_975_DF2 * sd) / Math.sqrt(3), `${v} ${kpi} ci high`);
      // over_cycles: each run's mean over its cycles, then the same.
      const perRun = ['1', '2', '3'].map((seed) => {
        const values = kpis.filter((r) => r.variant === v && r.seed === seed && r[kpi] !== '').map((r) => Number(r[kpi]));
        return values.reduce((s, x) => s + x, 0) / values.length;
      });
      near(Number(summary.find((r) => r.variant === v && r.kpi === kpi && r.statistic === 'over_cycles')!.mean), perRun.reduce((s, x) => s + x, 0) / 3, `${v} ${kpi} over cycles`);
      checked++;
    }
  }
  assert.equal(checked, 8);
  assert.match(readFileSync(join(out, 'summary.md'), 'utf8'), /\| config\.agents\.genesis_credits=3000 \| gini \| final \| 3 \|/);

  for (const kpi of ['gini', 'credit_velocity', 'population_living']) {
    const svg = readFileSync(join(out, 'charts', `${kpi}.svg`), 'utf8');
    assert.deepEqual([...svg.matchAll(/data-variant="([^"]+)"/g)].map((m) => m[1]), variants, `${kpi}: one line per variant`);
  }
  const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')) as { code: { agora_version: string; git_commit: string | null }; variants: { name: string; cycles: number; seeds: number[]; config: { agents: { genesis_credits: number } } }[] };
  assert.match(meta.code.git_commit ?? '', /^[0-9a-f]{40}$/);
  assert.deepEqual(meta.variants.map((v) => [v.name, v.cycles, v.seeds, v.config.agents.genesis_credits]), [[variants[0], 4, [1, 2, 3], 1000], [variants[1], 4, [1, 2, 3], 3000]], '--cycles 4 is what ran');
  assert.ok(existsSync(join(out, 'runs', variants[0]!, 'seed-1', 'world', 'world.db')), "each run's world is kept");
});
