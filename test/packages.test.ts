// POST /packages/install (docs/packages.md): an npm package installed into the asking agent's
// workspace by npm in a real bwrap sandbox whose only network is the registry proxy. The
// install tests use a registry of their own on a loopback port (hermetic, fast), allowed by
// config as the proxy's one host; one more installs a tiny package from the real npm
// registry, skipped with a message when this machine cannot reach it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openExecutionChannel } from '../src/api/channel.js';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { startRegistryProxy } from '../src/orchestrator/packages/registry-proxy.js';
import type { Runner } from '../src/sandbox/runner.js';
import { assertConserved } from './support/assertions.js';
import { startRun } from './support/attention.js';
import { sandboxUnavailable, spec, workspace } from './support/sandbox.js';
import { addAgent, agentToken, runnerWorld, servedWorld, type TestApi, type TestWorld } from './support/world.js';

const skip = sandboxUnavailable();

/** A one-package npm registry: `tiny-pkg@1.0.0`, whose install script would leave a mark. */
async function fakeRegistry(): Promise<{ server: Server; port: number; tarball_bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'agora-pkg-src-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'tiny-pkg', version: '1.0.0', main: 'index.js', scripts: { install: "node -e \"require('fs').writeFileSync('SCRIPT_RAN', '1')\"" } }));
  writeFileSync(join(dir, 'index.js'), 'module.exports = 42;\n');
  const file = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop()!;
  const tgz = readFileSync(join(dir, file));
  rmSync(dir, { recursive: true, force: true });
  const integrity = `sha512-${createHash('sha512').update(tgz).digest('base64')}`;
  const server = createServer((req, res) => {
    const port = (server.address() as { port: number }).port;
    if (req.url === '/tiny-pkg') {
      const version = { name: 'tiny-pkg', version: '1.0.0', main: 'index.js', scripts: { install: "node -e \"require('fs').writeFileSync('SCRIPT_RAN', '1')\"" }, dist: { tarball: `http://127.0.0.1:${port}/tiny-pkg/-/tiny-pkg-1.0.0.tgz`, integrity, shasum: createHash('sha1').update(tgz).digest('hex') } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'tiny-pkg', 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': version } }));
    } else if (req.url === '/tiny-pkg/-/tiny-pkg-1.0.0.tgz') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(tgz);
    } else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, tarball_bytes: tgz.length };
}

function bytesOnDisk(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name), { throwIfNoEntry: false });
    if (st === undefined) continue;
    if (st.isDirectory()) total += bytesOnDisk(join(dir, name));
    else if (st.isFile()) total += st.size;
  }
  return total;
}

test('a package spec that is a path, URL, git or alias is refused before anything runs', async (t) => {
  const { world, api } = await servedWorld(t);
  addAgent(world, 'a1', 10);
  const token = agentToken(world, 'a1', startRun(world as never, 'a1').id);
  const specs: [string, string][] = [['../evil', '1.0.0'], ['./x', '1.0.0'], ['https://evil.example/x.tgz', '1.0.0'], ['git+ssh://git@github.com/a/b.git', '1.0.0'], ['user/repo', '1.0.0'], ['/etc/passwd', '1.0.0'], ['Upper', '1.0.0'], ['ok-name', 'file:../x'], ['ok-name', 'github:a/b'], ['ok-name', 'npm:other@1'], ['ok-name', 'https://evil/x.tgz'], ['ok-name', 'git://x/y']];
  for (const [name, version] of specs) {
    const res = await api.request('POST', '/packages/install', { token, body: { ecosystem: 'npm', name, version } });
    assert.equal(res.status, 400, `${name}@${version}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'INVALID_ARGS');
  }
  assert.equal((world.db.prepare("SELECT count(*) AS n FROM events WHERE type = 'package_installed'").get() as { n: number }).n, 0);
});

test('the registry proxy refuses every host but the allowed ones (CONNECT or plain HTTP)', async (t) => {
  const registry = await fakeRegistry();
  const other = await fakeRegistry();
  const dir = mkdtempSync(join(tmpdir(), 'agora-proxy-'));
  const proxy = await startRegistryProxy({ socket_path: join(dir, 'p.sock'), allowed_hosts: ['registry.npmjs.org', `127.0.0.1:${registry.port}`], bytes_max: 1 << 20 });
  t.after(async () => {
    await proxy.close();
    registry.server.close();
    other.server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const connectStatus = (authority: string) =>
    new Promise<string>((resolve) => {
      const s = connect(proxy.path, () => s.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n\r\n`));
      s.once('data', (d) => {
        resolve(d.toString().split('\r\n')[0]!);
        s.destroy();
      });
      s.on('error', () => resolve('ERR'));
    });
  const get = (url: string) =>
    new Promise<number>((resolve) => {
      const req = httpRequest({ socketPath: proxy.path, path: url, method: 'GET', headers: { host: new URL(url).host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(-1));
      req.end();
    });
  for (const a of ['example.com:443', 'registry.npmjs.org:80', '1.1.1.1:443', '127.0.0.1:443', `127.0.0.1:${other.port}`, 'registry.npmjs.org.evil.example:443']) {
    assert.match(await connectStatus(a), / 403 /, a);
  }
  assert.equal(await get(`http://127.0.0.1:${other.port}/tiny-pkg`), 403, 'a host not allowed');
  assert.equal(await get(`http://localhost:${registry.port}/tiny-pkg`), 403, 'the same port by another name');
  assert.equal(await get(`http://127.0.0.1:${registry.port}/tiny-pkg`), 200, 'the allowed registry');
});

describe('installs in a real sandbox', { skip }, () => {
  let world: TestWorld;
  let api: TestApi;
  let runner: Runner;
  let registry: Awaited<ReturnType<typeof fakeRegistry>>;
  let token: string;
  const cleanups: (() => unknown)[] = [];
  before(async () => {
    registry = await fakeRegistry();
    const t = { after: (fn: () => unknown) => cleanups.push(fn) };
    ({ world, api, runner } = await runnerWorld(t, {
      clock: new VirtualClock(),
      config: { sandbox: { runner: 'bwrap' }, packages: { npm_registry_url: `http://127.0.0.1:${registry.port}/`, allowed_hosts: ['registry.npmjs.org', `127.0.0.1:${registry.port}`] } },
    }));
    world.invoker.attach(runner, api);
    addAgent(world, 'a1', 100);
    workspace(join(world.paths.workspaces, 'a1'), { 'main.js': '' });
    token = agentToken(world, 'a1', startRun(world, 'a1').id);
  });
  after(async () => {
    registry.server.close();
    for (const fn of cleanups.reverse()) await fn();
  });

  test('an allowed install lands in node_modules, scripts off, charged and journaled for the bytes on disk', async () => {
    const before_ucr = world.kernel.ledger.balance('a1')!;
    const res = await api.request('POST', '/packages/install', { token, body: { ecosystem: 'npm', name: 'tiny-pkg', version: '^1.0.0' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const ws = join(world.paths.workspaces, 'a1');
    const pkg = join(ws, 'node_modules', 'tiny-pkg');
    assert.equal(readFileSync(join(pkg, 'index.js'), 'utf8'), 'module.exports = 42;\n');
    assert.ok(!existsSync(join(pkg, 'SCRIPT_RAN')), 'the install script did not run');
    const event = world.db.prepare("SELECT data FROM events WHERE type = 'package_installed' ORDER BY seq DESC LIMIT 1").get() as { data: string };
    const data = JSON.parse(event.data) as { name: string; version: string; integrity: string; bytes: number; cost_ucr: number };
    assert.equal(data.name, 'tiny-pkg');
    assert.equal(data.version, '1.0.0');
    assert.match(data.integrity, /^sha512-/);
    assert.equal(data.bytes, bytesOnDisk(join(ws, 'node_modules')));
    assert.equal(world.kernel.ledger.balance('a1'), before_ucr - data.cost_ucr);
    assert.ok(data.cost_ucr > 0);
    assertConserved(world);
  });

  test('a package the registry does not have is NOT_FOUND and changes nothing', async () => {
    const before_ucr = world.kernel.ledger.balance('a1')!;
    const res = await api.request('POST', '/packages/install', { token, body: { ecosystem: 'npm', name: 'no-such-pkg', version: '1.0.0' } });
    assert.equal(res.body.error?.code, 'NOT_FOUND', JSON.stringify(res.body));
    assert.ok(!existsSync(join(world.paths.workspaces, 'a1', 'node_modules', 'no-such-pkg')));
    assert.equal(world.kernel.ledger.balance('a1'), before_ucr);
  });

  /** One run of `agent_id` as the loop would start it: its own execution, node main.js in bwrap, its API channel. */
  async function agentRun(agent_id: string, main_js: string): Promise<{ before_ucr: number; after_ucr: number }> {
    const ex = startRun(world, agent_id);
    const before_ucr = world.kernel.ledger.balance(agent_id)!;
    const ws = join(world.paths.workspaces, agent_id);
    workspace(ws, { 'main.js': main_js });
    const socket_dir = runner.channelDir() ?? mkdtempSync(join(tmpdir(), 'agora-sock-'));
    const socket_path = join(socket_dir, `${ex.id}.sock`);
    const channel = await openExecutionChannel(api.app, api.ctx, { agent_id, execution_id: ex.id }, socket_path);
    try {
      const log_path = join(world.paths.executions, `${ex.id}.log`);
      const handle = await runner.start(spec(world.config, { execution_id: ex.id, agent_id, workspace_dir: ws, command: ['node', 'main.js'], log_path, api_socket_path: socket_path, limits: { wall_ms: 60_000 } }));
      const result = await handle.done;
      assert.equal(result.reason, 'exit', readFileSync(log_path, 'utf8'));
      const after_ucr = world.kernel.ledger.balance(agent_id)!;
      world.kernel.executions.end(ex.id, { reason: 'exit', exit_code: result.exit_code, signal: null, cpu_ms: 1, memory_peak_mb: 1, wall_ms: 1, log_bytes: 0, log_truncated: false }, { actor: 'system:loop' });
      return { before_ucr, after_ucr };
    } finally {
      channel.close();
    }
  }

  test('a sandboxed agent installs a package in one run and requires it in its next', async () => {
    addAgent(world, 'a2', 100);
    const ws = join(world.paths.workspaces, 'a2');
    const first = await agentRun('a2', `const fs = require('fs');
fetch(process.env.SYSTEM_SERVICE_URL + '/packages/install', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ecosystem: 'npm', name: 'tiny-pkg', version: '1.0.0' }) })
  .then(async (r) => fs.writeFileSync('install.json', JSON.stringify({ status: r.status, body: await r.json() })))
  .catch((e) => { console.error(e); process.exit(1); });`);
    const answer = JSON.parse(readFileSync(join(ws, 'install.json'), 'utf8')) as { status: number; body: { version: string; bytes: number; cost: number } };
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.version, '1.0.0');

    await agentRun('a2', "require('fs').writeFileSync('required.txt', String(require('tiny-pkg')));");
    assert.equal(readFileSync(join(ws, 'required.txt'), 'utf8'), '42', 'the next run requires the installed package');

    const event = world.db.prepare("SELECT data FROM events WHERE type = 'package_installed' AND json_extract(data, '$.agent_id') = 'a2'").get() as { data: string };
    const data = JSON.parse(event.data) as { bytes: number; cost_ucr: number };
    assert.equal(data.bytes, bytesOnDisk(join(ws, 'node_modules')), 'the event names the bytes on disk');
    assert.equal(answer.body.bytes, data.bytes);
    assert.ok(data.cost_ucr > 0);
    assert.equal(first.after_ucr, first.before_ucr - data.cost_ucr, 'the run that installed paid the install');
    assertConserved(world);
  });
});

// Through the CONNECT tunnel to the real registry. Where the host's egress re-signs TLS (as on
// this machine) this needs the host's CA inside the sandbox (packages.ca_file, else the host's
// NODE_EXTRA_CA_CERTS); without it npm's TLS fails and it retries until the wall time.
test('from the real npm registry: a tiny package installs through the proxy (skipped when the registry is unreachable)', { skip }, async (t) => {
  const reachable = await fetch('https://registry.npmjs.org/is-number', { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false);
  if (!reachable) return t.skip('registry.npmjs.org is not reachable from this machine (no network, or its TLS is not trusted here)');
  const { world, api, runner } = await runnerWorld(t, { clock: new VirtualClock(), config: { sandbox: { runner: 'bwrap' }, packages: { install_timeout_ms: 15_000 } } });
  world.invoker.attach(runner, api);
  addAgent(world, 'a1', 100);
  workspace(join(world.paths.workspaces, 'a1'), { 'main.js': '' });
  const token = agentToken(world, 'a1', startRun(world, 'a1').id);
  const res = await api.request('POST', '/packages/install', { token, body: { ecosystem: 'npm', name: 'is-number', version: '7.0.0' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.version, '7.0.0');
  assert.match(res.body.integrity, /^sha512-/);
  assert.ok(existsSync(join(world.paths.workspaces, 'a1', 'node_modules', 'is-number', 'index.js')));
  assert.ok(!existsSync(join(world.paths.workspaces, 'a1', '.agora-ca.pem')), 'the CA bundle stays in the staging directory');
});
