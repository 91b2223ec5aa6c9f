// The dashboard in real Chromium shows trade: the offer book and loans on the Market page; an
// agent's rights, its credit record and its loans (outstanding, paid, defaulted) on its page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserUnavailable, launchBrowser, logIn, screenshot } from './support/browser.js';
import { addAgent, makeWorld, serve } from './support/world.js';

const skip = browserUnavailable();

test('the Market page lists offers and loans; an agent page its rights and defaulted loan', { skip, timeout: 120_000 }, async (t) => {
  const world = makeWorld();
  addAgent(world, 'alice', 10);
  addAgent(world, 'bob', 0);
  const k = world.kernel;
  const offer = k.trade.offers.post({ seller_id: 'alice', kind: 'right', right: 'llm_requests_per_minute', units: 7, price_ucr: 1_500_000 }, { actor: 'alice' });
  const loan = k.trade.loans.propose({ proposer_id: 'bob', counterparty_id: 'alice', role: 'borrower', principal_ucr: 1_000_000, repayment_ucr: 2_000_000, instalments: 1, first_due_in: 1, every_cycles: 1 }, { actor: 'bob' });
  k.trade.loans.accept({ by_id: 'alice', loan_id: loan.loan_id, principal_ucr: 1_000_000, repayment_ucr: 2_000_000 }, { actor: 'alice' });
  k.market.clear({ actor: 'test' });
  k.trade.tick({ actor: 'test' });
  const api = await serve(world);
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await api.close();
    world.cleanup();
  });
  const page = browser.page;
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await logIn(page, api.url, world.operator_token);

  await page.click('nav a[href="#/market"]');
  await page.waitForSelector('[data-testid=offers] tbody tr');
  const row = await page.textContent('[data-testid=offers] tbody tr');
  assert.match(row ?? '', /alice.*right.*7 llm_requests_per_minute.*1\.5/);
  assert.ok(offer.offer_id);
  await page.waitForSelector('[data-testid=loans] tbody tr');
  assert.match((await page.textContent('[data-testid=loans] tbody tr')) ?? '', /bob.*defaulted/);
  await screenshot(page, 'dashboard-trade-market');

  await page.goto(`${api.url}/#/agents/bob`);
  await page.waitForSelector('[data-testid=rights] tbody tr');
  assert.match((await page.textContent('[data-testid=rights]')) ?? '', /llm_token_budget/);
  assert.match((await page.textContent('[data-testid=credit]')) ?? '', /1 defaulted/);
  await screenshot(page, 'dashboard-trade-agent');
  assert.deepEqual(errors, []);
});
