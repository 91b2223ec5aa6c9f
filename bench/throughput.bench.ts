// One machine, a thousand agents (issue 18): executions per second through the world loop
// against the machine's own limit for the same runtime, measured side by side in one run.
//
// Three rates, in alternating rounds so load on a shared machine falls on all of them alike:
//   bare:   `bwrap` alone (a minimal sandbox: read-only root, own namespaces) running
//           /usr/bin/true, as many at a time as the machine has cores, back to back;
//   runner: Agora's bwrap runner (cgroups, agora-init, API forwarder, seccomp, metering),
//           started directly, as many at a time as cores: what the sandbox itself costs;
//   loop:   the world loop, AGENTS agents whose command is /usr/bin/true bidding every cycle
//           (virtual clock: each cycle clears, launches its winners side by side, waits for
//           them to end and journals their outcomes, then the next).
// The target is loop >= 0.8 x bare (the "machine's limit for the same runtime").
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import pino from 'pino';
import { parseConfig } from '../src/config/load.js';
import { SYSTEM_MINT } from '../src/kernel/ledger/accounts.js';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { bundleFromNatural } from '../src/kernel/resources/units.js';
import { openWorld } from '../src/orchestrator/open-world.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { startApi } from '../src/api/start.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { findExecutable, probeBwrap } from '../src/sandbox/bwrap.js';
import { runLimits, type Runner } from '../src/sandbox/runner.js';
import { tempDir } from '../test/support/world.js';
import { bareBwrap, rate, TRUE } from './bare-starts.js';
import type { BenchRow } from './types.js';

const AGENTS = Number(process.env.THROUGHPUT_AGENTS ?? 32);
const ROUNDS = Number(process.env.THROUGHPUT_ROUNDS ?? 4);
/** Starts per round for the bare and runner rates. */
const STARTS = AGENTS * 2;
const TARGET_RATIO = 0.8;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export default async function bench(): Promise<BenchRow[]> {
  const config = parseConfig({
    agents: { genesis_first_bid: { credits: 0 } },
    orchestrator: { runs_concurrent_max: AGENTS },
    market: { resources: { cpu: { supply_per_cycle: 1000 }, memory: { supply_per_cycle: 100_000 } } },
  });
  const probe = await probeBwrap(config);
  const bwrap = findExecutable('bwrap');
  if (!probe.ok || bwrap === null) return [{ name: 'executions/s against bare sandbox starts (skipped)', value: 0, unit: 'x', note: probe.ok ? 'no bwrap' : probe.reason }];
  const cores = cpus().length;

  // The runner alone: a workspace and an API socket that answers nothing.
  const scratch = mkdtempSync(join(tmpdir(), 'agora-bench-throughput-'));
  const ws = join(scratch, 'workspace');
  mkdirSync(ws);
  const socket_path = join(scratch, 'api.sock');
  const stub = net.createServer((s) => s.end());
  await new Promise<void>((resolve) => stub.listen(socket_path, resolve));
  const direct: Runner = await createRunner(config, pino({ level: 'silent' }));
  let n = 0;
  const runnerStart = async () => {
    const id = `direct-${++n}`;
    const handle = await direct.start({
      execution_id: id,
      agent_id: 'bench',
      workspace_dir: ws,
      command: [TRUE],
      env: {},
      limits: runLimits(config, { memory_mb: 32, wall_ms: 30_000, cpu_ms_max: null }),
      api_socket_path: socket_path,
      api_url: null,
      log_path: join(scratch, `${id}.log`),
      debug: null,
    });
    const result = await handle.done;
    if (result.reason !== 'exit') throw new Error(`direct run ended ${result.reason}: ${result.detail}`);
  };

  // The world loop.
  const dir = tempDir('agora-bench-throughput-world-');
  const clock = new VirtualClock();
  const world = openWorld({ dir, config, clock, seed: 18, log_to_file: false });
  const api = await startApi(world, { port: 0 });
  const runner = await createRunner(config, world.log);
  const k = world.kernel;
  const ids = Array.from({ length: AGENTS }, (_, i) => `t${String(i).padStart(3, '0')}`);
  k.core.batch({ actor: 'bench' }, () => {
    for (const id of ids) {
      k.core.command({ actor: 'bench' }, (tx) =>
        k.agents.create(tx, { agent_id: id, parent_id: null, workspace: `workspaces/${id}`, postings: [{ from: SYSTEM_MINT, to: id, amount_ucr: 1e12, kind: 'grant' }] }),
      );
      const w = join(dir, 'workspaces', id);
      mkdirSync(w, { recursive: true });
      writeFileSync(join(w, 'agent.json'), JSON.stringify({ command: [TRUE] }));
    }
  });
  const bundle = bundleFromNatural({ cpu: 0.1, memory: 32, tokens: 0, attention: 0, duration_s: 10 });
  const loopCycle = async (): Promise<{ seconds: number; runs: number }> => {
    k.core.batch({ actor: 'bench' }, () => {
      for (const id of ids) k.market.placeBid({ payer_id: id, amount_ucr: 100_000, bundle }, { actor: id });
    });
    let launched = 0;
    const began = performance.now();
    const loop = new WorldLoop(world, api, runner, { cycles: 1, virtual_clock: clock, onCycle: (r) => (launched = r.launched) });
    await loop.run();
    await loop.launcher.idle();
    return { seconds: (performance.now() - began) / 1000, runs: launched };
  };

  const bare: number[] = [];
  const sandboxed: number[] = [];
  const looped: number[] = [];
  const loads: number[] = [loadavg()[0]!];
  try {
    // Warm-up: page cache for bwrap and node, the cgroup hierarchy, prepared statements.
    await rate(cores, cores, () => bareBwrap(bwrap));
    await rate(cores, cores, runnerStart);
    await loopCycle();
    for (let round = 0; round < ROUNDS; round++) {
      bare.push(await rate(STARTS, cores, () => bareBwrap(bwrap)));
      sandboxed.push(await rate(STARTS, cores, runnerStart));
      // Two cycles a round: as many runs as the other two rates started.
      let seconds = 0;
      let runs = 0;
      for (let c = 0; c < 2; c++) {
        const r = await loopCycle();
        seconds += r.seconds;
        runs += r.runs;
      }
      looped.push(runs / seconds);
      loads.push(loadavg()[0]!);
    }
  } finally {
    stub.close();
    await direct.close();
    await runner.close();
    await api.close();
    world.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
  const ratio = median(looped) / median(bare);
  const load = `load average ${loads[0]!.toFixed(1)} → ${loads[loads.length - 1]!.toFixed(1)} on ${cores} cores`;
  const each = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  return [
    { name: `bare bwrap starts/s, /usr/bin/true, ${cores} at a time (median of ${ROUNDS} rounds of ${STARTS})`, value: median(bare), unit: 'starts/s', note: `rounds ${each(bare)}; ${load}` },
    { name: `Agora's bwrap runner starts/s, /usr/bin/true, ${cores} at a time (median of ${ROUNDS})`, value: median(sandboxed), unit: 'starts/s', note: `rounds ${each(sandboxed)}; cgroups, agora-init, forwarder, seccomp, metering; ${(median(sandboxed) / median(bare)).toFixed(2)}x bare` },
    { name: `executions/s through the world loop, ${AGENTS} agents running /usr/bin/true every cycle (median of ${ROUNDS})`, value: median(looped), unit: 'executions/s', note: `rounds ${each(looped)}; ${(median(looped) / median(sandboxed)).toFixed(2)}x the runner alone` },
    {
      name: 'world loop executions/s against bare bwrap starts/s, same run',
      value: ratio,
      unit: 'x',
      target: `>= ${TARGET_RATIO}`,
      ok: ratio >= TARGET_RATIO,
      note: `loop ${median(looped).toFixed(0)}/s, bare ${median(bare).toFixed(0)}/s; ${load}`,
    },
  ];
}
