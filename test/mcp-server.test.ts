// Agora as an MCP server (/mcp) driven by the official SDK client over Streamable HTTP, with a
// bearer token (outside a sandbox). Each tool is its HTTP route: same answer, same journal,
// same charge; identity cannot be borrowed. The sandboxed client is test/mcp-sandbox.test.ts.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { addAgent, agentToken, servedWorld, type TestApi, type TestWorld } from './support/world.js';

async function connect(api: TestApi, token: string | null, t: { after(fn: () => unknown): void }): Promise<Client> {
  const client = new Client({ name: 'agora-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(api.url + '/mcp'), token === null ? {} : { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  t.after(() => client.close());
  return client;
}

function payload(result: unknown): any {
  const r = result as { content: { type: string; text: string }[]; isError?: boolean };
  return JSON.parse(r.content[0]!.text);
}

function eventsOf(world: TestWorld, type: string): any[] {
  return (world.db.prepare('SELECT data FROM events WHERE type = ? ORDER BY seq').all(type) as { data: string }[]).map((r) => JSON.parse(r.data));
}

test('tools/list is the agent API, each input schema the route\'s own zod schema', async (t) => {
  const { api } = await servedWorld(t);
  const client = await connect(api, null, t);
  const { tools } = await client.listTools();
  const names = tools.map((tool) => tool.name);
  for (const n of ['balance', 'history', 'prices', 'order_book', 'bid', 'withdraw', 'transfer', 'message', 'inbox', 'directory', 'spawn', 'artifact_search', 'artifact_info', 'artifact_invoke', 'human_prompt']) {
    assert.ok(names.includes(n), `tool ${n} listed`);
  }
  const transfer = tools.find((tool) => tool.name === 'transfer')!;
  // From the route's body schema: its fields, its required ones and its memo bound from config.
  assert.deepEqual(Object.keys(transfer.inputSchema.properties ?? {}).sort(), ['amount', 'from_id', 'memo', 'to_id']);
  assert.deepEqual([...(transfer.inputSchema.required ?? [])].sort(), ['amount', 'to_id']);
  const balance = tools.find((tool) => tool.name === 'balance')!;
  assert.deepEqual(balance.inputSchema.required, ['agent_id']);
});

test('a tool call is its HTTP twin: the same answer, journaled and charged the same; naming another agent is refused', async (t) => {
  const { world, api } = await servedWorld(t);
  addAgent(world, 'alice', 100);
  addAgent(world, 'bob', 100);
  const client = await connect(api, agentToken(world, 'alice'), t);

  const over_mcp = await client.callTool({ name: 'balance', arguments: { agent_id: 'alice' } });
  const over_http = await api.request('GET', '/economic/balance/alice', { token: agentToken(world, 'alice') });
  assert.deepEqual(payload(over_mcp), over_http.body);
  assert.equal(over_mcp.isError, false);

  const sent = await client.callTool({ name: 'message', arguments: { to_id: 'bob', content: 'hello over MCP' } });
  assert.equal(sent.isError, false, JSON.stringify(sent));
  const messages = eventsOf(world, 'message_sent');
  assert.equal(messages.length, 1);
  assert.equal(messages[0].from_id, 'alice', 'the caller is the token\'s agent');
  const cost_ucr = Math.round(world.config.social.message_cost * 1_000_000);
  assert.equal(world.kernel.ledger.agentBalance('alice'), 100_000_000 - cost_ucr, 'charged the message cost, as over HTTP');

  const stolen = await client.callTool({ name: 'transfer', arguments: { to_id: 'alice', amount: 5, from_id: 'bob' } });
  assert.equal(stolen.isError, true);
  assert.equal(payload(stolen).error.code, 'ACCESS_DENIED');
  assert.equal(world.kernel.ledger.agentBalance('bob'), 100_000_000, "bob's credits did not move");

  const anonymous = await connect(api, null, t);
  const refused = await anonymous.callTool({ name: 'transfer', arguments: { to_id: 'bob', amount: 1 } });
  assert.equal(refused.isError, true);
  assert.equal(payload(refused).error.code, 'UNAUTHENTICATED', 'no credentials: the route refuses, as over HTTP');
});

test('concurrent calls from different agents each act as their own caller (the SDK servers are pooled)', async (t) => {
  const { world, api } = await servedWorld(t);
  for (const id of ['alice', 'bob', 'carol']) addAgent(world, id, 100);
  const clients = { alice: await connect(api, agentToken(world, 'alice'), t), bob: await connect(api, agentToken(world, 'bob'), t) };
  const calls = [];
  for (let i = 0; i < 8; i++) {
    for (const [who, client] of Object.entries(clients)) calls.push(client.callTool({ name: 'message', arguments: { to_id: 'carol', content: `${who} ${i}` } }));
  }
  for (const result of await Promise.all(calls)) assert.equal(result.isError, false, JSON.stringify(result));
  const sent = eventsOf(world, 'message_sent');
  assert.equal(sent.length, 16);
  for (const m of sent) assert.equal(m.from_id, String(m.content ?? '').split(' ')[0], `message ${JSON.stringify(m)} is from its sender`);
});

test('the delegation header is internal: a request from outside that sends one is refused', async (t) => {
  const { world, api } = await servedWorld(t);
  addAgent(world, 'alice', 100);
  const res = await api.request('POST', '/economic/transfer', { headers: { 'x-agora-delegation': 'guess' }, body: { to_id: 'alice', amount: 1 } });
  assert.equal(res.status, 401);
});

test('/mcp answers only to allowed hosts (DNS rebinding), and GET is 405 (stateless)', async (t) => {
  const { api } = await servedWorld(t);
  const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
  const headers = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };
  // fetch cannot set Host or Origin: node:http can.
  const raw = (extra: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const { hostname, port } = new URL(api.url);
      const req = http.request({ host: hostname, port, path: '/mcp', method: 'POST', headers: { ...headers, ...extra } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end(JSON.stringify(init));
    });
  assert.equal(await raw({ host: 'evil.example' }), 403, 'a rebound DNS name');
  assert.equal(await raw({ origin: 'http://evil.example' }), 403, 'a cross-site page');
  assert.equal(await raw({ host: 'localhost' }), 200);
  const fine = await fetch(api.url + '/mcp', { method: 'POST', headers, body: JSON.stringify(init) });
  assert.equal(fine.status, 200);
  assert.equal(((await fine.json()) as any).result.protocolVersion, '2025-11-25');
  const older = await fetch(api.url + '/mcp', { method: 'POST', headers, body: JSON.stringify({ ...init, params: { ...init.params, protocolVersion: '2025-06-18' } }) });
  assert.equal(((await older.json()) as any).result.protocolVersion, '2025-06-18');
  const get = await fetch(api.url + '/mcp', { headers: { accept: 'text/event-stream' } });
  assert.equal(get.status, 405);
});
