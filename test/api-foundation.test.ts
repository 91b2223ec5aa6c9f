// The API skeleton over real HTTP: health, OpenAPI, identity, the one error shape, limits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addAgent, agentToken, servedWorld } from './support/world.js';
import { assertAuditPasses, assertConserved, assertErrorShape } from './support/assertions.js';
import { STORES } from './support/postgres.js';

const setup = servedWorld;

test('health and OpenAPI are served; /docs is browsable', async (t) => {
  const { api, world } = await setup(t);
  const health = await api.request('GET', '/health');
  assert.equal(health.status, 200);
  assert.equal(health.body.status, 'ok');
  assert.equal(health.body.world_id, world.kernel.worldId());
  const spec = await api.request('GET', '/openapi.json');
  assert.equal(spec.status, 200);
  assert.ok(spec.body.paths['/economic/transfer'].post, 'transfer is documented');
  assert.ok(spec.body.paths['/economic/balance/{agent_id}'].get, 'balance is documented');
  const docs = await fetch(`${api.url}/docs/`);
  assert.equal(docs.status, 200);
  assert.match(await docs.text(), /swagger/i);
});

test('no token is 401, a forged token is 401, unknown routes are 404, all in the one shape', async (t) => {
  const { api } = await setup(t);
  const none = await api.request('GET', '/economic/balance/genesis');
  assert.equal(none.status, 401);
  assertErrorShape(none.body, 'UNAUTHENTICATED');
  const forged = await api.request('GET', '/economic/balance/genesis', { token: 'agt.eyJhIjoiZ2VuZXNpcyJ9.AAAA' });
  assert.equal(forged.status, 401);
  assertErrorShape(forged.body, 'UNAUTHENTICATED');
  const missing = await api.request('GET', '/nowhere');
  assert.equal(missing.status, 404);
  assertErrorShape(missing.body, 'NOT_FOUND');
});

test("another agent's token cannot move this agent's credits; a body from_id naming another is 403", async (t) => {
  const { api, world } = await setup(t);
  addAgent(world, 'alice', 100);
  addAgent(world, 'mallory', 0);
  const mallory = agentToken(world, 'mallory');
  // With her own token Mallory can only spend her own (empty) balance.
  const own = await api.request('POST', '/economic/transfer', { token: mallory, body: { to_id: 'mallory', amount: 5 } });
  assert.equal(own.status, 400);
  const broke = await api.request('POST', '/economic/transfer', { token: mallory, body: { to_id: 'alice', amount: 5 } });
  assert.equal(broke.status, 402);
  assertErrorShape(broke.body, 'INSUFFICIENT_FUNDS');
  const spoof = await api.request('POST', '/economic/transfer', { token: mallory, body: { from_id: 'alice', to_id: 'mallory', amount: 5 } });
  assert.equal(spoof.status, 403);
  assertErrorShape(spoof.body, 'ACCESS_DENIED');
  const history = await api.request('GET', '/economic/history?agent_id=alice', { token: mallory });
  assert.equal(history.status, 403);
  assert.equal(world.kernel.ledger.agentBalance('alice'), 100_000_000);
  assert.equal(world.kernel.ledger.agentBalance('mallory'), 0);
});

test('an agent token cannot be used on operator routes and the operator token works there', async (t) => {
  const { api, world } = await setup(t);
  const operatorHistory = await api.request('GET', '/economic/history?agent_id=genesis', { token: world.operator_token });
  assert.equal(operatorHistory.status, 200);
  assert.equal(operatorHistory.body.items[0].kind, 'grant');
  const operatorTransfer = await api.request('POST', '/economic/transfer', { token: world.operator_token, body: { to_id: 'genesis', amount: 1 } });
  assert.equal(operatorTransfer.status, 403, 'the operator has no account to pay from');
});

test('transfers are exact and history pages backwards', async (t) => {
  const { api, world } = await setup(t);
  addAgent(world, 'alice', 10);
  addAgent(world, 'bob', 0);
  const alice = agentToken(world, 'alice');
  for (const amount of [0.1, 0.2, '0.000001', 1]) {
    const res = await api.request('POST', '/economic/transfer', { token: alice, body: { to_id: 'bob', amount, memo: 'm' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  const bob = await api.request('GET', '/economic/balance/bob', { token: alice });
  // Another agent's balance is one sum: its escrow is private (it would give sealed bid amounts).
  assert.deepEqual(bob.body, { agent_id: 'bob', balance: 1.300001, credits: 1.300001, escrow: null });
  const page1 = await api.request('GET', '/economic/history?limit=3', { token: alice });
  assert.equal(page1.body.items.length, 3);
  assert.equal(page1.body.items[0].amount, 1);
  const page2 = await api.request('GET', `/economic/history?limit=3&before=${page1.body.next_before}`, { token: alice });
  assert.deepEqual(page2.body.items.map((p: { kind: string }) => p.kind), ['transfer', 'grant']);
  assert.equal(page2.body.next_before, null);
  assertConserved(world);
  assertAuditPasses(world);
});

test('bad input gets INVALID_ARGS, malformed JSON 400, oversized bodies 413, and nothing is written', async (t) => {
  const { api, world } = await setup(t, { server: { body_limit_bytes: 2048 } });
  addAgent(world, 'alice', 10);
  addAgent(world, 'bob', 0);
  const alice = agentToken(world, 'alice');
  const seqBefore = (await api.request('GET', '/health')).body.seq;
  for (const amount of [-1, 0, 1.0000001, '1e5', 'ten', null]) {
    const res = await api.request('POST', '/economic/transfer', { token: alice, body: { to_id: 'bob', amount } });
    assert.equal(res.status, 400, `amount ${String(amount)}`);
    assertErrorShape(res.body, 'INVALID_ARGS');
  }
  const malformed = await api.request('POST', '/economic/transfer', { token: alice, raw: '{"to_id": "bob", "amount": ' });
  assert.equal(malformed.status, 400);
  assertErrorShape(malformed.body, 'INVALID_ARGS');
  const unknownField = await api.request('POST', '/economic/transfer', { token: alice, body: { to_id: 'bob', amount: 1, extra: true } });
  assert.equal(unknownField.status, 400);
  const big = await api.request('POST', '/economic/transfer', { token: alice, body: { to_id: 'bob', amount: 1, memo: 'x'.repeat(4000) } });
  assert.equal(big.status, 413);
  assertErrorShape(big.body, 'PAYLOAD_TOO_LARGE');
  assert.equal((await api.request('GET', '/health')).body.seq, seqBefore, 'no event was written');
  assert.doesNotMatch(JSON.stringify(malformed.body), /at .*\.ts:\d+/, 'no stack trace leaks');
});

for (const store of STORES) test(`200 parallel transfers from one agent whose balance covers 50: exactly 50 succeed and the balance ends at zero (${store.name})`, { skip: store.skip }, async (t) => {
  const { api, world } = await setup(t, store.config());
  addAgent(world, 'payer', 50);
  addAgent(world, 'payee', 0);
  const token = agentToken(world, 'payer');
  const results = await Promise.all(
    Array.from({ length: 200 }, () => api.request('POST', '/economic/transfer', { token, body: { to_id: 'payee', amount: 1 } })),
  );
  const ok = results.filter((r) => r.status === 200).length;
  const refused = results.filter((r) => r.status === 402 && r.body.error.code === 'INSUFFICIENT_FUNDS').length;
  assert.equal(ok, 50);
  assert.equal(refused, 150);
  assert.equal(world.kernel.ledger.agentBalance('payer'), 0);
  assert.equal(world.kernel.ledger.agentBalance('payee'), 50_000_000);
  assertConserved(world);
  assertAuditPasses(world);
});

test('GET /config shows the public config and hides store and log settings', async (t) => {
  const { api, world } = await setup(t);
  const res = await api.request('GET', '/config', { token: agentToken(world, 'genesis') });
  assert.equal(res.status, 200);
  assert.equal(res.body.agents.genesis_credits, world.config.agents.genesis_credits);
  assert.equal(res.body.store, undefined);
});
