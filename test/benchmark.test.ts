// Syntropism's benchmark as shipped scenario files, run by `agora experiment` against genesis:
// the five functional scenarios each pass or fail with the journal events that decided them
// (a pass names events that are in the run's journal, of the types its steps name), improvement
// is reported as deltas between generations, and judged scenarios without a configured model
// are reported as skipped, never as passed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../src/config/load.js';
import { openWorld } from '../src/orchestrator/open-world.js';
import { journalWithCycles } from '../src/research/run-results.js';
import { loadScenario } from '../src/research/scenario.js';
import { parse as parseCsv } from './support/csv.js';
import { runAgora } from './support/agora-process.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { tempDir } from './support/world.js';

const skip = sandboxUnavailable();

// Shortened with --cycles (the shipped file's 30 cycles are for a real measurement): eight
// cycles hold FC-1's window (by cycle 10 it has passed in cycle 1) and a second generation.
test("the functional scenarios report pass or fail per scenario against genesis, with the deciding events", { skip, timeout: 300_000 }, async (t) => {
  const out = join(tempDir('agora-bench-'), 'results');
  const run = await runAgora(['experiment', 'scenarios/benchmark/functional.yaml', '--repeat', '1', '--cycles', '8', '--out', out], { signal: t.signal });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /benchmark: \d+ passed, \d+ failed, 0 skipped/);
  const rows = parseCsv(readFileSync(join(out, 'checks.csv'), 'utf8'));
  const scenario = loadScenario('scenarios/benchmark/functional.yaml').scenario;
  assert.deepEqual(rows.map((r) => r.scenario), scenario.checks.map((c) => c.name), 'one verdict per functional scenario');
  const world = openWorld({ dir: join(out, 'runs', 'base', 'seed-1', 'world'), config: loadConfig().config, create: false, log_to_file: false });
  try {
    const journal = new Map(journalWithCycles(world.kernel).map((e) => [e.seq, e]));
    for (const [i, row] of rows.entries()) {
      assert.ok(row.outcome === 'pass' || row.outcome === 'fail', `${row.scenario}: ${row.outcome}`);
      assert.equal(row.kind, 'rule');
      assert.notEqual(row.why, '');
      const cited = [...row.events!.matchAll(/#(\d+) (\S+) by (\S+) in cycle (\d+)/g)];
      const steps = scenario.checks[i]!.steps;
      if (row.outcome === 'pass') assert.equal(cited.length, steps.length, `${row.scenario}: a pass names an event per step`);
      cited.forEach((m, j) => {
        const event = journal.get(Number(m[1]));
        assert.ok(event !== undefined, `${row.scenario}: event #${m[1]} is in the run's journal`);
        assert.deepEqual([event.type, event.actor, event.cycle], [steps[j]!.type, m[3], Number(m[4])]);
        if (steps[j]!.actor !== undefined) assert.equal(event.actor, steps[j]!.actor);
      });
    }
    // FC-1 is one genesis surely does (it bids for its next run in every run).
    assert.equal(rows[0]!.outcome, 'pass', rows[0]!.why);
  } finally {
    world.close();
  }
  const summary = readFileSync(join(out, 'summary.md'), 'utf8');
  assert.match(summary, /## Benchmark/);
  assert.match(summary, /## Improvement between generations[\s\S]*\| base \| lifespan_cycles \| 0 \| 1 \|/, 'generation 1 against generation 0');
});

test('judged scenarios without a configured model are reported as skipped, not passed', { skip, timeout: 300_000 }, async (t) => {
  const out = join(tempDir('agora-judged-'), 'results');
  const run = await runAgora(['experiment', 'scenarios/benchmark/judged.yaml', '--repeat', '1', '--cycles', '2', '--out', out], { signal: t.signal });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /benchmark: 0 passed, 0 failed, 3 skipped/);
  const rows = parseCsv(readFileSync(join(out, 'checks.csv'), 'utf8'));
  assert.equal(rows.length, 3);
  for (const row of rows) {
    assert.equal(row.kind, 'judged');
    assert.equal(row.outcome, 'skipped');
    assert.match(row.why!, /no judge model is configured \(experiments\.judge_model/);
  }
});
