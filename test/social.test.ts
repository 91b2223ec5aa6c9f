// Messages, inboxes, read marks, broadcast, directory and profile over real HTTP.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertAuditPasses, assertConserved, assertErrorShape } from './support/assertions.js';
import { credits } from './support/market.js';
import { killBrokeAgent } from './support/social.js';
import { addAgent, agentToken, servedWorld } from './support/world.js';

const setup = servedWorld;

test('a message is charged to the sender (burned as a fee), lands in the inbox, and conservation holds', async (t) => {
  const { world, api } = await setup(t, { social: { message_cost: 0.25 } });
  addAgent(world, 'alice', 10);
  addAgent(world, 'bob', 1);
  const burned_before = world.kernel.ledger.conservation().burned_ucr;
  const sent = await api.request('POST', '/social/message', { token: agentToken(world, 'alice'), body: { to_id: 'bob', content: 'hello bob' } });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  assert.equal(sent.body.cost, 0.25);
  assert.equal(sent.body.balance, 9.75);
  assert.equal(world.kernel.ledger.agentBalance('alice'), credits(9.75));
  assert.equal(world.kernel.ledger.agentBalance('bob'), credits(1), 'receiving is free');
  assert.equal(world.kernel.ledger.conservation().burned_ucr - burned_before, credits(0.25));
  const fee = world.db.prepare("SELECT kind, to_id FROM postings WHERE from_id = 'alice'").get() as { kind: string; to_id: string };
  assert.deepEqual(fee, { kind: 'fee', to_id: 'system:burn' });
  assertConserved(world);

  const inbox = await api.request('GET', '/social/inbox', { token: agentToken(world, 'bob') });
  assert.equal(inbox.status, 200);
  assert.equal(inbox.body.unread, 1);
  assert.equal(inbox.body.items.length, 1);
  assert.deepEqual(
    { id: inbox.body.items[0].id, from: inbox.body.items[0].from, content: inbox.body.items[0].content, read: inbox.body.items[0].read },
    { id: sent.body.message_id, from: 'alice', content: 'hello bob', read: false },
  );
  const aliceInbox = await api.request('GET', '/social/inbox', { token: agentToken(world, 'alice') });
  assert.equal(aliceInbox.body.items.length, 0, 'an agent sees only its own inbox');
  assertAuditPasses(world);
});

test('read marks move forward only; unread_only and after_seq page the inbox', async (t) => {
  const { world, api } = await setup(t);
  addAgent(world, 'alice', 10);
  addAgent(world, 'bob', 1);
  const alice = agentToken(world, 'alice');
  const bob = agentToken(world, 'bob');
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await api.request('POST', '/social/message', { token: alice, body: { to_id: 'bob', content: `m${i}` } });
    ids.push(res.body.message_id);
  }
  const page1 = await api.request('GET', '/social/inbox?limit=2', { token: bob });
  assert.deepEqual(page1.body.items.map((m: { content: string }) => m.content), ['m0', 'm1']);
  const page2 = await api.request('GET', `/social/inbox?limit=2&after_seq=${page1.body.next_after_seq}`, { token: bob });
  assert.deepEqual(page2.body.items.map((m: { content: string }) => m.content), ['m2', 'm3']);

  const marked = await api.request('POST', '/social/inbox/read', { token: bob, body: { up_to_id: ids[2] } });
  assert.equal(marked.status, 200);
  assert.deepEqual(marked.body, { marked: 3, unread: 2 });
  const again = await api.request('POST', '/social/inbox/read', { token: bob, body: { up_to_id: ids[0] } });
  assert.deepEqual(again.body, { marked: 0, unread: 2 }, 'marking an older message read changes nothing');
  const unread = await api.request('GET', '/social/inbox?unread_only=true', { token: bob });
  assert.deepEqual(unread.body.items.map((m: { content: string }) => m.content), ['m3', 'm4']);
  const foreign = await api.request('POST', '/social/inbox/read', { token: alice, body: { up_to_id: ids[4] } });
  assert.equal(foreign.status, 404, "another agent's message id is not in your inbox");
  assertErrorShape(foreign.body, 'NOT_FOUND');
  assertAuditPasses(world);
});

test('env.json delivery hands over the oldest unread messages (bounded) and marks them read', async (t) => {
  const { world, api } = await setup(t, { social: { env_inbox_messages_max: 2 } });
  addAgent(world, 'alice', 10);
  addAgent(world, 'bob', 1);
  for (let i = 0; i < 3; i++) await api.request('POST', '/social/message', { token: agentToken(world, 'alice'), body: { to_id: 'bob', content: `m${i}` } });
  const first = world.kernel.social.deliverUnread('bob', { actor: 'test' });
  assert.deepEqual(first.map((m) => m.content), ['m0', 'm1']);
  const second = world.kernel.social.deliverUnread('bob', { actor: 'test' });
  assert.deepEqual(second.map((m) => m.content), ['m2']);
  assert.deepEqual(world.kernel.social.deliverUnread('bob', { actor: 'test' }), []);
  assert.equal(world.kernel.social.reads.summary('bob').unread, 0);
  assertAuditPasses(world);
});

test('a full inbox drops its oldest message with an event, never holding more than the limit', async (t) => {
  const { world, api } = await setup(t, { social: { inbox_messages_max: 3 } });
  addAgent(world, 'alice', 10);
  addAgent(world, 'bob', 1);
  for (let i = 0; i < 5; i++) await api.request('POST', '/social/message', { token: agentToken(world, 'alice'), body: { to_id: 'bob', content: `m${i}` } });
  const inbox = await api.request('GET', '/social/inbox', { token: agentToken(world, 'bob') });
  assert.deepEqual(inbox.body.items.map((m: { content: string }) => m.content), ['m2', 'm3', 'm4']);
  assert.equal(inbox.body.dropped, 2);
  const drops = world.db.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'messages_dropped'").get() as { n: number };
  assert.equal(drops.n, 2);
  assertAuditPasses(world);
});

test('broadcast reaches every other living agent (not the dead) at the higher cost', async (t) => {
  const { world, api } = await setup(t, { social: { message_cost: 0.01, broadcast_cost: 2 } });
  addAgent(world, 'alice', 10);
  addAgent(world, 'bob', 1);
  addAgent(world, 'carol', 1);
  addAgent(world, 'ghost', 0);
  killBrokeAgent(world, 'ghost');
  const sent = await api.request('POST', '/social/broadcast', { token: agentToken(world, 'alice'), body: { content: 'hello all' } });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  assert.equal(sent.body.recipients, 3, 'genesis, bob, carol');
  assert.equal(world.kernel.ledger.agentBalance('alice'), credits(8));
  for (const id of ['genesis', 'bob', 'carol']) assert.equal(world.kernel.social.reads.summary(id).unread, 1, id);
  assert.equal(world.kernel.social.reads.summary('ghost').messages, 0);
  assert.equal(world.kernel.social.reads.summary('alice').messages, 0, 'not to oneself');
  assertConserved(world);
  assertAuditPasses(world);
});

test('messages are refused when unaffordable, empty, too long, or addressed to nobody or the dead; nothing moves', async (t) => {
  const { world, api } = await setup(t, { social: { message_cost: 1, message_chars_max: 10 } });
  addAgent(world, 'alice', 0.5);
  addAgent(world, 'bob', 5);
  addAgent(world, 'ghost', 0);
  killBrokeAgent(world, 'ghost');
  const alice = agentToken(world, 'alice');
  const bob = agentToken(world, 'bob');
  const seq = () => (world.db.prepare('SELECT MAX(seq) AS s FROM events').get() as { s: number }).s;
  const before = seq();
  const cases: [string, unknown, number, string][] = [
    [alice, { to_id: 'bob', content: 'hi' }, 402, 'INSUFFICIENT_FUNDS'],
    [bob, { to_id: 'alice', content: '' }, 400, 'INVALID_ARGS'],
    [bob, { to_id: 'alice', content: 'x'.repeat(11) }, 400, 'INVALID_ARGS'],
    [bob, { to_id: 'nobody', content: 'hi' }, 404, 'NOT_FOUND'],
    [bob, { to_id: 'ghost', content: 'hi' }, 410, 'DELETED'],
  ];
  for (const [token, body, status, code] of cases) {
    const res = await api.request('POST', '/social/message', { token, body });
    assert.equal(res.status, status, JSON.stringify({ body, got: res.body }));
    assertErrorShape(res.body, code);
  }
  assert.equal(seq(), before, 'no refused message wrote an event');
  assert.equal(world.kernel.ledger.agentBalance('bob'), credits(5));
  const ok = await api.request('POST', '/social/message', { token: bob, body: { to_id: 'alice', content: 'x'.repeat(10) } });
  assert.equal(ok.status, 201, 'exactly the limit is fine');
});

test('a body from_id (or agent_id) naming another agent is 403 on every social route', async (t) => {
  const { world, api } = await setup(t);
  addAgent(world, 'alice', 100);
  addAgent(world, 'mallory', 100);
  const mallory = agentToken(world, 'mallory');
  const attempts: [string, string, unknown][] = [
    ['POST', '/social/message', { from_id: 'alice', to_id: 'mallory', content: 'hi' }],
    ['POST', '/social/broadcast', { from_id: 'alice', content: 'hi' }],
    ['PUT', '/social/profile', { agent_id: 'alice', description: 'I am mallory' }],
    ['POST', '/social/spawn', { from_id: 'alice', initial_credits: 10 }],
    ['GET', '/social/inbox?agent_id=alice', undefined],
  ];
  for (const [method, path, body] of attempts) {
    const res = await api.request(method, path, { token: mallory, body });
    assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.body)}`);
    assertErrorShape(res.body, 'ACCESS_DENIED');
  }
  assert.equal(world.kernel.ledger.agentBalance('alice'), credits(100));
  assert.equal(world.kernel.agents.require('alice').description, '');
  assert.equal(world.kernel.agents.counts().alive, 3, 'no child was spawned');
  const own = await api.request('POST', '/social/message', { token: mallory, body: { from_id: 'mallory', to_id: 'alice', content: 'hi' } });
  assert.equal(own.status, 201, 'naming yourself is fine');
});

test('the directory lists agents with status, generation, lineage, balance and the description set by PUT /social/profile', async (t) => {
  const { world, api } = await setup(t, { agents: { description_chars_max: 20 } });
  addAgent(world, 'alice', 12.5);
  addAgent(world, 'ghost', 0);
  killBrokeAgent(world, 'ghost');
  const alice = agentToken(world, 'alice');
  const set = await api.request('PUT', '/social/profile', { token: alice, body: { description: 'I sell haiku' } });
  assert.equal(set.status, 200);
  const tooLong = await api.request('PUT', '/social/profile', { token: alice, body: { description: 'x'.repeat(21) } });
  assert.equal(tooLong.status, 400);
  assertErrorShape(tooLong.body, 'INVALID_ARGS');

  const dir = await api.request('GET', '/social/directory', { token: alice });
  assert.equal(dir.status, 200);
  const byId = Object.fromEntries(dir.body.items.map((a: { agent_id: string }) => [a.agent_id, a]));
  assert.deepEqual(Object.keys(byId).sort(), ['alice', 'genesis', 'ghost']);
  assert.equal(byId.alice.description, 'I sell haiku');
  assert.equal(byId.alice.balance, 12.5);
  assert.equal(byId.alice.status, 'alive');
  assert.equal(byId.ghost.status, 'dead');
  assert.equal(byId.genesis.generation, 0);
  assert.deepEqual(byId.genesis.lineage, []);
  const dead = await api.request('GET', '/social/directory?status=dead', { token: world.operator_token });
  assert.deepEqual(dead.body.items.map((a: { agent_id: string }) => a.agent_id), ['ghost']);
  const paged = await api.request('GET', '/social/directory?limit=1', { token: alice });
  assert.equal(paged.body.items.length, 1);
  const next = await api.request('GET', `/social/directory?limit=1&after=${paged.body.next_after}`, { token: alice });
  assert.notEqual(next.body.items[0].agent_id, paged.body.items[0].agent_id);
  assert.equal((await api.request('GET', '/social/directory')).status, 401, 'the directory is for participants');
  assertAuditPasses(world);
});

test('GET /social/rules tells agents the costs and limits', async (t) => {
  const { world, api } = await setup(t, { social: { spawn_cost: 3, spawn_min_initial_credits: 7 } });
  const rules = await api.request('GET', '/social/rules', { token: agentToken(world, 'genesis') });
  assert.equal(rules.status, 200);
  assert.equal(rules.body.spawn_cost, 3);
  assert.equal(rules.body.spawn_min_initial_credits, 7);
  assert.equal(rules.body.living, 1);
});
