// env.json before a run is rewritten in place when it is the file the host left there
// (SafeDir.overwriteInPlace: a third of the cost of a new file renamed over it, for every run).
// What an agent plants at that name instead is never written through: it is replaced by a new
// file, as at every other write of env.json.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, linkSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeEnvJson, type EnvJson } from '../src/orchestrator/env-json.js';
import { tempDir } from './support/world.js';

const env = (agent_id: string) => ({ agent_id, execution_id: 'exe-1' }) as unknown as EnvJson;
const text = (agent_id: string) => JSON.stringify(env(agent_id), null, 2) + '\n';

function setup(): { ws: string; secret: string; cleanup: () => void } {
  const root = tempDir('agora-env-in-place-');
  const ws = join(root, 'ws');
  mkdirSync(ws);
  const secret = join(root, 'host-secret');
  writeFileSync(secret, 'HOST SECRET\n', { mode: 0o644 });
  return { ws, secret, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

test("before a run, the host's own env.json is rewritten in place, to exactly the new text", () => {
  const { ws, cleanup } = setup();
  try {
    writeEnvJson(ws, env('a-long-agent-name-to-make-the-first-text-longer'));
    const before = lstatSync(join(ws, 'env.json'));
    writeEnvJson(ws, env('a'), null, { no_reader: true });
    const after = lstatSync(join(ws, 'env.json'));
    assert.equal(after.ino, before.ino, 'the same file, rewritten');
    assert.equal(readFileSync(join(ws, 'env.json'), 'utf8'), text('a'), 'no tail of the longer text is left');
    assert.equal(after.mode & 0o7777, 0o644);
    // While a run may read it (a lease begins), a new file is renamed over it instead.
    writeEnvJson(ws, env('b'));
    assert.notEqual(lstatSync(join(ws, 'env.json')).ino, after.ino);
  } finally {
    cleanup();
  }
});

test('before a run, a hard link, a symlink, a FIFO or a file of another owner at env.json is replaced, never written through', { skip: process.getuid?.() !== 0 ? 'chown needs root' : false }, () => {
  const { ws, secret, cleanup } = setup();
  const path = join(ws, 'env.json');
  const plants: [string, () => void][] = [
    ['a hard link to a host file', () => linkSync(secret, path)],
    ['a symlink to a host file', () => symlinkSync(secret, path)],
    ['a FIFO', () => assert.equal(spawnSync('mkfifo', [path]).status, 0)],
    ["a file the agent's uid owns", () => (writeFileSync(path, 'planted'), chownSync(path, 54321, 54321))],
  ];
  try {
    for (const [what, plant] of plants) {
      rmSync(path, { force: true });
      plant();
      writeEnvJson(ws, env('a'), null, { no_reader: true });
      const st = lstatSync(path);
      assert.ok(st.isFile() && st.nlink === 1 && st.uid === process.getuid!(), `${what}: env.json is now a file of the host's own`);
      assert.equal(readFileSync(path, 'utf8'), text('a'), what);
      assert.equal(readFileSync(secret, 'utf8'), 'HOST SECRET\n', `${what}: the host file is unchanged`);
    }
  } finally {
    cleanup();
  }
});
