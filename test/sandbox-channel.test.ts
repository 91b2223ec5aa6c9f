// The per-execution API channel on the host: a unix socket whose connections are the agent.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openExecutionChannel } from '../src/api/channel.js';
import { addAgent, agentToken, makeWorld, serve } from './support/world.js';

function request(socketPath: string, method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const req = http.request({ socketPath, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function setup(t: import('node:test').TestContext) {
  const world = makeWorld();
  addAgent(world, 'alice', 10);
  addAgent(world, 'bob', 10);
  const live = new Set(['exec-1']);
  const api = await serve(world, { executionIsLive: (id) => live.has(id) });
  const dir = mkdtempSync(join(tmpdir(), 'agora-chan-'));
  t.after(async () => {
    await api.close();
    world.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  return { world, api, dir, live };
}

test('connections on the channel are the execution: no token needed, another agent\'s token is 403, an ended execution is 401', async (t) => {
  const { world, api, dir, live } = await setup(t);
  const socket_path = join(dir, 'exec-1.sock');
  const channel = await openExecutionChannel(api.app, api.ctx, { agent_id: 'alice', execution_id: 'exec-1' }, socket_path);
  t.after(() => channel.close());
  assert.equal(statSync(socket_path).mode & 0o777, 0o600, 'owner only');

  const mine = await request(socket_path, 'GET', '/economic/history');
  assert.equal(mine.status, 200);
  assert.equal(mine.body.agent_id, 'alice');
  const confirmed = await request(socket_path, 'GET', '/economic/history', { token: agentToken(world, 'alice', 'exec-1') });
  assert.equal(confirmed.status, 200, 'a token may confirm the connection');
  const other = await request(socket_path, 'POST', '/economic/transfer', { token: agentToken(world, 'bob'), body: { to_id: 'alice', amount: 1 } });
  assert.equal(other.status, 403);
  assert.equal(other.body.error.code, 'ACCESS_DENIED');
  const named = await request(socket_path, 'POST', '/economic/transfer', { body: { to_id: 'alice', amount: 1, from_id: 'bob' } });
  assert.equal(named.status, 403);
  const paid = await request(socket_path, 'POST', '/economic/transfer', { body: { to_id: 'bob', amount: 2 } });
  assert.equal(paid.status, 200);
  assert.equal(paid.body.from_id, 'alice');

  live.delete('exec-1');
  const ended = await request(socket_path, 'GET', '/economic/history');
  assert.equal(ended.status, 401, 'the channel of an ended execution authenticates no one');
});

test('close() removes the socket and refuses new connections; a stale socket file is replaced', async (t) => {
  const { api, dir } = await setup(t);
  const socket_path = join(dir, 'stale.sock');
  // A crashed Agora leaves its socket file behind: a process that exits while listening does.
  spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socket_path)}, () => process.exit(0))`]);
  assert.ok(existsSync(socket_path));
  const channel = await openExecutionChannel(api.app, api.ctx, { agent_id: 'alice', execution_id: 'exec-1' }, socket_path);
  const ok = await request(socket_path, 'GET', '/health');
  assert.equal(ok.status, 200);
  channel.close();
  channel.close(); // idempotent
  assert.equal(existsSync(socket_path), false);
  await assert.rejects(request(socket_path, 'GET', '/health'));
});

test('unsafe socket paths are refused: too long, in a world-writable directory, or not a socket', async (t) => {
  const { api, dir } = await setup(t);
  const identity = { agent_id: 'alice', execution_id: 'exec-1' };
  await assert.rejects(openExecutionChannel(api.app, api.ctx, identity, join(dir, 'x'.repeat(120) + '.sock')), /over the 107/);
  const open_dir = join(dir, 'open');
  mkdirSync(open_dir);
  chmodSync(open_dir, 0o777);
  await assert.rejects(openExecutionChannel(api.app, api.ctx, identity, join(open_dir, 'a.sock')), /writable by others/);
  const file = join(dir, 'file.sock');
  writeFileSync(file, 'not a socket');
  await assert.rejects(openExecutionChannel(api.app, api.ctx, identity, file), /not a socket/);
});
