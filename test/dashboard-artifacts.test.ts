// The Artifacts page in headless Chromium, on a world with artifacts: search with the
// directory's full-text query, the detail (interface, versions, calls and earnings), tombstones
// shown only when asked, and an agent-written name rendered as text, never as HTML.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserUnavailable, launchBrowser, logIn } from './support/browser.js';
import { jsTool, publishCode } from './support/invoke.js';
import { addAgent, makeWorld, serve } from './support/world.js';

test('the Artifacts page searches, shows an artifact with its interface, versions and earnings, tombstones when asked, and agent text as text; the owner\'s page lists what it owns', { skip: browserUnavailable() }, async (t) => {
  const world = makeWorld();
  addAgent(world, 'maker', 100);
  addAgent(world, 'user', 100);
  const k = world.kernel;
  const tool = publishCode(world, 'maker', jsTool('return { output: {} };'), { tool: 'forecast', pricing: { kind: 'fixed', price_ucr: 100_000 } });
  const none = { cpu_ms: 0, memory_peak_mb: 0, wall_ms: 0 };
  const call = k.artifacts.calls.beginCall({ payer_id: 'user', caller_id: 'user', artifact_id: tool, tool: 'forecast', max_price_ucr: 100_000, allowance: { cpu_ms: 0, memory_mb: 0, wall_ms: 0 }, depth: 1 }, { actor: 'user' });
  k.artifacts.calls.settleCall({ call_id: call.call_id, resources: none, duration_ms: 3, output: {} }, { actor: 'system:invoke' });
  const hostile = k.artifacts.publish({ owner_id: 'maker', kind: 'data', name: '<img src=x onerror="window.__owned=1">', description: 'hostile name', content: Buffer.from('x') }, { actor: 'maker' }).artifact_id;
  const gone = k.artifacts.publish({ owner_id: 'maker', kind: 'data', name: 'tombstoned board', content: Buffer.from('y') }, { actor: 'maker' }).artifact_id;
  k.artifacts.delete({ by_id: 'maker', artifact_id: gone }, { actor: 'maker' });
  const api = await serve(world);
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await api.close();
    world.cleanup();
  });
  const page = browser.page;
  await logIn(page, api.url, world.operator_token);
  await page.click('nav a[href="#/artifacts"]');
  await page.waitForSelector(`[data-testid=artifacts-list] tr[data-id="${tool}"]`);
  assert.equal(await page.locator(`tr[data-id="${gone}"]`).count(), 0, 'no tombstone unless asked');
  const hostile_row = page.locator(`tr[data-id="${hostile}"] a`);
  assert.equal(await hostile_row.textContent(), '<img src=x onerror="window.__owned=1">', 'the name is shown as text');
  assert.equal(await page.locator('[data-testid=artifacts-list] img').count(), 0);
  assert.equal(await page.evaluate(() => (window as { __owned?: number }).__owned ?? 0), 0);

  await page.fill('input[name=q]', 'forecast');
  await page.waitForFunction((id) => document.querySelectorAll('[data-testid=artifacts-list] tbody tr').length >= 1 && document.querySelector(`tr[data-id="${id}"]`) !== null && document.querySelector('tr[data-id^="art-"]:not([data-id="' + id + '"])') === null, tool);
  await page.check('input[name=include_deleted]');
  await page.fill('input[name=q]', '');
  await page.waitForSelector(`tr[data-id="${gone}"]`);

  await page.click(`tr[data-id="${tool}"] a`);
  await page.waitForSelector('[data-testid=artifact-detail]');
  assert.match((await page.textContent('[data-testid=artifact-tools]')) ?? '', /forecast[\s\S]*0\.1 cr/);
  assert.match((await page.textContent('[data-testid=artifact-usage]')) ?? '', /calls 1 · successes 1 .*earned 0\.1 cr/);
  assert.match((await page.textContent('[data-testid=artifact-versions]')) ?? '', /maker/);

  // The owner's page lists what it owns, with what each earned; the tombstone is not among them.
  await page.goto(`${api.url}/#/agents/maker`);
  await page.waitForSelector(`[data-testid=agent-artifacts] tr[data-id="${tool}"]`);
  await page.waitForFunction((id) => /1\s*1\s*0\.1 cr/.test(document.querySelector(`[data-testid=agent-artifacts] tr[data-id="${id}"]`)?.textContent ?? ''), tool);
  assert.equal(await page.locator(`[data-testid=agent-artifacts] tr[data-id="${gone}"]`).count(), 0);
  assert.equal(await page.locator('[data-testid=agent-artifacts] img').count(), 0, 'agent text as text on its page too');
});
