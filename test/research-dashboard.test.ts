// The researcher's view of a 15-cycle world: the auditor writes its report every 5 cycles
// (agora report shows them, each naming the KPIs that moved), and the dashboard's KPI page,
// in a real Chromium, draws every KPI from the recorded data, shows the reports, and adds an
// agent of the operator's own through its form (which the agents table then lists).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { startApi } from '../src/api/start.js';
import { loadConfig } from '../src/config/load.js';
import { openWorld } from '../src/orchestrator/open-world.js';
import { runAgora } from './support/agora-process.js';
import { browserUnavailable, launchBrowser, logIn, screenshot } from './support/browser.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { tempDir } from './support/world.js';

const skip = browserUnavailable() || sandboxUnavailable();

test("the auditor reports every 5 cycles of a 15-cycle world, naming the KPIs that moved; the KPI page draws them", { skip, timeout: 300_000 }, async (t) => {
  const dir = join(tempDir('agora-kpi-'), 'world');
  const config_file = join(tempDir('agora-kpi-cfg-'), 'agora.yaml');
  // A short world with a small lineage: the reports' rhythm, not a long economy, is what is checked here.
  writeFileSync(config_file, 'auditor:\n  every_cycles: 5\nsocial:\n  population_max: 4\n');
  const started = await runAgora(['-w', dir, '-c', config_file, 'start', '--simulate', '--cycles', '15', '--port', '0', '--seed', '7'], { signal: t.signal });
  assert.equal(started.code, 0, started.stderr);

  const report = await runAgora(['-w', dir, '-c', config_file, 'report', '-n', '5', '--json'], { signal: t.signal });
  assert.equal(report.code, 0, report.stderr);
  const reports = JSON.parse(report.stdout) as { cycle: number; author: string; text: string; moved: { name: string }[] }[];
  assert.deepEqual(reports.map((r) => r.cycle), [15, 10, 5], 'one report every auditor.every_cycles cycles');
  assert.ok(reports.every((r) => r.author === 'template'), 'no model is configured: templated');
  const first = reports[2]!;
  assert.ok(first.moved.length > 0, 'from cycle 1 to 5 some KPI moved');
  for (const m of first.moved) assert.match(first.text, new RegExp(`- ${m.name}: `), `the report names ${m.name}`);
  const text = await runAgora(['-w', dir, '-c', config_file, 'report'], { signal: t.signal });
  assert.match(text.stdout, /cycle 15 \(template\)/);
  assert.match(text.stdout, /KPIs that moved:|No KPI moved beyond the threshold\./);

  const world = openWorld({ dir, config: loadConfig(config_file).config, create: false, log_to_file: false, own: true });
  const api = await startApi(world, { port: 0 });
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await api.close();
    world.close();
  });
  const latest = world.kernel.kpis.latest()!;
  assert.equal(latest.cycle, 15);
  const page = browser.page;
  await logIn(page, api.url, world.operator_token);
  await page.click('nav.sidebar a[href="#/kpis"]');
  for (const d of world.kernel.kpis.definitions) {
    await page.waitForFunction((name) => Number(document.querySelector(`[data-chart=kpi-${name}]`)?.getAttribute('data-points')) === 15, d.name);
    const shown = await page.textContent(`[data-testid=kpi-${d.name}]`);
    const v = latest.values[d.name] ?? null;
    assert.equal(shown, v === null ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(3), `${d.name} shows its cycle-15 value`);
  }
  assert.ok(await page.$('[data-chart=kpi-gini] canvas'), 'the Gini chart is drawn');
  const moved = await page.textContent('[data-testid=report-moved]');
  assert.equal(moved, `moved: ${reports[0]!.moved.length === 0 ? 'nothing' : reports[0]!.moved.map((m) => m.name).join(', ')}`);
  await screenshot(page, 'kpis');

  // The form adds an agent of the operator's own; the agents table lists it.
  await page.fill('form.add-agent input[name=dir]', resolve('test/fixtures/agents/js-hello'));
  await page.fill('form.add-agent input[name=name]', 'form-agent');
  await page.click('form.add-agent button[type=submit]');
  await page.waitForSelector('[data-testid=add-agent-result]');
  assert.equal(await page.textContent('[data-testid=add-agent-result]'), 'added form-agent');
  await page.click('nav.sidebar a[href="#/agents"]');
  await page.waitForSelector('a[href="#/agents/form-agent"]');
  assert.equal(world.kernel.agents.require('form-agent').generation, 0);
});
