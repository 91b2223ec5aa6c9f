// Capability requests (seed 003 gap 30) over HTTP: an agent asks, the operator approves with a
// scope, budget and expiry or denies with a reason; the agent hears both in its inbox; grants
// are enforced where they apply (the market's memory cap, a granted LLM model) and journaled.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { addAgent, agentToken, servedWorld } from './support/world.js';

async function setup(t: import('node:test').TestContext, config = {}) {
  const { world, api } = await servedWorld(t, config);
  addAgent(world, 'alice', 100);
  addAgent(world, 'bob', 100);
  const as = (agent: string, method: string, path: string, body?: unknown) => api.request(method, path, { token: agentToken(world, agent), body });
  const op = (method: string, path: string, body?: unknown) => api.request(method, path, { token: world.operator_token, body });
  return { world, api, as, op };
}

const bigBid = (memory: number) => ({ amount: 5, bundle: { cpu: 1, memory, tokens: 0, attention: 0, duration_s: 10 } });

test('a memory_mb grant lets its agent alone bid past the memory cap until it expires; a denial carries its reason', async (t) => {
  const { world, as, op } = await setup(t, { market: { bundle: { memory_mb_max: 512 }, resources: { memory: { supply_per_cycle: 4096 } } } });
  const refused = await as('alice', 'POST', '/market/bid', bigBid(2048));
  assert.equal(refused.status, 400, 'over the cap before any grant');

  const asked = await as('alice', 'POST', '/capabilities/request', { capability: 'memory_mb:2048', reason: 'a model of the market in memory', max_price: 3 });
  assert.equal(asked.status, 201, JSON.stringify(asked.body));
  assert.equal(asked.body.status, 'pending');
  const other = await as('alice', 'POST', '/capabilities/request', { capability: 'mcp:github', reason: 'read issues', agent_id: 'bob' });
  assert.equal(other.status, 403, 'a body naming another agent is refused');
  const queue = await op('GET', '/capabilities/requests?status=pending');
  assert.deepEqual(queue.body.items.map((r: { request_id: string }) => r.request_id), [asked.body.request_id]);
  assert.equal((await as('alice', 'GET', '/capabilities/requests')).status, 403, 'the queue is the operator\'s');

  const approved = await op('POST', '/capabilities/approve', { request_id: asked.body.request_id, expires_in_s: 60, note: 'go ahead' });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.deepEqual([approved.body.status, approved.body.scope, approved.body.active], ['approved', '2048', true]);
  assert.equal((await op('POST', '/capabilities/approve', { request_id: asked.body.request_id })).status, 409, 'answered once');

  assert.equal((await as('alice', 'POST', '/market/bid', bigBid(2048))).status, 200, 'the grant raises alice\'s cap');
  assert.equal((await as('bob', 'POST', '/market/bid', bigBid(2048))).status, 400, 'and no one else\'s');
  assert.equal((await as('alice', 'POST', '/market/bid', bigBid(4096))).status, 400, 'only up to its scope');

  (world.clock as import('../src/kernel/engine/clock.js').VirtualClock).advance(61_000);
  assert.equal((await as('alice', 'POST', '/market/bid', bigBid(2048))).status, 400, 'an expired grant is enforced no more');

  const second = await as('bob', 'POST', '/capabilities/request', { capability: 'packages:npm', reason: 'install lodash' });
  const emptyReason = await op('POST', '/capabilities/deny', { request_id: second.body.request_id, reason: ' ' });
  assert.equal(emptyReason.status, 400);
  const denied = await op('POST', '/capabilities/deny', { request_id: second.body.request_id, reason: 'no network in this world' });
  assert.deepEqual([denied.body.status, denied.body.answer], ['denied', 'no network in this world']);

  const aliceInbox = await as('alice', 'GET', '/social/inbox');
  assert.ok(aliceInbox.body.items.some((m: { from: string; content: string }) => m.from === 'operator' && m.content.includes('approved: memory_mb:2048') && m.content.includes('go ahead')), JSON.stringify(aliceInbox.body));
  const bobInbox = await as('bob', 'GET', '/social/inbox');
  assert.ok(bobInbox.body.items.some((m: { content: string }) => m.content.includes('denied: packages:npm: no network in this world')));
  const mine = await as('bob', 'GET', '/capabilities/mine');
  assert.deepEqual(mine.body.items.map((r: { status: string }) => r.status), ['denied']);
  const types = (world.db.prepare("SELECT type FROM events WHERE type LIKE 'capability_%' ORDER BY seq").all() as { type: string }[]).map((r) => r.type);
  assert.deepEqual(types, ['capability_requested', 'capability_approved', 'capability_requested', 'capability_denied']);
  assertConserved(world);
  assertAuditPasses(world);
});

test('a model behind a grant answers only an agent whose grant has budget left', async (t) => {
  const { world, api, as, op } = await setup(t, { capabilities: { granted_models: ['offline-echo'] } });
  const run = world.kernel.executions.start(
    { agent_id: 'alice', bid_id: 'test', cycle: 0, bundle: { cpu_ms: 1000, memory_mb: 64, tokens: 10_000, attention: 0, duration_s: 600 }, lease_ends_at_ms: world.clock.now_ms() + 600_000 },
    { actor: 'test' },
  );
  const token = agentToken(world, 'alice', run.id);
  const chat = () => api.request('POST', '/llm/v1/chat/completions', { token, body: { model: 'offline-echo', messages: [{ role: 'user', content: 'hello there' }], max_tokens: 20 } });
  const before = await chat();
  assert.equal(before.status, 403, JSON.stringify(before.body));
  assert.match(before.body.error.message, /needs the operator's grant/);

  const asked = await as('alice', 'POST', '/capabilities/request', { capability: 'llm_model:offline-echo', reason: 'think harder' });
  const bad = await op('POST', '/capabilities/approve', { request_id: asked.body.request_id, scope: 'no-such-model' });
  assert.equal(bad.status, 400, 'a model grant names a configured model');
  const approved = await op('POST', '/capabilities/approve', { request_id: asked.body.request_id, budget: 1 });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  const first = await chat();
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const spent = await chat();
  assert.equal(spent.status, 403, 'the budget (1 token) is used up by the first call');
  assert.match(spent.body.error.message, /whole budget/);
  assertConserved(world);
  assertAuditPasses(world);
});
