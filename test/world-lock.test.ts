// Process ownership of a world and the start/stop lifecycle of `agora start`, as a user meets
// them: real processes, real world directories, a real bwrap sandbox for the busy world.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { runAgora, startAgora } from './support/agora-process.js';
import { bundle, credits } from './support/market.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { addAgent, makeWorld, tempDir } from './support/world.js';

/** Polls a condition of the world on disk until it holds (the test's timeout bounds it). */
async function until(what: string, check: () => boolean): Promise<void> {
  for (;;) {
    if (check()) return;
    await delay(50, what);
  }
}

function executions(dir: string): { id: string; status: string; reason: string | null }[] {
  const db = new Database(join(dir, 'world.db'), { readonly: true });
  try {
    return db.prepare('SELECT id, status, reason FROM executions ORDER BY id').all() as { id: string; status: string; reason: string | null }[];
  } finally {
    db.close();
  }
}

/** A world whose one agent (test/fixtures/agents/sleeper.js) has won a long run and will be busy in it. */
function busyWorld(config: string): { dir: string; config_path: string; started: string } {
  const dir = tempDir();
  const world = makeWorld({ dir });
  addAgent(world, 'sleeper', 50);
  const workspace = join(dir, 'workspaces', 'sleeper');
  mkdirSync(workspace, { recursive: true });
  copyFileSync('test/fixtures/agents/sleeper.js', join(workspace, 'main.js'));
  world.kernel.market.placeBid({ payer_id: 'sleeper', amount_ucr: credits(10), bundle: bundle({ cpu_s: 5, memory_mb: 64, duration_s: 120 }) }, { actor: 'sleeper' });
  world.cleanup();
  const config_path = join(dir, 'agora.yaml');
  writeFileSync(config_path, `market:\n  clearing_interval_s: 0.5\n${config}`);
  return { dir, config_path, started: join(workspace, 'started') };
}

test('a second agora start on a running world is refused, names the running process, and changes nothing', { skip: sandboxUnavailable(), timeout: 60_000 }, async (t) => {
  const { dir, config_path, started } = busyWorld('');
  const first = await startAgora(['--world', dir, '--config', config_path]);
  t.after(() => first.stop('SIGKILL'));
  await until('the sleeper to run', () => existsSync(started));
  const api_url_before = readFileSync(join(dir, 'api.url'), 'utf8');
  const running_before = executions(dir).filter((e) => e.status === 'running');
  assert.equal(running_before.length, 1, 'the sleeper runs');

  const second = await runAgora(['start', '--port', '0', '--world', dir, '--config', config_path], { signal: t.signal });
  assert.equal(second.code, 1, second.stdout + second.stderr);
  assert.match(second.stderr, new RegExp(`in use by agora process ${first.child.pid} \\(API ${first.url.replace(/[.]/g, '\\.')}\\)`));
  assert.equal(second.stderr.trim().split('\n').length, 1, 'one line');
  assert.doesNotMatch(second.stdout, /dashboard:/, 'it served nothing');

  assert.equal(readFileSync(join(dir, 'api.url'), 'utf8'), api_url_before, "the first world's api.url is untouched");
  const after = executions(dir);
  assert.deepEqual(after.filter((e) => e.reason === 'lost'), [], 'no run of the first world was marked lost');
  assert.ok(after.some((e) => e.id === running_before[0]!.id && e.status === 'running'), 'the sleeper still runs');
  assert.equal((await (await fetch(`${first.url}/health`)).json()).status, 'ok', 'the first world still serves');

  assert.equal(await first.stop('SIGTERM'), 0);
  const audit = await runAgora(['audit', '--world', dir]);
  assert.equal(audit.code, 0, audit.stdout + audit.stderr);
  assert.match(audit.stdout, /audit ok/);
});

test('agora reward on a world that runs but whose API does not answer is refused, naming the owner', { timeout: 30_000 }, async (t) => {
  // The world's lock is held by a process that serves no API (a start still opening): a write
  // must neither go around it nor hang.
  const dir = tempDir();
  makeWorld({ dir }).cleanup();
  const holder = spawn('flock', ['--exclusive', join(dir, 'world.lock'), 'sleep', '600'], { stdio: 'ignore' });
  t.after(() => holder.kill('SIGKILL'));
  await until('the lock to be held', () => spawnSync('flock', ['--exclusive', '--nonblock', join(dir, 'world.lock'), 'true']).status !== 0);
  const reward = await runAgora(['reward', 'prm_nothing', '1', '1', '1', '--world', dir], { signal: t.signal });
  assert.equal(reward.code, 1, reward.stdout + reward.stderr);
  assert.match(reward.stderr, /is in use by another agora process; its API does not answer yet/);
});

test('agora start on a taken port exits non-zero at once with one line, and leaves no world behind', { timeout: 30_000 } /* the hang this guards against is unbounded; agora's own start-up takes seconds on a loaded machine */, async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const port = (taken.address() as AddressInfo).port;
  const dir = join(tempDir(), 'world');
  const res = await runAgora(['start', '--port', String(port), '--host', '127.0.0.1', '--world', dir], { signal: t.signal });
  assert.equal(res.code, 1, res.stdout + res.stderr);
  assert.match(res.stderr, /^agora: cannot listen: .*EADDRINUSE.*\n$/);
  assert.equal(existsSync(dir), false, 'the world the failed start created is gone');
});

test('SIGTERM to a busy world stops it within orchestrator.stop_timeout_ms, however long shutdown_grace_ms is, and records the runs as stopped', { skip: sandboxUnavailable(), timeout: 60_000 }, async (t) => {
  // The runs would get 10 minutes to end on their own, and the sleeper ignores SIGTERM: only
  // the stop bound (4 s) ends this within the test's timeout.
  const { dir, config_path, started } = busyWorld('orchestrator:\n  shutdown_grace_ms: 600000\n  stop_timeout_ms: 4000\nsandbox:\n  grace_ms: 500\n');
  const agora_process = await startAgora(['--world', dir, '--config', config_path]);
  t.after(() => agora_process.stop('SIGKILL'));
  await until('the sleeper to run', () => existsSync(started));
  assert.equal(await agora_process.stop('SIGTERM'), 0, agora_process.output());
  const runs = executions(dir);
  assert.ok(runs.length >= 1);
  for (const run of runs) assert.deepEqual({ status: run.status, reason: run.reason }, { status: 'ended', reason: 'stopped' }, `run ${run.id}`);
  assert.equal(existsSync(join(dir, 'api.url')), false, 'a clean stop removes api.url');
  const audit = await runAgora(['audit', '--world', dir]);
  assert.equal(audit.code, 0, audit.stdout + audit.stderr);
});

test('a start that fails after creating the world (no sandbox answers) exits non-zero and leaves no world directory', { timeout: 30_000 }, async (t) => {
  const root = tempDir();
  const config = join(root, 'agora.yaml');
  writeFileSync(config, `sandbox:\n  runner: docker\n  docker_socket: ${join(root, 'no-docker.sock')}\n`);
  const dir = join(root, 'world');
  const res = await runAgora(['start', '--port', '0', '--config', config, '--world', dir], { signal: t.signal });
  assert.equal(res.code, 1, res.stdout + res.stderr);
  assert.match(res.stderr, /^agora: UNAVAILABLE: no Docker engine answers at .*\n$/);
  assert.equal(existsSync(dir), false, 'no half-created world');
});

test('agora start without bubblewrap says what to install in one line and creates nothing', { timeout: 30_000 }, async (t) => {
  const root = tempDir();
  const config = join(root, 'agora.yaml');
  writeFileSync(config, `sandbox:\n  bwrap_path: ${join(root, 'not-installed', 'bwrap')}\n`);
  const dir = join(root, 'world');
  const res = await runAgora(['start', '--port', '0', '--config', config, '--world', dir], { signal: t.signal });
  assert.equal(res.code, 1, res.stdout + res.stderr);
  assert.match(res.stderr, /^agora: UNAVAILABLE: no sandbox: missing system packages bubblewrap \(the sandbox\); install them with: (sudo )?apt-get install -y bubblewrap .*\n$/);
  assert.equal(existsSync(dir), false, 'nothing created');
});
