// Trade through the real HTTP server (docs/trade.md): offers accepted exactly once, stale
// acceptances that move nothing, loans repaid, defaulted, and sold, and an LLM rate share sold
// with the proxy then allowing the buyer and refusing the seller.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertAuditPasses, assertConserved, assertErrorShape } from './support/assertions.js';
import { publishTool, SMALL_ALLOWANCE } from './support/artifacts.js';
import { llmWorld } from './support/llm.js';
import { addAgent, agentToken, servedWorld, type TestWorld } from './support/world.js';

const dataBody = (content: string) => ({ kind: 'data', name: 'prices', description: 'cpu prices', tags: ['market'], content, media_type: 'text/plain' });

async function setup(t: { after(fn: () => unknown): void }, agents: Record<string, number> = { alice: 20, bob: 20, carol: 20 }) {
  const { world, api } = await servedWorld(t, { artifacts: { publish_fee: 0 } });
  const tokens: Record<string, string> = {};
  for (const [id, credits] of Object.entries(agents)) {
    addAgent(world, id, credits);
    tokens[id] = agentToken(world, id);
  }
  return { world, api, tokens };
}

function balance(world: TestWorld, id: string): number {
  return world.kernel.ledger.balance(id)!;
}

/** A snapshot of everything a trade could move: balances, artifact owners, loan holders, rights. */
function state(world: TestWorld): string {
  const db = world.db;
  return JSON.stringify([
    db.prepare('SELECT id, balance_ucr FROM accounts ORDER BY id').all(),
    db.prepare('SELECT id, owner_id, latest_version FROM artifacts ORDER BY id').all(),
    db.prepare('SELECT loan_id, holder_id, status FROM trade_loans ORDER BY loan_id').all(),
    db.prepare('SELECT * FROM trade_rights ORDER BY holder_id, right_name').all(),
    db.prepare('SELECT * FROM trade_licences ORDER BY licence_id').all(),
  ]);
}

/** Advances the market one cycle and runs the trade's per-cycle work, as the world loop does. */
function cycle(world: TestWorld): void {
  world.kernel.market.clear({ actor: 'test' });
  world.kernel.trade.tick({ actor: 'test' });
}

test('an offer is accepted exactly once under 100 parallel acceptances', async (t) => {
  const agents: Record<string, number> = { alice: 10 };
  for (let i = 0; i < 100; i++) agents[`b${i}`] = 5;
  const { world, api, tokens } = await setup(t, agents);
  const pub = await api.request('POST', '/artifacts', { token: tokens.alice!, body: dataBody('v1') });
  assert.equal(pub.status, 201, JSON.stringify(pub.body));
  const artifact_id = pub.body.artifact_id as string;
  const offer = await api.request('POST', '/market/offers', { token: tokens.alice!, body: { kind: 'artifact', artifact_id, price: 2 } });
  assert.equal(offer.status, 201, JSON.stringify(offer.body));
  const book = await api.request('GET', '/market/offers', { token: tokens.b0! });
  assert.deepEqual(book.body.items.map((o: { offer_id: string }) => o.offer_id), [offer.body.offer_id]);
  const { offer_id, revision, content_hash, version } = offer.body;

  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) => api.request('POST', `/market/offers/${offer_id}/accept`, { token: tokens[`b${i}`]!, body: { price: 2, revision, content_hash, version } })),
  );
  const won = results.filter((r) => r.status === 200);
  assert.equal(won.length, 1, 'exactly one acceptance succeeds');
  for (const r of results.filter((x) => x.status !== 200)) {
    assert.equal(r.status, 409);
    assertErrorShape(r.body, 'CONFLICT');
  }
  const buyer = won[0]!.body.accepted_by as string;
  assert.equal(world.kernel.artifacts.get(artifact_id)!.owner_id, buyer);
  assert.equal(balance(world, buyer), 3_000_000);
  assert.equal(balance(world, 'alice'), 12_000_000);
  const paid = world.db.prepare("SELECT COUNT(*) AS n FROM postings WHERE memo = ?").get(`offer ${offer_id}`) as { n: number };
  assert.equal(paid.n, 1, 'one payment');
  assertConserved(world);
  assertAuditPasses(world);
});

test('a stale acceptance (changed version, price or offer) fails and moves nothing; withdraw and expiry return everything', async (t) => {
  const { world, api, tokens } = await setup(t);
  const pub = await api.request('POST', '/artifacts', { token: tokens.alice!, body: dataBody('v1') });
  const artifact_id = pub.body.artifact_id as string;
  const offer = (await api.request('POST', '/market/offers', { token: tokens.alice!, body: { kind: 'artifact', artifact_id, price: 1 } })).body;
  const accept = (body: Record<string, unknown>, who = 'bob') => api.request('POST', `/market/offers/${offer.offer_id}/accept`, { token: tokens[who]!, body: { price: 1, revision: offer.revision, content_hash: offer.content_hash, version: offer.version, ...body } });

  // A new version published after bob looked: his acceptance names the old one.
  const upd = await api.request('POST', `/artifacts/${artifact_id}/versions`, { token: tokens.alice!, body: { replaces_version: 1, ...dataBody('v2 with less in it'), kind: undefined } });
  assert.equal(upd.status, 201, JSON.stringify(upd.body));
  let before = state(world);
  let r = await accept({});
  assert.equal(r.status, 409, JSON.stringify(r.body));
  assertErrorShape(r.body, 'CONFLICT');
  assert.equal(state(world), before, 'a stale version moves nothing');

  // The seller raises the price: an acceptance naming the old price or revision fails.
  const fresh = (await api.request('GET', `/market/offers/${offer.offer_id}`, { token: tokens.bob! })).body;
  const repriced = await api.request('POST', `/market/offers/${offer.offer_id}/price`, { token: tokens.alice!, body: { price: 5 } });
  assert.equal(repriced.body.revision, 2);
  before = state(world);
  r = await accept({ version: fresh.version, content_hash: fresh.content_hash });
  assert.equal(r.status, 409, 'old revision and price');
  r = await accept({ version: fresh.version, content_hash: fresh.content_hash, revision: 2 });
  assert.equal(r.status, 409, 'new revision, old price');
  r = await accept({ version: fresh.version, content_hash: fresh.content_hash, price: 5 });
  assert.equal(r.status, 409, 'new price, old revision');
  assert.equal(state(world), before, 'stale prices move nothing');

  // Named buyer: a third party cannot accept; selling what you do not hold is refused.
  const named = await api.request('POST', '/market/offers', { token: tokens.alice!, body: { kind: 'right', right: 'llm_requests_per_minute', units: 10, price: 1, buyer: 'bob' } });
  assert.equal(named.status, 201);
  before = state(world);
  r = await api.request('POST', `/market/offers/${named.body.offer_id}/accept`, { token: tokens.carol!, body: { price: 1, revision: 1, content_hash: named.body.content_hash } });
  assert.equal(r.status, 403);
  assert.equal(state(world), before);
  const notMine = await api.request('POST', '/market/offers', { token: tokens.carol!, body: { kind: 'artifact', artifact_id, price: 1 } });
  assert.equal(notMine.status, 403);
  const tooMany = await api.request('POST', '/market/offers', { token: tokens.carol!, body: { kind: 'right', right: 'llm_requests_per_minute', units: 61, price: 1 } });
  assert.equal(tooMany.status, 403);

  // The offered right sits in escrow: alice cannot use it, and withdrawing returns it.
  assert.equal(world.kernel.trade.rateShare('alice').requests_per_minute, 50);
  const withdrawn = await api.request('DELETE', `/market/offers/${named.body.offer_id}`, { token: tokens.alice! });
  assert.equal(withdrawn.body.status, 'withdrawn');
  assert.equal(world.kernel.trade.rateShare('alice').requests_per_minute, 60);

  // Expiry returns everything too.
  const expiring = await api.request('POST', '/market/offers', { token: tokens.alice!, body: { kind: 'right', right: 'llm_token_budget', units: 1000, price: 1, expires_in_cycles: 1 } });
  assert.equal(world.kernel.trade.tokenBudget('alice'), 100_000_000 - 1000);
  cycle(world);
  assert.equal((await api.request('GET', `/market/offers/${expiring.body.offer_id}`, { token: tokens.bob! })).body.status, 'expired');
  assert.equal(world.kernel.trade.tokenBudget('alice'), 100_000_000);
  r = await api.request('POST', `/market/offers/${expiring.body.offer_id}/accept`, { token: tokens.bob!, body: { price: 1, revision: 1, content_hash: expiring.body.content_hash } });
  assert.equal(r.status, 409);
  assertConserved(world);
  assertAuditPasses(world);
});

test('a loan is repaid over instalments; a sold claim sends the next repayment to the new holder', async (t) => {
  const { world, api, tokens } = await setup(t);
  const proposed = await api.request('POST', '/market/loans', {
    token: tokens.alice!,
    body: { counterparty: 'bob', role: 'lender', principal: 6, repayment: 9, instalments: 3, first_due_in_cycles: 1, every_cycles: 1 },
  });
  assert.equal(proposed.status, 201, JSON.stringify(proposed.body));
  const loan_id = proposed.body.loan_id as string;
  assert.equal(balance(world, 'bob'), 20_000_000, 'nothing moves before consent');
  const wrongTerms = await api.request('POST', `/market/loans/${loan_id}/accept`, { token: tokens.bob!, body: { principal: 6, repayment: 8 } });
  assert.equal(wrongTerms.status, 409);
  const third = await api.request('POST', `/market/loans/${loan_id}/accept`, { token: tokens.carol!, body: { principal: 6, repayment: 9 } });
  assert.equal(third.status, 403);
  const accepted = await api.request('POST', `/market/loans/${loan_id}/accept`, { token: tokens.bob!, body: { principal: 6, repayment: 9 } });
  assert.equal(accepted.body.status, 'outstanding');
  assert.equal(balance(world, 'bob'), 26_000_000);
  assert.equal(balance(world, 'alice'), 14_000_000);

  cycle(world);
  assert.equal(balance(world, 'alice'), 17_000_000, 'first instalment to the lender');

  // Alice sells her claim to carol; the next repayment goes to carol.
  const offer = (await api.request('POST', '/market/offers', { token: tokens.alice!, body: { kind: 'claim', loan_id, price: 5 } })).body;
  const bought = await api.request('POST', `/market/offers/${offer.offer_id}/accept`, { token: tokens.carol!, body: { price: 5, revision: offer.revision, content_hash: offer.content_hash } });
  assert.equal(bought.status, 200, JSON.stringify(bought.body));
  assert.equal(world.kernel.trade.loans.get(loan_id)!.holder_id, 'carol');
  const carol_before = balance(world, 'carol');
  const alice_before = balance(world, 'alice');
  cycle(world);
  assert.equal(balance(world, 'carol'), carol_before + 3_000_000, 'the new holder is repaid');
  assert.equal(balance(world, 'alice'), alice_before, 'the old holder is not');
  cycle(world);
  const done = (await api.request('GET', `/market/loans?agent=bob`, { token: tokens.bob! })).body.items[0];
  assert.equal(done.status, 'paid');
  assert.equal(done.paid, 9);
  assert.equal(done.defaulted, 0);
  assert.deepEqual(world.kernel.trade.loans.payments(loan_id).map((p) => p.to_id), ['alice', 'carol', 'carol']);
  assertConserved(world);
  assertAuditPasses(world);
});

test('a loan defaults in part: collected as far as the balance goes, never below zero, the default on record and in the directory', async (t) => {
  const { world, api, tokens } = await setup(t, { alice: 20, bob: 0 });
  const loan = (await api.request('POST', '/market/loans', { token: tokens.bob!, body: { counterparty: 'alice', role: 'borrower', principal: 4, repayment: 10, instalments: 2, first_due_in_cycles: 2, every_cycles: 1 } })).body;
  const ok = await api.request('POST', `/market/loans/${loan.loan_id}/accept`, { token: tokens.alice!, body: { principal: 4, repayment: 10 } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  // Bob spends 3 of the 4 he borrowed elsewhere.
  world.kernel.ledger.transfer({ from_id: 'bob', to_id: 'alice', amount_ucr: 3_000_000, memo: 'spent' }, { actor: 'bob' });
  cycle(world);
  assert.equal(world.kernel.trade.loans.get(loan.loan_id)!.paid_ucr, 0, 'not yet due');
  cycle(world);
  assert.equal(balance(world, 'bob'), 0, 'collected down to zero, never below');
  cycle(world);
  assert.equal(balance(world, 'bob'), 0);
  const row = world.kernel.trade.loans.get(loan.loan_id)!;
  assert.equal(row.status, 'defaulted');
  assert.equal(row.paid_ucr, 1_000_000);
  assert.equal(row.defaulted_ucr, 9_000_000);
  const record = (await api.request('GET', '/agents/bob/trade', { token: tokens.alice! })).body;
  assert.equal(record.credit.loans_defaulted, 1);
  assert.equal(record.credit.defaulted, 9);
  // The default is in the directory too, where a lender looks an agent up.
  const directory = (await api.request('GET', '/social/directory', { token: tokens.alice! })).body as { items: { agent_id: string; credit: { loans_defaulted: number; defaulted: number } }[] };
  assert.deepEqual(directory.items.find((a) => a.agent_id === 'bob')!.credit, { loans_outstanding: 0, loans_paid: 0, loans_defaulted: 1, defaulted: 9 });
  assert.equal(directory.items.find((a) => a.agent_id === 'alice')!.credit.loans_defaulted, 0);
  assertConserved(world);
  assertAuditPasses(world);
});

test('an LLM rate share sold: the proxy then allows the buyer and refuses the seller', async (t) => {
  const w = await llmWorld({ agents: { alice: 100, bob: 100 }, llm: { rate_limits: { agent_requests_per_minute: 2 } } });
  t.after(() => w.close());
  const exA = w.run('alice', 100_000);
  const exB = w.run('bob', 100_000);
  const ask = (agent: string, ex: string) =>
    w.api.request('POST', '/llm/v1/chat/completions', { token: agentToken(w.world, agent, ex), body: { model: 'fake-gpt', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 10 } });
  const offer = (await w.api.request('POST', '/market/offers', { token: agentToken(w.world, 'alice'), body: { kind: 'right', right: 'llm_requests_per_minute', units: 2, price: 1, buyer: 'bob' } })).body;
  const bought = await w.api.request('POST', `/market/offers/${offer.offer_id}/accept`, { token: agentToken(w.world, 'bob'), body: { price: 1, revision: 1, content_hash: offer.content_hash } });
  assert.equal(bought.status, 200, JSON.stringify(bought.body));
  for (let i = 0; i < 4; i++) assert.equal((await ask('bob', exB.id)).status, 200, `bob's call ${i + 1} of 4 fits his bought share`);
  const over = await ask('bob', exB.id);
  assert.equal(over.status, 429, 'a fifth is past what he holds');
  const seller = await ask('alice', exA.id);
  assert.equal(seller.status, 429);
  assertErrorShape(seller.body, 'RATE_LIMITED');
  assertConserved(w.world);
  assertAuditPasses(w.world);
});

test('a licence bought through the exchange covers exactly its calls of the artifact; the next call pays the price', async (t) => {
  const { world, api, tokens } = await setup(t);
  const tool = publishTool(world, 'alice', { tool: 'forecast', pricing: { kind: 'fixed', price_ucr: 400_000 } });
  const offer = (await api.request('POST', '/market/offers', { token: tokens.alice!, body: { kind: 'licence', artifact_id: tool, calls: 2, price: 0.5 } })).body;
  const bought = await api.request('POST', `/market/offers/${offer.offer_id}/accept`, { token: tokens.bob!, body: { price: 0.5, revision: 1, content_hash: offer.content_hash, version: offer.version } });
  assert.equal(bought.status, 200, JSON.stringify(bought.body));
  const call = () => world.kernel.artifacts.beginCall({ payer_id: 'bob', caller_id: 'bob', artifact_id: tool, tool: 'forecast', max_price_ucr: 1_000_000, allowance: SMALL_ALLOWANCE, depth: 1 }, { actor: 'bob' });
  const prices = [call(), call(), call()].map((c) => c.price_ucr);
  assert.deepEqual(prices, [0, 0, 400_000], 'two calls covered, the third pays');
  const carol = world.kernel.artifacts.beginCall({ payer_id: 'carol', caller_id: 'carol', artifact_id: tool, tool: 'forecast', max_price_ucr: 1_000_000, allowance: SMALL_ALLOWANCE, depth: 1 }, { actor: 'carol' });
  assert.equal(carol.price_ucr, 400_000, 'a licence covers only its holder');
  const info = (await api.request('GET', '/agents/bob/trade', { token: tokens.bob! })).body;
  assert.equal(info.licences[0].calls_left, 0);
  assertConserved(world);
  assertAuditPasses(world);
});
