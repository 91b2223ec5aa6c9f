// An agent in a real sandbox calls the LLM proxy with the official openai client (from the
// sandbox runtime), through its execution's channel, and the calls appear on its execution.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { startFakeOpenAi } from './support/fake-llm.js';
import { bundle, credits } from './support/market.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { addAgent, makeWorld, serve } from './support/world.js';

test('an agent in its sandbox calls the proxy with the openai client; the calls are metered on its execution', { skip: sandboxUnavailable() }, async (t) => {
  const upstream = await startFakeOpenAi();
  const clock = new VirtualClock();
  const world = makeWorld({
    clock,
    config: {
      llm: {
        providers: { up: { kind: 'openai', base_url: upstream.base_url }, offline: { kind: 'offline' } },
        models: { 'fake-gpt': { provider: 'up', upstream_model: 'fake-model' }, 'offline-echo': { provider: 'offline' } },
      },
    },
  });
  const api = await serve(world);
  const runner = await createRunner(world.config, world.log);
  t.after(async () => {
    await runner.close();
    await api.close();
    await upstream.close();
    world.cleanup();
  });
  addAgent(world, 'thinker', 50);
  const dir = join(world.paths.dir, 'workspaces', 'thinker');
  mkdirSync(dir, { recursive: true });
  copyFileSync('test/fixtures/agents/llm-caller.js', join(dir, 'main.js'));
  world.kernel.market.placeBid({ payer_id: 'thinker', amount_ucr: credits(2), bundle: bundle({ cpu_s: 2, memory_mb: 256, tokens: 1000, duration_s: 30 }) }, { actor: 'thinker' });

  const loop = new WorldLoop(world, api, runner, { cycles: 1, virtual_clock: clock });
  await loop.run();
  await loop.stop();

  const [execution] = world.kernel.executions.listForAgent('thinker', { limit: 10 });
  assert.ok(execution, 'the bid won and ran');
  const log = readFileSync(join(world.paths.executions, `${execution.id}.log`), 'utf8');
  assert.equal(execution.reason, 'exit', log);
  const seen = JSON.parse(readFileSync(join(dir, 'llm.log'), 'utf8'));
  assert.equal(seen.execution, execution.id);
  assert.equal(seen.model, 'fake-gpt', 'the agent chose the non-offline model from /llm/v1/models');
  assert.equal(seen.reply, 'Hello from the fake provider, word by word.');
  assert.equal(seen.streamed, 'Hello from the fake provider, word by word.');
  assert.deepEqual(seen.usage, { prompt_tokens: 21, completion_tokens: 9, total_tokens: 30 });

  const usage = world.kernel.llm.usage(execution.id)!;
  assert.equal(usage.tokens_bundled, 1000);
  assert.equal(usage.calls, 2);
  assert.equal(usage.tokens_used, 60, 'both calls are charged to the run, at the provider-reported usage');
  const calls = world.kernel.llm.recentCalls(execution.id, 10);
  assert.deepEqual(calls.map((c) => [c.agent_id, c.model, c.status, c.total_tokens, c.stream]).sort(), [
    ['thinker', 'fake-gpt', 'ok', 30, 0],
    ['thinker', 'fake-gpt', 'ok', 30, 1],
  ]);
  assert.equal(upstream.requests.filter((r) => r.path === '/v1/chat/completions').length, 2, 'the proxy, not the agent, reached the provider');
  assertConserved(world);
  assertAuditPasses(world);
});
