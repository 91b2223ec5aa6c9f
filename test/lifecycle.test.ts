// Executions and the agent lifecycle at the kernel level: records, leases, dormancy, death, waking.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgoraError } from '../src/base/errors.js';
import { addAgent, makeWorld } from './support/world.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { bundle, credits } from './support/market.js';

const review = (world: ReturnType<typeof makeWorld>, cycle: number, death_after_cycles = 3) =>
  world.kernel.lifecycle.review({ cycle, min_bundle_cost_ucr: credits(0.5), death_after_cycles });

test('an execution is started once per agent, its lease extended, its end recorded with metering', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  const k = world.kernel;
  const started = k.executions.start({ agent_id: 'genesis', bid_id: 'b1', cycle: 1, bundle: bundle({ duration_s: 10 }), lease_ends_at_ms: 10_000 }, { actor: 'test' });
  assert.equal(started.status, 'running');
  assert.equal(k.agents.require('genesis').executions, 1);
  assert.ok(k.executions.isRunning(started.id));
  assert.throws(
    () => k.executions.start({ agent_id: 'genesis', bid_id: 'b2', cycle: 1, bundle: bundle(), lease_ends_at_ms: 10_000 }, { actor: 'test' }),
    (err: unknown) => err instanceof AgoraError && err.code === 'CONFLICT',
  );
  const extended = k.executions.extendLease({ execution_id: started.id, bid_id: 'b3', cycle: 2, bundle: bundle({ duration_s: 20 }), lease_ends_at_ms: 30_000 }, { actor: 'test' });
  assert.equal(extended.leases, 2);
  assert.equal(extended.lease_ends_at_ms, 30_000);
  const ended = k.executions.end(started.id, { reason: 'killed_memory', exit_code: null, signal: 'SIGKILL', cpu_ms: 1234.4, memory_peak_mb: 64.6, wall_ms: 900, log_bytes: 10, log_truncated: false }, { actor: 'test' });
  assert.equal(ended.status, 'ended');
  assert.equal(ended.reason, 'killed_memory');
  assert.equal(ended.cpu_ms, 1234);
  assert.equal(ended.memory_peak_mb, 65);
  assert.equal(k.executions.isRunning(started.id), false, 'an ended execution is no longer live (its token dies)');
  assert.throws(() => k.executions.end(started.id, { reason: 'exit', exit_code: 0, signal: null, cpu_ms: 0, memory_peak_mb: 0, wall_ms: 0, log_bytes: 0, log_truncated: false }, { actor: 'test' }));
  assertAuditPasses(world);
});

test('an agent that can afford nothing and has no bid or run goes dormant, with its assets in the event', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  addAgent(world, 'poor', 0.25);
  addAgent(world, 'rich', 100);
  const first = review(world, 1);
  assert.deepEqual(first.dormant, ['poor']);
  const event = world.db.prepare("SELECT data FROM events WHERE type = 'agent_dormant'").get() as { data: string };
  assert.deepEqual(JSON.parse(event.data).assets, {
    balance_ucr: credits(0.25), escrow_ucr: 0, workspace: 'workspaces/poor', generation: 0, executions: 0, artifacts_owned: 0, artifact_ids: [], last_active_cycle: null,
  });
  assert.equal(world.kernel.agents.require('poor').status, 'dormant');
  assert.equal(world.kernel.agents.require('rich').status, 'alive');
  assertAuditPasses(world);
});

test('a dormant agent dies after lifecycle.death_after_cycles, its leftover credits burned and its workspace kept', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  addAgent(world, 'poor', 0.25);
  review(world, 1);
  assert.deepEqual(review(world, 2).died, []);
  assert.deepEqual(review(world, 3).died, []);
  assert.deepEqual(review(world, 4).died, ['poor']);
  const dead = world.kernel.agents.require('poor');
  assert.equal(dead.status, 'dead');
  assert.equal(dead.balance_ucr, 0);
  assert.equal(dead.workspace, 'workspaces/poor');
  assert.equal(world.kernel.ledger.conservation().burned_ucr, credits(0.25));
  assert.deepEqual(review(world, 5), { dormant: [], woken: [], died: [] }, 'the dead stay dead');
  assertConserved(world);
  assertAuditPasses(world);
});

test('anyone may wake a dormant agent by paying for a bundle for it; a running agent is never dormant', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  addAgent(world, 'sleeper', 0);
  addAgent(world, 'rescuer', 50);
  addAgent(world, 'runner', 0);
  world.kernel.executions.start({ agent_id: 'runner', bid_id: 'x', cycle: 1, bundle: bundle(), lease_ends_at_ms: 5_000 }, { actor: 'test' });
  assert.deepEqual(review(world, 1).dormant, ['sleeper']);
  world.kernel.market.placeBid({ payer_id: 'rescuer', for_agent: 'sleeper', amount_ucr: credits(5), bundle: bundle() }, { actor: 'rescuer' });
  const woken = review(world, 2);
  assert.deepEqual(woken.woken, ['sleeper']);
  const event = world.db.prepare("SELECT data FROM events WHERE type = 'agent_woken'").get() as { data: string };
  assert.equal(JSON.parse(event.data).by, 'rescuer');
  assert.equal(world.kernel.agents.require('sleeper').status, 'alive');
  assert.equal(world.kernel.agents.require('runner').status, 'alive');
  assertAuditPasses(world);
});

test('suicide by omission: an agent whose last run ended without a bid sleeps even with credits; one that never ran does not', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  addAgent(world, 'quitter', 100);
  addAgent(world, 'newborn', 100);
  const run = world.kernel.executions.start({ agent_id: 'quitter', bid_id: 'b', cycle: 1, bundle: bundle(), lease_ends_at_ms: 5_000 }, { actor: 'test' });
  assert.deepEqual(review(world, 1).dormant, [], 'a running agent is awake');
  world.kernel.executions.end(run.id, { reason: 'exit', exit_code: 0, signal: null, cpu_ms: 1, memory_peak_mb: 1, wall_ms: 1, log_bytes: 0, log_truncated: false }, { actor: 'test' });
  assert.deepEqual(review(world, 2).dormant, ['quitter']);
  const event = world.db.prepare("SELECT data FROM events WHERE type = 'agent_dormant'").get() as { data: string };
  assert.equal(JSON.parse(event.data).reason, 'omission');
  assert.equal(world.kernel.agents.require('newborn').status, 'alive');
  assert.deepEqual(review(world, 3).woken, [], 'credits alone do not wake it');
  assertAuditPasses(world);
});
