// Call tokens over real HTTP: a token identifies one artifact call (payer, depth, budget), never
// its payer. It reaches only the routes artifact code may use, only while its call runs, and
// only if this world signed it for calls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallClaims } from '../src/identity/call-tokens.js';
import type { InvocationService } from '../src/kernel/artifacts/invocation-service.js';
import { assertErrorShape } from './support/assertions.js';
import { addAgent, agentToken, makeWorld, serve } from './support/world.js';

async function setup(t: { after(fn: () => unknown): void }) {
  const world = makeWorld();
  const live = new Set<string>();
  // The call registry and the invocation service, standing in for the invoker: this file is
  // about who the API says a call is, and what it hands on.
  const invocation: InvocationService = { invoke: async (request) => ({ ok: true, call_id: 'call_2', output: request.caller, price_ucr: 0, resources_ucr: 0 }) };
  Object.assign(world, { calls: { isLive: (id: string) => live.has(id) }, invocation });
  const api = await serve(world);
  t.after(async () => {
    await api.close();
    world.cleanup();
  });
  addAgent(world, 'payer', 10);
  addAgent(world, 'owner', 10);
  const claims: CallClaims = { call_id: 'call_1', payer_id: 'payer', depth: 1, budget_ucr: 1_000_000, artifact_id: 'art_1', version: 1 };
  const token = world.signer.calls.mint(claims, world.clock.now_ms() + 3_600_000);
  live.add(claims.call_id);
  return { world, api, live, claims, token };
}

test("a live call's token is refused on every route that would act as its payer, and each refusal is the one error shape", async (t) => {
  const { world, api, token } = await setup(t);
  const before = world.kernel.ledger.balance('payer');
  const attempts: [string, string, unknown][] = [
    ['GET', '/economic/balance/payer', undefined],
    ['GET', '/economic/history', undefined],
    ['POST', '/economic/transfer', { to: 'owner', amount: 1 }],
    ['POST', '/market/bid', { bundle: { cpu_seconds: 1 }, amount: 1 }],
    ['POST', '/social/message', { to: 'owner', content: 'x' }],
    ['GET', '/social/inbox', undefined],
    ['GET', '/operator/summary', undefined],
  ];
  for (const [method, path, body] of attempts) {
    const res = await api.request(method, path, { token, body });
    assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.body)}`);
    assertErrorShape(res.body, 'ACCESS_DENIED');
  }
  assert.equal(world.kernel.ledger.balance('payer'), before);
});

test('a call token reaches the invoke route (the one route artifact code calls), and a body naming a payer is refused there', async (t) => {
  const { api, token, claims } = await setup(t);
  const res = await api.request('POST', '/artifacts/art_2/invoke', { token, body: { tool: 't', args: {}, max_price: 0 } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body.output, { call_token_claims: claims }, 'the invoker is told the call, with its own payer and depth');
  const named = await api.request('GET', '/health?payer_id=owner', { token });
  assert.equal(named.status, 403, 'a call names no one, not even in a query');
  assertErrorShape(named.body, 'ACCESS_DENIED');
});

test("a call token dies with its call, and only a token this world signed for calls is one", async (t) => {
  const { world, api, live, claims, token } = await setup(t);
  const probe = (tok: string) => api.request('POST', '/artifacts/art_2/invoke', { token: tok, body: { tool: 't', args: {}, max_price: 0 } });
  live.delete(claims.call_id);
  const ended = await probe(token);
  assert.equal(ended.status, 401);
  assertErrorShape(ended.body, 'UNAUTHENTICATED');
  live.add(claims.call_id);
  // An agent token's payload and signature under the call prefix: signed with another key.
  const [, payload, signature] = agentToken(world, 'payer').split('.');
  assert.equal((await probe(`call.${payload}.${signature}`)).status, 401);
  // A call token with a payer swapped in, signature kept.
  const [, call_payload, call_signature] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(call_payload!, 'base64url').toString()), p: 'owner' })).toString('base64url');
  assert.equal((await probe(`call.${forged}.${call_signature}`)).status, 401);
  // And the well-signed one again: still good.
  assert.equal((await probe(token)).status, 200);
});
