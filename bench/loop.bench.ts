// How many trivial executions per second the world loop sustains on this machine: each cycle
// clears bids for N agents whose command is /usr/bin/true, launches them in bwrap sandboxes
// (cgroups, forwarder, API channel, env.json) and records their metered outcomes.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { SYSTEM_MINT } from '../src/kernel/ledger/accounts.js';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { bundleFromNatural } from '../src/kernel/resources/units.js';
import { openWorld } from '../src/orchestrator/open-world.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { startApi } from '../src/api/start.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { tempDir } from '../test/support/world.js';
import type { BenchRow } from './types.js';

const AGENTS = 16;
const CYCLES = 12;

export default async function bench(): Promise<BenchRow[]> {
  const dir = tempDir('agora-bench-loop-');
  const clock = new VirtualClock();
  const config = parseConfig({
    agents: { genesis_first_bid: { credits: 0 } },
    orchestrator: { runs_concurrent_max: AGENTS },
    market: { resources: { cpu: { supply_per_cycle: 1000 }, memory: { supply_per_cycle: 100_000 } } },
  });
  const world = openWorld({ dir, config, clock, seed: 3, log_to_file: false });
  const api = await startApi(world, { port: 0 });
  const runner = await createRunner(config, world.log);
  const k = world.kernel;
  const ids = Array.from({ length: AGENTS }, (_, i) => `bench-${i}`);
  k.core.batch({ actor: 'bench' }, () => {
    for (const id of ids) {
      k.core.command({ actor: 'bench' }, (tx) =>
        k.agents.create(tx, { agent_id: id, parent_id: null, workspace: `workspaces/${id}`, postings: [{ from: SYSTEM_MINT, to: id, amount_ucr: 1e12, kind: 'grant' }] }),
      );
      const ws = join(dir, 'workspaces', id);
      mkdirSync(ws, { recursive: true });
      writeFileSync(join(ws, 'agent.json'), JSON.stringify({ command: ['/usr/bin/true'] }));
    }
  });
  const bundle = bundleFromNatural({ cpu: 0.1, memory: 32, tokens: 0, attention: 0, duration_s: 10 });
  let executions = 0;
  let seconds = 0;
  try {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      k.core.batch({ actor: 'bench' }, () => {
        for (const id of ids) k.market.placeBid({ payer_id: id, amount_ucr: 100_000, bundle }, { actor: id });
      });
      const loop = new WorldLoop(world, api, runner, { cycles: 1, virtual_clock: clock });
      const started = process.hrtime.bigint();
      await loop.run();
      await loop.launcher.idle();
      if (cycle > 0) {
        // The first cycle warms caches (page cache for node/bwrap, cgroup hierarchy).
        seconds += Number(process.hrtime.bigint() - started) / 1e9;
        executions += AGENTS;
      }
    }
    const ended = world.db.prepare("SELECT reason, COUNT(*) AS n FROM executions GROUP BY reason").all() as { reason: string; n: number }[];
    const per_second = executions / seconds;
    return [
      {
        name: `trivial executions/s through the loop (bwrap, ${AGENTS} per cycle, 2 cores)`,
        value: per_second,
        unit: 'executions/s',
        note: `${executions} runs in ${seconds.toFixed(2)} s; outcomes ${ended.map((r) => `${r.reason}=${r.n}`).join(', ')}`,
      },
    ];
  } finally {
    await runner.close();
    await api.close();
    world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
