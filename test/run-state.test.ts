// The launcher's run states, and the launcher with a fake Runner (no sandbox): a queued
// lease has no execution and no clock; its lease starts when a slot frees; leases won while
// it waits are kept; and illegal state moves are refused.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunningApi } from '../src/api/start.js';
import type { VirtualClock } from '../src/kernel/engine/clock.js';
import { Launcher } from '../src/orchestrator/launcher.js';
import { RunStateMachine, type RunState } from '../src/orchestrator/run-state.js';
import type { RunHandle, Runner, RunResult, RunSpec } from '../src/sandbox/runner.js';
import { addAgent, makeWorld } from './support/world.js';
import { assertAuditPasses } from './support/assertions.js';
import { bundle, credits } from './support/market.js';

test('a run moves queued -> starting -> running -> ending -> ended, or from starting straight to ending', () => {
  const run = new RunStateMachine('r');
  for (const s of ['starting', 'running', 'ending', 'ended'] as RunState[]) run.to(s);
  assert.deepEqual(run.history, ['queued', 'starting', 'running', 'ending', 'ended']);
  const failed = new RunStateMachine('f');
  failed.to('starting');
  failed.to('ending');
  failed.to('ended');
  assert.equal(failed.state, 'ended');
});

test('every other move is refused', () => {
  const legal = new Set(['queued>starting', 'starting>running', 'starting>ending', 'running>ending', 'ending>ended']);
  const states: RunState[] = ['queued', 'starting', 'running', 'ending', 'ended'];
  const path: Record<RunState, RunState[]> = { queued: [], starting: ['starting'], running: ['starting', 'running'], ending: ['starting', 'running', 'ending'], ended: ['starting', 'running', 'ending', 'ended'] };
  for (const from of states) {
    for (const to of states) {
      if (legal.has(`${from}>${to}`)) continue;
      const run = new RunStateMachine('x');
      for (const s of path[from]) run.to(s);
      assert.throws(() => run.to(to), /invariant violated: run x: .* is not a legal transition/, `${from} -> ${to}`);
      assert.equal(run.state, from, 'a refused move changes nothing');
    }
  }
  const queued = new RunStateMachine('q');
  assert.throws(() => queued.expect('extend', 'running'), /cannot extend while queued/);
});

/** A Runner whose runs end when the test says so. */
class FakeRunner implements Runner {
  readonly kind = 'process' as const;
  readonly isolation = 'none' as const;
  readonly started: { spec: RunSpec; finish: () => void; deadlines: number[] }[] = [];
  channelDir(): string | null {
    return null;
  }

  workspacePathInside(spec: Pick<RunSpec, 'workspace_dir'>): string {
    return spec.workspace_dir;
  }
  async start(spec: RunSpec): Promise<RunHandle> {
    let finish!: (r: RunResult) => void;
    const done = new Promise<RunResult>((resolve) => (finish = resolve));
    const deadlines: number[] = [];
    const result: RunResult = { exit_code: 0, signal: null, reason: 'exit', detail: null, cpu_ms: 100, memory_peak_mb: 10, metering: 'rusage', wall_ms: 5, log_bytes: 0, log_truncated: false };
    this.started.push({ spec, finish: () => finish(result), deadlines });
    return {
      execution_id: spec.execution_id,
      pid: null,
      done,
      deadline_wall_ms: Date.now() + spec.limits.wall_ms,
      extend: (d) => (deadlines.push(d), true),
      stop: async () => {
        finish({ ...result, reason: 'stopped', exit_code: null });
        return done;
      },
    };
  }
  async close(): Promise<void> {}
}

test('a winner waiting for a slot has no execution until it launches; its lease then starts, with the lease it won while waiting', async (t) => {
  const world = makeWorld({ config: { orchestrator: { runs_concurrent_max: 1 } } });
  t.after(() => world.cleanup());
  const clock = world.clock as VirtualClock;
  for (const agent of ['one', 'two']) {
    addAgent(world, agent, 50);
    mkdirSync(join(world.paths.dir, 'workspaces', agent), { recursive: true });
    writeFileSync(join(world.paths.dir, 'workspaces', agent, 'main.js'), '');
    world.kernel.market.placeBid({ payer_id: agent, amount_ucr: credits(1), bundle: bundle({ memory_mb: 100, duration_s: 10 }) }, { actor: agent });
    // Each has run before, so ending up with no bid and no run would be omission.
    const before = world.kernel.executions.start({ agent_id: agent, bid_id: `earlier-${agent}`, cycle: 0, bundle: bundle(), lease_ends_at_ms: 1 }, { actor: 'test' });
    world.kernel.executions.end(before.id, { reason: 'exit', exit_code: 0, signal: null, cpu_ms: 1, memory_peak_mb: 1, wall_ms: 1, log_bytes: 0, log_truncated: false }, { actor: 'test' });
  }
  const runner = new FakeRunner();
  const launcher = new Launcher(world, { url: 'http://127.0.0.1:9' } as RunningApi, runner, world.log, null);
  const first = world.kernel.market.clear({ actor: 'test' });
  assert.deepEqual(await Promise.all(first.winners.map((w) => launcher.admit(w, first.cycle))), ['launched', 'queued']);
  const waiting = first.winners[1]!.agent_id;
  assert.equal(world.kernel.executions.runningFor(waiting), null, 'no execution, so no lease clock, while it waits');
  assert.equal(launcher.heldMemoryMb(clock.now_ms()), 200, 'the queued lease still holds its memory for the next clearing');
  const review = world.kernel.lifecycle.review({ cycle: first.cycle, min_bundle_cost_ucr: 1, death_after_cycles: 4 });
  assert.deepEqual(review.dormant, [], 'waiting for a slot is not omission');

  // It wins again while it waits: that lease is kept for its run, not lost.
  world.kernel.market.placeBid({ payer_id: waiting, amount_ucr: credits(1), bundle: bundle({ memory_mb: 100, duration_s: 5 }) }, { actor: waiting });
  const second = world.kernel.market.clear({ actor: 'test' });
  assert.deepEqual(await Promise.all(second.winners.map((w) => launcher.admit(w, second.cycle))), ['extended']);

  clock.advance(7_000);
  runner.started[0]!.finish();
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  const run = world.kernel.executions.runningFor(waiting)!;
  assert.ok(run !== null, 'the slot freed: it launched');
  assert.equal(run.started_at_ms, clock.now_ms(), 'its lease starts at its launch');
  assert.equal(run.lease_ends_at_ms, clock.now_ms() + 10_000, 'for its whole duration');
  assert.equal(runner.started[1]!.deadlines.length, 1, 'the lease won while waiting moved the process deadline');
  // Its process exits before that lease begins: the lease is still owed, and runs on its own.
  runner.started[1]!.finish();
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(runner.started.length, 3);
  assert.equal(world.kernel.executions.runningFor(waiting)!.bid_id, second.winners[0]!.bid_id);
  runner.started[2]!.finish();
  await launcher.idle();
  await launcher.shutdown(0);
  assert.deepEqual(world.kernel.executions.waitingLeases(), [], 'every won lease was run');
  assertAuditPasses(world);
});
