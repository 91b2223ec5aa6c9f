// What the first operator hit on the dashboard, in a real browser (headless Chromium) against a
// running world whose agents run in real bwrap sandboxes: capability requests approved and
// denied from the Requests page (the agent sees both in its next env.json), the Events page's
// agent filter typed into while live, legends showing values without a hover, the runs chart
// counting runs between clearings, an agent's stdout and trace file, a dead agent's page
// saying when and why, and the agents table's description column.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SystemClock } from '../src/kernel/engine/clock.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { browserUnavailable, launchBrowser, logIn, screenshot } from './support/browser.js';
import { bundle, credits } from './support/market.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { addAgent, makeWorld, serve } from './support/world.js';

const skip = browserUnavailable() || sandboxUnavailable();

/** Polls until `probe` gives a value (the world runs on wall time here). */
async function until<T>(what: string, probe: () => T | null | undefined | false, timeout_ms = 60_000): Promise<T> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const value = probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface Seen {
  execution: string;
  capabilities: { request_id: string; capability: string; status: string; active: boolean; scope: string | null; answer: string | null }[];
  inbox: string[];
}

test('the operator answers capability requests and reads what agents think and why they died', { skip, timeout: 240_000 }, async (t) => {
  const world = makeWorld({ clock: new SystemClock(), config: { market: { clearing_interval_s: 1 } } });
  const api = await serve(world);
  const runner = await createRunner(world.config, world.log);
  const k = world.kernel;
  addAgent(world, 'requester', 40);
  const dir = join(world.paths.dir, 'workspaces', 'requester');
  mkdirSync(dir, { recursive: true });
  copyFileSync('test/fixtures/agents/requester.js', join(dir, 'main.js'));
  k.market.placeBid({ payer_id: 'requester', amount_ucr: credits(1), bundle: bundle({ cpu_s: 1, memory_mb: 64, duration_s: 5 }) }, { actor: 'requester' });
  addAgent(world, 'ghost', 0); // can afford nothing: dormant, then dead
  k.social.setProfile({ agent_id: 'requester', description: 'genes: asks=capabilities; offers=none' }, { actor: 'requester' });
  const loop = new WorldLoop(world, api, runner);
  const running = loop.run();
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await loop.stop();
    await running;
    await runner.close();
    await api.close();
    world.cleanup();
  });
  const page = browser.page;
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  const seen = () => readFileSync(join(dir, 'seen.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Seen);

  const [memory, npm] = await until('the agent\'s two requests', () => {
    const pending = k.capabilities.list({ status: 'pending', limit: 10 });
    return pending.length === 2 ? pending : null;
  });
  await logIn(page, api.url, world.operator_token);

  // Requests: approve one with a scope and an expiry, deny the other with a reason.
  await page.click('nav a[href="#/requests"]');
  const approveForm = `form[data-request="${memory!.request_id}"]`;
  await page.waitForSelector(approveForm);
  assert.match((await page.textContent(approveForm)) ?? '', /to hold the whole order book in memory/);
  assert.equal(await page.inputValue(`${approveForm} input[name=scope]`), '2048', 'the scope defaults to the name asked for');
  await page.fill(`${approveForm} input[name=scope]`, '1536');
  await page.fill(`${approveForm} input[name=hours]`, '2');
  await page.fill(`${approveForm} textarea[name=text]`, 'granted for two hours');
  await screenshot(page, 'dashboard-requests');
  await page.click(`${approveForm} button[name=approve]`);
  await page.waitForSelector('[data-testid=notice]');
  const denyForm = `form[data-request="${npm!.request_id}"]`;
  assert.equal(await page.isDisabled(`${denyForm} button[name=deny]`), true, 'a denial needs a reason');
  await page.fill(`${denyForm} textarea[name=text]`, 'this world has no network');
  await page.click(`${denyForm} button[name=deny]`);
  await page.waitForSelector(`[data-testid=request-history] tr[data-request="${npm!.request_id}"]`);
  assert.match((await page.textContent('[data-testid=request-history]')) ?? '', /1536, budget unbounded/);
  const granted = k.capabilities.get(memory!.request_id)!;
  assert.deepEqual([granted.status, granted.scope, granted.answer], ['approved', '1536', 'granted for two hours']);
  assert.equal(granted.expires_at_ms! - granted.answered_at_ms!, 2 * 3600 * 1000);
  assert.deepEqual([k.capabilities.get(npm!.request_id)!.status, k.capabilities.get(npm!.request_id)!.answer], ['denied', 'this world has no network']);

  // The agent's next env.json has both answers, and its inbox both messages.
  const after = await until('a run after both answers', () => seen().find((s) => s.capabilities.every((c) => c.status !== 'pending') && s.capabilities.length === 2));
  const byId = Object.fromEntries(after.capabilities.map((c) => [c.request_id, c]));
  assert.deepEqual([byId[memory!.request_id]!.status, byId[memory!.request_id]!.active, byId[memory!.request_id]!.scope], ['approved', true, '1536']);
  assert.deepEqual([byId[npm!.request_id]!.status, byId[npm!.request_id]!.answer], ['denied', 'this world has no network']);
  const heard = seen().flatMap((s) => s.inbox).join('\n');
  assert.match(heard, /approved: memory_mb:2048 \(scope 1536/);
  assert.match(heard, /denied: packages:npm: this world has no network/);

  // Events: the agent filter takes typing while events stream in.
  await page.click('nav a[href="#/events"]');
  await page.waitForSelector('[data-testid=events] tbody tr');
  await page.type('[data-testid=agent-filter]', 'requester', { delay: 120 });
  assert.equal(await page.inputValue('[data-testid=agent-filter]'), 'requester', 'every keystroke stayed');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid=events] tbody tr:not(.expanded)')];
    return rows.length > 0 && rows.every((r) => r.textContent!.includes('requester'));
  });
  await screenshot(page, 'dashboard-events-filter');

  // World: legends read values without a hover, and the runs chart counts the runs of each cycle.
  await until('a few cycles with runs', () => k.executions.listForAgent('requester', { limit: 10 }).length >= 3);
  await page.click('nav a[href="#/overview"]');
  await page.waitForFunction(() => Number(document.querySelector('[data-chart=running]')?.getAttribute('data-points')) >= 3);
  const legendValues = await page.$$eval('.u-legend .u-value', (cells) => cells.map((c) => c.textContent ?? ''));
  assert.ok(legendValues.length > 0);
  assert.ok(legendValues.every((v) => v !== '--' && v.trim() !== ''), `legends show values: ${legendValues.join(', ')}`);
  const series = await api.request('GET', '/operator/series?cycles=100', { token: world.operator_token });
  assert.ok(Math.max(...(series.body.world.running as number[])) >= 1, 'runs between clearings are counted');

  // An agent's page: its stdout per run and its own trace file.
  await page.goto(`${api.url}/#/agents/requester`);
  await page.waitForSelector('[data-testid=trace]');
  assert.match((await page.textContent('[data-testid=trace]')) ?? '', /requests on record, credits/);
  // An ended run's log (the newest run may be running and have printed nothing yet).
  await page.click('[data-testid=executions] tbody tr:not(.expanded):not(:has(.alive-text)) button.link >> nth=0');
  await page.waitForSelector('[data-testid=log]');
  assert.match((await page.textContent('[data-testid=log]')) ?? '', /thinking: run /);

  // A dead agent's page says when and why.
  await until('the ghost to die', () => k.agents.get('ghost')?.status === 'dead');
  await page.goto(`${api.url}/#/agents/ghost`);
  await page.waitForSelector('[data-testid=death]');
  assert.match((await page.textContent('[data-testid=death]')) ?? '', /Died .* \(cycle \d+\): it went dormant .* because it could afford no bundle, and nobody paid for a run in \d+ cycles/);
  await screenshot(page, 'dashboard-dead-agent');

  // The agents table shows what each agent says of itself.
  await page.click('nav a[href="#/agents"]');
  await page.waitForSelector('[data-testid=agents-table] tr[data-agent=requester]');
  assert.equal((await page.textContent('[data-testid=agents-table] tr[data-agent=requester] [data-field=description]'))?.trim(), 'genes: asks=capabilities; offers=none');

  assert.deepEqual(errors, []);
  await loop.stop();
  await running;
  assertConserved(world);
  assertAuditPasses(world);
});
