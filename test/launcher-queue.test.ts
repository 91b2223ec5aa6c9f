// The host never cheats an agent: won leases wait for a run slot in real bwrap sandboxes, and
// a world stopped mid-lease gives the unused lease back at restart. Timing comes from the
// journal (when each lease was journaled to start and end), not from sleeps.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from './support/bounded-test.js';
import { SystemClock } from '../src/kernel/engine/clock.js';
import type { ConfigInput } from '../src/config/schema.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { addAgent, makeWorld, serve, tempDir, type TestWorld } from './support/world.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { bundle, credits } from './support/market.js';
import { sandboxUnavailable } from './support/sandbox.js';

function installPatient(world: TestWorld, agent_id: string, options: { bids: boolean }): void {
  addAgent(world, agent_id, 50);
  const dir = join(world.paths.dir, 'workspaces', agent_id);
  mkdirSync(dir, { recursive: true });
  copyFileSync('test/fixtures/agents/patient.js', join(dir, 'main.js'));
  if (!options.bids) writeFileSync(join(dir, 'no-bid'), '');
}

async function waitFor(what: string, check: () => boolean): Promise<void> {
  // Waits on what the agents write (their start records), checked as the event loop turns; the
  // bound (2 minutes) is for a loaded machine, where a cycle of 1 s can take several.
  for (let i = 0; !check(); i++) {
    if (i > 2400) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function starts(world: TestWorld, agent_id: string): { execution: string; at_ms: number }[] {
  const path = join(world.paths.dir, 'workspaces', agent_id, 'starts.log');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

function dormantEvents(world: TestWorld): unknown[] {
  return world.db.prepare("SELECT data FROM events WHERE type = 'agent_dormant'").all();
}

async function open(t: import('node:test').TestContext, config: ConfigInput, dir?: string) {
  const world = makeWorld({ clock: new SystemClock(), config, ...(dir === undefined ? {} : { dir }) });
  const api = await serve(world);
  const runner = await createRunner(world.config, world.log);
  const close = async () => {
    await runner.close();
    await api.close();
    world.cleanup();
  };
  return { world, api, runner, close };
}

const AGENTS = ['a1', 'a2', 'a3', 'a4'];

test('with more winners than run slots, every run gets its whole paid lease from its launch and no queued agent goes dormant', { skip: sandboxUnavailable() }, async (t) => {
  // One slot, and CPU for one winner per cycle: each agent bids on every lease it gets, and the
  // oldest bids win in turn, so winners queue behind the run in the slot for several cycles.
  const { world, api, runner, close } = await open(t, {
    market: { clearing_interval_s: 1, resources: { cpu: { supply_per_cycle: 2 } } },
    orchestrator: { runs_concurrent_max: 1, shutdown_grace_ms: 0 },
  });
  t.after(close);
  for (const agent of AGENTS) {
    installPatient(world, agent, { bids: true });
    world.kernel.market.placeBid({ payer_id: agent, amount_ucr: credits(3), bundle: bundle({ cpu_s: 2, memory_mb: 64, duration_s: 1 }) }, { actor: agent });
  }
  const loop = new WorldLoop(world, api, runner);
  const running = loop.run();
  // Every agent has waited its turn behind the others, twice.
  await waitFor('every agent ran twice', () => AGENTS.every((a) => starts(world, a).length >= 2));
  await loop.stop();
  await running;

  const executions = AGENTS.flatMap((a) => world.kernel.executions.listForAgent(a, { limit: 100 })).sort((x, y) => x.started_at_ms - y.started_at_ms);
  for (let i = 1; i < executions.length; i++) {
    const before = executions[i - 1]!;
    assert.ok(
      executions[i]!.started_at_ms >= before.ended_at_ms!,
      `with one slot, ${executions[i]!.id}'s lease started at its launch (${executions[i]!.started_at_ms}), after ${before.id} ended (${before.ended_at_ms})`,
    );
  }
  for (const execution of executions) {
    assert.equal(execution.lease_ends_at_ms - execution.started_at_ms, 1000 * execution.leases, `${execution.id}'s journaled lease spans what it bought`);
    if (execution.reason === 'stopped') continue; // cut short by the stop: given back, see the next test
    assert.equal(execution.reason, 'killed_timeout', `${execution.id} ran until its lease ended`);
    assert.ok(execution.ended_at_ms! >= execution.lease_ends_at_ms, `${execution.id} was not stopped before its lease ended`);
  }
  for (const agent of AGENTS) {
    for (const start of starts(world, agent)) {
      const execution = world.kernel.executions.require(start.execution);
      assert.ok(start.at_ms >= execution.started_at_ms, `${agent}'s lease did not start before its process did`);
      assert.ok(start.at_ms < execution.lease_ends_at_ms, `${agent}'s process started inside its lease, not after a lease that ran out while it waited`);
    }
  }
  assert.deepEqual(dormantEvents(world), [], 'no agent went dormant while it waited for a slot');
  assertConserved(world);
  assertAuditPasses(world);
});

test('a world stopped mid-lease gives the unused lease back: the rest runs at restart and no agent goes dormant', { skip: sandboxUnavailable() }, async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = (slots: number): ConfigInput => ({ market: { clearing_interval_s: 1 }, orchestrator: { runs_concurrent_max: slots, shutdown_grace_ms: 0 } });
  const first = await open(t, config(1), dir);
  for (const agent of ['early', 'late']) {
    installPatient(first.world, agent, { bids: false });
    first.world.kernel.market.placeBid({ payer_id: agent, amount_ucr: credits(1), bundle: bundle({ cpu_s: 2, memory_mb: 64, duration_s: 60 }) }, { actor: agent });
  }
  const loop = new WorldLoop(first.world, first.api, first.runner, { cycles: 1 });
  await loop.run();
  await waitFor('the first run started', () => starts(first.world, 'early').length + starts(first.world, 'late').length === 1);
  const [ran, waited] = starts(first.world, 'early').length === 1 ? ['early', 'late'] : ['late', 'early'];
  assert.equal(first.world.kernel.executions.listForAgent(waited, { limit: 10 }).length, 0, 'the queued lease has no execution: its clock has not started');
  const balances = () => Object.fromEntries(['early', 'late'].map((a) => [a, first.world.kernel.ledger.balance(a)]));
  const before = balances();
  await loop.stop();

  const [cut] = first.world.kernel.executions.listForAgent(ran, { limit: 10 });
  assert.equal(cut!.reason, 'stopped');
  const returned = first.world.db.prepare("SELECT data FROM events WHERE type = 'lease_returned'").all().map((r: any) => JSON.parse(r.data));
  assert.equal(returned.length, 1, 'the stopped run gave its lease back');
  assert.equal(returned[0].execution_id, cut!.id);
  assert.equal(returned[0].unused_ms, cut!.lease_ends_at_ms - returned[0].interrupted_at_ms);
  assert.ok(returned[0].unused_ms > 0 && returned[0].unused_ms <= 60_000);
  assert.deepEqual(balances(), before, 'nothing is refunded or charged: the agent is owed a run, not money');
  await first.close();

  const second = await open(t, config(2), dir);
  t.after(second.close);
  const again = new WorldLoop(second.world, second.api, second.runner, { cycles: 1 });
  await again.run();
  await waitFor('both owed runs started', () => starts(second.world, 'early').length + starts(second.world, 'late').length === 3);
  const rest = second.world.kernel.executions.listForAgent(ran, { limit: 10 })[0]!;
  assert.equal(rest.bid_id, `${cut!.id}:rest`, 'the interrupted run ran its rest');
  assert.equal(rest.lease_ends_at_ms - rest.started_at_ms, Math.ceil(returned[0].unused_ms / 1000) * 1000, 'for the time it had left');
  const queued = second.world.kernel.executions.listForAgent(waited, { limit: 10 })[0]!;
  assert.equal(queued.lease_ends_at_ms - queued.started_at_ms, 60_000, 'the lease that waited through the stop runs whole');
  assert.deepEqual(dormantEvents(second.world), [], 'no agent went dormant because the host stopped');
  await again.stop();
  assertConserved(second.world);
  assertAuditPasses(second.world);
});
