// The bounds around a run's process, with stand-ins for it: a run whose process is
// never seen to exit still ends once killed, so no run holds its slot and lease forever.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { test } from './support/bounded-test.js';
import { parseConfig } from '../src/config/load.js';
import { parseRunSpec } from '../src/sandbox/runner.js';
import { supervise, type RunMeter, type SandboxProcess } from '../src/sandbox/supervisor.js';
import { LauncherPool } from '../src/sandbox/launcher-pool.js';
import { tempDir } from './support/world.js';
import { spec, workspace } from './support/sandbox.js';

/** A process that says it started, takes every command, and never exits. */
function deafProcess(): SandboxProcess & { commands: string[]; kills: number } {
  const listeners: ((line: string) => void)[] = [];
  const process = {
    pid: null,
    commands: [] as string[],
    kills: 0,
    onStatusLine: (l: (line: string) => void) => void listeners.push(l),
    command(byte: string) {
      process.commands.push(byte);
    },
    exited: new Promise<never>(() => {}),
    kill() {
      process.kills++;
    },
    alive: () => true,
  };
  setImmediate(() => listeners.forEach((l) => l('ready 42')));
  return process;
}

const meter: RunMeter = {
  kind: 'proc_sampling',
  memory_enforced: false,
  sample: () => ({ cpu_seconds: null, memory_mb: null }),
  final: () => ({ cpu_seconds: null, memory_peak_mb: null, oom_kills: 0 }),
  killAll: async () => {},
};

test('a killed run whose exit is never seen ends after sandbox.kill_exit_wait_ms, with its kill reason', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = parseConfig({ sandbox: { kill_exit_wait_ms: 300 } });
  const valid = parseRunSpec(
    spec(config, { execution_id: 'x1', workspace_dir: workspace(join(dir, 'ws'), {}), command: ['true'], log_path: join(dir, 'x1.log'), limits: { wall_ms: 200, grace_ms: 100 } }),
    config,
  );
  const child = deafProcess();
  let torn_down = false;
  const handle = supervise({
    spec: valid,
    log: pino({ level: 'silent' }),
    process: child,
    meter,
    meter_interval_ms: 50,
    kill_exit_wait_ms: config.sandbox.kill_exit_wait_ms,
    teardown: async () => {
      torn_down = true;
    },
  });
  const started = Date.now();
  const result = await handle.done;
  assert.equal(result.reason, 'killed_timeout');
  assert.equal(result.signal, 'SIGKILL');
  assert.deepEqual(child.commands, ['t', 'k'], 'SIGTERM to agora-init first, then SIGKILL');
  assert.equal(child.kills, 1);
  assert.ok(Date.now() - started >= 200 + 100 + 300 - 20, 'not before the deadline, the grace and the wait have passed');
  await new Promise((r) => setImmediate(r));
  assert.ok(torn_down, 'the teardown ran');
  assert.equal(handle.extend(Date.now() + 10_000), false, 'an ended run cannot be extended');
});

test('a pre-started launcher whose spawn failed is never handed a run, and discarding it signals nobody (Node would signal pid 0: our own group)', async () => {
  const pool = new LauncherPool(2, '/nonexistent/agora-launch', null, pino({ level: 'silent' }));
  assert.equal(pool.take(), null, 'no launcher: the run starts one of its own');
  await new Promise((r) => setImmediate(r)); // the spawn errors are emitted, the refill has run
  assert.equal(pool.take(), null);
  await pool.close();
});
