// The world loop's own duties, seen from outside: memory held by runs whose lease goes on is not
// sold again next cycle, and prompts past their time expire. The runs are held open by a runner
// the test controls (the Runner contract every runner keeps), so no sandbox or timing is involved.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ConfigInput } from '../src/config/schema.js';
import type { VirtualClock } from '../src/kernel/engine/clock.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import type { RunHandle, RunResult, Runner, RunSpec } from '../src/sandbox/runner.js';
import { startRun } from './support/attention.js';
import { bundle, credits } from './support/market.js';
import { addAgent, makeWorld, serve, type TestWorld } from './support/world.js';

/** A runner whose runs last until the test ends them. */
class HeldRunner implements Runner {
  readonly kind = 'process' as const;
  readonly isolation = 'none' as const;
  readonly started: RunSpec[] = [];
  private readonly ends = new Map<string, (result: RunResult) => void>();
  private readonly waiters: (() => void)[] = [];

  channelDir(): string | null {
    return null;
  }

  workspacePathInside(spec: Pick<RunSpec, 'workspace_dir'>): string {
    return spec.workspace_dir;
  }

  async start(spec: RunSpec): Promise<RunHandle> {
    this.started.push(spec);
    let end!: (result: RunResult) => void;
    const done = new Promise<RunResult>((resolve) => (end = resolve));
    this.ends.set(spec.agent_id, end);
    for (const wake of this.waiters.splice(0)) wake();
    const result = (reason: RunResult['reason']): RunResult => ({
      exit_code: reason === 'exit' ? 0 : null, signal: null, reason, detail: null, cpu_ms: 10, memory_peak_mb: 1,
      metering: 'rusage', wall_ms: 1, log_bytes: 0, log_truncated: false,
    });
    return {
      execution_id: spec.execution_id,
      pid: null,
      done,
      deadline_wall_ms: Date.now() + spec.limits.wall_ms,
      extend: () => true,
      stop: async () => {
        end(result('stopped'));
        return done;
      },
    };
  }

  /** Ends the agent's run as a clean exit. */
  finish(agent_id: string): void {
    const end = this.ends.get(agent_id);
    assert.ok(end !== undefined, `${agent_id} has a run`);
    this.ends.delete(agent_id);
    end({ exit_code: 0, signal: null, reason: 'exit', detail: null, cpu_ms: 10, memory_peak_mb: 1, metering: 'rusage', wall_ms: 1, log_bytes: 0, log_truncated: false });
  }

  async close(): Promise<void> {
    for (const agent of [...this.ends.keys()]) this.finish(agent);
  }
}

function giveWorkspace(world: TestWorld, agent_id: string): void {
  const dir = join(world.paths.workspaces, agent_id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.js'), '');
}

/** What the latest clearing offered, from its journal event. */
function lastSupply(world: TestWorld): Record<string, number> {
  const row = world.db.prepare("SELECT data FROM events WHERE type = 'market_cleared' ORDER BY seq DESC LIMIT 1").get() as { data: string };
  return JSON.parse(row.data).supply;
}

async function setup(t: { after(fn: () => unknown): void }, config: ConfigInput = {}) {
  const world = makeWorld({ config: { market: { clearing_interval_s: 10, ...config?.market }, ...config } });
  const api = await serve(world);
  const runner = new HeldRunner();
  const loop = new WorldLoop(world, api, runner);
  t.after(async () => {
    await runner.close();
    await loop.stop();
    await api.close();
    world.cleanup();
  });
  const clock = world.clock as VirtualClock;
  const nextCycle = () => {
    clock.advance(world.config.market.clearing_interval_s * 1000);
    return loop.cycle();
  };
  return { world, runner, loop, nextCycle };
}

test('memory held by a running lease is not sold again: the next cycle offers only what is left', async (t) => {
  const { world, runner, loop, nextCycle } = await setup(t, { market: { resources: { memory: { supply_per_cycle: 256 } } } });
  const m = world.kernel.market;
  for (const id of ['holder', 'newcomer']) {
    addAgent(world, id, 50);
    giveWorkspace(world, id);
  }
  m.placeBid({ payer_id: 'holder', amount_ucr: credits(5), bundle: bundle({ memory_mb: 192, duration_s: 300 }) }, { actor: 'holder' });
  const first = await nextCycle();
  assert.equal(first.launched, 1, 'the holder runs');
  assert.equal(runner.started.length, 1);

  // 192 of 256 MB stay held by the holder's lease: a 128 MB bundle cannot be sold beside it.
  const waiting = m.placeBid({ payer_id: 'newcomer', amount_ucr: credits(5), bundle: bundle({ memory_mb: 128, duration_s: 60 }) }, { actor: 'newcomer' });
  const second = await nextCycle();
  assert.equal(second.winners, 0, 'the held memory was not sold again');
  assert.equal(m.bid(waiting.bid_id)?.status, 'open');
  assert.equal(lastSupply(world).memory, 256 - 192, 'the clearing offered only the memory no lease holds');

  // The holder's run ends: its memory is free again, whatever its lease said.
  runner.finish('holder');
  await loop.launcher.idle();
  const third = await nextCycle();
  assert.equal(third.winners, 1, 'the freed memory sells');
  assert.equal(m.bid(waiting.bid_id)?.status, 'won');
});

test('a prompt the operator did not answer within attention.prompt_ttl_s expires in the next cycle, unrewarded', async (t) => {
  const { world, nextCycle } = await setup(t, { attention: { prompt_ttl_s: 30 } });
  const k = world.kernel;
  addAgent(world, 'asker', 10);
  const run = startRun(world, 'asker', { attention: 1 });
  const prompt = k.attention.submit({ agent_id: 'asker', execution_id: run.id, content: 'Anyone?', options: [] }, { actor: 'asker' });
  await nextCycle(); // 10 s: not yet due
  assert.equal(k.attention.require(prompt.prompt_id).status, 'pending');
  await nextCycle();
  await nextCycle(); // 30 s: due
  const expired = k.attention.require(prompt.prompt_id);
  assert.equal(expired.status, 'expired');
  assert.equal(expired.reward_ucr, null);
});
