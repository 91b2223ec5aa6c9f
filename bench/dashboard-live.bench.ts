// The dashboard's first page with 1,000 live agents (issue 18), in headless Chromium: a world
// where every agent is alive, bids every cycle, wins a run (journaled start to end) and now and
// then writes to another (bench/live-world.ts). The world commits an event before each load,
// as a live world does, so the API's read cache is cold every time. Also the first page's routes
// over HTTP, each cold. `npm run bench -- dashboard-live`; LIVE_AGENTS, LIVE_CYCLES pick the size.
import { rmSync } from 'node:fs';
import { startApi } from '../src/api/start.js';
import { lastSeq } from '../src/store/journal.js';
import { browserUnavailable } from '../test/support/browser.js';
import { tempDir } from '../test/support/world.js';
import { median, timeFirstPage, timeRoute } from './first-page.js';
import { buildLiveWorld } from './live-world.js';
import type { BenchRow } from './types.js';

const AGENTS = Number(process.env.LIVE_AGENTS ?? 1_000);
const CYCLES = Number(process.env.LIVE_CYCLES ?? 30);
const LOADS = 5;
const TARGET_MS = 1_000;

/** What the first page asks the API for (web/src/app.tsx, pages/overview.tsx, pages/history.tsx). */
const FIRST_PAGE = ['/operator/summary', '/operator/series', '/operator/history'];

export default async function bench(): Promise<BenchRow[]> {
  const unavailable = browserUnavailable();
  if (unavailable) throw new Error(unavailable);
  const dir = tempDir('agora-bench-dashboard-live-');
  const build_started = performance.now();
  const world = buildLiveWorld(dir, { agents: AGENTS, cycles: CYCLES });
  const build_s = (performance.now() - build_started) / 1000;
  const api = await startApi(world, { port: 0, host: '127.0.0.1' });
  const k = world.kernel;
  let n = 0;
  // One committed event: the read cache is dropped, as in a world whose agents keep writing.
  const live = () => void k.social.sendFromOperator({ to_id: `ag-${String(n++ % AGENTS).padStart(5, '0')}`, content: 'still there?' }, { actor: 'operator' });
  try {
    const alive = k.operator.summary().population.alive;
    if (alive < AGENTS) throw new Error(`the world has ${alive} alive agents, fewer than ${AGENTS}`);
    const expected_points = Math.min(k.market.state().cycle, world.config.operator.series_cycles_default);
    const { in_page_ms, driver_ms, request_start_ms } = await timeFirstPage({ url: api.url, operator_token: world.operator_token, expected_points, loads: LOADS, beforeLoad: live });
    const first = in_page_ms[0]!;
    // A fresh profile's first navigation spends its first few hundred ms in the browser's own
    // start-up (network service, disk cache) before it even asks for the page.
    const first_from_request = first - request_start_ms[0]!;
    const loads = median(in_page_ms);
    const routes = [];
    for (const path of [...FIRST_PAGE, '/operator/agents?sort=balance&order=desc']) routes.push({ path, ms: await timeRoute(`${api.url}${path}`, world.operator_token, 7, live) });
    const note = `${alive} alive agents, ${CYCLES} cycles, ${lastSeq(world.db)} events (built in ${build_s.toFixed(0)} s)`;
    return [
      { name: `dashboard first page, ${AGENTS} live agents: navigation start to data drawn (median of ${LOADS} cold loads)`, value: loads, unit: 'ms', target: `< ${TARGET_MS}`, ok: loads < TARGET_MS, note },
      { name: 'the same, first load with a fresh browser profile', value: first, unit: 'ms', note: `of which ${Math.round(request_start_ms[0]!)} ms before the browser sent the page's request; driver (goto to detection, 50 ms polling): median ${Math.round(median(driver_ms))} ms` },
      { name: 'first load with a fresh browser profile, from the page\'s request to data drawn', value: first_from_request, unit: 'ms', target: `< ${TARGET_MS}`, ok: first_from_request < TARGET_MS },
      ...routes.map((r) => ({ name: `GET ${r.path}, read cache cold (median of 7)`, value: r.ms, unit: 'ms' })),
    ];
  } finally {
    await api.close();
    world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
