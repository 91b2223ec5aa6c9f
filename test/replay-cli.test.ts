// The history commands from the command line: `agora replay` says `replay ok` or names the
// cycle and table and exits 1; `agora fork` writes the new world with its changes; `agora restore`
// writes a recorded workspace. A small simulated world (process runner) is their input.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { runSimulated } from './support/simulated.js';
import { tempDir } from './support/world.js';

// The config the world ran with (the process runner), as a file the CLI reads.
const CONFIG_FILE = join(tempDir('agora-cli-config-'), 'agora.yaml');
writeFileSync(CONFIG_FILE, 'sandbox:\n  runner: process\nllm:\n  mode: replay\nmarket:\n  clearing_interval_s: 10\n');

function agora(args: string[]) {
  const res = spawnSync(process.execPath, ['bin/agora.js', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, AGORA_CONFIG: CONFIG_FILE } });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

test('agora replay, fork and restore on a simulated world', async () => {
  const world = await runSimulated({ cycles: 4, config: { market: { clearing_interval_s: 10 }, llm: { mode: 'replay' }, sandbox: { runner: 'process' }, agents: { genesis_first_bid: { credits: 0 } } } });
  const dir = world.paths.dir;
  world.close();
  const ok = agora(['replay', '--world', dir]);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^replay ok: 4 cycles, \d+ events/);
  assert.match(agora(['replay', '--world', dir, '--to', '2']).out, /^replay ok: 2 cycles/);

  const to = join(tempDir('agora-fork-cli-'), 'fork');
  const forked = agora(['fork', '--world', dir, '--at', '2', '--to', to, '--set', 'social.message_cost=0.5']);
  assert.equal(forked.code, 0, forked.err);
  assert.match(forked.out, /forked at cycle 2 into .*: \d+ events, 2 workspaces restored/);
  assert.match(readFileSync(join(to, 'overrides.yaml'), 'utf8'), /social\.message_cost: 0\.5/);
  const bad = agora(['fork', '--world', dir, '--at', '2', '--to', join(tempDir('agora-fork-cli-'), 'x'), '--set', 'social.message_cost=-3']);
  assert.notEqual(bad.code, 0, 'a change the config refuses makes no fork');
  assert.match(bad.err, /social\.message_cost/);

  const restored = join(tempDir('agora-restore-cli-'), 'alice');
  const r = agora(['restore', 'alice', '--world', dir, '--cycle', '2', '--to', restored]);
  assert.equal(r.code, 0, r.err);
  assert.ok(existsSync(join(restored, 'notes', 'log.txt')));
  assert.equal(readFileSync(join(restored, 'notes', 'log.txt'), 'utf8').trim().split('\n').length, 2, 'as the run of cycle 2 left it: two runs noted');

  const db = new Database(join(dir, 'world.db'));
  db.prepare('UPDATE world_cycles SET burned_ucr = burned_ucr + 1 WHERE cycle = 3').run();
  db.close();
  const differs = agora(['replay', '--world', dir]);
  assert.equal(differs.code, 1);
  assert.match(differs.out, /replay differs at cycle 3, table world_cycles/);
  world.cleanup();
});
