// `agora start --scenario FILE` runs one world from a scenario: its config, its seed, its
// cycles on a simulated clock, and its agent projects added as operator agents; a bad file is
// refused before any world exists, naming the key.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { loadScenario } from '../src/research/scenario.js';
import { openWorld } from '../src/orchestrator/open-world.js';
import { runAgora } from './support/agora-process.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { tempDir } from './support/world.js';

const skip = sandboxUnavailable();

test('agora start --scenario: its config, seed, cycles and agents', { skip, timeout: 180_000 }, async (t) => {
  const scenario = join(tempDir('agora-scn-'), 'scenario.yaml');
  writeFileSync(scenario, `name: two-js\nseed: 42\ncycles: 3\nconfig:\n  social:\n    population_max: 2\nagents:\n  - project: ${resolve('test/fixtures/agents/js-hello')}\n    name: js\n    count: 2\n    credits: 10\n`);
  const dir = join(tempDir('agora-scn-w-'), 'world');
  const run = await runAgora(['-w', dir, 'start', '--scenario', scenario, '--port', '0'], { signal: t.signal });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /simulation \(virtual clock\)/);
  assert.match(run.stdout, /cycle 3:/);
  assert.doesNotMatch(run.stdout, /cycle 4:/);
  const world = openWorld({ dir, config: loadScenario(scenario).config, create: false, log_to_file: false });
  try {
    const k = world.kernel;
    assert.deepEqual(k.operatorAgents.list().map((a) => a.agent_id), ['js-1', 'js-2']);
    for (const id of ['js-1', 'js-2']) {
      const agent = k.agents.require(id);
      assert.equal(agent.generation, 0);
      assert.ok(agent.executions >= 1, `${id} ran`);
    }
    const created = JSON.parse((world.db.prepare("SELECT data FROM events WHERE type = 'world_created'").get() as { data: string }).data) as { seed: number };
    assert.equal(created.seed, 42);
    assert.deepEqual(k.kpis.series(10).map((r) => r.cycle), [1, 2, 3]);
  } finally {
    world.close();
  }

  const bad = join(tempDir('agora-scn-bad-'), 'bad.yaml');
  writeFileSync(bad, 'name: bad\ncycles: 3\nconfig:\n  market:\n    clearing_interval_s: 0\n');
  const bad_dir = join(tempDir('agora-scn-bw-'), 'world');
  const refused = await runAgora(['-w', bad_dir, 'start', '--scenario', bad, '--port', '0'], { signal: t.signal });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^agora: scenario error: .*bad\.yaml: config\.market\.clearing_interval_s: /m);
  assert.equal(existsSync(bad_dir), false, 'no world was created');
});
