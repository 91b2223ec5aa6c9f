// `agora prompts` and `agora reward` as an operator runs them: real processes against a world
// directory, writing through the running world's API when there is one, directly otherwise.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startAgora } from './support/agora-process.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../src/config/load.js';
import { recordApiUrl } from '../src/cli/running-world.js';
import { lockWorld } from '../src/store/world-lock.js';
import { openWorld } from '../src/orchestrator/open-world.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { startRun } from './support/attention.js';
import { credits } from './support/market.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { addAgent, makeWorld, serve, tempDir, type TestWorld } from './support/world.js';

/** Runs the CLI without blocking this process (whose API the CLI may be calling). */
function agora(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/agora.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function worldWithPrompt(dir: string): { world: TestWorld; prompt_id: string } {
  const world = makeWorld({ dir });
  addAgent(world, 'asker', 100);
  const run = startRun(world, 'asker', { attention: 1 });
  const prompt = world.kernel.attention.submit({ agent_id: 'asker', execution_id: run.id, content: 'Shall I\nspawn?', options: ['yes', 'no'] }, { actor: 'asker' });
  return { world, prompt_id: prompt.prompt_id };
}

test('agora prompts lists the queue; agora reward writes to the world directly when no world runs; a second reward is refused', async (t) => {
  const dir = tempDir();
  const { world, prompt_id } = worldWithPrompt(dir);
  world.close();
  // A record left by a world that died is not trusted: nothing answers there.
  writeFileSync(join(dir, 'api.url'), 'http://127.0.0.1:9\n');

  const listed = await agora(['prompts', '--world', dir]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`${prompt_id}\\s+asker\\s+pending`));
  assert.match(listed.stdout, /Shall I spawn\? \[yes \| no\]/);
  const json = JSON.parse((await agora(['prompts', '--json', '--world', dir])).stdout);
  assert.deepEqual(json.map((p: { prompt_id: string }) => p.prompt_id), [prompt_id]);

  const bad = await agora(['reward', prompt_id, '11', '0', '0', '--world', dir]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /0 to 10/);

  const rewarded = await agora(['reward', prompt_id, '6', '5', '4', 'Wait a few cycles.', '--world', dir]);
  assert.equal(rewarded.code, 0, rewarded.stderr);
  assert.match(rewarded.stdout, /rewarded asker with 3.75 credits .*written to the world directly/);
  const again = await agora(['reward', prompt_id, '1', '1', '1', '--world', dir]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /CONFLICT: .*already rewarded/);

  const reopened = openWorld({ dir, config: parseConfig({}), create: false, log_to_file: false });
  t.after(() => reopened.close());
  assert.equal(reopened.kernel.attention.get(prompt_id)!.reward_ucr, credits(3.75));
  assert.equal(reopened.kernel.social.reads.inbox('asker', { unread_only: true, limit: 5 })[0]?.content, 'Wait a few cycles.');
  assert.match((await agora(['prompts', '--status', 'rewarded', '--world', dir])).stdout, new RegExp(`${prompt_id}\\s+asker\\s+rewarded`));
  assertConserved(reopened);
  assertAuditPasses(reopened);
});

test('agora reward goes through the running world\'s API when it answers at the recorded URL', async (t) => {
  const dir = tempDir();
  const { world, prompt_id } = worldWithPrompt(dir);
  const api = await serve(world);
  t.after(async () => {
    await api.close();
    world.cleanup();
  });
  // As `agora start` does: this process owns the world (its lock) and records where it serves.
  const lock = lockWorld(dir);
  t.after(() => lock.release());
  lock.describe(api.url);
  recordApiUrl(dir, api.url);
  const before = world.kernel.ledger.agentBalance('asker');
  const rewarded = await agora(['reward', prompt_id, '10', '10', '10', '--json', '--world', dir]);
  assert.equal(rewarded.code, 0, rewarded.stderr);
  assert.deepEqual(JSON.parse(rewarded.stdout), { prompt_id, agent_id: 'asker', reward: 7.5, balance: (before + credits(7.5)) / 1e6, via: 'api' });
  assert.equal(world.kernel.attention.get(prompt_id)!.status, 'rewarded', 'the running process made the write');
  assertConserved(world);
});

test('agora start records its API URL in the world directory and removes it when it stops', { skip: sandboxUnavailable() }, async (t) => {
  const dir = tempDir();
  const agora_process = await startAgora(['--world', dir]);
  t.after(() => agora_process.stop('SIGKILL'));
  const url = agora_process.url;
  assert.equal(readFileSync(join(dir, 'api.url'), 'utf8').trim(), url);
  assert.equal((await fetch(`${url}/health`)).status, 200);
  assert.equal(await agora_process.stop('SIGTERM'), 0);
  assert.equal(existsSync(join(dir, 'api.url')), false);
});
