// A loan's claim is an artifact (docs/trade.md, "Loans"): published in the acceptance, listed
// in GET /artifacts, owned by the lender; its ownership is the claim, so selling it (offer kind
// claim) or giving it (POST /artifacts/{id}/transfer) sends the next repayment to the new owner.
// The kernel's record of the loan cannot be rewritten, deleted, faked or sold around its hash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOAN_CLAIM_MEDIA_TYPE } from '../src/kernel/artifacts/events.js';
import { loanClaimsOwnedOf } from '../src/kernel/trade/invariants.js';
import { assertAuditPasses, assertConserved, assertErrorShape } from './support/assertions.js';
import { addAgent, agentToken, servedWorld, type TestWorld } from './support/world.js';

function cycle(world: TestWorld): void {
  world.kernel.market.clear({ actor: 'test' });
  world.kernel.trade.tick({ actor: 'test' });
}

async function setup(t: { after(fn: () => unknown): void }) {
  const { world, api } = await servedWorld(t, { artifacts: { publish_fee: 0 } });
  const tokens: Record<string, string> = {};
  for (const id of ['alice', 'bob', 'carol', 'dave']) {
    addAgent(world, id, 20);
    tokens[id] = agentToken(world, id);
  }
  const loan = (await api.request('POST', '/market/loans', { token: tokens.alice!, body: { counterparty: 'bob', role: 'lender', principal: 6, repayment: 9, instalments: 3, first_due_in_cycles: 1, every_cycles: 1 } })).body;
  assert.equal(loan.claim_artifact_id, null, 'a proposed loan is no claim yet');
  const accepted = await api.request('POST', `/market/loans/${loan.loan_id}/accept`, { token: tokens.bob!, body: { principal: 6, repayment: 9 } });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  return { world, api, tokens, loan_id: loan.loan_id as string, claim: accepted.body.claim_artifact_id as string };
}

test("a loan's claim is an artifact in the directory, and its owner is paid: sold as a claim or given, the next repayment follows it", async (t) => {
  const { world, api, tokens, loan_id, claim } = await setup(t);
  assert.match(claim, /^art-/);
  // In the one namespace: listed and discoverable like any artifact, owned by the lender.
  const listed = await api.request('GET', '/artifacts?kind=contract&tag=claim', { token: tokens.carol! });
  assert.equal(listed.status, 200);
  const entry = listed.body.items.find((a: { id: string }) => a.id === claim);
  assert.ok(entry, `claim ${claim} in GET /artifacts: ${JSON.stringify(listed.body.items)}`);
  assert.equal(entry.owner_id, 'alice');
  const read = await api.request('POST', `/artifacts/${claim}/read`, { token: tokens.carol!, body: {} });
  assert.equal(read.status, 200, JSON.stringify(read.body));
  const terms = JSON.parse(Buffer.from(read.body.content_base64, 'base64').toString('utf8'));
  assert.equal(terms.loan_id, loan_id);
  assert.equal(terms.borrower_id, 'bob');
  assert.equal(terms.repayment_ucr, 9_000_000);

  cycle(world);
  assert.deepEqual(world.kernel.trade.loans.payments(loan_id).map((p) => p.to_id), ['alice']);

  // Sold through the exchange: the artifact's ownership moves with the claim.
  const offer = (await api.request('POST', '/market/offers', { token: tokens.alice!, body: { kind: 'claim', loan_id, price: 5 } })).body;
  const bought = await api.request('POST', `/market/offers/${offer.offer_id}/accept`, { token: tokens.carol!, body: { price: 5, revision: offer.revision, content_hash: offer.content_hash } });
  assert.equal(bought.status, 200, JSON.stringify(bought.body));
  assert.equal(world.kernel.artifacts.get(claim)!.owner_id, 'carol');
  cycle(world);

  // Given as an artifact: the new owner is the creditor, paid the last instalment.
  const given = await api.request('POST', `/artifacts/${claim}/transfer`, { token: tokens.carol!, body: { to_id: 'dave' } });
  assert.equal(given.status, 200, JSON.stringify(given.body));
  assert.equal(world.kernel.trade.loans.get(loan_id)!.holder_id, 'dave');
  const dave = world.kernel.ledger.balance('dave')!;
  cycle(world);
  assert.equal(world.kernel.ledger.balance('dave'), dave + 3_000_000, 'the artifact owner is repaid');
  assert.deepEqual(world.kernel.trade.loans.payments(loan_id).map((p) => p.to_id), ['alice', 'carol', 'dave']);
  assertConserved(world);
  assertAuditPasses(world);
});

test("a claim artifact is the loan's record: not rewritten, deleted, sold as a plain artifact, or faked", async (t) => {
  const { world, api, tokens, claim } = await setup(t);
  const before = JSON.stringify(world.db.prepare('SELECT * FROM artifacts WHERE id = ?').get(claim));
  const rewrite = await api.request('POST', `/artifacts/${claim}/versions`, { token: tokens.alice!, body: { replaces_version: 1, content: '{"rule":"public"}', media_type: 'application/json' } });
  assert.equal(rewrite.status, 400, JSON.stringify(rewrite.body));
  assertErrorShape(rewrite.body, 'INVALID_ARGS');
  const deleted = await api.request('DELETE', `/artifacts/${claim}`, { token: tokens.alice! });
  assert.equal(deleted.status, 400, JSON.stringify(deleted.body));
  assertErrorShape(deleted.body, 'INVALID_ARGS');
  // As a plain artifact offer its hash would not move with collections: refused, sold as kind claim.
  const plain = await api.request('POST', '/market/offers', { token: tokens.alice!, body: { kind: 'artifact', artifact_id: claim, price: 1 } });
  assert.equal(plain.status, 400, JSON.stringify(plain.body));
  assertErrorShape(plain.body, 'INVALID_ARGS');
  // An agent cannot publish something that passes for a claim.
  const fake = await api.request('POST', '/artifacts', { token: tokens.carol!, body: { kind: 'data', name: 'claim on loan_x', description: '', tags: ['claim'], content: '{}', media_type: LOAN_CLAIM_MEDIA_TYPE } });
  assert.equal(fake.status, 400, JSON.stringify(fake.body));
  assertErrorShape(fake.body, 'INVALID_ARGS');
  assert.equal(JSON.stringify(world.db.prepare('SELECT * FROM artifacts WHERE id = ?').get(claim)), before, 'nothing changed');
  assertAuditPasses(world);

  // The audit's invariant sees a claim owned by someone other than the creditor of record.
  assert.equal(loanClaimsOwnedOf(world.db).ok, true);
  world.db.prepare('UPDATE artifacts SET owner_id = ? WHERE id = ?').run('carol', claim);
  assert.deepEqual(loanClaimsOwnedOf(world.db), { ok: false, mismatched: [world.kernel.trade.loans.list({ limit: 1 })[0]!.loan_id] });
});
