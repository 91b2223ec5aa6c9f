// The bwrap sandbox under attack, from inside: real bubblewrap, real cgroups, real agents
// (JavaScript, Python, shell) in temp workspaces, and the real Agora API reached only through
// each run's own socket. Every attack must fail; every limit must hold and say why.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { test } from './support/bounded-test.js';
import { openExecutionChannel, type ExecutionChannel } from '../src/api/channel.js';
import { parseConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { type RunResult, type Runner } from '../src/sandbox/runner.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { sampleTree } from '../src/sandbox/proc-tree.js';
import { addAgent, agentToken, makeWorld, serve, type TestApi, type TestWorld } from './support/world.js';
import { sandboxUnavailable, spec, workspace, type SpecOptions } from './support/sandbox.js';

const skip = sandboxUnavailable();

let world: TestWorld;
let api: TestApi;
let runner: Runner;
let config: Config;
let socket_dir: string;
const live = new Set<string>();
let counter = 0;
let pid_of_last_run: number | null = null;

before(async () => {
  if (skip) return;
  world = makeWorld();
  addAgent(world, 'agent-a', 100);
  addAgent(world, 'agent-b', 100);
  api = await serve(world, { executionIsLive: (id) => live.has(id) });
  config = parseConfig({ sandbox: { runner: 'bwrap', meter_interval_ms: 50 } });
  runner = await createRunner(config, world.log);
  socket_dir = mkdtempSync(join(tmpdir(), 'agora-sock-'));
  // A neighbour with a secret, and secrets of the host: none may be readable from a sandbox.
  workspace(join(world.paths.workspaces, 'agent-b'), { 'secret.txt': 'SECRET-OF-B' });
  writeFileSync(join(tmpdir(), 'agora-host-tmp-marker'), 'HOST-TMP');
});

after(async () => {
  if (skip) return;
  await runner.close();
  await api.close();
  world.cleanup();
  rmSync(socket_dir, { recursive: true, force: true });
  rmSync(join(tmpdir(), 'agora-host-tmp-marker'), { force: true });
});

interface Run {
  result: RunResult;
  log: string;
  dir: string;
}

/** Runs one agent (files into agent-a's workspace, unless `agent` says otherwise) to its end. */
async function run(files: Record<string, string>, command: string[], options: Partial<SpecOptions> & { channel?: boolean; during?: (pid: number | null) => Promise<void> } = {}): Promise<Run> {
  const execution_id = `x${++counter}`;
  const agent_id = options.agent_id ?? 'agent-a';
  const dir = workspace(join(world.paths.workspaces, agent_id), files);
  const log_path = join(world.paths.executions, `${execution_id}.log`);
  let channel: ExecutionChannel | null = null;
  const socket_path = join(socket_dir, `${execution_id}.sock`);
  if (options.channel !== false) {
    live.add(execution_id);
    channel = await openExecutionChannel(api.app, api.ctx, { agent_id, execution_id }, socket_path);
  }
  try {
    const handle = await runner.start(spec(config, { execution_id, agent_id, workspace_dir: dir, command, log_path, api_socket_path: channel === null ? null : socket_path, ...options }));
    pid_of_last_run = handle.pid;
    await options.during?.(handle.pid);
    const result = await handle.done;
    return { result, log: readFileSync(log_path, 'utf8'), dir };
  } finally {
    live.delete(execution_id);
    channel?.close();
  }
}

/** Lines of JSON an agent printed. */
function reports(log: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    Object.assign(out, JSON.parse(line));
  }
  return out;
}

const probe = (body: string) => `
const fs = require('fs');
const out = {};
function attempt(name, fn) {
  try { const r = fn(); out[name] = 'ALLOWED ' + String(r).slice(0, 60); } catch (e) { out[name] = 'denied ' + (e.code || e.message); }
}
async function attemptAsync(name, fn) {
  try { const r = await fn(); out[name] = 'ALLOWED ' + String(r).slice(0, 60); } catch (e) { out[name] = 'denied ' + (e.code || e.cause?.code || e.message); }
}
(async () => {
${body}
console.log(JSON.stringify(out));
})();
`;

function assertAllDenied(found: Record<string, unknown>, names: string[]): void {
  for (const name of names) {
    assert.ok(typeof found[name] === 'string', `probe ${name} ran: ${JSON.stringify(found)}`);
    assert.match(found[name] as string, /^denied/, `${name} must fail from inside the sandbox, got: ${found[name]}`);
  }
}

describe('bwrap sandbox', { skip }, () => {
  test('a normal run exits with reason exit, sees its env, its workspace and the runtime, as uid 1000', async () => {
    const { result, log, dir } = await run(
      {
        'main.js': `
const fs = require('fs');
fs.writeFileSync('made-inside.txt', 'hello');
const env = {};
for (const k of ['AGENT_ID','EXECUTION_ID','SYSTEM_SERVICE_URL','ENV_JSON_PATH','HOME','NODE_PATH','WORKSPACE_DIR','TMPDIR','PATH']) env[k] = process.env[k];
let openai = 'missing';
try { openai = typeof require('openai').OpenAI; } catch (e) { openai = e.message; }
import('openai').then((m) => {
  console.log(JSON.stringify({ env, uid: process.getuid(), gid: process.getgid(), cwd: process.cwd(), pid: process.pid, openai, esm: typeof m.OpenAI, leaked: Object.keys(process.env).filter((k) => /KEY|TOKEN|SECRET|PASS/.test(k)) }));
});
`,
      },
      ['node', 'main.js'],
      { env: { EXTRA: 'yes' } },
    );
    assert.equal(result.reason, 'exit', log);
    assert.equal(result.exit_code, 0);
    assert.equal(result.signal, null);
    const r = reports(log) as any;
    assert.equal(r.env.AGENT_ID, 'agent-a');
    assert.match(r.env.EXECUTION_ID, /^x\d+$/);
    assert.equal(r.env.SYSTEM_SERVICE_URL, 'http://127.0.0.1:8420');
    assert.equal(r.env.ENV_JSON_PATH, '/workspace/env.json');
    assert.equal(r.env.HOME, '/workspace');
    assert.equal(r.env.WORKSPACE_DIR, '/workspace');
    assert.equal(r.env.TMPDIR, '/tmp');
    assert.equal(r.env.NODE_PATH, '/opt/agora/runtime/node_modules');
    assert.equal(r.uid, 1000);
    assert.equal(r.gid, 1000);
    assert.equal(r.cwd, '/workspace');
    assert.equal(r.openai, 'function', 'require("openai") from the runtime works');
    assert.equal(r.esm, 'function', 'import("openai") from the runtime works');
    assert.deepEqual(r.leaked, [], 'no secret of the host environment leaks in');
    assert.equal(readFileSync(join(dir, 'made-inside.txt'), 'utf8'), 'hello', 'the workspace is the host workspace');
    assert.equal(result.metering, process.getuid?.() === 0 ? 'cgroup' : result.metering);
    assert.ok(result.wall_ms > 0 && result.wall_ms < 10_000);
    assert.equal(result.log_truncated, false);
    assert.equal(result.log_bytes, Buffer.byteLength(log));
  });

  test("another agent's workspace, the world database, system.log and host secrets cannot be read", async () => {
    const worldDir = world.paths.dir;
    const { result, log } = await run(
      {
        'main.js': probe(`
attempt('sibling_by_host_path', () => fs.readFileSync(${JSON.stringify(join(world.paths.workspaces, 'agent-b', 'secret.txt'))}, 'utf8'));
attempt('sibling_relative', () => fs.readFileSync('../agent-b/secret.txt', 'utf8'));
attempt('sibling_listing', () => { const seen = fs.readdirSync('/workspace/..').filter((n) => n.startsWith('agent')); if (seen.length === 0) throw Object.assign(new Error('none'), { code: 'NONE_VISIBLE' }); return seen.join(); });
attempt('world_db', () => fs.readFileSync(${JSON.stringify(join(worldDir, 'world.db'))}).length);
attempt('system_log', () => fs.readFileSync(${JSON.stringify(join(worldDir, 'system.log'))}, 'utf8'));
attempt('signing_key', () => fs.readFileSync(${JSON.stringify(join(worldDir, 'signing.key'))}, 'utf8'));
attempt('world_dir', () => fs.readdirSync(${JSON.stringify(worldDir)}).join());
attempt('root_home', () => fs.readdirSync('/root').join());
attempt('home', () => fs.readdirSync('/home').join());
attempt('work', () => fs.readdirSync('/work').join());
attempt('shadow', () => fs.readFileSync('/etc/shadow', 'utf8'));
attempt('host_tmp', () => fs.readFileSync('/tmp/agora-host-tmp-marker', 'utf8'));
attempt('host_proc', () => fs.readFileSync('/proc/1/environ', 'utf8').length > 0 && fs.readFileSync('/proc/1/cmdline', 'utf8').includes('agora-init') ? (() => { throw Object.assign(new Error('own init only'), { code: 'OWN_INIT' }); })() : 'host pid 1');
attempt('init_fds', () => fs.readdirSync('/proc/1/fd').join());
attempt('sys', () => fs.readdirSync('/sys').join());
attempt('passwd_has_host_users', () => { if (fs.readFileSync('/etc/passwd', 'utf8').includes('/root:/bin/bash')) return 'host passwd'; throw Object.assign(new Error('generated'), { code: 'GENERATED' }); });
`),
      },
      ['node', 'main.js'],
    );
    assert.equal(result.reason, 'exit', log);
    assertAllDenied(reports(log), [
      'sibling_by_host_path',
      'sibling_relative',
      'sibling_listing',
      'world_db',
      'system_log',
      'signing_key',
      'world_dir',
      'root_home',
      'home',
      'work',
      'shadow',
      'host_tmp',
      'host_proc',
      'init_fds',
      'sys',
      'passwd_has_host_users',
    ]);
    assert.doesNotMatch(log, /SECRET-OF-B|HOST-TMP/);
  });

  test('nothing outside /workspace is writable; /tmp is private and gone after the run', async () => {
    const script = `#!/bin/sh
for target in /evil /usr/evil /etc/evil /opt/evil /opt/agora/runtime/evil /run/agora/evil /proc/sys/kernel/hostname /bin/evil; do
  if (echo x > "$target") 2>/dev/null; then echo "{\\"$target\\": \\"ALLOWED\\"}"; else echo "{\\"$target\\": \\"denied\\"}"; fi
done
if [ -e /tmp/left-by-previous-run ]; then echo '{"tmp_survived": "ALLOWED"}'; else echo '{"tmp_survived": "denied"}'; fi
echo kept > /tmp/left-by-previous-run && echo '{"tmp_writable": "yes"}'
`;
    const first = await run({ 'attack.sh': script }, ['/bin/sh', 'attack.sh']);
    assert.equal(first.result.reason, 'exit', first.log);
    const found = reports(first.log);
    assertAllDenied(found, ['/evil', '/usr/evil', '/etc/evil', '/opt/evil', '/opt/agora/runtime/evil', '/run/agora/evil', '/proc/sys/kernel/hostname', '/bin/evil', 'tmp_survived']);
    assert.equal(found.tmp_writable, 'yes', 'the private /tmp is writable');
    const second = await run({ 'attack.sh': script }, ['/bin/sh', 'attack.sh']);
    assert.equal(reports(second.log).tmp_survived, 'denied', '/tmp of the previous run is gone');
  });

  test('no way up: no root, no capabilities, no user namespaces, no tracing of the sandbox init', async () => {
    const { result, log } = await run(
      {
        'escalate.sh': `#!/bin/sh
try() { name=$1; shift; if "$@" >/dev/null 2>&1; then echo "{\\"$name\\": \\"ALLOWED\\"}"; else echo "{\\"$name\\": \\"denied\\"}"; fi; }
try userns unshare --user --map-root-user true
try mountns unshare --mount true
try netns unshare --net true
try init_maps cat /proc/1/maps
try init_environ cat /proc/1/environ
try setuid_root python3 -c 'import os; os.setuid(0)'
try chown_workspace chown 0 /workspace
try mount_tmpfs mount -t tmpfs none /tmp
try capabilities sh -c 'grep -q "^CapEff:[[:space:]]*0000000000000000$" /proc/self/status && exit 1 || exit 0'
try kill_init sh -c 'kill -9 1; sleep 0.2; ! grep -q agora-init /proc/1/comm'
`,
      },
      ['/bin/sh', 'escalate.sh'],
    );
    assert.equal(result.reason, 'exit', log);
    assertAllDenied(reports(log), ['userns', 'mountns', 'netns', 'init_maps', 'init_environ', 'setuid_root', 'chown_workspace', 'mount_tmpfs', 'capabilities', 'kill_init']);
  });

  test('no network but the API: other ports, the host API port and outside addresses all fail', async () => {
    const { result, log } = await run(
      {
        'main.js': probe(`
const net = require('net');
const connect = (host, port) => new Promise((resolve, reject) => {
  const s = net.connect({ host, port, timeout: 2000 });
  s.once('connect', () => { s.destroy(); resolve('connected'); });
  s.once('timeout', () => { s.destroy(); reject(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })); });
  s.once('error', reject);
});
await attemptAsync('host_api_port', () => connect('127.0.0.1', ${api.port}));
await attemptAsync('other_port', () => connect('127.0.0.1', 22));
await attemptAsync('outside_ip', () => connect('1.1.1.1', 80));
await attemptAsync('outside_dns', () => connect('8.8.8.8', 53));
await attemptAsync('npm_registry', () => fetch('https://registry.npmjs.org/').then((r) => r.status));
await attemptAsync('dns_lookup', () => require('dns').promises.lookup('example.com').then((r) => r.address));
await attemptAsync('ipv6_loopback_api', () => connect('::1', 8420));
const health = await fetch(process.env.SYSTEM_SERVICE_URL + '/health').then((r) => r.status).catch((e) => e.message);
console.log(JSON.stringify({ api_health: health }));
`),
      },
      ['node', 'main.js'],
    );
    assert.equal(result.reason, 'exit', log);
    const found = reports(log);
    assertAllDenied(found, ['host_api_port', 'other_port', 'outside_ip', 'outside_dns', 'npm_registry', 'dns_lookup', 'ipv6_loopback_api']);
    assert.equal(found.api_health, 200, 'the API itself is reachable at SYSTEM_SERVICE_URL');
  });

  test('over its channel an agent is itself: no token works, another agent\'s token and from_id are 403', async () => {
    const before_a = world.kernel.ledger.agentBalance('agent-a');
    const before_b = world.kernel.ledger.agentBalance('agent-b');
    const token_b = agentToken(world, 'agent-b');
    const { result, log } = await run(
      {
        'main.js': `
const url = process.env.SYSTEM_SERVICE_URL;
const call = async (method, path, body, token) => {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = 'Bearer ' + token;
  const res = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};
(async () => {
  const history = await call('GET', '/economic/history');
  const own = await call('POST', '/economic/transfer', { to_id: 'agent-b', amount: 1.5 });
  const as_b = await call('POST', '/economic/transfer', { to_id: 'agent-a', amount: 50 }, process.env.TOKEN_B);
  const from_b = await call('POST', '/economic/transfer', { to_id: 'agent-a', amount: 50, from_id: 'agent-b' });
  const operator = await call('GET', '/economic/history?agent_id=agent-b', undefined, process.env.OPERATOR);
  console.log(JSON.stringify({ history: [history.status, history.body.agent_id], own: [own.status, own.body.from_id], as_b: [as_b.status, as_b.body.error && as_b.body.error.code], from_b: [from_b.status, from_b.body.error && from_b.body.error.code], operator: [operator.status, operator.body.error && operator.body.error.code] }));
})();
`,
      },
      ['node', 'main.js'],
      { env: { TOKEN_B: token_b, OPERATOR: world.operator_token } },
    );
    assert.equal(result.reason, 'exit', log);
    const r = reports(log) as any;
    assert.deepEqual(r.history, [200, 'agent-a'], 'no token: the connection says who it is');
    assert.deepEqual(r.own, [200, 'agent-a'], 'a transfer moves the sandboxed agent\'s own money');
    assert.deepEqual(r.as_b, [403, 'ACCESS_DENIED'], "another agent's token is refused on this channel");
    assert.deepEqual(r.from_b, [403, 'ACCESS_DENIED'], 'a body naming another agent is refused');
    assert.deepEqual(r.operator, [403, 'ACCESS_DENIED'], 'operator credentials are refused from inside');
    assert.equal(world.kernel.ledger.agentBalance('agent-a'), before_a - 1_500_000);
    assert.equal(world.kernel.ledger.agentBalance('agent-b'), before_b + 1_500_000);
  });

  test('a python agent reaches the API through its channel too', async () => {
    const { result, log } = await run(
      {
        'main.py': `
import json, os, urllib.request
with urllib.request.urlopen(os.environ["SYSTEM_SERVICE_URL"] + "/economic/history") as r:
    body = json.load(r)
print(json.dumps({"py_agent": body["agent_id"], "uid": os.getuid(), "cwd": os.getcwd()}))
`,
      },
      ['python3', 'main.py'],
    );
    assert.equal(result.reason, 'exit', log);
    const r = reports(log);
    assert.equal(r.py_agent, 'agent-a');
    assert.equal(r.uid, 1000);
    assert.equal(r.cwd, '/workspace');
  });

  test('a fork bomb hits the pids limit; the host stays fine and the run ends at its deadline', async () => {
    const pids_max = 48;
    let peak = 0;
    let host_ok = true;
    const bomb = `
import json, os, time
made = failed = 0
for _ in range(400):
    try:
        pid = os.fork()
    except OSError:
        failed += 1
        continue
    if pid == 0:
        time.sleep(100)
        os._exit(0)
    made += 1
print(json.dumps({"made": made, "failed": failed}), flush=True)
while True:  # and now a real bomb: every child forks forever
    try:
        os.fork()
    except OSError:
        pass
`;
    const { result, log } = await run({ 'bomb.py': bomb }, ['python3', 'bomb.py'], {
      limits: { pids_max, wall_ms: 2500, grace_ms: 200 },
      during: async (pid) => {
        const until = Date.now() + 2000;
        while (Date.now() < until) {
          if (pid !== null) peak = Math.max(peak, sampleTree(pid, config.sandbox.proc_tree_nodes_max).pids.length);
          host_ok &&= spawnSync('/bin/true').status === 0;
          await new Promise((r) => setTimeout(r, 100));
        }
      },
    });
    assert.equal(result.reason, 'killed_timeout', log.slice(0, 500));
    assert.ok(host_ok, 'the host could still start processes during the bomb');
    const counts = reports(log) as { made: number; failed: number };
    if (process.getuid?.() === 0) {
      assert.ok(counts.made < pids_max && counts.failed > 0, `forks beyond the limit failed: ${JSON.stringify(counts)}`);
      assert.ok(peak <= pids_max + 2, `never more than ${pids_max} processes (+2 of the sandbox): ${peak}`);
    }
    assert.ok(peak > 10, `the bomb did fork: ${peak}`);
    if (pid_of_last_run !== null) assert.equal(sampleTree(pid_of_last_run, config.sandbox.proc_tree_nodes_max).pids.length, 0, 'nothing of the bomb is left');
  });

  test('allocating past the memory limit is killed with reason killed_memory', { skip: process.getuid?.() !== 0 && 'cgroups need root here' }, async () => {
    const { result, log } = await run({ 'main.js': 'const keep = []; for (;;) keep.push(Buffer.alloc(8 << 20, 1));' }, ['node', 'main.js'], { limits: { memory_mb: 96 } });
    assert.equal(result.reason, 'killed_memory', `${JSON.stringify(result)} ${log.slice(0, 300)}`);
    assert.ok(result.memory_peak_mb >= 80 && result.memory_peak_mb <= 97, `peak near the limit: ${result.memory_peak_mb}`);
  });

  test('spinning past the lease is killed with reason killed_timeout, SIGTERM first, SIGKILL after grace', async () => {
    const started = Date.now();
    const { result, log } = await run({ 'spin.sh': "trap 'echo got SIGTERM, ignoring it' TERM\nwhile :; do :; done\n" }, ['/bin/sh', 'spin.sh'], {
      limits: { wall_ms: 800, grace_ms: 400 },
    });
    assert.equal(result.reason, 'killed_timeout');
    assert.match(log, /got SIGTERM/, 'the agent was told first');
    const took = Date.now() - started;
    assert.ok(took >= 1100 && took < 4000, `deadline + grace: ${took} ms`);
    assert.match(result.detail ?? '', /deadline/);
  });

  test('extend() keeps a run alive past its first deadline; stop() ends one with reason stopped', async () => {
    const execution_id = `x${++counter}`;
    const dir = workspace(join(world.paths.workspaces, 'agent-a'), { 'main.js': "setTimeout(() => console.log('done after the first deadline'), 1500);" });
    const log_path = join(world.paths.executions, `${execution_id}.log`);
    const handle = await runner.start(spec(config, { execution_id, workspace_dir: dir, command: ['node', 'main.js'], log_path, limits: { wall_ms: 700 } }));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(handle.extend(Date.now() + 5000), true);
    const result = await handle.done;
    assert.equal(result.reason, 'exit', readFileSync(log_path, 'utf8'));
    assert.ok(result.wall_ms > 1400, `ran past the first deadline: ${result.wall_ms}`);
    assert.equal(handle.extend(Date.now() + 5000), false, 'an ended run cannot be extended');

    const stop_id = `x${++counter}`;
    const stopped = await runner.start(spec(config, { execution_id: stop_id, workspace_dir: dir, command: ['sleep', '30'], log_path: join(world.paths.executions, `${stop_id}.log`) }));
    await new Promise((r) => setTimeout(r, 200));
    const stop_result = await stopped.stop('test says stop');
    assert.equal(stop_result.reason, 'stopped');
    assert.equal(stop_result.detail, 'test says stop');
  });

  test('printing gigabytes keeps the log at its cap, never blocks the agent, and the run ends', async () => {
    const cap = 64 * 1024;
    const { result, log } = await run({ 'flood.sh': 'head -c 1073741824 /dev/zero\necho finished >&2\n' }, ['/bin/sh', 'flood.sh'], {
      limits: { log_bytes_max: cap, wall_ms: 30_000 },
    });
    assert.equal(result.reason, 'exit', JSON.stringify(result));
    assert.equal(result.log_bytes, cap);
    assert.equal(result.log_truncated, true);
    assert.equal(Buffer.byteLength(log), cap);
  });

  test('metering: a 0.5 s busy loop costs about 0.5 CPU-seconds, a 50 MB allocation shows in the peak', async () => {
    const busy = await run({ 'main.js': '// CPU time, not wall time: the machine may be busy\nwhile (process.cpuUsage().user < 500_000) for (let i = 0; i < 1e6; i++);' }, ['node', 'main.js']);
    assert.equal(busy.result.reason, 'exit');
    assert.ok(busy.result.cpu_ms >= 300 && busy.result.cpu_ms <= 1500, `cpu ${busy.result.cpu_ms} ms`);
    const alloc = await run({ 'main.js': 'const b = Buffer.alloc(50 << 20, 1); setTimeout(() => console.log(b.length), 200);' }, ['node', 'main.js']);
    assert.equal(alloc.result.reason, 'exit');
    assert.ok(alloc.result.memory_peak_mb >= 50 && alloc.result.memory_peak_mb < 200, `peak ${alloc.result.memory_peak_mb} MB`);
  });

  test('the CPU budget is enforced on the whole run: killed_cpu', async () => {
    const { result } = await run({ 'main.js': 'for (;;) {}' }, ['node', 'main.js'], { limits: { cpu_ms_max: 400, grace_ms: 100 } });
    assert.equal(result.reason, 'killed_cpu');
    assert.ok(result.cpu_ms >= 400 && result.cpu_ms < 1500, `cpu ${result.cpu_ms} ms`);
  });

  test('crashes say how: a non-zero exit, a fatal signal; a missing program is spawn_failed', async () => {
    const exit3 = await run({}, ['/bin/sh', '-c', 'exit 3']);
    assert.equal(exit3.result.reason, 'crashed');
    assert.equal(exit3.result.exit_code, 3);
    const segv = await run({}, ['/bin/sh', '-c', 'kill -SEGV $$']);
    assert.equal(segv.result.reason, 'crashed');
    assert.equal(segv.result.signal, 'SIGSEGV');
    const missing = await run({}, ['no-such-program']);
    assert.equal(missing.result.reason, 'spawn_failed');
    assert.match(missing.result.detail ?? '', /no-such-program/);
  });

  test('debug: the inspector of a sandboxed node is reachable from the host, the network stays closed', async () => {
    const port = 19_229 + (process.pid % 500);
    let list: unknown = null;
    const { result, log } = await run({ 'main.js': "setTimeout(() => console.log('debuggee done'), 2500);" }, ['node', 'main.js'], {
      debug: { inspect_port: port, break_on_start: false },
      during: async () => {
        for (let i = 0; i < 40 && list === null; i++) {
          await new Promise((r) => setTimeout(r, 100));
          list = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(2000) })
            .then((r) => r.json())
            .catch(() => null);
        }
      },
    });
    assert.equal(result.reason, 'exit', log);
    assert.ok(Array.isArray(list) && list.length === 1, `inspector targets: ${JSON.stringify(list)}`);
    assert.match(JSON.stringify(list), /webSocketDebuggerUrl/);
  });

  test('debug: an agent that swaps its inspector socket for a link to a host socket gets the host nowhere', async () => {
    const port = 19_829 + (process.pid % 500);
    // A socket of the host the agent would like the root bridge to connect to.
    const host_dir = mkdtempSync(join(tmpdir(), 'agora-host-sock-'));
    const host_socket = join(host_dir, 'host.sock');
    let reached = 0;
    const host_server = net.createServer((c) => {
      reached++;
      c.destroy();
    });
    await new Promise<void>((resolve) => host_server.listen(host_socket, resolve));
    try {
      const { result, log } = await run(
        {
          'main.js': `const fs = require('fs');
            const sock = '/run/agora/debug/inspector.sock';
            const wait = () => { if (!fs.existsSync(sock)) return setTimeout(wait, 20);
              fs.unlinkSync(sock); fs.symlinkSync(${JSON.stringify(host_socket)}, sock); console.log('swapped');
              setTimeout(() => {}, 2500); };
            wait();`,
        },
        ['node', 'main.js'],
        {
          debug: { inspect_port: port, break_on_start: false },
          during: async () => {
            for (let i = 0; i < 20; i++) {
              await new Promise((r) => setTimeout(r, 100));
              await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
            }
          },
        },
      );
      assert.match(log, /swapped/, 'the agent made the swap');
      assert.equal(result.reason, 'exit', log);
      assert.equal(reached, 0, 'the bridge never connected to the host socket the link names');
    } finally {
      host_server.close();
      rmSync(host_dir, { recursive: true, force: true });
    }
  });

  test('runs side by side, more than the pre-started launchers, each see only their own workspace and identity', async () => {
    const agents = ['agent-a', 'agent-b', 'agent-a2', 'agent-b2', 'agent-a3'];
    for (const agent of agents.slice(2)) if (world.kernel.agents.get(agent) === null) addAgent(world, agent, 1);
    const runs = await Promise.all(
      agents.map((agent) =>
        run(
          {
            'who.js': `fetch(process.env.SYSTEM_SERVICE_URL + '/economic/history').then((r) => r.json()).then((b) => console.log(JSON.stringify({ who: b.agent_id, files: require('fs').readdirSync('.').filter((f) => f.startsWith('mine-')) })));`,
            [`mine-${agent}`]: agent,
          },
          ['node', 'who.js'],
          { agent_id: agent },
        ),
      ),
    );
    runs.forEach(({ result, log }, i) => {
      assert.equal(result.reason, 'exit', log);
      const r = reports(log) as { who: string; files: string[] };
      assert.equal(r.who, agents[i]);
      assert.deepEqual(r.files, [`mine-${agents[i]}`]);
    });
  });

  test('a run without a workspace is refused before anything starts', async () => {
    await assert.rejects(
      runner.start(spec(config, { execution_id: 'nows', workspace_dir: join(world.paths.workspaces, 'nobody'), command: ['true'], log_path: join(world.paths.executions, 'nows.log') })),
      /does not exist/,
    );
  });

  test('workspace files the host made are handed to the agent; its own files stay its own', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
    const dir = join(world.paths.workspaces, 'agent-a');
    mkdirSync(join(dir, 'given'), { recursive: true });
    writeFileSync(join(dir, 'given', 'code.js'), '// from the host');
    const { result, log } = await run({}, ['/bin/sh', '-c', 'echo "// changed by the agent" >> given/code.js && rm -f env.json']);
    assert.equal(result.reason, 'exit', log);
    assert.match(readFileSync(join(dir, 'given', 'code.js'), 'utf8'), /changed by the agent/);
    assert.equal(statSync(join(dir, 'given', 'code.js')).uid, config.sandbox.host_uid);
  });
});
