// Bearer tokens over real HTTP: only a token this world signed, unexpired, for a living agent,
// is anyone. Each case is correctly shaped, so only the check it is about can refuse it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { TokenSigner } from '../src/identity/tokens.js';
import type { VirtualClock } from '../src/kernel/engine/clock.js';
import { assertErrorShape } from './support/assertions.js';
import { killBrokeAgent } from './support/social.js';
import { addAgent, makeWorld, serve } from './support/world.js';

const LIVE_EXECUTION = 'ex_live';

async function setup(t: { after(fn: () => unknown): void }) {
  const world = makeWorld();
  // One execution counts as running, so an execution token is refused only by its own check.
  const api = await serve(world, { executionIsLive: (id) => id === LIVE_EXECUTION });
  t.after(async () => {
    await api.close();
    world.cleanup();
  });
  addAgent(world, 'alice', 10);
  const clock = world.clock as VirtualClock;
  const balance = (token: string) => api.request('GET', '/economic/balance/alice', { token });
  return { world, api, clock, balance };
}

/** The token with its signature replaced by `signature` (same alphabet, same length). */
function withSignature(token: string, signature: string): string {
  const [prefix, payload] = token.split('.');
  return `${prefix}.${payload}.${signature}`;
}

test('a correctly shaped token with a wrong signature is 401, for a development token and for a live execution\'s', async (t) => {
  const { world, balance } = await setup(t);
  const expires_world_ms = world.clock.now_ms() + 3_600_000;
  for (const execution_id of [null, LIVE_EXECUTION]) {
    const good = world.signer.mint({ agent_id: 'alice', execution_id, expires_world_ms });
    assert.equal((await balance(good)).status, 200, 'the well-signed token works');
    // The signature of another payload this same world signed: valid HMAC, wrong message.
    const other = world.signer.mint({ agent_id: 'genesis', execution_id, expires_world_ms });
    const borrowed = withSignature(good, other.split('.')[2]!);
    // One character of the right signature changed.
    const sig = good.split('.')[2]!;
    const flipped = withSignature(good, (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    for (const forged of [borrowed, flipped]) {
      const res = await balance(forged);
      assert.equal(res.status, 401, `a forged ${execution_id === null ? 'development' : 'execution'} token is refused`);
      assertErrorShape(res.body, 'UNAUTHENTICATED');
    }
  }
});

test("a token signed with another world's key is 401", async (t) => {
  const { world, balance } = await setup(t);
  const elsewhere = new TokenSigner(randomBytes(32).toString('hex'), { verified_entries_max: 10_000 });
  for (const execution_id of [null, LIVE_EXECUTION]) {
    const foreign = elsewhere.mint({ agent_id: 'alice', execution_id, expires_world_ms: world.clock.now_ms() + 3_600_000 });
    const res = await balance(foreign);
    assert.equal(res.status, 401);
    assertErrorShape(res.body, 'UNAUTHENTICATED');
  }
});

test('an expired token is 401, whether the API has seen it before or not', async (t) => {
  const { world, clock, balance } = await setup(t);
  const stale = world.signer.mint({ agent_id: 'alice', execution_id: null, expires_world_ms: world.clock.now_ms() - 1 });
  const never_seen = await balance(stale);
  assert.equal(never_seen.status, 401);
  assertErrorShape(never_seen.body, 'UNAUTHENTICATED');

  // A token used while valid is remembered as verified; it must still die at its expiry.
  const short = world.signer.mint({ agent_id: 'alice', execution_id: null, expires_world_ms: world.clock.now_ms() + 1_000 });
  assert.equal((await balance(short)).status, 200);
  clock.advance(1_000);
  const remembered = await balance(short);
  assert.equal(remembered.status, 401, 'a token is dead at its expiry even after it was verified once');
  assertErrorShape(remembered.body, 'UNAUTHENTICATED');
});

test("a dead agent's token is refused, though well signed and unexpired", async (t) => {
  const { world, api } = await setup(t);
  addAgent(world, 'ghost', 0);
  const token = world.signer.mint({ agent_id: 'ghost', execution_id: null, expires_world_ms: world.clock.now_ms() + 3_600_000 });
  assert.equal((await api.request('GET', '/economic/balance/alice', { token })).status, 200, 'alive, the token works');
  killBrokeAgent(world, 'ghost');
  const res = await api.request('GET', '/economic/balance/alice', { token });
  assert.equal(res.status, 403);
  assertErrorShape(res.body, 'ACCESS_DENIED');
  assert.match(res.body.error.message, /dead/);
});
