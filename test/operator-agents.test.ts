// The operator's own agents without a running loop: the operator route adds them (an agent's
// token is 403 and writes nothing), funded by a grant minted from system:mint with a first
// bid, in places of their own; pause, resume and kill do what they say; the KPIs are recorded
// per cycle and served at GET /operator/kpis; the journal audits and conserves throughout.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { assertAuditPasses, assertConserved, assertErrorShape } from './support/assertions.js';
import { bundle, credits } from './support/market.js';
import { addAgent, agentToken, servedWorld } from './support/world.js';

const PY = resolve('test/fixtures/agents/py-hello');
const JS = resolve('test/fixtures/agents/js-hello');

test('the operator route adds agents; an agent token is 403 and writes nothing', async (t) => {
  const { world, api } = await servedWorld(t, { social: { population_max: 1 }, operator_agents: { places_max: 2 } });
  const k = world.kernel;
  const seq_before = k.journal.lastSeq();
  const refused = await api.request('POST', '/operator/agents/add', { token: agentToken(world, 'genesis'), body: { dir: JS, name: 'intruder' } });
  assert.equal(refused.status, 403);
  assertErrorShape(refused.body, 'ACCESS_DENIED');
  assert.equal(k.journal.lastSeq(), seq_before, 'a refused add writes nothing');
  assert.equal(k.agents.get('intruder'), null);

  const added = await api.request('POST', '/operator/agents/add', { token: world.operator_token, body: { dir: PY, name: 'py', credits: 30 } });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const py = k.agents.require('py');
  assert.deepEqual([py.generation, py.parent_id, py.status], [0, null, 'alive']);
  assert.equal(py.balance_ucr + py.escrow_ucr, credits(30), 'granted exactly its credits');
  assert.equal(k.market.bidsOf('py', { open_only: true, limit: 10 }).length, 1, 'born with a first bid');
  assert.equal(k.operatorAgents.isOperatorAgent('py'), true);
  assertConserved(world);

  // genesis holds social.population_max; the operator's places are its own, two of them.
  assert.equal((await api.request('POST', '/operator/agents/add', { token: world.operator_token, body: { dir: JS, name: 'js' } })).status, 201);
  const third = await api.request('POST', '/operator/agents/add', { token: world.operator_token, body: { dir: JS, name: 'js-3' } });
  assert.equal(third.status, 503);
  assertErrorShape(third.body, 'UNAVAILABLE');
  assert.equal(k.agents.get('js-3'), null);
  assert.equal(world.workspaces.exists('workspaces/js-3'), false, 'a refused add leaves no workspace');

  const not_a_project = await api.request('POST', '/operator/agents/add', { token: world.operator_token, body: { dir: resolve('docs'), name: 'docs' } });
  assert.equal(not_a_project.status, 400);
  assert.match(not_a_project.body.error.message, /not an agent project/);
  assertAuditPasses(world);
});

test('operator agents do not take the places of genesis\'s children', async (t) => {
  const { world } = await servedWorld(t, { social: { population_max: 2 } });
  await world.addAgents({ dir: JS, name: 'mine' }, { actor: 'operator' });
  // genesis plus one child fill social.population_max = 2; the operator agent is not counted.
  assert.doesNotThrow(() => world.kernel.social.checkSpawn({ parent_id: 'genesis', initial_ucr: credits(10), note: '' }));
});

test('pause withdraws and refuses bids and keeps the lifecycle away; resume bids again; kill burns and ends', async (t) => {
  const { world, api } = await servedWorld(t);
  const k = world.kernel;
  await world.addAgents({ dir: JS, name: 'subject', credits: 50 }, { actor: 'operator' });
  addAgent(world, 'friend', 50);
  k.market.placeBid({ payer_id: 'friend', for_agent: 'subject', amount_ucr: credits(1), bundle: bundle({ cpu_s: 0.5, memory_mb: 64, duration_s: 5 }) }, { actor: 'friend' });
  const paused = await api.request('POST', '/operator/agents/subject/pause', { token: world.operator_token });
  assert.equal(paused.status, 200);
  assert.equal(paused.body.paused, true);
  assert.equal(k.market.openBidsFor('subject'), 0, 'its bids, and those others placed for it, were withdrawn');
  const subject = k.agents.require('subject');
  assert.equal(subject.escrow_ucr, 0);
  assert.equal(subject.balance_ucr, credits(50), 'refunded in full');
  assert.throws(() => k.market.placeBid({ payer_id: 'friend', for_agent: 'subject', amount_ucr: credits(1), bundle: bundle({ cpu_s: 0.5, memory_mb: 64, duration_s: 5 }) }, { actor: 'friend' }), /paused/);
  for (let cycle = 1; cycle <= 10; cycle++) {
    k.market.clear({ actor: 'system:loop' });
    // Too poor for any bundle at these prices: an agent not paused would sleep, then die.
    k.lifecycle.review({ cycle, min_bundle_cost_ucr: credits(1000), death_after_cycles: 1 });
  }
  assert.equal(k.agents.require('subject').status, 'alive', 'a paused agent does not go dormant or die');
  assert.equal((await api.request('POST', '/operator/agents/subject/pause', { token: world.operator_token })).status, 409);

  const resumed = await api.request('POST', '/operator/agents/subject/resume', { token: world.operator_token });
  assert.equal(resumed.status, 200);
  assert.equal(resumed.body.paused, false);
  assert.equal(k.market.openBidsFor('subject'), 1, 'resumed with a bid for its next run');

  const killed = await api.request('POST', '/operator/agents/subject/kill', { token: world.operator_token });
  assert.deepEqual(killed.body, { agent_id: 'subject', status: 'dead', paused: false, balance: 0, generation: 0 });
  assert.equal(k.market.openBidsFor('subject'), 0);
  assert.equal((await api.request('POST', '/operator/agents/subject/kill', { token: world.operator_token })).status, 410);
  assert.equal((await api.request('POST', '/operator/agents/subject/pause', { token: agentToken(world, 'friend') })).status, 403);
  assertConserved(world);
  assertAuditPasses(world);
});

test('the KPIs are recorded once per cycle from the journal and served at GET /operator/kpis', async (t) => {
  const { world, api } = await servedWorld(t);
  const k = world.kernel;
  addAgent(world, 'payer', 40);
  for (let cycle = 1; cycle <= 3; cycle++) {
    const { cycle: cleared } = k.market.clear({ actor: 'system:loop' });
    if (cycle === 2) k.ledger.transfer({ from_id: 'payer', to_id: 'genesis', amount_ucr: credits(4), memo: 'x' }, { actor: 'payer' });
    k.kpis.record(cleared);
    assert.equal(k.kpis.record(cleared), null, 'once per cycle');
  }
  const res = await api.request('GET', '/operator/kpis', { token: world.operator_token });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.cycle, [1, 2, 3]);
  assert.deepEqual(res.body.series.agent_transfer_credits, [0, 4, 0], 'the transfer counts in its own cycle only');
  assert.deepEqual(res.body.definitions.map((d: { name: string }) => d.name), k.kpis.definitions.map((d) => d.name));
  assert.equal((await api.request('GET', '/operator/kpis', { token: agentToken(world, 'payer') })).status, 403);
  assertAuditPasses(world);
});
