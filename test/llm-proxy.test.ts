// The LLM proxy end to end: the official OpenAI client, configured as an agent configures it,
// against the API, with real local HTTP servers standing in for the providers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { assertAuditPasses, assertConserved, assertErrorShape } from './support/assertions.js';
import { llmWorld, postingsCount, type LlmWorld } from './support/llm.js';
import { agentToken, makeWorld, serve, addAgent } from './support/world.js';

async function setup(t: import('node:test').TestContext, options: Parameters<typeof llmWorld>[0] = {}): Promise<LlmWorld> {
  const w = await llmWorld(options);
  t.after(() => w.close());
  return w;
}

function settled(w: LlmWorld): void {
  assertConserved(w.world);
  assertAuditPasses(w.world);
}

async function usage(w: LlmWorld, agent_id: string, execution_id: string) {
  const res = await w.api.request('GET', '/llm/v1/usage', { token: agentToken(w.world, agent_id, execution_id) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

test('models are listed in the OpenAI shape; the offline responder is labelled as such', async (t) => {
  const w = await setup(t);
  const ex = w.run('alice', 1000);
  const models = [];
  for await (const model of w.client('alice', ex.id).models.list()) models.push(model);
  assert.deepEqual(models.map((m) => m.id).sort(), ['fake-claude', 'fake-gpt', 'offline-echo']);
  const offline = models.find((m) => m.id === 'offline-echo') as unknown as { offline: boolean; owned_by: string };
  assert.equal(offline.offline, true);
  assert.equal((models.find((m) => m.id === 'fake-gpt') as unknown as { offline: boolean }).offline, false);

  // A world with no LLM configuration serves only the offline responder, described as such.
  const plain = makeWorld();
  const api = await serve(plain);
  t.after(async () => {
    await api.close();
    plain.cleanup();
  });
  const list = await api.request('GET', '/llm/v1/models', { token: plain.operator_token });
  assert.equal(list.status, 200);
  assert.equal(list.body.data.length, 1);
  assert.equal(list.body.data[0].id, 'offline-echo');
  assert.equal(list.body.data[0].offline, true);
  assert.match(list.body.data[0].description, /offline|no real LLM/i);
});

test('a normal call is charged exactly the usage the provider reported, and moves no money', async (t) => {
  const w = await setup(t);
  const ex = w.run('alice', 1000);
  const postings_before = postingsCount(w.world);
  const reply = await w.client('alice', ex.id).chat.completions.create({
    model: 'fake-gpt',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Say hello.' },
    ],
    max_tokens: 50,
  });
  assert.equal(reply.choices[0]!.message.content, 'Hello from the fake provider, word by word.');
  assert.deepEqual(reply.usage, { prompt_tokens: 21, completion_tokens: 9, total_tokens: 30 });

  const upstream = w.openaiUpstream.requests.at(-1)!;
  assert.equal(upstream.body.model, 'fake-model', 'the configured upstream name is sent');
  assert.equal(upstream.headers.authorization, 'Bearer sk-test-openai', 'the key comes from the named environment variable');
  assert.equal(upstream.body.max_tokens, 50);
  assert.equal(upstream.body.messages.length, 2);

  const [event] = w.events('llm_call_completed');
  assert.equal(event.execution_id, ex.id);
  assert.equal(event.agent_id, 'alice');
  assert.equal(event.model, 'fake-gpt');
  assert.equal(event.provider, 'up');
  assert.equal(event.status, 'ok');
  assert.equal(event.usage_source, 'provider');
  assert.deepEqual([event.prompt_tokens, event.completion_tokens, event.total_tokens], [21, 9, 30]);
  assert.ok(event.reserved_tokens >= 50, 'the reservation covered the prompt estimate and the cap');

  const u = await usage(w, 'alice', ex.id);
  assert.deepEqual(u.tokens, { bundled: 1000, extra: 0, allowed: 1000, used: 30, prompt: 21, completion: 9, in_flight: 0, left: 970 });
  assert.equal(u.calls, 1);
  assert.equal(u.recent_calls[0].total_tokens, 30);
  assert.equal(postingsCount(w.world), postings_before, "tokens from the bundle are already paid for: no money moves");
  settled(w);
});

test('streaming works with the OpenAI client, include_usage is honoured, and the stream is charged', async (t) => {
  const w = await setup(t);
  const ex = w.run('alice', 1000);
  const client = w.client('alice', ex.id);

  const stream = await client.chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Stream please.' }], stream: true, stream_options: { include_usage: true } });
  let text = '';
  let reported = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) reported = chunk.usage;
  }
  assert.equal(text, 'Hello from the fake provider, word by word.');
  assert.deepEqual(reported, { prompt_tokens: 21, completion_tokens: 9, total_tokens: 30 });

  // Without include_usage the agent sees no usage chunk, but the proxy asked for one upstream.
  const quiet = await client.chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Again.' }], stream: true });
  let usage_chunks = 0;
  for await (const chunk of quiet) if (chunk.usage) usage_chunks++;
  assert.equal(usage_chunks, 0);
  assert.equal(w.openaiUpstream.requests.at(-1)!.body.stream_options.include_usage, true);

  const calls = w.events('llm_call_completed');
  assert.equal(calls.length, 2);
  for (const call of calls) {
    assert.equal(call.stream, true);
    assert.equal(call.usage_source, 'provider');
    assert.equal(call.total_tokens, 30);
  }
  assert.equal((await usage(w, 'alice', ex.id)).tokens.used, 60);
  settled(w);
});

test('a provider that reports no usage is settled on a local count', async (t) => {
  const w = await setup(t);
  const ex = w.run('alice', 1000);
  w.openaiUpstream.behaviour.usage = null;
  await w.client('alice', ex.id).chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Count yourself.' }] });
  const [event] = w.events('llm_call_completed');
  assert.equal(event.usage_source, 'local');
  assert.ok(event.prompt_tokens > 0 && event.completion_tokens > 0);
  assert.equal((await usage(w, 'alice', ex.id)).tokens.used, event.total_tokens);
  settled(w);
});

test('the cap goes in the field the agent used, and never past what is left', async (t) => {
  const w = await setup(t, { agents: { alice: 100, bob: 100 } });
  w.openaiUpstream.behaviour.usage = { prompt_tokens: 10, completion_tokens: 500 };
  const ex = w.run('alice', 120);
  const reply = await w.client('alice', ex.id).chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Write an essay.' }], max_tokens: 4000 });
  const forwarded = w.openaiUpstream.requests.at(-1)!.body;
  assert.ok(forwarded.max_tokens < 120, `forwarded max_tokens ${forwarded.max_tokens} fits in the 120 tokens left`);
  assert.equal(reply.choices[0]!.finish_reason, 'length');
  assert.ok((await usage(w, 'alice', ex.id)).tokens.used <= 120);

  const ex2 = w.run('bob', 200);
  await w.client('bob', ex2.id).chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi.' }], max_completion_tokens: 5000 });
  const second = w.openaiUpstream.requests.at(-1)!.body;
  assert.ok(second.max_completion_tokens < 200 && second.max_tokens === undefined);
  settled(w);
});

test('an exhausted budget gives 402 INSUFFICIENT_FUNDS and moves nothing', async (t) => {
  const w = await setup(t);
  const ex = w.run('alice', 5);
  const postings_before = postingsCount(w.world);
  const balance_before = w.world.kernel.ledger.agentBalance('alice');
  const client = w.client('alice', ex.id);
  await assert.rejects(
    client.chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Anything at all, please.' }] }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, 402);
      assert.equal(err.code, 'INSUFFICIENT_FUNDS');
      return true;
    },
  );
  const raw = await w.api.request('POST', '/llm/v1/chat/completions', { token: agentToken(w.world, 'alice', ex.id), body: { model: 'fake-gpt', messages: [{ role: 'user', content: 'x' }] } });
  assert.equal(raw.status, 402);
  assertErrorShape(raw.body, 'INSUFFICIENT_FUNDS');
  assert.equal(raw.body.error.details.tokens_left, 5);
  assert.equal(w.openaiUpstream.requests.length, 0, 'nothing reached the provider');
  assert.equal(w.events('llm_call_completed').length, 0);
  assert.equal(postingsCount(w.world), postings_before);
  assert.equal(w.world.kernel.ledger.agentBalance('alice'), balance_before);
  settled(w);
});

test('with buy_extra_tokens a run buys its shortfall at the market token price, burning exactly its cost', async (t) => {
  const w = await setup(t, { llm: { buy_extra_tokens: true }, agents: { alice: 100, poor: 0 } });
  const ex = w.run('alice', 0);
  const price_ncr = w.world.kernel.llm.tokenPriceNcr();
  const before = w.world.kernel.ledger.agentBalance('alice');
  const reply = await w.client('alice', ex.id).chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Buy me.' }], max_tokens: 100 });
  assert.equal(reply.usage?.total_tokens, 30);
  const [bought] = w.events('llm_tokens_bought');
  assert.equal(bought.execution_id, ex.id);
  assert.equal(bought.price_ncr, price_ncr);
  assert.equal(bought.cost_ucr, Math.ceil((bought.tokens * price_ncr) / 1000));
  assert.deepEqual(bought.postings, [{ from: 'alice', to: 'system:burn', amount_ucr: bought.cost_ucr, kind: 'burn', memo: 'llm tokens' }]);
  assert.equal(w.world.kernel.ledger.agentBalance('alice'), before - bought.cost_ucr);
  const u = await usage(w, 'alice', ex.id);
  assert.equal(u.tokens.extra, bought.tokens);
  assert.equal(u.tokens.used, 30);
  assert.equal(u.tokens.left, bought.tokens - 30, 'unused bought tokens stay with the run');

  // An agent that cannot pay gets 402, and nothing moves.
  const poor = w.run('poor', 0);
  const postings_before = postingsCount(w.world);
  await assert.rejects(w.client('poor', poor.id).chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }] }), { status: 402 });
  assert.equal(postingsCount(w.world), postings_before);
  settled(w);
});

test('past a rate limit the call gets 429 RATE_LIMITED with retry_after; the window rolls, never debt', async (t) => {
  const w = await setup(t, { llm: { rate_limits: { agent_requests_per_minute: 2 } } });
  const ex = w.run('alice', 100_000);
  const client = w.client('alice', ex.id);
  const ask = () => client.chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 20 });
  await ask();
  w.clock.advance(10_000);
  await ask();
  const token = agentToken(w.world, 'alice', ex.id);
  const limited = await w.api.request('POST', '/llm/v1/chat/completions', { token, body: { model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }] } });
  assert.equal(limited.status, 429);
  assertErrorShape(limited.body, 'RATE_LIMITED');
  assert.equal(limited.body.error.retry_after, 50, 'the first call leaves the window 60 s after it was made');
  assert.equal(limited.headers.get('retry-after'), '50');
  assert.equal(limited.body.error.details.limit, 'agent_requests_per_minute');
  await assert.rejects(ask(), (err: unknown) => err instanceof OpenAI.APIError && err.status === 429);

  w.clock.advance(50_000);
  await ask(); // the first call has left the window
  assert.equal(w.events('llm_call_completed').length, 3, 'refused calls are not calls');
  settled(w);
});

test('the tokens-per-minute window counts reservations, then corrects them to real usage', async (t) => {
  const w = await setup(t, { llm: { rate_limits: { agent_tokens_per_minute: 200 } } });
  const ex = w.run('alice', 100_000);
  const client = w.client('alice', ex.id);
  // Reserves prompt + 150, but uses 30: after settlement only 30 count.
  await client.chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 150 });
  assert.equal((await usage(w, 'alice', ex.id)).rate_limits.tokens_per_minute.used, 30);
  await client.chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 150 });
  const res = await w.api.request('POST', '/llm/v1/chat/completions', {
    token: agentToken(w.world, 'alice', ex.id),
    body: { model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 150 },
  });
  assert.equal(res.status, 429);
  assert.equal(res.body.error.details.limit, 'agent_tokens_per_minute');
  assert.equal(res.body.error.retry_after, 60);
  settled(w);
});

test('an upstream error gives a clean 502, releases the reservation and charges nothing', async (t) => {
  const w = await setup(t);
  const ex = w.run('alice', 1000);
  w.openaiUpstream.behaviour.fail_status = 500;
  const client = w.client('alice', ex.id);
  await assert.rejects(client.chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }] }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 502);
    assert.equal(err.code, 'UPSTREAM_ERROR');
    return true;
  });
  const streamed = await w.api.request('POST', '/llm/v1/chat/completions', {
    token: agentToken(w.world, 'alice', ex.id),
    body: { model: 'fake-gpt', stream: true, messages: [{ role: 'user', content: 'Hi' }] },
  });
  assert.equal(streamed.status, 502, 'a stream refused before its first byte is an ordinary error');
  assertErrorShape(streamed.body, 'UPSTREAM_ERROR');
  const u = await usage(w, 'alice', ex.id);
  assert.equal(u.tokens.used, 0);
  assert.equal(u.tokens.in_flight, 0, 'the reservations were released');
  assert.equal(u.calls_failed, 2);
  for (const e of w.events('llm_call_completed')) {
    assert.equal(e.status, 'upstream_error');
    assert.equal(e.total_tokens, 0);
  }
  w.openaiUpstream.behaviour.fail_status = null;
  await client.chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }] });
  assert.equal((await usage(w, 'alice', ex.id)).tokens.used, 30);
  settled(w);
});

test('a silent provider times out with 504 TIMEOUT and the reservation comes back', async (t) => {
  const w = await setup(t);
  const ex = w.run('alice', 1000);
  w.openaiUpstream.behaviour.silent = true;
  const started = Date.now();
  await assert.rejects(w.client('alice', ex.id).chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }] }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 504);
    assert.equal(err.code, 'TIMEOUT');
    return true;
  });
  assert.ok(Date.now() - started < 5000, 'the provider timeout (400 ms) fired');
  const u = await usage(w, 'alice', ex.id);
  assert.equal(u.tokens.in_flight, 0);
  assert.equal(u.tokens.used, 0);
  assert.equal(w.events('llm_call_completed')[0].status, 'timeout');
  settled(w);
});

test('a stream cut mid-way ends with an error and charges only what was delivered', async (t) => {
  const w = await setup(t);
  const ex = w.run('alice', 1000);
  w.openaiUpstream.behaviour.cut_after_chunks = 3;
  const stream = await w.client('alice', ex.id).chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Stream' }], stream: true });
  let text = '';
  await assert.rejects(async () => {
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  });
  assert.equal(text, 'Hello from the ');
  const [event] = w.events('llm_call_completed');
  assert.equal(event.status, 'interrupted');
  assert.equal(event.usage_source, 'local');
  assert.ok(event.completion_tokens > 0 && event.completion_tokens <= 5);
  const u = await usage(w, 'alice', ex.id);
  assert.equal(u.tokens.in_flight, 0);
  assert.equal(u.tokens.used, event.total_tokens);
  settled(w);
});

test('an Anthropic provider is translated both ways, streamed or not, and charged its input and output tokens', async (t) => {
  const w = await setup(t);
  const ex = w.run('alice', 1000);
  const client = w.client('alice', ex.id);
  const reply = await client.chat.completions.create({
    model: 'fake-claude',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello' },
      { role: 'user', content: 'there' },
    ],
    max_tokens: 64,
    temperature: 1.5,
  });
  assert.equal(reply.object, 'chat.completion');
  assert.equal(reply.choices[0]!.message.content, 'Hello from the fake provider, word by word.');
  assert.equal(reply.choices[0]!.finish_reason, 'stop');
  assert.deepEqual(reply.usage, { prompt_tokens: 21, completion_tokens: 9, total_tokens: 30 });
  const sent = w.anthropicUpstream.requests.at(-1)!;
  assert.equal(sent.path, '/v1/messages');
  assert.equal(sent.headers['x-api-key'], 'sk-test-anthropic');
  assert.equal(sent.headers['anthropic-version'], '2023-06-01');
  assert.equal(sent.body.model, 'claude-fake-1');
  assert.equal(sent.body.system, 'Be brief.');
  assert.equal(sent.body.max_tokens, 64);
  assert.equal(sent.body.temperature, 1);
  assert.deepEqual(sent.body.messages, [{ role: 'user', content: [{ type: 'text', text: 'Hello' }, { type: 'text', text: 'there' }] }]);

  const stream = await client.chat.completions.create({ model: 'fake-claude', messages: [{ role: 'user', content: 'Stream' }], max_tokens: 4, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let finish = null;
  let reported = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    text += chunk.choices[0]?.delta?.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) reported = chunk.usage;
  }
  assert.equal(text, 'Hello from the fake ');
  assert.equal(finish, 'length');
  assert.deepEqual(reported, { prompt_tokens: 21, completion_tokens: 4, total_tokens: 25 });
  assert.equal((await usage(w, 'alice', ex.id)).tokens.used, 55);

  // Tool use is not translated: refused before anything is reserved or sent.
  const before = w.anthropicUpstream.requests.length;
  await assert.rejects(
    client.chat.completions.create({ model: 'fake-claude', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }),
    { status: 400 },
  );
  assert.equal(w.anthropicUpstream.requests.length, before);
  settled(w);
});

test('the offline responder answers deterministically with no network, and is metered like any model', async (t) => {
  const w = await setup(t);
  const ex = w.run('alice', 1000);
  const client = w.client('alice', ex.id);
  const a = await client.chat.completions.create({ model: 'offline-echo', messages: [{ role: 'user', content: 'What is the price of tokens?' }] });
  const b = await client.chat.completions.create({ model: 'offline-echo', messages: [{ role: 'user', content: 'What is the price of tokens?' }] });
  assert.equal(a.choices[0]!.message.content, b.choices[0]!.message.content);
  assert.match(a.choices[0]!.message.content ?? '', /offline-echo.*What is the price of tokens\?/);
  const stream = await client.chat.completions.create({ model: 'offline-echo', messages: [{ role: 'user', content: 'What is the price of tokens?' }], stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  assert.equal(text, a.choices[0]!.message.content);
  const u = await usage(w, 'alice', ex.id);
  assert.equal(u.calls, 3);
  assert.equal(u.tokens.used, 3 * a.usage!.total_tokens);
  assert.equal(w.openaiUpstream.requests.length + w.anthropicUpstream.requests.length, 0);
  settled(w);
});

test('an LLM call needs a running execution: a development token gets 403, an ended run 401, an unknown model 404', async (t) => {
  const w = await setup(t, { agents: { alice: 100 } });
  const dev = new OpenAI({ baseURL: `${w.api.url}/llm/v1`, apiKey: agentToken(w.world, 'alice', null), maxRetries: 0 });
  await assert.rejects(dev.chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }] }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 403);
    assert.match(err.message, /running execution/);
    return true;
  });
  const operator = await w.api.request('POST', '/llm/v1/chat/completions', { token: w.world.operator_token, body: { model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }] } });
  assert.equal(operator.status, 403);

  const ex = w.run('alice', 1000);
  const client = w.client('alice', ex.id);
  await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'Hi' }] }), { status: 404 });
  w.world.kernel.executions.end(ex.id, { reason: 'exit', exit_code: 0, signal: null, cpu_ms: 1, memory_peak_mb: 1, wall_ms: 1, log_bytes: 0, log_truncated: false }, { actor: 'test' });
  await assert.rejects(client.chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }] }), { status: 401 });
  assert.equal(w.openaiUpstream.requests.length, 0);

  // The operator can read any run's usage; another agent cannot.
  addAgent(w.world, 'mallory', 0);
  const theirs = await w.api.request('GET', `/llm/v1/usage?execution_id=${ex.id}`, { token: agentToken(w.world, 'mallory', null) });
  assert.equal(theirs.status, 403);
  const op = await w.api.request('GET', `/llm/v1/usage?execution_id=${ex.id}`, { token: w.world.operator_token });
  assert.equal(op.status, 200);
  assert.equal(op.body.running, false);
  settled(w);
});

test('concurrent calls of one run share its allowance: their reservations never add up past it', async (t) => {
  const w = await setup(t);
  const ex = w.run('alice', 400);
  w.openaiUpstream.behaviour.delay_ms = 100;
  const client = w.client('alice', ex.id);
  const results = await Promise.allSettled(
    Array.from({ length: 6 }, () => client.chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 100 })),
  );
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const refused = results.filter((r) => r.status === 'rejected' && (r.reason as { status?: number }).status === 402).length;
  assert.equal(ok + refused, 6);
  assert.ok(ok >= 1 && refused >= 1, `some admitted (${ok}), the rest refused (${refused})`);
  const sent = w.openaiUpstream.requests.map((r) => r.body.max_tokens as number);
  assert.ok(sent.reduce((a, b) => a + b, 0) <= 400, `caps ${sent.join('+')} fit in 400`);
  const u = await usage(w, 'alice', ex.id);
  assert.equal(u.tokens.in_flight, 0);
  assert.ok(u.tokens.used <= 400);
  settled(w);
});

test("provider windows share the provider's own limits; the provider's own 429 passes through with its Retry-After", async (t) => {
  const w = await setup(t, { agents: { alice: 100, bob: 100 }, up: { requests_per_minute: 2 }, llm: { rate_limits: { provider_share: 1 } } });
  const alice = w.run('alice', 10_000);
  const bob = w.run('bob', 10_000);
  const ask = (agent: string, id: string) => w.client(agent, id).chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 20 });
  await ask('alice', alice.id);
  await ask('bob', bob.id);
  const res = await w.api.request('POST', '/llm/v1/chat/completions', { token: agentToken(w.world, 'alice', alice.id), body: { model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }] } });
  assert.equal(res.status, 429, 'the provider window is shared by all agents');
  assert.equal(res.body.error.details.limit, 'provider up requests_per_minute');
  // Other providers are not held back by this one's window.
  await w.client('alice', alice.id).chat.completions.create({ model: 'offline-echo', messages: [{ role: 'user', content: 'Hi' }] });

  w.clock.advance(60_000);
  w.openaiUpstream.behaviour.fail_status = 429;
  const limited = await w.api.request('POST', '/llm/v1/chat/completions', { token: agentToken(w.world, 'bob', bob.id), body: { model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }] } });
  assert.equal(limited.status, 429);
  assertErrorShape(limited.body, 'RATE_LIMITED');
  assert.equal(limited.body.error.retry_after, 7, "the provider's Retry-After");
  assert.equal((await usage(w, 'bob', bob.id)).tokens.used, 30, 'nothing charged for the refused call');
  settled(w);
});

test('calls in flight per run are bounded; a model whose provider key is unset answers 503 and is listed unavailable', async (t) => {
  const w = await setup(t, { llm: { calls_in_flight_per_execution_max: 2 } });
  const ex = w.run('alice', 10_000);
  w.openaiUpstream.behaviour.delay_ms = 150;
  const client = w.client('alice', ex.id);
  const results = await Promise.allSettled([1, 2, 3].map(() => client.chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 10 })));
  assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? 200 : (r.reason as { status: number }).status)).sort(), [200, 200, 429]);

  delete process.env.AGORA_TEST_UNSET_KEY;
  const keyless = await llmWorld({ up: { api_key_env: 'AGORA_TEST_UNSET_KEY' } });
  t.after(() => keyless.close());
  const run = keyless.run('alice', 1000);
  const listed = await keyless.api.request('GET', '/llm/v1/models', { token: agentToken(keyless.world, 'alice', run.id) });
  assert.equal(listed.body.data.find((m: { id: string }) => m.id === 'fake-gpt').available, false);
  await assert.rejects(keyless.client('alice', run.id).chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }] }), { status: 503 });
  assert.equal(keyless.openaiUpstream.requests.length, 0);
  settled(w);
});

test('a lease won while running adds its tokens to the run; a new run starts from its own bundle', async (t) => {
  const w = await setup(t);
  const ex = w.run('alice', 100);
  w.world.kernel.executions.extendLease(
    { execution_id: ex.id, bid_id: 'next', cycle: 1, bundle: { cpu_ms: 1000, memory_mb: 64, tokens: 250, attention: 0, duration_s: 600 }, lease_ends_at_ms: ex.lease_ends_at_ms + 600_000 },
    { actor: 'test' },
  );
  await w.client('alice', ex.id).chat.completions.create({ model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 200 });
  assert.ok(w.openaiUpstream.requests.at(-1)!.body.max_tokens === 200, 'the extension made room for the whole cap');
  const u = await usage(w, 'alice', ex.id);
  assert.deepEqual([u.tokens.bundled, u.tokens.used, u.tokens.left], [350, 30, 320]);
  w.world.kernel.executions.end(ex.id, { reason: 'exit', exit_code: 0, signal: null, cpu_ms: 1, memory_peak_mb: 1, wall_ms: 1, log_bytes: 0, log_truncated: false }, { actor: 'test' });
  const next = w.run('alice', 40);
  const fresh = await usage(w, 'alice', next.id);
  assert.deepEqual([fresh.tokens.bundled, fresh.tokens.used], [40, 0], 'unused tokens do not carry over');
  settled(w);
});
