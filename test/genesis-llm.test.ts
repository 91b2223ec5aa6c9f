// The genesis agent's optional thinking (agents/genesis/src/llm.ts) against the real API and a
// fake provider: it finds a real model only when one is configured, words its prompt and its
// reasoning with it, falls back to its own words when it cannot pay, and buys thinking tokens
// only with attention.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createClient } from '../agents/genesis/src/client.js';
import { planBid, strategyBundle } from '../agents/genesis/src/decide.js';
import { realModel, reflect, THINKING_TOKENS, writePrompt } from '../agents/genesis/src/llm.js';
import { DEFAULT_STRATEGY } from '../agents/genesis/src/strategy.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { llmWorld } from './support/llm.js';
import { addAgent, agentToken, makeWorld, serve, tempDir } from './support/world.js';
import { buildEnvJson, writeEnvJson } from '../src/orchestrator/env-json.js';
import { GENESIS_PROJECT_DIR } from '../src/orchestrator/genesis-project.js';

test('with a real model, genesis writes its prompt and its reasoning through the proxy, metered to its run', async (t) => {
  const w = await llmWorld({ agents: { genesis_like: 100 } });
  t.after(() => w.close());
  const ex = w.run('genesis_like', THINKING_TOKENS);
  const api = createClient(w.api.url, agentToken(w.world, 'genesis_like', ex.id));
  t.after(() => api.close());
  assert.equal(await realModel(api), 'fake-gpt', 'the first non-offline model');
  const notes: string[] = [];
  const prompt = await writePrompt(api, 'fake-gpt', 'Status report: 3 agents alive.', notes);
  assert.equal(prompt, 'Hello from the fake provider, word by word.');
  const thought = await reflect(api, 'fake-gpt', 'run 4 balance 12', notes);
  assert.ok(thought !== null);
  assert.deepEqual(notes, []);
  const sent = w.openaiUpstream.requests.map((r) => r.body);
  assert.equal(sent[0].messages[0].role, 'system');
  assert.equal(sent[0].messages[1].content, 'Status report: 3 agents alive.');
  assert.equal(w.world.kernel.llm.usage(ex.id)!.calls, 2);

  assertConserved(w.world);
  assertAuditPasses(w.world);
});

test('genesis thinks only when it can: no real model, or no tokens left, means its own words', async (t) => {
  const world = makeWorld();
  addAgent(world, 'g', 10);
  const api_server = await serve(world);
  t.after(async () => {
    await api_server.close();
    world.cleanup();
  });
  const ex = world.kernel.executions.start({ agent_id: 'g', bid_id: 'b', cycle: 0, bundle: { cpu_ms: 1000, memory_mb: 64, tokens: 10, attention: 0, duration_s: 60 }, lease_ends_at_ms: world.clock.now_ms() + 60_000 }, { actor: 'test' });
  const api = createClient(api_server.url, agentToken(world, 'g', ex.id));
  t.after(() => api.close());
  assert.equal(await realModel(api), null, 'the offline responder is not worth paying for');
  const notes: string[] = [];
  assert.equal(await writePrompt(api, 'offline-echo', 'A long enough report that ten tokens cannot hold a reply to it.', notes), null);
  assert.match(notes[0]!, /INSUFFICIENT_FUNDS/);
});

test('thinking tokens are bought only with attention', () => {
  const prices = { cpu: 0.1, memory: 0.001, tokens: 0.0001, attention: 5 };
  assert.equal(strategyBundle(DEFAULT_STRATEGY, false, THINKING_TOKENS).tokens, 0);
  assert.equal(strategyBundle(DEFAULT_STRATEGY, true, THINKING_TOKENS).tokens, THINKING_TOKENS);
  const rich = planBid({ balance_ucr: 10_000_000_000, strategy: DEFAULT_STRATEGY, prices, busy: false, want_attention: true, thinking_tokens: THINKING_TOKENS });
  assert.equal(rich.kind === 'bid' && rich.bundle.tokens, THINKING_TOKENS);
  const plain = planBid({ balance_ucr: 10_000_000_000, strategy: DEFAULT_STRATEGY, prices, busy: false, want_attention: false, thinking_tokens: THINKING_TOKENS });
  assert.equal(plain.kind === 'bid' && plain.bundle.tokens, 0);
});

test('a genesis run holding attention and tokens has the model word its prompt and its trace', async (t) => {
  const w = await llmWorld({ agents: { thinker: 100 } });
  t.after(() => w.close());
  const ex = w.world.kernel.executions.start(
    { agent_id: 'thinker', bid_id: 'test', cycle: 0, bundle: { cpu_ms: 2000, memory_mb: 128, tokens: THINKING_TOKENS, attention: 1, duration_s: 60 }, lease_ends_at_ms: w.clock.now_ms() + 60_000 },
    { actor: 'test' },
  );
  const workspace = tempDir('agora-genesis-llm-');
  t.after(() => rmSync(workspace, { recursive: true, force: true }));
  const env_path = writeEnvJson(workspace, buildEnvJson(w.world.kernel, ex, { api_url: w.api.url, inbox: [], disk: w.world.workspaces.usage('workspaces/genesis') }));
  const run = await promisify(execFile)(process.execPath, [join(GENESIS_PROJECT_DIR, 'dist', 'main.js')], {
    cwd: workspace,
    env: { PATH: process.env.PATH, ENV_JSON_PATH: env_path, SYSTEM_SERVICE_URL: w.api.url, AGORA_TOKEN: agentToken(w.world, 'thinker', ex.id) },
  });
  assert.equal(run.stderr, '');
  const asked = w.openaiUpstream.requests.map((r) => r.body.messages.at(-1).content as string);
  assert.equal(asked.length, 2, 'one call for the prompt, one for the thought');
  assert.match(asked[0]!, /^\[(report|question|offer|plan)\] /, 'the model words the prompt genesis composed (of the kind its genes drew)');
  const put = w.world.kernel.attention.list({ agent_id: 'thinker', limit: 1 })[0]!;
  assert.match(put.content, /^\[(report|question|offer|plan)\] Hello from the fake provider/, 'the kind\'s tag survives the rewording');
  const trace = readFileSync(join(workspace, 'trace.log'), 'utf8');
  assert.match(trace, /thought: Hello from the fake provider, word by word\./);
  assert.equal(w.world.kernel.llm.usage(ex.id)!.tokens_used, 60);
});
