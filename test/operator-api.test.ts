// The operator's read routes over HTTP: the agents table, lineage, one agent's balance over
// time, execution logs, the events page and the live event stream with its filters.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startRun } from './support/attention.js';
import { credits } from './support/market.js';
import { addAgent, agentToken, servedWorld } from './support/world.js';

async function setup(t: import('node:test').TestContext, config = {}) {
  const { world, api } = await servedWorld(t, config);
  const op = (path: string) => api.request('GET', path, { token: world.operator_token });
  return { world, api, op };
}

test('the agents table sorts and filters on the server; the lineage lists parents', async (t) => {
  const { world, op } = await setup(t);
  addAgent(world, 'poor', 1);
  addAgent(world, 'rich', 500);
  addAgent(world, 'mid', 50);
  const byBalance = await op('/operator/agents?sort=balance&order=desc&limit=2');
  assert.equal(byBalance.status, 200);
  assert.equal(byBalance.body.total, 4);
  assert.deepEqual(byBalance.body.items.map((a: { agent_id: string }) => a.agent_id), ['genesis', 'rich']);
  const page2 = await op('/operator/agents?sort=balance&order=desc&limit=2&offset=2');
  assert.deepEqual(page2.body.items.map((a: { agent_id: string }) => a.agent_id), ['mid', 'poor']);
  const prefix = await op('/operator/agents?q=ri');
  assert.deepEqual(prefix.body.items.map((a: { agent_id: string }) => a.agent_id), ['rich']);
  const wildcard = await op('/operator/agents?q=%25');
  assert.equal(wildcard.body.total, 0, 'LIKE wildcards in the search are literal');
  const lineage = await op('/operator/lineage');
  assert.equal(lineage.body.total, 4);
  assert.deepEqual(lineage.body.nodes[0], { id: 'genesis', parent_id: null, generation: 0, status: 'alive' });
});

test("an agent's page: its runs, bids, prompts and balance after each posting", async (t) => {
  const { world, op } = await setup(t);
  addAgent(world, 'alice', 100);
  addAgent(world, 'bob', 0);
  world.kernel.ledger.transfer({ from_id: 'alice', to_id: 'bob', amount_ucr: credits(30), memo: 'x' }, { actor: 'alice' });
  const run = startRun(world, 'alice', { attention: 1, amount_credits: 10 });
  const detail = await op('/operator/agents/alice');
  assert.equal(detail.status, 200);
  assert.deepEqual(detail.body.executions.map((e: { execution_id: string }) => e.execution_id), [run.id]);
  assert.equal(detail.body.bids.length, 1);
  const balance = detail.body.balance.balance as number[];
  const paid = world.kernel.market.bid(run.bid_id)!.price_paid_ucr!;
  // grant 100, transfer -30, escrow -10, refund of what the second price left
  assert.deepEqual(balance.slice(0, 3), [100, 70, 60]);
  assert.equal(balance.at(-1), (credits(70) - paid) / 1e6);
  assert.equal(balance.at(-1), world.kernel.ledger.agentBalance('alice') / 1e6);
  const missing = await op('/operator/agents/nobody');
  assert.equal(missing.status, 404);
});

test("an execution's log is served from its end, bounded", async (t) => {
  const { world, op } = await setup(t, { operator: { log_tail_bytes_default: 10, log_tail_bytes_max: 100 } });
  addAgent(world, 'alice', 100);
  const run = startRun(world, 'alice');
  const empty = await op(`/operator/executions/${run.id}/log`);
  assert.deepEqual([empty.status, empty.body.size_bytes, empty.body.text], [200, 0, '']);
  mkdirSync(world.paths.executions, { recursive: true });
  writeFileSync(join(world.paths.executions, `${run.id}.log`), 'line one\nline two\nthe end\n');
  const tail = await op(`/operator/executions/${run.id}/log`);
  assert.deepEqual([tail.body.size_bytes, tail.body.from_byte, tail.body.text], [26, 16, 'o\nthe end\n']);
  const more = await op(`/operator/executions/${run.id}/log?bytes=100`);
  assert.equal(more.body.text, 'line one\nline two\nthe end\n');
  assert.equal((await op(`/operator/executions/${run.id}/log?bytes=101`)).status, 400);
  assert.equal((await op('/operator/executions/..%2Fworld.db/log')).status, 400, 'ids are not paths');
});

test('the events page filters by type and agent and pages backwards', async (t) => {
  const { world, op } = await setup(t);
  addAgent(world, 'alice', 100);
  addAgent(world, 'bob', 100);
  for (let i = 0; i < 5; i++) world.kernel.ledger.transfer({ from_id: 'alice', to_id: 'bob', amount_ucr: 1, memo: '' }, { actor: 'alice' });
  world.kernel.ledger.transfer({ from_id: 'bob', to_id: 'genesis', amount_ucr: 1, memo: '' }, { actor: 'bob' });
  const all = await op('/operator/events?limit=3');
  assert.equal(all.body.items.length, 3);
  assert.ok(all.body.items[0].seq > all.body.items[2].seq, 'newest first');
  assert.ok(all.body.known_types.includes('prompt_rewarded'));
  const genesis = await op('/operator/events?agent=genesis');
  assert.deepEqual(genesis.body.items.map((e: { type: string }) => e.type), ['credits_transferred', 'agent_created']);
  const alice = await op('/operator/events?agent=alice&types=credits_transferred&limit=2');
  assert.equal(alice.body.items.length, 2);
  assert.ok(alice.body.items.every((e: { data: { from_id: string } }) => e.data.from_id === 'alice'));
  const older = await op(`/operator/events?agent=alice&types=credits_transferred&limit=10&before=${alice.body.next_before}`);
  assert.equal(older.body.items.length, 3);
  assert.equal(older.body.next_before, null);
});

/** Reads SSE `data:` events from a stream until `count` arrived. */
async function readStream(url: string, token: string, count: number): Promise<{ seq: number; type: string; actor: string }[]> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const events: { seq: number; type: string; actor: string }[] = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (const block of buffer.split('\n\n').slice(0, -1)) {
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      if (data) events.push(JSON.parse(data.slice(6)));
    }
    buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
  }
  controller.abort();
  return events;
}

test('the live stream replays after a seq, then sends committed events, filtered; agents cannot open it', async (t) => {
  const { world, api } = await setup(t);
  addAgent(world, 'alice', 100);
  addAgent(world, 'bob', 100);
  const refused = await api.request('GET', '/operator/events/stream', { token: agentToken(world, 'alice') });
  assert.equal(refused.status, 403);
  const before = (await api.request('GET', '/health')).body.seq;
  world.kernel.ledger.transfer({ from_id: 'alice', to_id: 'bob', amount_ucr: 1, memo: 'replayed' }, { actor: 'alice' });
  const reading = readStream(`${api.url}/operator/events/stream?agent=bob&types=credits_transferred&after=${before}`, world.operator_token, 3);
  await new Promise((resolve) => setTimeout(resolve, 200));
  world.kernel.ledger.transfer({ from_id: 'alice', to_id: 'genesis', amount_ucr: 1, memo: 'not about bob' }, { actor: 'alice' });
  world.kernel.ledger.transfer({ from_id: 'bob', to_id: 'alice', amount_ucr: 1, memo: 'live 1' }, { actor: 'bob' });
  addAgent(world, 'carol', 1); // another type: filtered out
  world.kernel.ledger.transfer({ from_id: 'alice', to_id: 'bob', amount_ucr: 1, memo: 'live 2' }, { actor: 'alice' });
  const events = await reading;
  assert.deepEqual(events.map((e) => [e.type, (e as unknown as { data: { memo: string } }).data.memo]), [
    ['credits_transferred', 'replayed'],
    ['credits_transferred', 'live 1'],
    ['credits_transferred', 'live 2'],
  ]);
});

test('live streams are bounded by operator.stream_clients_max and end when the server closes', async (t) => {
  const { world, api } = await setup(t, { operator: { stream_clients_max: 1 } });
  const controller = new AbortController();
  const first = await fetch(`${api.url}/operator/events/stream`, { headers: { authorization: `Bearer ${world.operator_token}` }, signal: controller.signal });
  assert.equal(first.status, 200);
  const second = await api.request('GET', '/operator/events/stream', { token: world.operator_token });
  assert.equal(second.status, 503);
  assert.equal(second.body.error.code, 'UNAVAILABLE');
  controller.abort();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const third = await fetch(`${api.url}/operator/events/stream`, { headers: { authorization: `Bearer ${world.operator_token}` } });
  assert.equal(third.status, 200, 'a closed stream frees its place');
  // The server's close ends the open stream instead of waiting for it forever.
  const ended = third.body!.getReader();
  await api.close();
  for (;;) if ((await ended.read()).done) break;
});
