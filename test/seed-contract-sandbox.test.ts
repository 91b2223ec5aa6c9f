// Agents written for the original system run unmodified: an agent that knows only the seeds'
// contract (seed 000's env.json, the seed-era routes and their field names, identity fields in
// bodies naming itself), in a real bwrap sandbox, reads its prices and balance and places a bid
// that is accepted and wins. A body agent_id naming someone else is still 403.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { bundle, credits } from './support/market.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { addAgent, runnerWorld } from './support/world.js';

test("a seed-era agent reads prices and balance and wins a bid placed in the seeds' shape, from a real sandbox", { skip: sandboxUnavailable() }, async (t) => {
  const clock = new VirtualClock();
  const { world, api, runner } = await runnerWorld(t, { clock });
  const k = world.kernel;
  addAgent(world, 'seedling', 20);
  const dir = join(world.paths.dir, 'workspaces', 'seedling');
  mkdirSync(dir, { recursive: true });
  copyFileSync('test/fixtures/agents/seed-agent.py', join(dir, 'main.py'));
  k.market.placeBid({ payer_id: 'seedling', amount_ucr: credits(1), bundle: bundle({ cpu_s: 2, memory_mb: 128, duration_s: 20 }) }, { actor: 'seedling' });

  // The first cycle runs the agent; a later one clears the bid it placed from inside.
  const loop = new WorldLoop(world, api, runner, { cycles: 3, virtual_clock: clock });
  await loop.run();
  await loop.stop();

  const first = k.executions.listForAgent('seedling', { limit: 10 }).at(-1)!;
  const log = readFileSync(join(world.paths.executions, `${first.id}.log`), 'utf8');
  assert.equal(first.reason, 'exit', log);
  assert.match(log, /Genesis Agent seedling active\./, 'it read seed 000\'s env.json');
  const seen = JSON.parse(readFileSync(join(dir, 'seen.log'), 'utf8').split('\n')[0]!);
  for (const key of ['agent_id', 'credits', 'system_time', 'markets', 'inbox', 'execution_context']) assert.ok(seen.env_keys.includes(key), `env.json has seed 000's ${key}`);
  assert.equal(seen.balance.status, 200);
  assert.equal(typeof seen.balance.body.credits, 'number', 'the balance answers in the seeds\' name too');
  assert.equal(seen.prices.status, 200);
  assert.equal(typeof seen.prices.body.memory_mb, 'number');
  assert.equal(seen.bid.status, 200, JSON.stringify(seen.bid.body));
  assert.deepEqual([seen.bid.body.agent_id, seen.bid.body.bundle.cpu, seen.bid.body.bundle.memory], ['seedling', 2, 64]);
  assert.equal(seen.bid_as_other.status, 403, 'a body agent_id naming someone else is refused');
  assert.equal(seen.bid_as_other.body.error.code, 'ACCESS_DENIED');
  assert.equal(seen.message.status, 201, JSON.stringify(seen.message.body));

  const bid = k.market.bid(seen.bid.body.bid_id)!;
  assert.equal(bid.status, 'won', `the seed-shaped bid won the next clearing (${bid.close_reason})`);
  assert.ok(k.executions.listForAgent('seedling', { limit: 10 }).some((e) => e.bid_id === bid.bid_id), 'and ran the agent again');
  assertConserved(world);
  assertAuditPasses(world);
});
