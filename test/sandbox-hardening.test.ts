// The sandbox's hardening flags, each seen from inside a real bwrap run (how the run's arguments
// reach bwrap does not matter here, only what the agent can observe): / and /usr are mounted
// read-only, no capability is left in any set, there is no controlling terminal and the session
// is the sandbox's own, the environment holds only the documented variables, the CPU quota
// holds, and the sandbox dies with the host process that started it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { sampleTree } from '../src/sandbox/proc-tree.js';
import { type RunResult, type Runner } from '../src/sandbox/runner.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { cgroupsWritable, sandboxUnavailable, spec, workspace, type SpecOptions } from './support/sandbox.js';
import { makeWorld, type TestWorld } from './support/world.js';

const skip = sandboxUnavailable();

let world: TestWorld;
let runner: Runner;
let config: Config;
let counter = 0;

before(async () => {
  if (skip) return;
  world = makeWorld();
  config = parseConfig({ sandbox: { runner: 'bwrap', meter_interval_ms: 50 } });
  runner = await createRunner(config, world.log);
});

after(async () => {
  if (skip) return;
  await runner.close();
  world.cleanup();
});

/** Runs a python probe in a fresh workspace to its end; returns the result and its output. */
async function probe(source: string, options: Partial<SpecOptions> = {}): Promise<{ result: RunResult; log: string }> {
  const execution_id = `h${++counter}`;
  const dir = workspace(join(world.paths.workspaces, execution_id), { 'probe.py': source });
  const log_path = join(world.paths.executions, `${execution_id}.log`);
  const handle = await runner.start(spec(config, { execution_id, workspace_dir: dir, command: ['python3', 'probe.py'], log_path, ...options }));
  const result = await handle.done;
  return { result, log: readFileSync(log_path, 'utf8') };
}

function lastJson(log: string): any {
  const line = log.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  assert.ok(line !== undefined, `the probe printed its report: ${log}`);
  return JSON.parse(line);
}

describe('bwrap hardening, from inside', { skip }, () => {
  test('/ and /usr are mounted read-only: writes fail with EROFS', async () => {
    const { result, log } = await probe(`
import errno, json, os
report = {}
for path in ['/', '/usr']:
    flags = os.statvfs(path).f_flag
    try:
        os.mkdir(os.path.join(path, 'agora-probe'))
        wrote = 'created'
    except OSError as e:
        wrote = errno.errorcode.get(e.errno, str(e.errno))
    report[path] = {'read_only': bool(flags & os.ST_RDONLY), 'write': wrote}
print(json.dumps(report))
`);
    assert.equal(result.reason, 'exit', log);
    const report = lastJson(log);
    for (const path of ['/', '/usr']) {
      assert.equal(report[path].read_only, true, `${path} is a read-only mount: ${JSON.stringify(report)}`);
      assert.equal(report[path].write, 'EROFS', `creating under ${path} fails because the mount is read-only`);
    }
  });

  test('no capability is left: effective, permitted, inheritable, bounding and ambient sets are all empty', async () => {
    const { result, log } = await probe(`
import json
sets = {}
for line in open('/proc/self/status'):
    key, _, value = line.partition(':')
    if key.startswith('Cap'):
        sets[key] = value.strip()
print(json.dumps(sets))
`);
    assert.equal(result.reason, 'exit', log);
    const sets = lastJson(log);
    assert.deepEqual(Object.keys(sets).sort(), ['CapAmb', 'CapBnd', 'CapEff', 'CapInh', 'CapPrm']);
    for (const [name, mask] of Object.entries(sets)) assert.equal(mask, '0000000000000000', `${name} is empty`);
  });

  test('no controlling terminal, and the session is the sandbox\'s own', async () => {
    const { result, log } = await probe(`
import errno, json, os
try:
    os.close(os.open('/dev/tty', os.O_RDWR))
    tty = 'opened'
except OSError as e:
    tty = errno.errorcode.get(e.errno, str(e.errno))
# A session led from outside this pid namespace reads as 0 here.
print(json.dumps({'tty': tty, 'sid': os.getsid(0), 'pid': os.getpid()}))
`);
    assert.equal(result.reason, 'exit', log);
    const report = lastJson(log);
    assert.equal(report.tty, 'ENXIO', 'opening /dev/tty finds no controlling terminal');
    assert.ok(report.sid > 0, `the session leader is a process of the sandbox (getsid = ${report.sid}), not one of the host`);
  });

  test('the environment holds only the documented variables; the host process environment does not leak in', async () => {
    process.env.AGORA_HOST_MARKER = 'host-only';
    let run;
    try {
      run = await probe(`
import json, os
print(json.dumps(dict(os.environ)))
`, { env: { EXTRA: 'given' } });
    } finally {
      delete process.env.AGORA_HOST_MARKER;
    }
    assert.equal(run.result.reason, 'exit', run.log);
    const env = lastJson(run.log);
    assert.equal(env.AGORA_HOST_MARKER, undefined, 'a variable of the host process is absent inside');
    // The run spec's variables, the ones the runner sets (src/sandbox/sandbox-env.ts), and PWD,
    // which bwrap sets for the working directory it enters.
    assert.deepEqual(Object.keys(env).sort(), ['AGENT_ID', 'ENV_JSON_PATH', 'EXECUTION_ID', 'EXTRA', 'HOME', 'LANG', 'NODE_PATH', 'PATH', 'PWD', 'PYTHONUNBUFFERED', 'TMPDIR', 'WORKSPACE_DIR']);
    assert.equal(env.PWD, '/workspace');
  });

  test('the CPU quota holds: two spinning processes on a 0.5-core quota use at most ~0.5 CPU-second per wall second', { skip: !cgroupsWritable() && 'cgroups need root here' }, async () => {
    const { result, log } = await probe(`
import os
if os.fork() == 0:
    while True: pass
while True: pass
`, { limits: { cpu_quota_cores: 0.5, wall_ms: 3_000, cpu_ms_max: null } });
    assert.equal(result.reason, 'killed_timeout', log);
    assert.equal(result.metering, 'cgroup');
    const cores = result.cpu_ms / result.wall_ms;
    // Unthrottled, two spinners use up to 2 cores (at least 1 on a busy 2-core host).
    assert.ok(cores < 0.8, `the run used ${cores.toFixed(2)} cores on a 0.5-core quota (${result.cpu_ms} CPU-ms in ${result.wall_ms} ms)`);
    assert.ok(cores > 0.1, `the spinners did run: ${cores.toFixed(2)} cores`);
  });

  /** Starts a run in a separate host process (test/support/hold-run.ts) until the agent is up. */
  async function heldRun(t: { after(fn: () => unknown): void }) {
    const dir = mkdtempSync(join(tmpdir(), 'agora-held-'));
    const ws = workspace(join(dir, 'ws'), { 'hold.py': "import time\nopen('/workspace/started', 'w').write('1')\ntime.sleep(600)\n" });
    const holder = spawn(process.execPath, ['--import', 'tsx', 'test/support/hold-run.ts', ws, join(dir, 'run.log')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const tree: ProcessId[] = [];
    t.after(() => {
      holder.kill('SIGKILL');
      for (const p of tree) if (alive(p)) process.kill(p.pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: holder.stdout! }).once('line', resolve);
      holder.once('exit', (code) => reject(new Error(`the holder exited (${code}) before its run started`)));
    });
    const { pid } = JSON.parse(first) as { pid: number };
    await until(() => existsSync(join(ws, 'started')), 'the agent started');
    tree.push(...sampleTree(pid, config.sandbox.proc_tree_nodes_max).pids.map(identify).filter((p): p is ProcessId => p !== null));
    assert.ok(tree.length >= 3, `bwrap, agora-init and the agent are running: ${JSON.stringify(tree)}`);
    assert.equal(tree[0]!.pid, pid);
    return { holder, bwrap: tree[0]!, sandbox: tree.slice(1) };
  }

  test('the sandbox dies with the host process that started it (SIGKILL: no clean-up of ours runs)', async (t) => {
    const { holder, bwrap, sandbox } = await heldRun(t);
    holder.kill('SIGKILL');
    const all = [bwrap, ...sandbox];
    await until(() => all.every((p) => !alive(p)), `every sandbox process is gone: ${JSON.stringify(all.filter(alive))}`);
  });

  test('the sandbox dies with bwrap, even while the host process that started it lives on', async (t) => {
    const { holder, bwrap, sandbox } = await heldRun(t);
    // Stopped, the host can neither clean up nor close the control channel agora-init watches:
    // only bwrap's death can end the sandbox (--die-with-parent).
    holder.kill('SIGSTOP');
    process.kill(bwrap.pid, 'SIGKILL');
    await until(() => sandbox.every((p) => !alive(p)), `every process inside is gone: ${JSON.stringify(sandbox.filter(alive))}`);
  });
});

interface ProcessId {
  pid: number;
  started: string;
}

/** A process by pid and start time, so a reused pid is not mistaken for it. */
function identify(pid: number): ProcessId | null {
  try {
    return { pid, started: readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]! };
  } catch {
    return null;
  }
}

function alive(p: ProcessId): boolean {
  const now = identify(p.pid);
  if (now === null || now.started !== p.started) return false;
  // A zombie has died; only its parent's wait is missing.
  return readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
}

/** Waits for a condition the test cannot be told about; fails after a generous 30 s. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 30_000) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
