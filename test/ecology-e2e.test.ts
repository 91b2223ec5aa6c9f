// The artifact ecology of a new world, end to end, in simulation (virtual clock): left alone,
// the real genesis agent and its children publish tools, find each other's by search, pay to
// call them and bid with the answers, so credits move between agents because of artifacts.
// Small (a population of 8, 12 cycles) and on the process runner for speed; the 60-cycle default
// world with bwrap is measured in docs/society.md ("Tools and the artifact ecology").
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { ecologyFigures } from './support/ecology.js';
import { runnerWorld } from './support/world.js';

const CYCLES = 12;
/** The default world's first bid for genesis (test worlds place none unless told). */
const DEFAULT_FIRST_BID = { credits: 2, cpu_s: 4, memory_mb: 256, duration_s: 30 };

test(`left alone, a new world's agents pay each other for artifacts within ${CYCLES} cycles`, { timeout: 300_000 }, async (t) => {
  const clock = new VirtualClock();
  const { world, api, runner } = await runnerWorld(t, { clock, config: { sandbox: { runner: 'process' }, social: { population_max: 8 }, agents: { genesis_first_bid: DEFAULT_FIRST_BID } } });
  const loop = new WorldLoop(world, api, runner, { cycles: CYCLES, virtual_clock: clock });
  await loop.run();
  await loop.stop();

  const figures = ecologyFigures(world.db);
  t.diagnostic(JSON.stringify(figures));
  assert.ok(figures.artifacts_called_by_others >= 3, `at least 3 distinct artifacts called by agents other than their owners: ${figures.artifacts_called_by_others}`);
  assert.ok(figures.paid_between_agents_ucr > 0, 'credits were paid between agents for calls');
  assert.ok(figures.paid_owners >= 2 && figures.paying_agents >= 2, `more than one payer and more than one owner paid: ${figures.paying_agents} payers, ${figures.paid_owners} owners`);
  assert.ok(Object.keys(figures.published_by_tool).length >= 1 && figures.publishers >= 3, `several agents published tools: ${JSON.stringify(figures.published_by_tool)}`);

  // The reuse KPI (docs/kpis.md) counted the calls.
  const kpis = world.db.prepare("SELECT data FROM events WHERE type = 'kpis_recorded' ORDER BY seq DESC LIMIT 1").get() as { data: string } | undefined;
  assert.ok(kpis !== undefined);
  const values = (JSON.parse(kpis.data) as { values: Record<string, number | null> }).values;
  assert.ok((values.artifact_calls_per_artifact ?? 0) > 0, `the reuse KPI saw the calls: ${JSON.stringify(values)}`);

  // The decisions are explained: genesis's trace says what it published, and the traces of the
  // lineage say what they bought (which agent buys depends on how long its runs take: genesis
  // skips shopping in a run already old, so on a loaded machine its children may do all of it).
  const traceOf = (id: string) => readFileSync(join(world.paths.dir, 'workspaces', id, 'trace.log'), 'utf8');
  assert.match(traceOf('genesis'), /own tool: published art-/);
  const ids = world.kernel.agents.list({ limit: 100 }).map((a) => a.id);
  const traces = ids.filter((id) => existsSync(join(world.paths.dir, 'workspaces', id, 'trace.log'))).map(traceOf);
  assert.ok(traces.some((t) => /bought art-\S+ (forecast|advise_bid) of /.test(t)), 'a trace says what was bought, from whom and why');

  assertConserved(world);
  assertAuditPasses(world);
});
