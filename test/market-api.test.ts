// The market over real HTTP: bids, withdrawals, identity rules, the one error shape, and the
// public views (prices, state, order book, history).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VirtualClock } from '../src/kernel/engine/clock.js';
import { assertAuditPasses, assertConserved, assertErrorShape } from './support/assertions.js';
import { addAgent, agentToken, servedWorld } from './support/world.js';

const plain = { cpu: 1, memory: 64, duration_s: 10 };

async function setup(t: import('node:test').TestContext, config = {}) {
  const { world, api } = await servedWorld(t, config);
  for (const id of ['alice', 'bob']) addAgent(world, id, 100);
  return { world, api, alice: agentToken(world, 'alice'), bob: agentToken(world, 'bob'), operator: world.operator_token };
}

test('POST /market/bid escrows the amount and DELETE refunds it; only the payer may withdraw', async (t) => {
  const { world, api, alice, bob } = await setup(t);
  const placed = await api.request('POST', '/market/bid', { token: alice, body: { amount: '2.5', bundle: { ...plain, tokens: 1000 } } });
  assert.equal(placed.status, 200, JSON.stringify(placed.body));
  assert.equal(placed.body.payer_id, 'alice');
  assert.equal(placed.body.agent_id, 'alice');
  assert.equal(placed.body.amount, 2.5);
  assert.deepEqual(placed.body.bundle, { cpu: 1, memory: 64, tokens: 1000, attention: 0, duration_s: 10 });
  assert.equal(placed.body.reserve, 0.264);
  const balance = await api.request('GET', '/economic/balance/alice', { token: alice });
  assert.deepEqual([balance.body.balance, balance.body.escrow], [97.5, 2.5]);

  const id = placed.body.bid_id as string;
  const stolen = await api.request('DELETE', `/market/bid/${id}`, { token: bob });
  assert.equal(stolen.status, 403);
  assertErrorShape(stolen.body, 'ACCESS_DENIED');
  const unknown = await api.request('DELETE', '/market/bid/bid_nosuchthing', { token: alice });
  assert.equal(unknown.status, 404);
  assertErrorShape(unknown.body, 'NOT_FOUND');

  const withdrawn = await api.request('DELETE', `/market/bid/${id}`, { token: alice });
  assert.equal(withdrawn.status, 200);
  assert.equal(withdrawn.body.status, 'withdrawn');
  assert.equal(withdrawn.body.refund, 2.5);
  const again = await api.request('DELETE', `/market/bid/${id}`, { token: alice });
  assert.equal(again.status, 409);
  assertErrorShape(again.body, 'CONFLICT');
  const after = await api.request('GET', '/economic/balance/alice', { token: alice });
  assert.deepEqual([after.body.balance, after.body.escrow], [100, 0]);
  assertConserved(world);
  assertAuditPasses(world);
});

test('identity: a body agent_id naming another is 403, naming yourself is fine, for_agent pays for another', async (t) => {
  const { api, alice, operator } = await setup(t);
  const forged = await api.request('POST', '/market/bid', { token: alice, body: { amount: 1, bundle: plain, agent_id: 'bob' } });
  assert.equal(forged.status, 403);
  assertErrorShape(forged.body, 'ACCESS_DENIED');
  const self = await api.request('POST', '/market/bid', { token: alice, body: { amount: 1, bundle: plain, agent_id: 'alice' } });
  assert.equal(self.status, 200);
  const gift = await api.request('POST', '/market/bid', { token: alice, body: { amount: 1, bundle: plain, for_agent: 'bob' } });
  assert.equal(gift.status, 200);
  assert.deepEqual([gift.body.payer_id, gift.body.agent_id], ['alice', 'bob']);
  const nobody = await api.request('POST', '/market/bid', { token: alice, body: { amount: 1, bundle: plain, for_agent: 'nobody' } });
  assertErrorShape(nobody.body, 'NOT_FOUND');
  const anonymous = await api.request('POST', '/market/bid', { body: { amount: 1, bundle: plain } });
  assert.equal(anonymous.status, 401);
  assertErrorShape(anonymous.body, 'UNAUTHENTICATED');
  const fromOperator = await api.request('POST', '/market/bid', { token: operator, body: { amount: 1, bundle: plain } });
  assert.equal(fromOperator.status, 403, 'the operator has no account to pay from');
});

test('bad bids are INVALID_ARGS (or INSUFFICIENT_FUNDS) in the one error shape, and move nothing', async (t) => {
  const { world, api, alice } = await setup(t);
  const bad: [string, unknown][] = [
    ['negative memory', { amount: 1, bundle: { ...plain, memory: -1 } }],
    ['negative cpu', { amount: 1, bundle: { ...plain, cpu: -1 } }],
    ['zero cpu', { amount: 1, bundle: { ...plain, cpu: 0 } }],
    ['cpu over the bundle limit', { amount: 1, bundle: { ...plain, cpu: 100 } }],
    ['memory over the bundle limit', { amount: 1, bundle: { ...plain, memory: 1_000_000 } }],
    ['tokens over the supply', { amount: 1, bundle: { ...plain, tokens: 10_000_000 } }],
    ['two attention slots', { amount: 1, bundle: { ...plain, attention: 2 } }],
    ['duration over the limit', { amount: 1, bundle: { ...plain, duration_s: 100_000 } }],
    ['cpu with too many decimals', { amount: 1, bundle: { ...plain, cpu: 0.0001 } }],
    ['fractional memory', { amount: 1, bundle: { ...plain, memory: 1.5 } }],
    ['amount with too many decimals', { amount: 0.0000001, bundle: plain }],
    ['negative amount', { amount: -1, bundle: plain }],
    ['zero amount', { amount: 0, bundle: plain }],
    ['amount not a number', { amount: 'lots', bundle: plain }],
    ['missing bundle', { amount: 1 }],
    ['missing duration', { amount: 1, bundle: { cpu: 1, memory: 64 } }],
    ['unknown bundle field', { amount: 1, bundle: { ...plain, gpu: 1 } }],
    ['ttl zero', { amount: 1, bundle: plain, ttl_cycles: 0 }],
    ['ttl fractional', { amount: 1, bundle: plain, ttl_cycles: 1.5 }],
  ];
  for (const [why, body] of bad) {
    const res = await api.request('POST', '/market/bid', { token: alice, body });
    assert.equal(res.status, 400, `${why}: ${JSON.stringify(res.body)}`);
    assertErrorShape(res.body, 'INVALID_ARGS');
  }
  // JSON cannot say Infinity; 1e999 parses to it and must be refused.
  const infinite = await api.request('POST', '/market/bid', { token: alice, raw: '{"amount": 1, "bundle": {"cpu": 1e999, "memory": 64, "duration_s": 10}}' });
  assert.equal(infinite.status, 400);
  assertErrorShape(infinite.body, 'INVALID_ARGS');
  const broke = await api.request('POST', '/market/bid', { token: alice, body: { amount: 100.000001, bundle: plain } });
  assert.equal(broke.status, 402);
  assertErrorShape(broke.body, 'INSUFFICIENT_FUNDS');
  assert.equal(world.kernel.market.state().open_bids, 0);
  assert.equal(world.kernel.ledger.agentBalance('alice'), 100_000_000);
});

test('market views: prices, state, a paginated order book with sealed attention bids, history', async (t) => {
  const { world, api, alice, bob, operator } = await setup(t);
  for (let i = 0; i < 5; i++) addAgent(world, `c${i}`, 10);

  const prices = await api.request('GET', '/market/prices', { token: bob });
  assert.deepEqual(prices.body, { cpu: 0.1, memory: 0.001, tokens: 0.0001, attention: 5, memory_mb: 0.001 });

  const sealed = await api.request('POST', '/market/bid', { token: alice, body: { amount: 9, bundle: { ...plain, attention: 1 } } });
  assert.equal(sealed.status, 200);
  for (let i = 0; i < 5; i++) {
    const res = await api.request('POST', '/market/bid', { token: agentToken(world, `c${i}`), body: { amount: 1 + i, bundle: plain } });
    assert.equal(res.status, 200);
  }
  const page1 = await api.request('GET', '/market/bids?limit=4', { token: bob });
  assert.equal(page1.status, 200);
  assert.equal(page1.body.total, 6);
  assert.deepEqual(page1.body.items.map((e: { payer_id: string }) => e.payer_id), ['c4', 'c3', 'c2', 'c1'], 'best score first');
  assert.equal(page1.body.next_offset, 4);
  const page2 = await api.request('GET', `/market/bids?limit=4&offset=${page1.body.next_offset}`, { token: bob });
  assert.deepEqual(page2.body.items.map((e: { payer_id: string }) => e.payer_id), ['c0', 'alice']);
  assert.equal(page2.body.next_offset, null);
  const hidden = page2.body.items[1];
  assert.equal(hidden.sealed, true);
  assert.equal(hidden.amount, null, 'sealed from other agents');
  assert.equal(hidden.score, null);
  const own = await api.request('GET', `/market/bid/${sealed.body.bid_id}`, { token: alice });
  assert.equal(own.body.amount, 9, 'its payer sees it');
  const operatorView = await api.request('GET', `/market/bid/${sealed.body.bid_id}`, { token: operator });
  assert.equal(operatorView.body.amount, 9, 'the operator sees it');
  const mine = await api.request('GET', '/market/bids/mine', { token: alice });
  assert.deepEqual(mine.body.items.map((b: { bid_id: string }) => b.bid_id), [sealed.body.bid_id]);

  (world.clock as VirtualClock).advance(10_000);
  world.kernel.market.clear({ actor: 'system:market' });
  const state = await api.request('GET', '/market/state', { token: bob });
  assert.equal(state.status, 200);
  assert.equal(state.body.cycle, 1);
  assert.equal(state.body.clearing_interval_s, 10);
  assert.deepEqual(Object.keys(state.body.resources), ['cpu', 'memory', 'tokens', 'attention']);
  assert.deepEqual(state.body.resources.cpu, { unit: 'CPU-second', price: state.body.resources.cpu.price, supply: 16, demand: 6, allocated: 6, held: 0, utilization: 6 / 16 });
  assert.equal(state.body.resources.attention.utilization, 1);

  const history = await api.request('GET', '/market/history', { token: bob });
  assert.equal(history.status, 200);
  assert.equal(history.body.clearings.length, 1);
  assert.equal(history.body.clearings[0].won, 6);
  assert.equal(history.body.trades.length, 6);
  const trade = history.body.trades.find((b: { bid_id: string }) => b.bid_id === sealed.body.bid_id);
  assert.equal(trade.rule, 'second_price');
  assert.equal(trade.amount, null, 'a sealed amount stays sealed after the auction');
  assert.deepEqual(history.body.prices.cpu.map((p: { cycle: number }) => p.cycle), [1, 0]);
  const bounded = await api.request('GET', '/market/history?trades=100000', { token: bob });
  assertErrorShape(bounded.body, 'INVALID_ARGS');
  const anonymous = await api.request('GET', '/market/prices');
  assert.equal(anonymous.status, 401);
  assertAuditPasses(world);
});

test('GET /market/history returns the last market.history_trades_default transactions by default', async (t) => {
  const { world, api, bob } = await setup(t, { market: { history_trades_default: 3 } });
  for (let i = 0; i < 5; i++) {
    addAgent(world, `c${i}`, 10);
    world.kernel.market.placeBid({ payer_id: `c${i}`, amount_ucr: 1_000_000, bundle: { cpu_ms: 1000, memory_mb: 64, tokens: 0, attention: 0, duration_s: 10 } }, { actor: `c${i}` });
  }
  world.kernel.market.clear({ actor: 'system:market' });
  const history = await api.request('GET', '/market/history', { token: bob });
  assert.equal(history.body.trades.length, 3);
});
