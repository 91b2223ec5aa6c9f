// The history commands from the command line: `agora replay` says `replay ok` or names the
// cycle and table and exits 1; `agora fork` writes the new world with its changes; `agora restore`
// writes a recorded workspace; `agora fork --scenario` takes its changes from a scenario file;
// `agora compare` sets a fork's KPIs beside its parent's. A small simulated world (process runner) is their input.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { ConfigInput } from '../src/config/schema.js';
import { runSimulated } from './support/simulated.js';
import { tempDir } from './support/world.js';
import { sqliteOnly } from './support/postgres.js';

// The config the world ran with (the process runner), as a file the CLI reads.
const CONFIG_FILE = join(tempDir('agora-cli-config-'), 'agora.yaml');
writeFileSync(CONFIG_FILE, 'sandbox:\n  runner: process\nllm:\n  mode: replay\nmarket:\n  clearing_interval_s: 10\n');

const CONFIG: ConfigInput = { market: { clearing_interval_s: 10 }, llm: { mode: 'replay' }, sandbox: { runner: 'process' }, agents: { genesis_first_bid: { credits: 0 } } };

function agora(args: string[]) {
  const res = spawnSync(process.execPath, ['bin/agora.js', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, AGORA_CONFIG: CONFIG_FILE } });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

test('agora replay, fork and restore on a simulated world', { skip: sqliteOnly('agora fork and compare, and a world.db changed by hand,') }, async () => {
  const world = await runSimulated({ cycles: 4, config: CONFIG });
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

  // --scenario: the fork's changes come from a scenario file's config (--set wins over it).
  const scenario = join(tempDir('agora-fork-scenario-'), 'cheap.yaml');
  writeFileSync(scenario, 'name: cheap\ncycles: 2\nconfig:\n  social:\n    message_cost: 0.25\n  market:\n    clearing_interval_s: 20\n');
  const via = join(tempDir('agora-fork-cli-'), 'fork');
  const from_file = agora(['fork', '--world', dir, '--at', '2', '--to', via, '--scenario', scenario, '--set', 'market.clearing_interval_s=10']);
  assert.equal(from_file.code, 0, from_file.err);
  const overrides = readFileSync(join(via, 'overrides.yaml'), 'utf8');
  assert.match(overrides, /social\.message_cost: 0\.25/);
  assert.match(overrides, /market\.clearing_interval_s: 10/, '--set wins over the scenario');
  writeFileSync(scenario, 'name: cheap\ncycles: 2\nconfig:\n  social:\n    message_cost: -1\n');
  const refused = agora(['fork', '--world', dir, '--at', '2', '--to', join(tempDir('agora-fork-cli-'), 'y'), '--scenario', scenario]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.err, /social\.message_cost/, 'a scenario the config refuses makes no fork, and the error names the key');

  // agora compare: the parent's KPIs beside the fork's, once the fork has run on with its change.
  const ran = await runSimulated({ dir: via, cycles: 2, config: { ...CONFIG, social: { message_cost: 0.25 } }, fresh: false });
  ran.close();
  const compared = agora(['compare', '--world', dir, via, '--json']);
  assert.equal(compared.code, 0, compared.err);
  const c = JSON.parse(compared.out) as { common_cycle: number; relation: string; kpis: { name: string; this: number | null; other: number | null; delta: number | null }[] };
  assert.equal(c.common_cycle, 4);
  assert.equal(c.relation, 'the other world is a fork of this one at cycle 2');
  const kpiAt = (d: string, name: string) => {
    const kdb = new Database(join(d, 'world.db'), { readonly: true });
    try {
      return (kdb.prepare('SELECT value FROM kpi_cycles WHERE cycle = 4 AND name = ?').get(name) as { value: number | null }).value;
    } finally {
      kdb.close();
    }
  };
  const gini = c.kpis.find((k) => k.name === 'gini')!;
  assert.deepEqual([gini.this, gini.other], [kpiAt(dir, 'gini'), kpiAt(via, 'gini')]);
  assert.ok(Math.abs(gini.delta! - (gini.other! - gini.this!)) < 1e-12);
  assert.ok(c.kpis.some((k) => k.delta !== null && k.delta !== 0), 'the cheaper messages moved a KPI');
  assert.match(agora(['compare', '--world', dir, via]).out, /KPIs at cycle 4, the last both recorded .*fork of this one at cycle 2\n.*kpi\s+this\s+other\s+delta/s);

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
