// Agent text reaches the operator's terminal only inert: escape sequences, carriage returns,
// newlines inside a field and bidi overrides an agent wrote are printed escaped. The CLI runs
// as a real process and its stdout bytes are inspected.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { startRun } from './support/attention.js';
import { addAgent, makeWorld, tempDir } from './support/world.js';

/** What a hostile agent writes: clear screen, OSC 52 clipboard write, a hyperlink, a line
 * rewritten to fake a clean audit, a forged new line, a C1 CSI and a right-to-left override. */
const HOSTILE = 'hi\u001b[2J\u001b]52;c;cm0gLXJmIH4=\u0007\u001b]8;;http://evil.example\u001b\\link\u001b]8;;\u001b\\\rconservation ok\naudit ok\u009b31m\u202egnp.exe';
const ESCAPED = /hi\\x1b\[2J\\x1b\]52;c;cm0gLXJmIH4=\\x07\\x1b\]8;;http:\/\/evil\.example\\x1b\\link/;

function agora(args: string[]) {
  const res = spawnSync(process.execPath, ['bin/agora.js', ...args], { encoding: 'buffer', timeout: 30_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr.toString('utf8') };
}

/** No byte a terminal acts on: C0 other than the CLI's own \n, DEL, C1 and bidi marks (UTF-8). */
function assertInert(out: Buffer, what: string): void {
  for (let i = 0; i < out.length; i++) {
    const b = out[i]!;
    assert.ok(b === 0x0a || (b >= 0x20 && b !== 0x7f), `${what}: raw control byte 0x${b.toString(16)} at ${i}: ${JSON.stringify(out.toString('utf8'))}`);
    // U+0080-U+009F encode as C2 80-9F; U+202A-202E as E2 80 AA-AE; U+2066-2069 as E2 81 A6-A9.
    if (b === 0xc2) assert.ok(out[i + 1]! > 0x9f, `${what}: a C1 control at ${i}`);
    if (b === 0xe2 && out[i + 1] === 0x80) assert.ok(out[i + 2]! < 0xaa || out[i + 2]! > 0xae, `${what}: a bidi override at ${i}`);
    if (b === 0xe2 && out[i + 1] === 0x81) assert.ok(out[i + 2]! < 0xa6 || out[i + 2]! > 0xa9, `${what}: a bidi isolate at ${i}`);
  }
  const text = out.toString('utf8');
  assert.doesNotMatch(text, /^(audit|conservation) ok/m, `${what}: the agent forged a line`);
}

test('messages, profiles, memos and prompts an agent wrote print escaped, in tables, the tree and --json', () => {
  const dir = tempDir();
  const world = makeWorld({ dir });
  addAgent(world, 'mallory', 100);
  addAgent(world, 'victim', 5);
  const k = world.kernel;
  k.social.setProfile({ agent_id: 'mallory', description: HOSTILE.slice(0, 50) }, { actor: 'mallory' });
  k.social.sendMessage({ from_id: 'mallory', to_id: 'victim', content: HOSTILE }, { actor: 'mallory' });
  k.ledger.transfer({ from_id: 'mallory', to_id: 'victim', amount_ucr: 1_000_000, memo: HOSTILE }, { actor: 'mallory' });
  const run = startRun(world, 'mallory', { attention: 1 });
  k.attention.submit({ agent_id: 'mallory', execution_id: run.id, content: HOSTILE, options: ['\u001b[2Jyes'] }, { actor: 'mallory' });
  world.cleanup();

  const shown = {
    inbox: agora(['inbox', 'victim', '--world', dir]),
    inbox_json: agora(['inbox', 'victim', '--json', '--world', dir]),
    agents: agora(['agents', '--world', dir]),
    agents_table: agora(['agents', '--table', '--world', dir]),
    agents_json: agora(['agents', '--json', '--world', dir]),
    history: agora(['history', 'victim', '--world', dir]),
    prompts: agora(['prompts', '--world', dir]),
    prompts_json: agora(['prompts', '--json', '--world', dir]),
  };
  for (const [what, res] of Object.entries(shown)) {
    assert.equal(res.code, 0, `${what}: ${res.stderr}`);
    assertInert(res.stdout, what);
  }
  // What was escaped is still readable, as the escapes themselves.
  assert.match(shown.history.stdout.toString('utf8'), ESCAPED);
  assert.match(shown.history.stdout.toString('utf8'), /\\rconservation ok\\naudit ok\\x9b31m\\u202egnp\.exe/);
  assert.match(shown.agents.stdout.toString('utf8'), /"hi\\x1b\[2J/);
  assert.match(shown.prompts.stdout.toString('utf8'), /hi\\x1b\[2J/);
  // --json stays JSON and carries the exact text.
  const items = JSON.parse(shown.inbox_json.stdout.toString('utf8')).items as { content: string }[];
  assert.equal(items[0]!.content, HOSTILE);
});
