// The dashboard's side-by-side fork view (docs/replay.md, "Checkpoints and forks"): from the
// World page a researcher opens a fork beside its parent and sees the fork's cycle and changes,
// the KPIs at the last cycle both recorded with the deltas, and each KPI's two series on one
// chart. The server reads the other world by the fork's listed id (never a path a request names),
// read-only, and only when it is this world's fork by its recorded world id and directory.
// A small simulated world (process runner: none of this is about the sandbox): 4 cycles, a fork
// at 2 with cheaper messages run on to 4.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import type { ConfigInput } from '../src/config/schema.js';
import type { WorldComparison, WorldHistory } from '../src/api/views/history.js';
import { forkWorld } from '../src/orchestrator/fork.js';
import { noteFork } from '../src/store/fork-list.js';
import { browserUnavailable, launchBrowser, logIn } from './support/browser.js';
import { runSimulated } from './support/simulated.js';
import { makeWorld, serve, tempDir, type TestWorld } from './support/world.js';

const CONFIG: ConfigInput = { market: { clearing_interval_s: 10 }, llm: { mode: 'replay' }, sandbox: { runner: 'process' }, agents: { genesis_first_bid: { credits: 0 } } };
const CHANGED: ConfigInput = { ...CONFIG, social: { message_cost: 0.25 } };

let parent: TestWorld;
let fork_dir: string;

before(async () => {
  parent = await runSimulated({ cycles: 4, seed: 7, config: CONFIG });
  fork_dir = join(tempDir('agora-fork-view-'), 'fork');
  forkWorld({ parent_dir: parent.paths.dir, cycle: 2, to_dir: fork_dir, changes: { 'social.message_cost': 0.25 }, config: parseConfig(CHANGED) });
  (await runSimulated({ dir: fork_dir, cycles: 2, config: CHANGED, fresh: false })).cleanup();
});
after(() => parent?.cleanup());

function kpiAt(dir: string, cycle: number): Record<string, number | null> {
  const db = new Database(join(dir, 'world.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT name, value FROM kpi_cycles WHERE cycle = ?').all(cycle) as { name: string; value: number | null }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  } finally {
    db.close();
  }
}

const fmt = (v: number | null) => (v === null ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(3));

test('from the World page, a fork opens side by side with its parent: fork cycle and changes, final KPIs with deltas, both series on each chart', { skip: browserUnavailable() }, async (t) => {
  const api = await serve(parent);
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await api.close();
  });
  const history = (await api.request('GET', '/operator/history', { token: parent.operator_token })).body as WorldHistory;
  assert.equal(history.forks.length, 1);
  const id = history.forks[0]!.id;

  const page = browser.page;
  await logIn(page, api.url, parent.operator_token);
  await page.click(`[data-testid=history-forks] tr[data-id="${id}"] a`);
  await page.waitForSelector('[data-testid=compare-finals]');
  assert.equal(await page.textContent('[data-testid=compare-fork-cycle]'), '2');
  assert.equal(await page.textContent('[data-testid=compare-changes]'), 'social.message_cost=0.25');

  // The finals are each world's own recorded KPIs at cycle 4, and the delta is fork − parent.
  const mine = kpiAt(parent.paths.dir, 4);
  const theirs = kpiAt(fork_dir, 4);
  const names = Object.keys(mine);
  assert.ok(names.length > 0);
  let moved = 0;
  for (const name of names) {
    const cells = await page.locator(`[data-testid=compare-finals] tr[data-kpi="${name}"] td`).allTextContents();
    const x = mine[name] ?? null;
    const y = theirs[name] ?? null;
    const delta = x === null || y === null ? null : y - x;
    assert.deepEqual(cells, [name, fmt(x), fmt(y), delta === null ? '–' : `${delta > 0 ? '+' : ''}${fmt(delta)}`], name);
    if (delta !== null && delta !== 0) moved++;
  }
  assert.ok(moved > 0, 'the cheaper messages moved a KPI, and the table shows it');

  // Each KPI's chart overlays both worlds over cycles 1-4.
  const chart = `[data-chart="compare-${names[0]}"]`;
  await page.waitForSelector(`${chart} canvas`);
  assert.equal(await page.getAttribute(chart, 'data-points'), '4');
  const legend = (await page.locator(`${chart} .u-legend`).textContent()) ?? '';
  assert.match(legend, /this world[\s\S]*fork/);
});

test('the compare route reads only listed forks of this world, and a fork sees its parent', async (t) => {
  const api = await serve(parent);
  t.after(() => api.close());
  const get = (other: string) => api.request('GET', `/operator/compare/${encodeURIComponent(other)}`, { token: parent.operator_token });
  assert.equal((await get('../../etc')).status, 400, 'a path is not a fork id');
  assert.equal((await get('00000002-nosuchfork')).status, 404, 'an id no listing has');
  assert.equal((await get('parent')).status, 404, 'the parent is no fork: it has no parent');
  // A listing that names a world which is not this one's fork (here: the parent itself) is refused.
  noteFork(parent.paths.dir, { dir: parent.paths.dir, cycle: 3, changes: {} });
  const history = (await api.request('GET', '/operator/history', { token: parent.operator_token })).body as WorldHistory;
  const bogus = history.forks.find((f) => f.cycle === 3)!;
  const refused = await get(bogus.id);
  assert.equal(refused.status, 409, JSON.stringify(refused.body));
  assert.match(refused.body.error.message, /not this world's fork/);

  // From the fork's own server, its parent side by side.
  const fork = makeWorld({ dir: fork_dir, config: CHANGED });
  const fork_api = await serve(fork);
  t.after(async () => {
    await fork_api.close();
    fork.cleanup();
  });
  const res = await fork_api.request('GET', '/operator/compare/parent', { token: fork.operator_token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const c = res.body as WorldComparison;
  assert.equal(c.relation, 'parent');
  assert.deepEqual(c.fork, { cycle: 2, changes: { 'social.message_cost': 0.25 } });
  assert.equal(c.common_cycle, 4);
  assert.equal(c.other.dir, parent.paths.dir);
  const gini = c.finals.find((k) => k.name === 'gini')!;
  assert.deepEqual([gini.this, gini.other], [kpiAt(fork_dir, 4).gini ?? null, kpiAt(parent.paths.dir, 4).gini ?? null]);
});
