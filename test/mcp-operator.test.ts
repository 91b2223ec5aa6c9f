// `agora mcp` as an operator's LLM client runs it: a real process on stdio, driven by the
// official SDK client, talking to the running world's API with the operator token.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { recordApiUrl } from '../src/cli/running-world.js';
import { lockWorld } from '../src/store/world-lock.js';
import { assertConserved } from './support/assertions.js';
import { startRun } from './support/attention.js';
import { credits } from './support/market.js';
import { addAgent, makeWorld, serve, tempDir } from './support/world.js';

const text = (r: unknown) => JSON.parse((r as { content: { text: string }[] }).content[0]!.text);

test('agora mcp over stdio: status, the prompts waiting, and a reward with a reply that lands', async (t) => {
  const dir = tempDir();
  const world = makeWorld({ dir });
  addAgent(world, 'asker', 100);
  const run = startRun(world, 'asker', { attention: 1 });
  const { prompt_id } = world.kernel.attention.submit({ agent_id: 'asker', execution_id: run.id, content: 'Shall I spawn?', options: ['yes', 'no'] }, { actor: 'asker' });
  const api = await serve(world);
  // As `agora start` does: this process owns the world and records where it serves.
  const lock = lockWorld(dir);
  lock.describe(api.url);
  recordApiUrl(dir, api.url);
  t.after(async () => {
    lock.release();
    await api.close();
    world.cleanup();
  });

  const client = new Client({ name: 'operator-llm', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: ['bin/agora.js', 'mcp', '--world', dir], stderr: 'pipe' }));
  t.after(() => client.close());

  const names = (await client.listTools()).tools.map((tool) => tool.name);
  for (const n of ['status', 'agents', 'markets', 'artifacts', 'prompts', 'reward', 'events', 'kpis']) assert.ok(names.includes(n), n);
  const reward_schema = (await client.listTools()).tools.find((tool) => tool.name === 'reward')!.inputSchema;
  assert.ok(reward_schema.required?.includes('prompt_id'), "the route's own body schema");

  const status = await client.callTool({ name: 'status', arguments: {} });
  assert.equal(status.isError, false, JSON.stringify(status));
  assert.equal(text(status).prompts.pending, 1);

  const waiting = text(await client.callTool({ name: 'prompts', arguments: { status: 'pending' } }));
  assert.deepEqual(waiting.items.map((p: { prompt_id: string }) => p.prompt_id), [prompt_id]);

  const before = world.kernel.ledger.agentBalance('asker');
  const rewarded = await client.callTool({ name: 'reward', arguments: { prompt_id, interesting: 10, useful: 10, understandable: 10, reply: 'Yes, spawn.' } });
  assert.equal(rewarded.isError, false, JSON.stringify(rewarded));
  assert.equal(world.kernel.attention.get(prompt_id)!.status, 'rewarded', 'the running process made the write');
  assert.equal(world.kernel.ledger.agentBalance('asker') - before, credits(7.5));
  assert.equal(world.kernel.social.reads.inbox('asker', { unread_only: true, limit: 5 })[0]?.content, 'Yes, spawn.');
  const again = await client.callTool({ name: 'reward', arguments: { prompt_id, interesting: 1, useful: 1, understandable: 1 } });
  assert.equal(again.isError, true);
  assert.equal(text(again).error.code, 'CONFLICT');
  assertConserved(world);
});
