// Network clients vs the operator: the API answers only to loopback names and the configured
// public names (server.allowed_hosts), whatever the route, so a page that rebinds its own DNS
// name to 127.0.0.1 reaches nothing; and a state-changing request from a page on another
// origin is refused even when it names the real loopback address.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { addAgent, agentToken, servedWorld } from './support/world.js';

interface Answer {
  status: number;
  type: string;
  body: string;
}

/** A request with the exact Host (and Origin) given: fetch would not let a test set Host. */
function send(url: string, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path, method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } }, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      if (type.startsWith('text/event-stream')) {
        // A live stream never ends: its head is the answer.
        res.destroy();
        resolve({ status: res.statusCode!, type, body: '' });
        return;
      }
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, type, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function assertRefused(answer: Answer, what: string): void {
  assert.equal(answer.status, 403, `${what}: ${answer.status} ${answer.body}`);
  const parsed = JSON.parse(answer.body) as { error: { code: string; message: string; details: unknown; retry_after: unknown } };
  assert.deepEqual(Object.keys(parsed.error).sort(), ['code', 'details', 'message', 'retry_after'], 'the one error shape');
  assert.equal(parsed.error.code, 'ACCESS_DENIED');
}

test('a request for a foreign host name is refused on every kind of route; loopback names and a configured public name are answered', async (t) => {
  const { world, api } = await servedWorld(t, { server: { allowed_hosts: ['agora.example.org'] } });
  addAgent(world, 'alice', 10);
  const port = new URL(api.url).port;
  const operator = { authorization: `Bearer ${world.operator_token}` };
  const agent = { authorization: `Bearer ${agentToken(world, 'alice')}` };
  const routes: { path: string; auth: Record<string, string>; ok: number }[] = [
    { path: '/', auth: {}, ok: 200 },
    { path: '/health', auth: {}, ok: 200 },
    { path: '/operator/summary', auth: operator, ok: 200 },
    { path: '/economic/balance/alice', auth: agent, ok: 200 },
    { path: '/operator/events/stream', auth: operator, ok: 200 },
    { path: '/no/such/route', auth: {}, ok: 404 },
  ];
  for (const host of ['evil.example', `evil.example:${port}`, `localhost.evil.example:${port}`, `127.0.0.1.evil.example:${port}`, 'agora.example.org.evil.example']) {
    for (const route of routes) assertRefused(await send(api.url, route.path, { ...route.auth, host }, 'GET'), `Host ${host} ${route.path}`);
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `127.9.8.7:${port}`, `[::1]:${port}`, 'localhost', 'agora.example.org', 'Agora.Example.Org:443']) {
    for (const route of routes) {
      const answer = await send(api.url, route.path, { ...route.auth, host }, 'GET');
      assert.equal(answer.status, route.ok, `Host ${host} ${route.path}: ${answer.body}`);
    }
  }
  const stream = await send(api.url, '/operator/events/stream', { ...operator, host: `localhost:${port}` });
  assert.match(stream.type, /^text\/event-stream/, 'the stream answers a loopback name');
});

test('an HTTP/1.0 request naming no host is refused', async (t) => {
  const { api } = await servedWorld(t);
  const { hostname, port } = new URL(api.url);
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end('GET /health HTTP/1.0\r\n\r\n'));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  assert.match(answer, /^HTTP\/1\.[01] 403/);
  assert.match(answer, /"code":"ACCESS_DENIED"/);
});

test('a name is not answered unless configured: the default allows loopback only', async (t) => {
  const { api } = await servedWorld(t);
  assertRefused(await send(api.url, '/health', { host: 'agora.example.org' }), 'an unconfigured public name');
  assert.equal((await send(api.url, '/health', { host: '127.0.0.1' })).status, 200);
});

test('a cross-origin operator POST is refused; the same POST from the dashboard origin or with no Origin is not', async (t) => {
  const { world, api } = await servedWorld(t);
  const port = new URL(api.url).port;
  const reward = JSON.stringify({ prompt_id: 'p-none', interesting: 1, useful: 1, understandable: 1 });
  const post = (headers: Record<string, string>) => send(api.url, '/human/reward', { authorization: `Bearer ${world.operator_token}`, host: `127.0.0.1:${port}`, ...headers }, 'POST', reward);
  for (const origin of ['http://evil.example', `http://evil.example:${port}`, 'null', 'file://', `http://127.0.0.1.evil.example:${port}`]) {
    const answer = await post({ origin });
    assertRefused(answer, `Origin ${origin}`);
    assert.match(answer.body, /origin/);
  }
  // From the dashboard's own origin (and from the CLI, which sends none) the request reaches the route: no such prompt.
  const fromHome: Record<string, string>[] = [{ origin: `http://127.0.0.1:${port}` }, { origin: `http://localhost:${port}` }, {}];
  for (const headers of fromHome) {
    const answer = await post(headers);
    assert.equal(answer.status, 404, `${JSON.stringify(headers)}: ${answer.body}`);
  }
  // Reading from another origin is not state-changing (and the browser withholds the answer without CORS).
  assert.equal((await send(api.url, '/health', { host: `127.0.0.1:${port}`, origin: 'http://evil.example' })).status, 200);
});
