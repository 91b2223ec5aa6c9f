// From inside a real bwrap sandbox, an agent can never reach the operator's routes: not with
// its connection's identity, not with its own token, not even with the operator's token.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { bundle, credits } from './support/market.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { addAgent, runnerWorld } from './support/world.js';

test('an agent in its sandbox gets 403 from every operator route, whatever credential it sends', { skip: sandboxUnavailable() }, async (t) => {
  const clock = new VirtualClock();
  const { world, api, runner } = await runnerWorld(t, { clock });
  addAgent(world, 'prober', 50);
  const dir = join(world.paths.dir, 'workspaces', 'prober');
  mkdirSync(dir, { recursive: true });
  copyFileSync('test/fixtures/agents/operator-prober.js', join(dir, 'main.js'));
  writeFileSync(join(dir, 'leaked-operator.token'), world.operator_token);
  world.kernel.market.placeBid({ payer_id: 'prober', amount_ucr: credits(1), bundle: bundle({ cpu_s: 4, memory_mb: 128, duration_s: 20 }) }, { actor: 'prober' });
  const loop = new WorldLoop(world, api, runner, { cycles: 1, virtual_clock: clock });
  await loop.run();
  await loop.stop();

  const execution = world.kernel.executions.listForAgent('prober', { limit: 1 })[0]!;
  assert.equal(execution.reason, 'exit', readFileSync(join(world.paths.executions, `${execution.id}.log`), 'utf8'));
  const results = JSON.parse(readFileSync(join(dir, 'probe.json'), 'utf8')) as { path: string; as: string; status: number; code: string }[];
  assert.equal(results.length, 12);
  for (const r of results) assert.deepEqual([r.status, r.code], [403, 'ACCESS_DENIED'], `${r.path} with ${r.as}`);
  assert.equal(world.kernel.attention.counts().rewarded, 0);
});
