// The world loop end to end: real agents in two languages, in real bwrap sandboxes, bid, win,
// run with the env.json handshake, call the API through their execution's channel, and are
// metered by the host. The journal then audits clean.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SystemClock, VirtualClock } from '../src/kernel/engine/clock.js';
import { type Runner } from '../src/sandbox/runner.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { addAgent, makeWorld, serve, type TestWorld, runnerWorld } from './support/world.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { bundle, credits } from './support/market.js';
import { sandboxUnavailable } from './support/sandbox.js';

const ENV_KEYS = ['agent_id', 'api', 'artifacts', 'bundle', 'capabilities', 'credits', 'disk', 'execution_context', 'execution_id', 'generation', 'inbox', 'lease', 'lineage', 'markets', 'system_time'];

function installAgent(world: TestWorld, agent_id: string, files: Record<string, string>): void {
  addAgent(world, agent_id, 50);
  const dir = join(world.paths.dir, 'workspaces', agent_id);
  mkdirSync(dir, { recursive: true });
  for (const [name, source] of Object.entries(files)) copyFileSync(source, join(dir, name));
}

async function runWorld(t: import('node:test').TestContext, cycles: number, setup: (world: TestWorld) => void) {
  const clock = new VirtualClock();
  const world = makeWorld({ clock, config: { market: { clearing_interval_s: 10 } } });
  const api = await serve(world);
  const runner: Runner = await createRunner(world.config, world.log);
  t.after(async () => {
    await runner.close();
    await api.close();
    world.cleanup();
  });
  setup(world);
  const loop = new WorldLoop(world, api, runner, { cycles, virtual_clock: clock });
  await loop.run();
  await loop.stop();
  return world;
}

test('two agents in JavaScript and Python bid, win, run in bwrap with env.json, call the API, and are metered', { skip: sandboxUnavailable() }, async (t) => {
  const world = await runWorld(t, 4, (w) => {
    installAgent(w, 'js-agent', { 'main.js': 'test/fixtures/agents/bidder.js' });
    installAgent(w, 'py-agent', { 'main.py': 'test/fixtures/agents/bidder.py' });
    for (const agent of ['js-agent', 'py-agent']) {
      w.kernel.market.placeBid({ payer_id: agent, amount_ucr: credits(1), bundle: bundle({ cpu_s: 4, memory_mb: 128, duration_s: 20 }) }, { actor: agent });
    }
  });
  for (const agent of ['js-agent', 'py-agent']) {
    const executions = world.kernel.executions.listForAgent(agent, { limit: 100 });
    assert.ok(executions.length >= 3, `${agent} ran at least 3 times (its own bids kept it going): ${executions.length}`);
    for (const execution of executions) {
      assert.equal(execution.status, 'ended');
      assert.equal(execution.reason, 'exit', `${agent} run ${execution.id} exited cleanly: ${readLog(world, execution.id)}`);
      assert.ok((execution.cpu_ms ?? 0) >= 250, `${agent} CPU was metered by the host: ${execution.cpu_ms} ms`);
      assert.ok((execution.memory_peak_mb ?? 0) >= 35, `${agent} peak memory was metered: ${execution.memory_peak_mb} MB`);
    }
    const runs = readFileSync(join(world.paths.dir, 'workspaces', agent, 'runs.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(runs.length, executions.length, 'every execution ran the agent once');
    for (const run of runs) {
      assert.equal(run.env_agent, agent);
      assert.equal(run.self, agent);
      assert.deepEqual(run.keys, ENV_KEYS, 'env.json has exactly the DESIGN.md fields');
      assert.equal(typeof run.balance, 'number', 'the API answered through the execution channel without a token');
      assert.equal(run.bid, 200, 'the agent placed its next bid as itself');
    }
    assert.deepEqual(new Set(runs.map((r) => r.execution)).size, runs.length, 'each run had its own execution id');
  }
  assertConserved(world);
  assertAuditPasses(world);
});

test('a missing workspace, a workspace with no entry point and a crashing agent each fail their own run; the world goes on', { skip: sandboxUnavailable() }, async (t) => {
  const world = await runWorld(t, 2, (w) => {
    addAgent(w, 'homeless', 10);
    installAgent(w, 'empty', {});
    installAgent(w, 'crasher', {});
    writeFileSync(join(w.paths.dir, 'workspaces', 'crasher', 'main.js'), 'process.exit(3)');
    installAgent(w, 'steady', { 'main.js': 'test/fixtures/agents/bidder.js' });
    for (const agent of ['homeless', 'empty', 'crasher', 'steady']) {
      w.kernel.market.placeBid({ payer_id: agent, amount_ucr: credits(1), bundle: bundle({ cpu_s: 4, memory_mb: 128, duration_s: 20 }) }, { actor: agent });
    }
  });
  const reason = (agent: string) => world.kernel.executions.listForAgent(agent, { limit: 10 }).map((e) => e.reason);
  assert.deepEqual(reason('homeless'), ['no_workspace']);
  assert.deepEqual(reason('empty'), ['no_entrypoint']);
  assert.deepEqual(reason('crasher'), ['crashed']);
  assert.equal(world.kernel.executions.listForAgent('crasher', { limit: 10 })[0]!.exit_code, 3);
  assert.deepEqual(reason('steady'), ['exit', 'exit'], 'the healthy agent ran in both cycles');
  assertAuditPasses(world);
});

function readLog(world: TestWorld, execution_id: string): string {
  try {
    return readFileSync(join(world.paths.executions, `${execution_id}.log`), 'utf8').slice(0, 2000);
  } catch {
    return '(no log)';
  }
}

test('an agent that wins its next lease while running keeps running: no restart, env.json rewritten', { skip: sandboxUnavailable() }, async (t) => {
  const { world, api, runner } = await runnerWorld(t, { clock: new SystemClock(), config: { market: { clearing_interval_s: 1 } } });
  installAgent(world, 'holder', { 'main.js': 'test/fixtures/agents/leaseholder.js' });
  world.kernel.market.placeBid({ payer_id: 'holder', amount_ucr: credits(1), bundle: bundle({ cpu_s: 4, memory_mb: 64, duration_s: 2 }) }, { actor: 'holder' });
  const loop = new WorldLoop(world, api, runner, { cycles: 3 });
  await loop.run();
  await loop.stop();
  const executions = world.kernel.executions.listForAgent('holder', { limit: 10 });
  assert.equal(executions.length, 1, `one execution carried both leases: ${JSON.stringify(executions)}`);
  assert.equal(executions[0]!.leases, 2);
  assert.equal(executions[0]!.reason, 'exit', readLog(world, executions[0]!.id) + JSON.stringify(executions[0]));
  const dir = join(world.paths.dir, 'workspaces', 'holder');
  assert.equal(readFileSync(join(dir, 'starts.log'), 'utf8').trim().split('\n').length, 1, 'the process was started once');
  const leases = JSON.parse(readFileSync(join(dir, 'leases.json'), 'utf8'));
  assert.equal(leases.bid, 200);
  assert.equal(leases.seen.length, 2, `env.json was rewritten with the renewed lease: ${JSON.stringify(leases.seen)}`);
  assert.ok(Date.parse(leases.seen[1]) - Date.parse(leases.seen[0]) === 2000, 'the new lease starts where the old one ended');
  assertAuditPasses(world);
});

test('the three minimal agents of docs/agents.md run as written and place their bids', { skip: sandboxUnavailable() }, async (t) => {
  const doc = readFileSync('docs/agents.md', 'utf8');
  const block = (heading: string, lang: string) => {
    const from = doc.indexOf(heading);
    assert.ok(from >= 0, `docs/agents.md has "${heading}"`);
    const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(doc.slice(from));
    assert.ok(match, `a ${lang} block follows "${heading}"`);
    return match[1]!;
  };
  const agents: Record<string, Record<string, string>> = {
    'doc-js': { 'main.js': block('### A minimal agent in JavaScript', 'js') },
    'doc-py': { 'main.py': block('### The same in Python', 'python') },
    'doc-sh': { 'agent.json': JSON.stringify({ command: ['sh', 'run.sh'] }), 'run.sh': block('### The same in shell', 'sh') },
  };
  const world = await runWorld(t, 1, (w) => {
    for (const [agent, files] of Object.entries(agents)) {
      addAgent(w, agent, 20);
      const dir = join(w.paths.dir, 'workspaces', agent);
      mkdirSync(dir, { recursive: true });
      for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
      w.kernel.market.placeBid({ payer_id: agent, amount_ucr: credits(1), bundle: bundle({ cpu_s: 4, memory_mb: 128, duration_s: 20 }) }, { actor: agent });
    }
  });
  for (const agent of Object.keys(agents)) {
    const [run] = world.kernel.executions.listForAgent(agent, { limit: 1 });
    assert.equal(run?.reason, 'exit', `${agent}: ${readLog(world, run!.id)}`);
    assert.equal(world.kernel.market.openBidsFor(agent), 1, `${agent} placed its next bid: ${readLog(world, run!.id)}`);
  }
});

test('a lease won by a process that then exits before it begins becomes a run of its own, not a wasted extension', { skip: sandboxUnavailable() }, async (t) => {
  const { world, api, runner } = await runnerWorld(t, { clock: new SystemClock(), config: { market: { clearing_interval_s: 1 } } });
  installAgent(world, 'quitter', { 'main.js': 'test/fixtures/agents/quitter.js' });
  world.kernel.market.placeBid({ payer_id: 'quitter', amount_ucr: credits(1), bundle: bundle({ cpu_s: 4, memory_mb: 64, duration_s: 5 }) }, { actor: 'quitter' });
  const loop = new WorldLoop(world, api, runner, { cycles: 3 });
  await loop.run();
  await loop.launcher.idle();
  await loop.stop();
  const [second, first] = world.kernel.executions.listForAgent('quitter', { limit: 10 });
  assert.ok(first && second, 'the won lease ran as a second execution');
  assert.equal(first.leases, 1, 'the first run was not extended into a lease it never used');
  assert.notEqual(second.bid_id, first.bid_id);
  assert.equal(first.reason, 'exit', readLog(world, first.id));
  assert.equal(second.reason, 'exit', readLog(world, second.id));
  assert.equal(readFileSync(join(world.paths.dir, 'workspaces', 'quitter', 'runs.log'), 'utf8').trim().split('\n').length, 2);
  assertAuditPasses(world);
});
