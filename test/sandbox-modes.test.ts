// The bwrap runner in its other modes: portable helpers (no C compiler), no cgroups (metered
// from rusage and /proc), cgroup v2 without controllers (the unified tree of a hybrid host),
// and how `auto` chooses — never the unisolated runner on its own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { parseConfig } from '../src/config/load.js';
import type { ConfigInput } from '../src/config/schema.js';
import { type RunResult } from '../src/sandbox/runner.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { addAgent, makeWorld, serve } from './support/world.js';
import { sandboxUnavailable, spec, testChannel, workspace } from './support/sandbox.js';

const skip = sandboxUnavailable();

/** Starts a runner in the given mode and runs one agent that calls the API; returns its result. */
async function runOnce(t: import('node:test').TestContext, sandbox: ConfigInput['sandbox']): Promise<{ result: RunResult; log: string; lines: string[] }> {
  const world = makeWorld();
  addAgent(world, 'agent-a', 10);
  const api = await serve(world, { executionIsLive: () => true });
  const config = parseConfig({ sandbox: { runner: 'bwrap', ...sandbox } });
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) } as unknown as pino.DestinationStream);
  const runner = await createRunner(config, log);
  t.after(async () => {
    await runner.close();
    await api.close();
    world.cleanup();
  });
  const socket_path = await testChannel(t, api, { agent_id: 'agent-a', execution_id: 'm1' });
  const dir = workspace(join(world.paths.workspaces, 'agent-a'), {
    'main.js': `
while (process.cpuUsage().user < 200_000) for (let i = 0; i < 1e6; i++);
const keep = Buffer.alloc(30 << 20, 1);
fetch(process.env.SYSTEM_SERVICE_URL + '/economic/history').then((r) => r.json()).then((b) => console.log('I am ' + b.agent_id + ' ' + keep.length));
`,
  });
  const log_path = join(world.paths.executions, 'm1.log');
  const handle = await runner.start(spec(config, { execution_id: 'm1', workspace_dir: dir, command: ['node', 'main.js'], log_path, api_socket_path: socket_path }));
  const result = await handle.done;
  return { result, log: readFileSync(log_path, 'utf8'), lines };
}

test('no pre-started launchers: each run forks its own launcher and joins its cgroup on the way', { skip }, async (t) => {
  const { result, log } = await runOnce(t, { launchers_prestarted: 0 });
  assert.equal(result.reason, 'exit', log);
  assert.match(log, /I am agent-a/);
  if (process.getuid?.() === 0) assert.equal(result.metering, 'cgroup');
});

test('portable helpers (no C compiler): shell launcher and node forwarder do the same job', { skip }, async (t) => {
  const { result, log, lines } = await runOnce(t, { native_helpers: 'off' });
  assert.equal(result.reason, 'exit', log);
  assert.match(log, /I am agent-a/);
  assert.ok(lines.some((l) => /native_helpers is off/.test(l)), 'the log says the fallback is in use');
});

test('without cgroups the run still works; the log says which limits are not enforced; CPU is metered without them', { skip }, async (t) => {
  const { result, log, lines } = await runOnce(t, { cgroups: 'off' });
  assert.equal(result.reason, 'exit', log);
  assert.match(log, /I am agent-a/);
  assert.ok(['rusage', 'proc_sampling'].includes(result.metering), result.metering);
  assert.ok(result.cpu_ms >= 150, `cpu ${result.cpu_ms} ms`);
  assert.ok(result.memory_peak_mb >= 30, `memory ${result.memory_peak_mb}`);
  assert.ok(lines.some((l) => /SANDBOX LIMITS NOT ENFORCED/.test(l) && /memory limit/.test(l) && /process count/.test(l)));
});

const v2 = '/sys/fs/cgroup/unified';
test('cgroup v2 without controllers (a hybrid host): CPU from cpu.stat, missing limits reported', { skip: skip || (!existsSync(join(v2, 'cgroup.procs')) && 'no cgroup2 mount at /sys/fs/cgroup/unified') || (process.getuid?.() !== 0 && 'needs root') }, async (t) => {
  const { result, log, lines } = await runOnce(t, { cgroups: 'v2' });
  assert.equal(result.reason, 'exit', log);
  assert.equal(result.metering, 'cgroup');
  assert.ok(result.cpu_ms >= 150, `cpu ${result.cpu_ms} ms`);
  assert.ok(lines.some((l) => /"cgroups":"v2"/.test(l)));
});

test("auto picks bwrap here; without bwrap it refuses and names the fixes, never falling back to 'process'", { skip }, async () => {
  const log = pino({ level: 'silent' });
  const auto = await createRunner(parseConfig({}), log);
  assert.equal(auto.kind, 'bwrap');
  await auto.close();
  await assert.rejects(createRunner(parseConfig({ sandbox: { bwrap_path: '/nonexistent/bwrap' } }), log), (err: Error) => {
    assert.match(err.message, /Install bubblewrap/);
    assert.match(err.message, /'process'/);
    return true;
  });
});

/** Our child launchers waiting for their go message (state S: blocked reading it). */
function waitingLaunchers(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (/^Name:\s+agora-launch$/m.test(status) && new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(status) && /^State:\s+S/m.test(status)) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

test('a launcher started ahead of its run sees a workspace mounted after it started (a workspace image mounted on a host whose mounts are private)', { skip: skip || (process.getuid?.() !== 0 && 'needs root (mounts)') }, async (t) => {
  const world = makeWorld();
  const config = parseConfig({ sandbox: { runner: 'bwrap', launchers_prestarted: 2 } });
  const runner = await createRunner(config, pino({ level: 'silent' }));
  const point = join(world.paths.workspaces, 'late');
  mkdirSync(point, { recursive: true });
  t.after(async () => {
    await runner.close();
    spawnSync('umount', ['-l', point]);
    world.cleanup();
  });
  // The pooled launchers are past their options and waiting before anything is mounted.
  for (let i = 0; i < 500 && waitingLaunchers().length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(waitingLaunchers().length, 2, 'two launchers wait for their runs');
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', point], { encoding: 'utf8' });
  assert.equal(mounted.status, 0, mounted.stderr);
  workspace(point, { 'main.js': "console.log('seen from the late mount')" });
  const log_path = join(world.paths.executions, 'late.log');
  const handle = await runner.start(spec(config, { execution_id: 'late', workspace_dir: point, command: ['node', 'main.js'], log_path }));
  const result = await handle.done;
  const log = readFileSync(log_path, 'utf8');
  assert.equal(result.reason, 'exit', log);
  assert.match(log, /seen from the late mount/);
});
