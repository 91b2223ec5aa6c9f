// How an agent starts, from its workspace: agent.json, else main.js, else main.py.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { configSchema } from '../src/config/schema.js';
import { resolveAgentCommand as resolveWithLimit } from '../src/sandbox/command.js';

const AGENT_JSON_BYTES_MAX = configSchema().parse({}).sandbox.agent_json_bytes_max;
const resolveAgentCommand = (dir: string) => resolveWithLimit(dir, AGENT_JSON_BYTES_MAX);

function ws(t: import('node:test').TestContext, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'agora-cmd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

test('agent.json names the command and wins over main.js and main.py', (t) => {
  const dir = ws(t, { 'agent.json': JSON.stringify({ command: ['python3', '-u', 'bot.py'], name: 'extra keys are fine' }), 'main.js': '', 'main.py': '' });
  assert.deepEqual(resolveAgentCommand(dir), { ok: true, command: ['python3', '-u', 'bot.py'], source: 'agent.json' });
});

test('main.js runs with node, else main.py with python3; agent.json without a command falls through', (t) => {
  assert.deepEqual(resolveAgentCommand(ws(t, { 'main.js': '', 'main.py': '' })), { ok: true, command: ['node', 'main.js'], source: 'main.js' });
  assert.deepEqual(resolveAgentCommand(ws(t, { 'main.py': '' })), { ok: true, command: ['python3', 'main.py'], source: 'main.py' });
  assert.deepEqual(resolveAgentCommand(ws(t, { 'agent.json': '{"name": "no command"}', 'main.py': '' })), { ok: true, command: ['python3', 'main.py'], source: 'main.py' });
});

test('no entry point, no workspace, and a bad agent.json are reasons the orchestrator records', (t) => {
  const empty = resolveAgentCommand(ws(t, { 'README.md': 'nothing to run' }));
  assert.equal(empty.ok, false);
  assert.equal(!empty.ok && empty.reason, 'no_entrypoint');
  const missing = resolveAgentCommand(join(tmpdir(), 'agora-no-such-workspace'));
  assert.equal(!missing.ok && missing.reason, 'no_workspace');
  for (const bad of ['{not json', '{"command": []}', '{"command": "node main.js"}', '{"command": [""]}', `{"command": [${Array(300).fill('"x"').join(',')}]}`]) {
    const result = resolveAgentCommand(ws(t, { 'agent.json': bad, 'main.js': '' }));
    assert.equal(result.ok, false, `refused: ${bad.slice(0, 40)}`);
    assert.equal(!result.ok && result.reason, 'no_entrypoint');
    assert.match(!result.ok ? result.why : '', /^agent\.json: /);
  }
  const huge = resolveAgentCommand(ws(t, { 'agent.json': ' '.repeat(AGENT_JSON_BYTES_MAX + 1) }));
  assert.match(!huge.ok ? huge.why : '', /over/);
});

test('agent.json is never read through a symlink (the host would read what the link points at)', (t) => {
  const secret = ws(t, { 'shadow': JSON.stringify({ command: ['cat', 'SECRET-VALUE'] }) });
  const dir = ws(t, {});
  symlinkSync(join(secret, 'shadow'), join(dir, 'agent.json'));
  const result = resolveAgentCommand(dir);
  assert.equal(result.ok, false);
  assert.match(!result.ok ? result.why : '', /symlink/);
  assert.doesNotMatch(JSON.stringify(result), /SECRET-VALUE/);
});
