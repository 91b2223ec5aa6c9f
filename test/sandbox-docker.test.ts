// The docker runner, against a real engine when one answers (skipped otherwise): same
// contract as bwrap — API only through the channel, no other network, read-only root,
// workspace at /workspace, non-root, limits enforced and metered from the engine.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { parseConfig } from '../src/config/load.js';
import { dockerAnswers } from '../src/sandbox/docker.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { addAgent, makeWorld, serve } from './support/world.js';
import { spec, testChannel, workspace } from './support/sandbox.js';

const config = parseConfig({ sandbox: { runner: 'docker' } });

test('docker runner: an agent reaches only the API, as itself, inside a read-only non-root container', async (t) => {
  if (!(await dockerAnswers(config))) {
    t.skip('no Docker engine answers');
    return;
  }
  const world = makeWorld();
  addAgent(world, 'agent-a', 10);
  const api = await serve(world, { executionIsLive: () => true });
  const runner = await createRunner(config, pino({ level: 'silent' }));
  t.after(async () => {
    await runner.close();
    await api.close();
    world.cleanup();
  });
  const socket_path = await testChannel(t, api, { agent_id: 'agent-a', execution_id: 'd1' });
  const dir = workspace(join(world.paths.workspaces, 'agent-a'), {
    'main.js': `
const fs = require('fs');
const net = require('net');
const out = { uid: process.getuid(), cwd: process.cwd() };
try { fs.writeFileSync('/evil', 'x'); out.root_write = 'ALLOWED'; } catch (e) { out.root_write = 'denied'; }
fs.writeFileSync('inside.txt', 'ok');
const s = net.connect({ host: '1.1.1.1', port: 80, timeout: 2000 });
s.on('connect', () => { out.net = 'ALLOWED'; s.destroy(); next(); });
s.on('error', () => { out.net = 'denied'; next(); });
s.on('timeout', () => { out.net = 'denied'; s.destroy(); next(); });
function next() {
  fetch(process.env.SYSTEM_SERVICE_URL + '/economic/history').then((r) => r.json()).then((b) => { out.who = b.agent_id; console.log(JSON.stringify(out)); });
}
`,
  });
  const log_path = join(world.paths.executions, 'd1.log');
  const handle = await runner.start(spec(config, { execution_id: 'd1', workspace_dir: dir, command: ['node', 'main.js'], log_path, api_socket_path: socket_path }));
  const result = await handle.done;
  const log = readFileSync(log_path, 'utf8');
  assert.equal(result.reason, 'exit', log);
  const r = JSON.parse(log.trim().split('\n').pop()!);
  assert.equal(r.uid, config.sandbox.uid_inside);
  assert.equal(r.cwd, '/workspace');
  assert.equal(r.root_write, 'denied');
  assert.equal(r.net, 'denied');
  assert.equal(r.who, 'agent-a');
  assert.equal(readFileSync(join(dir, 'inside.txt'), 'utf8'), 'ok');
  assert.equal(result.metering, 'docker_stats');
});

test('docker runner: memory past the limit is killed_memory, a lease past its end is killed_timeout', async (t) => {
  if (!(await dockerAnswers(config))) {
    t.skip('no Docker engine answers');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'agora-docker-'));
  const runner = await createRunner(config, pino({ level: 'silent' }));
  t.after(async () => {
    await runner.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const ws = workspace(join(dir, 'ws'), { 'main.js': 'const keep = []; for (;;) keep.push(Buffer.alloc(8 << 20, 1));' });
  const memory = await runner.start(spec(config, { execution_id: 'dm', workspace_dir: ws, command: ['node', 'main.js'], log_path: join(dir, 'dm.log'), limits: { memory_mb: 96 } }));
  assert.equal((await memory.done).reason, 'killed_memory');
  const spin = await runner.start(spec(config, { execution_id: 'dt', workspace_dir: ws, command: ['sleep', '60'], log_path: join(dir, 'dt.log'), limits: { wall_ms: 1000, grace_ms: 200 } }));
  assert.equal((await spin.done).reason, 'killed_timeout');
});
