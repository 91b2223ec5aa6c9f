// Simulated worlds for the replay tests: two deterministic traders (test/fixtures/agents/
// trader.js) in real sandboxes, on a virtual clock, run for a number of cycles with the world
// loop under --simulate rules. A world can be reopened (a fork) and run on.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigInput } from '../../src/config/schema.js';
import { VirtualClock } from '../../src/kernel/engine/clock.js';
import { WorldLoop } from '../../src/orchestrator/world-loop.js';
import { createRunner } from '../../src/sandbox/create-runner.js';
import { addAgent, makeWorld, serve, tempDir, type TestWorld } from './world.js';
import { bundle, credits } from './market.js';

export const TRADERS = ['alice', 'bob'] as const;

export const SIMULATED_CONFIG: ConfigInput = { market: { clearing_interval_s: 10 }, llm: { mode: 'replay' } };

export function installTraders(world: TestWorld): void {
  for (const id of TRADERS) {
    addAgent(world, id, 50);
    const workspace = world.workspaces.exists(`workspaces/${id}`) ? `workspaces/${id}` : world.workspaces.create(id);
    const dir = world.workspaces.dir(workspace);
    mkdirSync(dir, { recursive: true });
    copyFileSync('test/fixtures/agents/trader.js', join(dir, 'main.js'));
    world.kernel.market.placeBid({ payer_id: id, amount_ucr: credits(1), bundle: bundle({ cpu_s: 2, memory_mb: 128, tokens: 400, duration_s: 10 }) }, { actor: id });
  }
}

/**
 * Opens the world at `dir` (a new one with the traders when `fresh`), runs `cycles` simulated
 * cycles, and returns it open (the caller closes it with cleanup()). `install` puts other agents
 * in a fresh world instead of the traders.
 */
export async function runSimulated(options: { dir?: string; cycles: number; seed?: number; config?: ConfigInput; fresh?: boolean; install?: (world: TestWorld) => void }): Promise<TestWorld> {
  const clock = new VirtualClock();
  const dir = options.dir ?? tempDir('agora-sim-');
  const world = makeWorld({ dir, clock, seed: options.seed ?? 7, config: options.config ?? SIMULATED_CONFIG });
  if (options.fresh !== false) (options.install ?? installTraders)(world);
  const api = await serve(world);
  const runner = await createRunner(world.config, world.log);
  try {
    const loop = new WorldLoop(world, api, runner, { cycles: options.cycles, virtual_clock: clock, deterministic: true });
    await loop.run();
    await loop.stop();
  } finally {
    await runner.close();
    await api.close();
  }
  return world;
}
