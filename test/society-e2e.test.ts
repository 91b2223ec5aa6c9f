// A new world, end to end, in simulation (virtual clock): the real genesis agent, run by the
// world loop through the process runner, bids, spawns mutated children who run with their own
// genes, talks, and some of its descendants die. The journal then audits clean.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { makeWorld, runnerWorld } from './support/world.js';

const CYCLES = 20;
/**
 * Who dies, and when, follows from real runs (their CPU, the memory price they met), so it varies
 * by machine: on CI's (slower than this one) nobody had died by cycle 20. The world then lives on,
 * one cycle at a time, until someone has died, at most this many cycles more.
 */
const DEATH_CYCLES_MAX = 12;

/**
 * A small world that lives fast: CPU never gets cheaper than 1 credit per CPU-second (so a run
 * costs what it costs and the poor spend down instead of waiting for a slump), genesis is
 * poorer, the population small, deaths quick.
 */
const config = {
  sandbox: { runner: 'process' as const },
  agents: { genesis_credits: 1000, genesis_first_bid: { credits: 6 } },
  market: { resources: { cpu: { price_start: 1, price_min: 1 } } },
  social: { spawn_cost: 1, spawn_min_initial_credits: 3, population_max: 10 },
  lifecycle: { death_after_cycles: 2 },
};

function genes(world: ReturnType<typeof makeWorld>, agent_id: string): Record<string, number> {
  const path = join(world.paths.dir, 'workspaces', agent_id, 'strategy.json');
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>;
}

test(`a new world lives for ${CYCLES} simulated cycles (and on until a death): generations, mutation, deaths, a clean audit`, { timeout: 480_000 }, async (t) => {
  const clock = new VirtualClock();
  const { world, api, runner } = await runnerWorld(t, { clock, config });
  const started_ms = Date.now();
  const loop = new WorldLoop(world, api, runner, { cycles: CYCLES, virtual_clock: clock });
  await loop.run();
  await loop.stop();
  const died = () => world.kernel.agents.list({ limit: 10_000 }).some((a) => a.status === 'dead');
  let extra_cycles = 0;
  while (!died() && extra_cycles < DEATH_CYCLES_MAX) {
    const more = new WorldLoop(world, api, runner, { cycles: 1, virtual_clock: clock });
    await more.run();
    await more.stop();
    extra_cycles++;
  }
  const wall_ms = Date.now() - started_ms;

  const agents = world.kernel.agents.list({ limit: 10_000 });
  const generations = new Set(agents.map((a) => a.generation));
  const dead = agents.filter((a) => a.status === 'dead');
  const ran = agents.filter((a) => a.executions > 0);
  t.diagnostic(`${wall_ms} ms, ${CYCLES} + ${extra_cycles} cycles; ${agents.length} agents, generations ${[...generations].sort().join(',')}, ${dead.length} dead, ${ran.length} ran`);

  assert.ok(Math.max(...generations) >= 2, `at least 3 generations (0, 1, 2): ${[...generations]}`);
  assert.ok(dead.length >= 1, `at least one agent died within ${CYCLES + DEATH_CYCLES_MAX} cycles`);
  assert.ok(ran.some((a) => a.generation >= 1), 'children ran');
  assert.ok(ran.some((a) => a.generation >= 2), 'grandchildren ran');

  // Every child's genes differ from its parent's: variation, not cloning.
  const children = agents.filter((a) => a.parent_id !== null);
  for (const child of children) {
    const mine = genes(world, child.id);
    const parents = genes(world, child.parent_id!);
    const differing = Object.keys(mine).filter((k) => k !== 'version' && mine[k] !== parents[k]);
    assert.ok(differing.length > 0, `${child.id}'s strategy differs from its parent ${child.parent_id}'s`);
  }

  // Runs were clean, prices moved, agents talked, genesis kept its trace and state.
  const reasons = world.db.prepare('SELECT reason, COUNT(*) AS n FROM executions GROUP BY reason').all() as { reason: string; n: number }[];
  const total = reasons.reduce((s, r) => s + r.n, 0);
  const clean = reasons.find((r) => r.reason === 'exit')?.n ?? 0;
  // A run may end by spending the CPU its agent bought (a mutated child can ask for too little,
  // the more so on a loaded machine); none may crash or fail to start.
  const budget = ['killed_cpu', 'killed_timeout', 'killed_memory'];
  assert.ok(reasons.every((r) => r.reason === 'exit' || budget.includes(r.reason)), `runs exit or spend their budget: ${JSON.stringify(reasons)}`);
  assert.ok(clean >= total * 0.8, `most runs exit cleanly: ${JSON.stringify(reasons)}`);
  const history = world.kernel.market.history({ trades: 1, cycles: CYCLES });
  const memory_prices = new Set(history.prices.memory.map((p) => p.price_ncr));
  assert.ok(memory_prices.size > 5, 'the memory price moved (CPU is pinned at its minimum here)');
  const messages = (world.db.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'message_sent'").get() as { n: number }).n;
  assert.ok(messages >= 1, 'children greeted their parents');
  const delivered = (world.db.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'inbox_read' AND json_extract(data, '$.via') = 'env_json'").get() as { n: number }).n;
  assert.ok(delivered >= 1, "messages reached their recipients' env.json");
  const trace = readFileSync(join(world.paths.dir, 'workspaces', 'genesis', 'trace.log'), 'utf8').trim().split('\n');
  assert.ok(trace.length >= 10, `genesis traced its runs: ${trace.length} lines`);
  assert.ok(existsSync(join(world.paths.dir, 'workspaces', 'genesis', 'state.json')));

  assertConserved(world);
  assertAuditPasses(world);
});
