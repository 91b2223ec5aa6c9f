// Human attention end to end at the kernel and over HTTP: only a run that won attention may
// prompt; only the operator may reward, once; expiry gives nothing; rewards are minted from
// system:human and conservation and the audit hold throughout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SYSTEM_HUMAN } from '../src/kernel/ledger/accounts.js';
import type { VirtualClock } from '../src/kernel/engine/clock.js';
import { AgoraError } from '../src/base/errors.js';
import { assertAuditPasses, assertConserved, assertErrorShape } from './support/assertions.js';
import { startRun } from './support/attention.js';
import { credits } from './support/market.js';
import { addAgent, agentToken, makeWorld, serve } from './support/world.js';

const OPERATOR = { actor: 'operator' };
const isCode = (code: string) => (err: unknown) => err instanceof AgoraError && err.code === code;
const scores = (i: number, u: number, un: number) => ({ interesting: i, useful: u, understandable: un });

test('only a running execution that won attention may prompt, up to prompts_per_slot per slot; the prompt carries the price paid', (t) => {
  const world = makeWorld({ config: { attention: { prompts_per_slot: 2 } } });
  t.after(() => world.cleanup());
  addAgent(world, 'asker', 100);
  addAgent(world, 'plain', 100);
  const k = world.kernel;
  const plainRun = startRun(world, 'plain');
  assert.throws(() => k.attention.submit({ agent_id: 'plain', execution_id: plainRun.id, content: 'hello?', options: [] }, { actor: 'plain' }), isCode('ACCESS_DENIED'));

  const run = startRun(world, 'asker', { attention: 1 });
  assert.equal(run.bundle.attention, 1);
  // Another agent cannot use this run's slot, even naming it.
  assert.throws(() => k.attention.submit({ agent_id: 'plain', execution_id: run.id, content: 'mine now', options: [] }, { actor: 'plain' }), isCode('ACCESS_DENIED'));
  const first = k.attention.submit({ agent_id: 'asker', execution_id: run.id, content: 'Should I spawn?', options: ['yes', 'no'] }, { actor: 'asker' });
  const paid = k.market.bid(run.bid_id)!.price_paid_ucr!;
  assert.ok(paid > 0);
  assert.deepEqual(
    { agent: first.agent_id, execution: first.execution_id, bid: first.bid_id, price: first.price_paid_ucr, status: first.status, options: first.options },
    { agent: 'asker', execution: run.id, bid: run.bid_id, price: paid, status: 'pending', options: ['yes', 'no'] },
  );
  k.attention.submit({ agent_id: 'asker', execution_id: run.id, content: 'And a second question', options: [] }, { actor: 'asker' });
  assert.throws(() => k.attention.submit({ agent_id: 'asker', execution_id: run.id, content: 'a third', options: [] }, { actor: 'asker' }), isCode('ACCESS_DENIED'));
  assert.throws(() => k.attention.submit({ agent_id: 'asker', execution_id: run.id, content: '   ', options: [] }, { actor: 'asker' }), isCode('INVALID_ARGS'));

  // A run that has ended cannot prompt any more.
  k.executions.end(run.id, { reason: 'exit', exit_code: 0, signal: null, cpu_ms: 1, memory_peak_mb: 1, wall_ms: 1, log_bytes: 0, log_truncated: false }, { actor: 'system:loop' });
  assert.throws(() => k.attention.submit({ agent_id: 'asker', execution_id: run.id, content: 'late', options: [] }, { actor: 'asker' }), isCode('ACCESS_DENIED'));
  assert.equal(k.attention.counts().pending, 2);
  assertConserved(world);
  assertAuditPasses(world);
});

test('a run started directly with attention (no bid the market sold) may prompt; its slot cost nothing', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  addAgent(world, 'tool', 10);
  const k = world.kernel;
  const run = k.executions.start(
    { agent_id: 'tool', bid_id: 'direct', cycle: 0, bundle: { cpu_ms: 1000, memory_mb: 64, tokens: 0, attention: 1, duration_s: 60 }, lease_ends_at_ms: world.clock.now_ms() + 60_000 },
    { actor: 'test' },
  );
  const prompt = k.attention.submit({ agent_id: 'tool', execution_id: run.id, content: 'hello', options: [] }, { actor: 'tool' });
  assert.equal(prompt.price_paid_ucr, 0);
  assertAuditPasses(world);
});

test('the reward follows the configured formula, is minted from system:human, and is given once (CONFLICT after)', (t) => {
  const world = makeWorld({ config: { attention: { reward: { credits_per_point: 2.5, weights: { interesting: 2, useful: 1, understandable: 0.5 } } } } });
  t.after(() => world.cleanup());
  addAgent(world, 'asker', 100);
  const k = world.kernel;
  const run = startRun(world, 'asker', { attention: 1 });
  const prompt = k.attention.submit({ agent_id: 'asker', execution_id: run.id, content: 'Worth it?', options: [] }, { actor: 'asker' });
  const before = k.ledger.agentBalance('asker');
  const human_before = k.ledger.balance(SYSTEM_HUMAN)!;

  const rewarded = k.attention.reward({ prompt_id: prompt.prompt_id, scores: scores(7, 4, 3), reply: 'Good question.' }, OPERATOR);
  // 2.5 credits × (7×2 + 4×1 + 3×0.5) = 2.5 × 19.5 = 48.75 credits
  assert.equal(rewarded.reward_ucr, credits(48.75));
  assert.equal(rewarded.status, 'rewarded');
  assert.deepEqual(rewarded.scores, scores(7, 4, 3));
  assert.equal(rewarded.reply, 'Good question.');
  assert.equal(k.ledger.agentBalance('asker'), before + credits(48.75));
  assert.equal(k.ledger.balance(SYSTEM_HUMAN), human_before - credits(48.75), 'the reward was created by the human account');
  const inbox = k.social.reads.inbox('asker', { unread_only: true, limit: 10 });
  assert.deepEqual(inbox.map((m) => [m.from_id, m.content]), [['operator', 'Good question.']], "the reply is in the agent's inbox, from the operator, free");
  const posting = k.ledger.history(['asker'], { limit: 1 })[0]!;
  assert.deepEqual([posting.from_id, posting.kind, posting.memo], [SYSTEM_HUMAN, 'reward', prompt.prompt_id]);

  assert.throws(() => k.attention.reward({ prompt_id: prompt.prompt_id, scores: scores(10, 10, 10), reply: null }, OPERATOR), isCode('CONFLICT'));
  assert.throws(() => k.attention.reward({ prompt_id: 'pr_nosuchprompt', scores: scores(1, 1, 1), reply: null }, OPERATOR), isCode('NOT_FOUND'));
  assert.equal(k.ledger.agentBalance('asker'), before + credits(48.75), 'the second reward moved nothing');
  assertConserved(world);
  assertAuditPasses(world);
});

test('scores outside 0..10 are refused; zero scores close the prompt with no posting', (t) => {
  const world = makeWorld({ config: { attention: { prompts_per_slot: 2 } } });
  t.after(() => world.cleanup());
  addAgent(world, 'asker', 100);
  const k = world.kernel;
  const run = startRun(world, 'asker', { attention: 1 });
  const prompt = k.attention.submit({ agent_id: 'asker', execution_id: run.id, content: 'Hmm', options: [] }, { actor: 'asker' });
  for (const bad of [scores(11, 0, 0), scores(-1, 0, 0), scores(1.5, 0, 0)]) {
    assert.throws(() => k.attention.reward({ prompt_id: prompt.prompt_id, scores: bad, reply: null }, OPERATOR), isCode('INVALID_ARGS'));
  }
  const balance = k.ledger.agentBalance('asker');
  const zero = k.attention.reward({ prompt_id: prompt.prompt_id, scores: scores(0, 0, 0), reply: null }, OPERATOR);
  assert.equal(zero.reward_ucr, 0);
  assert.equal(k.ledger.agentBalance('asker'), balance);
  assertConserved(world);
  assertAuditPasses(world);
});

test('an unanswered prompt expires after attention.prompt_ttl_s with no reward, and cannot be rewarded after', (t) => {
  const world = makeWorld({ config: { attention: { prompt_ttl_s: 60, prompts_per_slot: 2 } } });
  t.after(() => world.cleanup());
  addAgent(world, 'asker', 100);
  const k = world.kernel;
  const clock = world.clock as VirtualClock;
  const run = startRun(world, 'asker', { attention: 1 });
  const early = k.attention.submit({ agent_id: 'asker', execution_id: run.id, content: 'first', options: [] }, { actor: 'asker' });
  clock.advance(30_000);
  const late = k.attention.submit({ agent_id: 'asker', execution_id: run.id, content: 'second', options: [] }, { actor: 'asker' });
  const balance = k.ledger.agentBalance('asker');
  const human = k.ledger.balance(SYSTEM_HUMAN);

  clock.advance(29_999);
  assert.deepEqual(k.attention.expireDue({ actor: 'system:loop' }), []);
  clock.advance(1);
  assert.deepEqual(k.attention.expireDue({ actor: 'system:loop' }), [early.prompt_id]);
  clock.advance(30_000);
  assert.deepEqual(k.attention.expireDue({ actor: 'system:loop' }), [late.prompt_id]);
  assert.deepEqual(k.attention.expireDue({ actor: 'system:loop' }), [], 'expiry is done once');

  assert.equal(k.attention.get(early.prompt_id)!.status, 'expired');
  assert.equal(k.attention.get(early.prompt_id)!.reward_ucr, null);
  assert.equal(k.ledger.agentBalance('asker'), balance, 'expiry pays nothing');
  assert.equal(k.ledger.balance(SYSTEM_HUMAN), human, 'nothing was created');
  assert.throws(() => k.attention.reward({ prompt_id: early.prompt_id, scores: scores(5, 5, 5), reply: null }, OPERATOR), isCode('CONFLICT'));
  assertConserved(world);
  assertAuditPasses(world);
});

test('conservation holds across many prompts, rewards, expiries and clearings, and the per-cycle series records what was created', (t) => {
  const world = makeWorld({ config: { attention: { prompt_ttl_s: 25 } } });
  t.after(() => world.cleanup());
  const k = world.kernel;
  const agents = ['a1', 'a2', 'a3', 'a4'];
  for (const a of agents) addAgent(world, a, 200);
  let rewarded_ucr = 0;
  for (let round = 0; round < 12; round++) {
    const agent = agents[round % agents.length]!;
    const run = startRun(world, agent, { attention: 1, amount_credits: 6 + round });
    const prompt = k.attention.submit({ agent_id: agent, execution_id: run.id, content: `round ${round}`, options: [] }, { actor: agent });
    if (round % 3 !== 2) {
      rewarded_ucr += k.attention.reward({ prompt_id: prompt.prompt_id, scores: scores(round % 11, (round * 3) % 11, 5), reply: null }, OPERATOR).reward_ucr!;
    }
    k.executions.end(run.id, { reason: 'exit', exit_code: 0, signal: null, cpu_ms: 5, memory_peak_mb: 5, wall_ms: 5, log_bytes: 0, log_truncated: false }, { actor: 'system:loop' });
    k.attention.expireDue({ actor: 'system:loop' });
    assertConserved(world);
  }
  (world.clock as VirtualClock).advance(60_000);
  k.attention.expireDue({ actor: 'system:loop' });
  assert.deepEqual(k.attention.counts(), { pending: 0, rewarded: 8, expired: 4 });
  assert.equal(-k.ledger.balance(SYSTEM_HUMAN)!, rewarded_ucr);
  const cycles = world.db.prepare('SELECT * FROM world_cycles ORDER BY cycle').all() as { cycle: number; rewarded_ucr: number; burned_ucr: number; alive: number }[];
  assert.equal(cycles.length, 12);
  assert.ok(cycles.every((c, i) => i === 0 || (c.burned_ucr > cycles[i - 1]!.burned_ucr && c.rewarded_ucr >= cycles[i - 1]!.rewarded_ucr)));
  assert.equal(cycles[0]!.alive, 5, 'genesis and four agents');
  assertConserved(world);
  assertAuditPasses(world);
});

async function apiWorld(t: import('node:test').TestContext) {
  const world = makeWorld({ config: { attention: { prompts_per_slot: 1 } } });
  const api = await serve(world);
  t.after(async () => {
    await api.close();
    world.cleanup();
  });
  addAgent(world, 'asker', 100);
  addAgent(world, 'other', 100);
  return { world, api };
}

test('HTTP: POST /human/prompt is 403 without a won attention slot, 201 with one; the operator lists and rewards; a second reward is 409', async (t) => {
  const { world, api } = await apiWorld(t);
  const run = startRun(world, 'asker', { attention: 1 });
  const plain = startRun(world, 'other');

  const dev = await api.request('POST', '/human/prompt', { token: agentToken(world, 'asker'), body: { content: 'no run' } });
  assert.equal(dev.status, 403, 'a development token belongs to no run');
  assertErrorShape(dev.body, 'ACCESS_DENIED');
  const noSlot = await api.request('POST', '/human/prompt', { token: agentToken(world, 'other', plain.id), body: { content: 'no attention won' } });
  assert.equal(noSlot.status, 403);
  assertErrorShape(noSlot.body, 'ACCESS_DENIED');
  const spoof = await api.request('POST', '/human/prompt', { token: agentToken(world, 'other', plain.id), body: { content: 'x', agent_id: 'asker' } });
  assert.equal(spoof.status, 403, 'a body agent_id (the seeds send one) naming someone else is refused');
  assertErrorShape(spoof.body, 'ACCESS_DENIED');

  const token = agentToken(world, 'asker', run.id);
  const created = await api.request('POST', '/human/prompt', { token, body: { content: 'Is the market fair?', options: ['yes', 'no'] } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.agent_id, 'asker');
  assert.equal(created.body.execution_id, run.id);
  assert.equal(created.body.price_paid, world.kernel.market.bid(run.bid_id)!.price_paid_ucr! / 1e6);
  const again = await api.request('POST', '/human/prompt', { token, body: { content: 'one more' } });
  assert.equal(again.status, 403, 'prompts_per_slot is 1');

  const asAgent = await api.request('GET', '/human/prompts?status=pending', { token });
  assert.equal(asAgent.status, 403);
  const pending = await api.request('GET', '/human/prompts?status=pending', { token: world.operator_token });
  assert.equal(pending.status, 200);
  assert.deepEqual(pending.body.items.map((p: { prompt_id: string }) => p.prompt_id), [created.body.prompt_id]);
  assert.equal(pending.body.counts.pending, 1);

  const own = await api.request('GET', `/human/prompt/${created.body.prompt_id}`, { token });
  assert.equal(own.status, 200);
  const others = await api.request('GET', `/human/prompt/${created.body.prompt_id}`, { token: agentToken(world, 'other') });
  assert.equal(others.status, 404, "another agent's prompt is not shown");

  const body = { prompt_id: created.body.prompt_id, interesting: 8, useful: 6, understandable: 10, reply: 'Mostly.' };
  const byAgent = await api.request('POST', '/human/reward', { token, body });
  assert.equal(byAgent.status, 403, "an agent's token never reaches /human/reward");
  assertErrorShape(byAgent.body, 'ACCESS_DENIED');
  const before = world.kernel.ledger.agentBalance('asker');
  const rewarded = await api.request('POST', '/human/reward', { token: world.operator_token, body });
  assert.equal(rewarded.status, 200, JSON.stringify(rewarded.body));
  assert.equal(rewarded.body.reward, 0.25 * 24);
  assert.equal(rewarded.body.balance, (before + credits(6)) / 1e6);
  assert.equal(rewarded.body.prompt.status, 'rewarded');
  const second = await api.request('POST', '/human/reward', { token: world.operator_token, body });
  assert.equal(second.status, 409);
  assertErrorShape(second.body, 'CONFLICT');
  const badScore = await api.request('POST', '/human/reward', { token: world.operator_token, body: { ...body, interesting: 11 } });
  assert.equal(badScore.status, 400);

  const inbox = await api.request('GET', '/social/inbox', { token });
  assert.equal(inbox.status, 200);
  assert.deepEqual(inbox.body.items.map((m: { from: string; content: string }) => [m.from, m.content]), [['operator', 'Mostly.']]);
  const seen = await api.request('GET', `/human/prompt/${created.body.prompt_id}`, { token });
  assert.equal(seen.body.reply, 'Mostly.');
  assert.equal(seen.body.reward, 6);
  assertConserved(world);
  assertAuditPasses(world);
});

test('HTTP: operator routes refuse agents and answer the operator', async (t) => {
  const { world, api } = await apiWorld(t);
  const run = startRun(world, 'asker', { attention: 1 });
  const token = agentToken(world, 'asker', run.id);
  for (const path of ['/operator/summary', '/operator/series', '/operator/agents', '/operator/lineage', '/operator/agents/asker', `/operator/executions/${run.id}/log`, '/operator/events']) {
    const refused = await api.request('GET', path, { token });
    assert.equal(refused.status, 403, path);
    const none = await api.request('GET', path);
    assert.equal(none.status, 401, path);
    const ok = await api.request('GET', path, { token: world.operator_token });
    assert.equal(ok.status, 200, `${path}: ${JSON.stringify(ok.body)}`);
  }
  const summary = await api.request('GET', '/operator/summary', { token: world.operator_token });
  assert.deepEqual(summary.body.population, { alive: 3, dormant: 0, dead: 0 });
  assert.equal(summary.body.executions_running, 1);
  assert.equal(summary.body.cycle, 1);
  const c = world.kernel.ledger.conservation();
  assert.equal(summary.body.credits.held, c.held_ucr / 1e6);
  assert.equal(summary.body.credits.burned, c.burned_ucr / 1e6);
  const series = await api.request('GET', '/operator/series', { token: world.operator_token });
  assert.deepEqual(series.body.world.cycle, [1]);
  assert.equal(series.body.resources.attention.utilization.at(-1), 1, 'the one attention slot was sold');
  assert.deepEqual(series.body.resources.cpu.cycle, [0, 1]);
});
