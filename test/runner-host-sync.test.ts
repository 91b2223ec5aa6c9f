// The workspace a runner host carries is the agent's, so hostile both ways (docs/security.md,
// "Runner hosts"): a real bwrap run on a runner host plants links, and the world has links of
// its own planted in the workspace it sends; no link is followed or carried on either side.
// And a run whose every holder dies is refunded: ended as lost, its lease given back.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { connectNats } from '../src/nats/connect.js';
import { RunnerHost } from '../src/nats/runner-host.js';
import { startRunDispatch } from '../src/nats/start.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { bundle, credits } from './support/market.js';
import { natsUnavailable, startNats } from './support/nats.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { addAgent, makeWorld, serve, tempDir } from './support/world.js';

const skip = natsUnavailable() || sandboxUnavailable();

test('links planted in a workspace are never followed nor carried between the world and a runner host, either way', { skip, timeout: 60_000 }, async (t) => {
  const nats = await startNats();
  const nats_config = { url: nats.url, dispatch_runs: true, ack_wait_ms: 2000, max_deliver: 2 };
  const clock = new VirtualClock();
  const world = makeWorld({ clock, config: { events: { kind: 'nats', nats: nats_config } } });
  const api = await serve(world);
  const local = await createRunner(world.config, world.log);
  const dispatch = (await startRunDispatch(world.kernel, world.config, world.log))!;
  const nc = await connectNats(world.config.events.nats, 'test-runner');
  const host = await RunnerHost.open(nc, world.config, local, world.log, { api_url: api.url });
  const hosting = host.run();
  t.after(async () => {
    await host.stop();
    await hosting;
    await nc.close();
    await dispatch.close();
    await local.close();
    await api.close();
    world.cleanup();
    await nats.stop();
  });

  addAgent(world, 'planter', 50);
  const dir = join(world.paths.dir, 'workspaces', 'planter');
  mkdirSync(dir, { recursive: true });
  copyFileSync('test/fixtures/agents/sync-planter.js', join(dir, 'main.js'));
  writeFileSync(join(dir, 'kept.txt'), 'from the world\n');
  // Planted in the world's copy (by an earlier run on the world host): a link to the world's
  // operator token, and a link where the run will make a directory, to a host directory.
  symlinkSync(world.paths.operator_token, join(dir, 'secret'));
  const victim = tempDir('agora-victim-');
  symlinkSync(victim, join(dir, 'out'));
  world.kernel.market.placeBid({ payer_id: 'planter', amount_ucr: credits(1), bundle: bundle({ cpu_s: 4, memory_mb: 128, duration_s: 20 }) }, { actor: 'planter' });

  const loop = new WorldLoop(world, api, local, { cycles: 1, virtual_clock: clock, executions_runner: dispatch.runner });
  await loop.run();
  await loop.stop();

  const execution = world.kernel.executions.listForAgent('planter', { limit: 1 })[0]!;
  assert.equal(execution.reason, 'exit', readFileSync(join(world.paths.executions, `${execution.id}.log`), 'utf8'));
  // The way out: the world's links did not reach the runner host's copy (the file did).
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'seen.json'), 'utf8')), { secret: 'absent', out: 'absent', kept: 'file' });
  // The way back: the run's links are not in the world's workspace, nothing was read through them,
  // and the run's directory replaced the world's link instead of being written through it.
  for (const name of ['passwd', 'etcdir', 'environ', 'sub/up']) assert.equal(existsSync(join(dir, name)) || lstatSafe(join(dir, name)), false, `${name} came back`);
  assert.equal(lstatSync(join(dir, 'out')).isDirectory(), true);
  assert.equal(readFileSync(join(dir, 'out', 'x'), 'utf8'), 'written through the link?\n');
  assert.deepEqual(readdirSync(victim), [], 'nothing was written through the link to a host directory');
  assert.equal(readFileSync(join(dir, 'kept.txt'), 'utf8'), 'changed on the runner host\n');
  assert.equal(existsSync(join(dir, 'secret')), false, 'the world\'s planted link is gone: the workspace is what the run left');
  assert.equal(readFileSync(world.paths.operator_token, 'utf8').length > 0, true);
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (lstatSync(path).isFile()) assert.doesNotMatch(readFileSync(path, 'utf8'), /root:x:0:0|AGORA_TOKEN=/, `${name} holds a host file's content`);
  }
});

function lstatSafe(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

const SRC = fileURLToPath(new URL('../src/nats/', import.meta.url));

test('a run whose every holder dies (max_deliver) is refunded: ended as lost, its unused lease given back to its payer', { skip: natsUnavailable(), timeout: 60_000 }, async (t) => {
  const nats = await startNats();
  const nats_config = { url: nats.url, dispatch_runs: true, ack_wait_ms: 500, max_deliver: 1 };
  const clock = new VirtualClock();
  const world = makeWorld({ clock, config: { events: { kind: 'nats', nats: nats_config } } });
  const api = await serve(world);
  const local = await createRunner(world.config, world.log);
  const dispatch = (await startRunDispatch(world.kernel, world.config, world.log))!;
  let stopHost = async () => {};
  t.after(async () => {
    await stopHost();
    await dispatch.close();
    await local.close();
    await api.close();
    world.cleanup();
    await nats.stop();
  });
  addAgent(world, 'payer', 50);
  mkdirSync(join(world.paths.dir, 'workspaces', 'payer'), { recursive: true });
  writeFileSync(join(world.paths.dir, 'workspaces', 'payer', 'main.js'), 'setInterval(() => {}, 1000);\n');
  world.kernel.market.placeBid({ payer_id: 'payer', amount_ucr: credits(1), bundle: bundle({ cpu_s: 4, memory_mb: 128, duration_s: 20 }) }, { actor: 'payer' });

  // The one holder max_deliver allows takes the run and dies (SIGKILL) before it reports.
  const config = world.config.events.nats;
  const holder = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
    import { connectNats } from ${JSON.stringify(SRC + 'connect.ts')};
    import { RunQueue } from ${JSON.stringify(SRC + 'run-queue.ts')};
    const config = JSON.parse(process.env.NATS_CONFIG);
    const queue = await RunQueue.open(await connectNats(config, 'dying-holder'), config);
    const taken = await queue.take(20000);
    process.stdout.write((taken?.run.execution_id ?? 'none') + '\\n');
    process.kill(process.pid, 'SIGKILL');
  `], { env: { ...process.env, NATS_CONFIG: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'inherit'] });
  let taken = '';
  const took = new Promise<void>((resolve) => holder.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    taken += chunk;
    if (taken.includes('\n')) resolve();
  }));
  const died = new Promise((resolve) => holder.once('exit', (_code, signal) => resolve(signal)));

  const started_ms = Date.now();
  const loop = new WorldLoop(world, api, local, { cycles: 1, virtual_clock: clock, executions_runner: dispatch.runner });
  const running = loop.run();
  // Another runner host, alive, asking for work once the run is taken (so that it cannot be the one
  // that takes it): nats-server before 2.11 publishes the max-deliveries advisory only while a
  // client waits on the consumer. It must never be handed the run max_deliver has used up.
  await Promise.race([took, died]);
  const nc = await connectNats(config, 'test-live-runner');
  const handed: string[] = [];
  const host = await RunnerHost.open(nc, world.config, local, world.log, { api_url: api.url, onRun: (event) => handed.push(`${event.event} ${event.execution_id}`) });
  const hosting = host.run();
  stopHost = async () => {
    await host.stop();
    await hosting;
    await nc.close();
  };
  await running;
  await loop.stop();
  const ended_ms = Date.now() - started_ms;
  assert.equal(await died, 'SIGKILL');

  const execution = world.kernel.executions.listForAgent('payer', { limit: 1 })[0]!;
  assert.equal(taken.trim(), execution.id, 'the holder that died had taken this run');
  assert.equal(execution.reason, 'lost');
  const returned = world.db.prepare("SELECT data FROM events WHERE type = 'lease_returned'").all() as { data: string }[];
  assert.equal(returned.length, 1, 'its unused lease is owed to its payer again');
  const lease = JSON.parse(returned[0]!.data) as { agent_id: string; execution_id: string; reason: string };
  assert.deepEqual([lease.agent_id, lease.execution_id, lease.reason], ['payer', execution.id, 'lost']);
  assert.deepEqual(handed, [], 'no runner host was handed the run past max_deliver');
  // JetStream's advisory ended it (one ack wait after the holder died), not the world's backstop at its lease end (20 s on).
  assert.ok(ended_ms < 10_000, `ended lost ${ended_ms} ms after dispatch`);
});
