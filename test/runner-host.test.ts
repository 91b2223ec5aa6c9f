// Runs dispatched through NATS JetStream to `agora runner --join` hosts (docs/deploy.md,
// "Runner hosts"): a real nats-server, real bwrap sandboxes, and the runner hosts as real
// child processes. The world's kernel journals every outcome; the runners only report.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { audit } from '../src/kernel/audit.js';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { startRunDispatch } from '../src/nats/start.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { bundle, credits } from './support/market.js';
import { natsUnavailable, startNats } from './support/nats.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { addAgent, makeWorld, serve, tempDir } from './support/world.js';

const skip = natsUnavailable() || sandboxUnavailable();

interface RunnerProcess {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line `match` accepts (now or later). */
  waitFor(match: (line: string) => boolean): Promise<string>;
  exited: Promise<unknown>;
}

function startRunner(nats_url: string, api_url: string, config_file: string): RunnerProcess {
  const child = spawn(process.execPath, ['bin/agora.js', 'runner', '--join', nats_url, '--api', api_url, '--config', config_file, ...(process.env.DEBUG_RUNNERS === '1' ? ['--log', `/tmp/dbg/runner-${Date.now()}-${Math.random()}.log`] : [])], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AGORA_CLI_FROM_SOURCE: '1' } });
  const lines: string[] = [];
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let partial = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (process.env.DEBUG_RUNNERS === '1') process.stderr.write(chunk);
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      if (process.env.DEBUG_RUNNERS === '1') process.stderr.write(`[runner ${child.pid}] ${line}\n`);
      lines.push(line);
      for (const w of waiters.splice(0)) (w.match(line) ? w.resolve(line) : waiters.push(w));
    }
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  void exited.then((how) => {
    if (how !== 'SIGKILL' && how !== 0) process.stderr.write(`runner exited ${String(how)}: ${stderr}\n`);
  });
  return {
    child,
    lines,
    exited,
    waitFor: (match) => {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

async function stopRunner(runner: RunnerProcess): Promise<void> {
  if (runner.child.exitCode !== null || runner.child.signalCode !== null) return;
  runner.child.kill('SIGTERM');
  await runner.exited;
}

test('two runner hosts run a world\'s runs, each once; one killed mid-run loses nothing, and the audit passes', { skip, timeout: 120_000 }, async (t) => {
  const nats = await startNats();
  const nats_config = { url: nats.url, dispatch_runs: true, ack_wait_ms: 1500, max_deliver: 3, request_timeout_ms: 5000 };
  const clock = new VirtualClock();
  const world = makeWorld({ clock, config: { events: { kind: 'nats', nats: nats_config } } });
  const api = await serve(world);
  const local = await createRunner(world.config, world.log);
  const dispatch = (await startRunDispatch(world.kernel, world.config, world.log))!;
  assert.ok(dispatch !== null, 'dispatch_runs with events.kind nats gives a remote runner');
  const config_file = join(tempDir(), 'runner.json');
  writeFileSync(config_file, JSON.stringify({ events: { nats: nats_config }, runner_host: { take_wait_ms: 1000, runs_concurrent_max: 3 } }));
  const runners = [startRunner(nats.url, api.url, config_file), startRunner(nats.url, api.url, config_file)];
  t.after(async () => {
    for (const r of runners) await stopRunner(r);
    await dispatch.close();
    await local.close();
    await api.close();
    if (process.env.DEBUG_RUNNERS === '1') copyFileSync(world.paths.log, '/tmp/dbg/world.log');
    world.cleanup();
    await nats.stop();
  });
  await Promise.all(runners.map((r) => r.waitFor((line) => line.startsWith('runner '))));

  const agents = ['ann', 'bob', 'slow'];
  for (const id of agents) {
    addAgent(world, id, 50);
    const dir = join(world.paths.dir, 'workspaces', id);
    mkdirSync(dir, { recursive: true });
    copyFileSync('test/fixtures/agents/runs-logger.js', join(dir, 'main.js'));
    if (id === 'slow') writeFileSync(join(dir, 'slow'), '');
    world.kernel.market.placeBid({ payer_id: id, amount_ucr: credits(1), bundle: bundle({ cpu_s: 4, memory_mb: 128, duration_s: 20 }) }, { actor: id });
  }

  // The runner host that starts the slow agent's first run is killed under it.
  const killed = (async () => {
    const started = await Promise.race(
      runners.map((r, index) =>
        r
          .waitFor((line) => {
            const id = /^started (\S+) delivery 1$/.exec(line)?.[1];
            return id !== undefined && world.kernel.executions.get(id)?.agent_id === 'slow';
          })
          .then((line) => ({ index, execution_id: line.split(' ')[1]! })),
      ),
    );
    runners[started.index]!.child.kill('SIGKILL');
    await runners[started.index]!.exited;
    return started;
  })();

  if (process.env.DEBUG_RUNNERS === '1') process.stderr.write(`world log: ${world.paths.log}\n`);
  let cycle_mark = Date.now();
  const loop = new WorldLoop(world, api, local, { cycles: Number(process.env.CYCLES ?? 20), virtual_clock: clock, executions_runner: dispatch.runner, onCycle: (r) => { if (process.env.DEBUG_RUNNERS === '1') process.stderr.write(`cycle ${r.cycle} ${Date.now() - cycle_mark} ms\n`); cycle_mark = Date.now(); } });
  await loop.run();
  await loop.stop();
  const victim = await Promise.race([killed, new Promise<null>((resolve) => setTimeout(() => resolve(null), 0))]);
  assert.ok(victim !== null, `a runner host was killed mid-run: ${runners.map((r) => r.lines.join('\n')).join('\n--\n')}\n${readFileSync(world.paths.log, 'utf8').split('\n').filter((l) => /remote-runner|orchestrator|"level":[45]0/.test(l)).slice(0, 30).join('\n')}`);

  // Its run went to the other runner host (delivery 2) and ended there: reported once, journaled once.
  const survivor = runners[1 - victim.index]!;
  await survivor.waitFor((line) => line === `reported ${victim.execution_id} delivery 2 exit`);
  const victim_run = world.kernel.executions.get(victim.execution_id)!;
  assert.equal(victim_run.reason, 'exit');

  // Every run that started ended exactly once, in the journal and in the agents' workspaces.
  const rows = world.db.prepare("SELECT type, data FROM events WHERE type IN ('execution_started', 'execution_ended') ORDER BY seq").all() as { type: string; data: string }[];
  const started = rows.filter((r) => r.type === 'execution_started').map((r) => (JSON.parse(r.data) as { execution_id: string }).execution_id);
  const ended = rows.filter((r) => r.type === 'execution_ended').map((r) => (JSON.parse(r.data) as { execution_id: string }).execution_id);
  assert.ok(started.length >= 20, `runs started: ${started.length}`);
  assert.deepEqual([...ended].sort(), [...started].sort(), 'each started run ended once');
  assert.equal(new Set(ended).size, ended.length, 'no run ended twice');
  for (const id of agents) {
    const lines = readFileSync(join(world.paths.dir, 'workspaces', id, 'runs.log'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { execution: string }).execution);
    const exits = world.kernel.executions.listForAgent(id, { limit: 1000 }).filter((e) => e.reason === 'exit').map((e) => e.id);
    // The workspace came back once per run: each finished run's line, none twice, and none of the killed run's.
    assert.deepEqual([...lines].sort(), [...exits].sort(), `${id}'s runs.log holds each finished run once`);
  }
  const report = audit(world.db);
  assert.ok(report.ok, JSON.stringify(report.journal_problems));
});
