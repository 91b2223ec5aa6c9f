// Scenario files, rule checks and the summary's statistics, without running a world: a bad
// scenario is refused naming its key; a check passes on the events that make it and names
// them; 95% intervals are Student's t.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { evaluateCheck, type JournalEvent } from '../src/research/checks.js';
import { parseVary, variantsOf } from '../src/research/experiment.js';
import { loadScenario, ScenarioError, validateScenario } from '../src/research/scenario.js';
import { meanInterval } from '../src/research/stats.js';
import { tempDir } from './support/world.js';

function scenarioFile(text: string): string {
  const file = join(tempDir('agora-scenario-'), 'scenario.yaml');
  writeFileSync(file, text);
  return file;
}

test('a scenario with a bad value is refused with a message naming the key', () => {
  assert.throws(() => loadScenario(scenarioFile('name: x\ncycles: 0\n')), (err: Error) => err instanceof ScenarioError && /cycles: /.test(err.message));
  assert.throws(() => loadScenario(scenarioFile('name: x\ncycles: 5\nconfig:\n  market:\n    clearing_interval_s: -1\n')), (err: Error) => err instanceof ScenarioError && /config\.market\.clearing_interval_s: /.test(err.message));
  assert.throws(() => loadScenario(scenarioFile('name: x\ncycles: 5\nagents:\n  - project: a\n    count: zero\n')), (err: Error) => /agents\.0\.count: /.test(err.message));
  assert.throws(() => loadScenario(scenarioFile('name: x\ncycles: 5\ncylces: 3\n')), (err: Error) => /cylces: unknown key/.test(err.message));
  assert.throws(() => loadScenario(scenarioFile('name: x\ncycles: 5\nmeasures: [ginni]\n')), (err: Error) => /measures: unknown KPI ginni/.test(err.message));
  const ok = loadScenario(scenarioFile('name: x\ncycles: 5\nconfig:\n  market:\n    clearing_interval_s: 2\n'));
  assert.equal(ok.config.market.clearing_interval_s, 2);
  assert.equal(ok.scenario.seed, 1);
});

test('--vary makes one variant per value, each validated as its own file (a bad value names the key)', () => {
  const base = validateScenario({ name: 'x', cycles: 5 }, 'x.yaml');
  const variants = variantsOf(base, [parseVary('config.agents.genesis_credits=10,20'), parseVary('cycles=3,4')], {});
  assert.deepEqual(variants.map((v) => v.name), ['config.agents.genesis_credits=10 cycles=3', 'config.agents.genesis_credits=10 cycles=4', 'config.agents.genesis_credits=20 cycles=3', 'config.agents.genesis_credits=20 cycles=4']);
  assert.equal(variants[3]!.loaded.config.agents.genesis_credits, 20);
  assert.equal(variants[3]!.loaded.scenario.cycles, 4);
  assert.throws(() => variantsOf(base, [parseVary('config.market.clearing_interval_s=fast')], {}), /config\.market\.clearing_interval_s: /);
});

const e = (seq: number, type: string, actor: string, cycle: number, data: Record<string, unknown>): JournalEvent => ({ seq, type, actor, cycle, data });
const journal = [
  e(1, 'bid_placed', 'system:init', 0, { payer_id: 'genesis', agent_id: 'genesis', amount_ucr: 5 }),
  e(2, 'agent_spawned', 'genesis', 1, { agent_id: 'kid', parent_id: 'genesis' }),
  e(3, 'bid_placed', 'genesis', 1, { payer_id: 'genesis', agent_id: 'genesis', amount_ucr: 7 }),
  e(4, 'bid_placed', 'genesis', 2, { payer_id: 'genesis', agent_id: 'kid', amount_ucr: 3 }),
  e(5, 'prompt_submitted', 'genesis', 3, { content: 'x'.repeat(900) }),
];

test('a sequence check passes on the events that make it, and names them', () => {
  const spawnThenFund = evaluateCheck(
    { name: 'spawn then fund', description: '', expect: 'sequence', steps: [{ type: 'agent_spawned', actor: 'genesis', where: {} }, { type: 'bid_placed', actor: 'genesis', where: { agent_id: { ref: 0, field: 'agent_id' } } }] },
    journal,
  );
  assert.equal(spawnThenFund.outcome, 'pass');
  assert.deepEqual(spawnThenFund.events.map((x) => x.seq), [2, 4], 'the spawn and the bid for the child, not the bid for itself between them');
  const cheaper = evaluateCheck({ name: 'cheaper', description: '', expect: 'sequence', steps: [{ type: 'bid_placed', actor: 'genesis', where: {} }, { type: 'bid_placed', actor: 'genesis', where: { amount_ucr: { lt: { ref: 0, field: 'amount_ucr' } } } }] }, journal);
  assert.deepEqual(cheaper.events.map((x) => x.seq), [3, 4]);
});

test('a check fails with the events of its longest partial match; by_cycle, chars_max and absent are kept', () => {
  const late = evaluateCheck({ name: 'fund by 1', description: '', expect: 'sequence', by_cycle: 1, steps: [{ type: 'agent_spawned', where: {} }, { type: 'bid_placed', where: { agent_id: 'kid' } }] }, journal);
  assert.equal(late.outcome, 'fail');
  assert.deepEqual(late.events.map((x) => x.seq), [2]);
  assert.match(late.why, /step 2/);
  const long = evaluateCheck({ name: 'short prompt', description: '', expect: 'sequence', steps: [{ type: 'prompt_submitted', where: {}, chars_max: { field: 'content', max: 800 } }] }, journal);
  assert.equal(long.outcome, 'fail');
  const none = evaluateCheck({ name: 'no operator bid', description: '', expect: 'absent', steps: [{ type: 'bid_placed', actor: 'operator', where: {} }] }, journal);
  assert.equal(none.outcome, 'pass');
  const some = evaluateCheck({ name: 'no genesis bid', description: '', expect: 'absent', steps: [{ type: 'bid_placed', actor: 'genesis', where: {} }] }, journal);
  assert.deepEqual([some.outcome, some.events.map((x) => x.seq)], ['fail', [3, 4]]);
});

test("95% intervals use Student's t: 1, 2, 3 gives 2 ± 4.303/√3; undefined values are not counted", () => {
  const i = meanInterval([1, 2, null, 3]);
  assert.equal(i.n, 3);
  assert.equal(i.mean, 2);
  assert.ok(Math.abs(i.ci_high! - (2 + 4.303 / Math.sqrt(3))) < 1e-9);
  assert.ok(Math.abs(i.ci_low! - (2 - 4.303 / Math.sqrt(3))) < 1e-9);
  assert.deepEqual(meanInterval([null]), { n: 0, mean: null, sd: null, ci_low: null, ci_high: null });
});
