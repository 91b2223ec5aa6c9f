// `agora offers` and `agora loans` against a world on disk: what is for sale and what is owed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { addAgent, makeWorld } from './support/world.js';

function agora(args: string[]) {
  const res = spawnSync(process.execPath, ['bin/agora.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

test('agora offers lists the book; agora loans shows outstanding, paid and defaulted loans', (t) => {
  const world = makeWorld();
  t.after(() => world.cleanup());
  addAgent(world, 'alice', 10);
  addAgent(world, 'bob', 0);
  const k = world.kernel;
  const offer = k.trade.offers.post({ seller_id: 'alice', kind: 'right', right: 'llm_token_budget', units: 500, price_ucr: 250_000, buyer_id: 'bob' }, { actor: 'alice' });
  const loan = k.trade.loans.propose({ proposer_id: 'bob', counterparty_id: 'alice', role: 'borrower', principal_ucr: 1_000_000, repayment_ucr: 3_000_000, instalments: 1, first_due_in: 1, every_cycles: 1 }, { actor: 'bob' });
  k.trade.loans.accept({ by_id: 'alice', loan_id: loan.loan_id, principal_ucr: 1_000_000, repayment_ucr: 3_000_000 }, { actor: 'alice' });
  k.market.clear({ actor: 'test' });
  k.trade.tick({ actor: 'test' });
  const config = ['--world', world.paths.dir];

  const offers = agora(['offers', ...config]);
  assert.equal(offers.code, 0, offers.stderr);
  assert.match(offers.stdout, new RegExp(`${offer.offer_id}.*alice.*right.*500 llm_token_budget.*0\\.25.*bob`));
  const json = JSON.parse(agora(['offers', '--json', ...config]).stdout);
  assert.equal(json.items[0].price, 0.25);

  const loans = agora(['loans', '--status', 'defaulted', ...config]);
  assert.equal(loans.code, 0, loans.stderr);
  assert.match(loans.stdout, new RegExp(`${loan.loan_id}.*alice.*bob.*alice.*1.*3.*1/1.*1.*2.*defaulted`));
  assert.match(agora(['loans', '--status', 'paid', ...config]).stdout, /no loans/);
  assert.equal(agora(['loans', '--status', 'bogus', ...config]).code, 1);
});
