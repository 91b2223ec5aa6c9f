// The workspace history (docs/replay.md): each run's workspace in a content-addressed store,
// its manifest journaled, retention by config, restore of any recorded run. The workspace is
// the agent's: what it plants (links, FIFOs) is never followed, opened or kept.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { HistoryStore } from '../src/workspace/history-store.js';
import { workspaceWalkLimits } from '../src/workspace/walk.js';
import { bundle, credits } from './support/market.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { runSimulated } from './support/simulated.js';
import { addAgent, runnerWorld, tempDir } from './support/world.js';

const LIMITS = workspaceWalkLimits({ inodes_max: 10_000, depth_max: 32 });

test('a run that plants links and a FIFO in its workspace (real bwrap): the snapshot keeps the plain file only and restores nothing outside', { skip: sandboxUnavailable() }, async (t) => {
  const clock = new VirtualClock();
  const { world, api, runner } = await runnerWorld(t, { clock, config: { market: { clearing_interval_s: 10 } } });
  addAgent(world, 'planter', 20);
  // A plain directory workspace, as the world-loop tests make them.
  const ws = 'workspaces/planter';
  mkdirSync(join(world.paths.dir, ws), { recursive: true });
  copyFileSync('test/fixtures/agents/planter.js', join(world.paths.dir, ws, 'main.js'));
  world.kernel.market.placeBid({ payer_id: 'planter', amount_ucr: credits(1), bundle: bundle({ cpu_s: 2, memory_mb: 128, duration_s: 10 }) }, { actor: 'planter' });
  const loop = new WorldLoop(world, api, runner, { cycles: 1, virtual_clock: clock });
  await loop.run();
  await loop.stop();
  const ran = world.kernel.executions.listForAgent('planter', { limit: 1 })[0]!;
  assert.equal(ran.reason, 'exit', readFileSync(join(world.paths.executions, `${ran.id}.log`), 'utf8'));
  assert.ok(lstatSync(join(world.workspaces.dir(ws), 'shadow-link')).isSymbolicLink(), 'the agent planted its links');
  const record = world.kernel.history.workspaceRecord('planter', { execution_id: ran.id });
  assert.ok(record !== null, 'the run has a recorded workspace');
  const manifest = world.history.manifest(record.manifest);
  const paths = manifest.entries.map((e) => e.path.join('/')).sort();
  assert.deepEqual(paths.filter((p) => p !== 'lost+found'), ['kept.txt', 'main.js', 'sub']);
  assert.ok(manifest.skipped >= 3, `links (and the FIFO) were counted, not kept: ${manifest.skipped}`);
  const to = tempDir('agora-restore-');
  world.history.restore(record.manifest, to, null);
  assert.equal(readFileSync(join(to, 'kept.txt'), 'utf8'), 'only this is history\n');
  for (const name of ['shadow-link', 'root-link', 'pipe']) assert.equal(existsSync(join(to, name)), false, `${name} is not restored`);
  assert.deepEqual(readdirSync(join(to, 'sub')), []);
});

test('a file is stored once however many workspaces and snapshots hold it; a changed object is refused on restore', () => {
  const store = new HistoryStore({ dir: tempDir('agora-hist-'), file_bytes_max: 1 << 20, walk: LIMITS });
  const a = tempDir('agora-ws-');
  const b = tempDir('agora-ws-');
  for (const dir of [a, b]) writeFileSync(join(dir, 'big.txt'), 'x'.repeat(100_000));
  writeFileSync(join(b, 'own.txt'), 'b');
  const first = store.snapshot(a, 'a', null);
  const second = store.snapshot(b, 'b', null);
  const again = store.snapshot(a, 'a', null);
  assert.equal(again.manifest, first.manifest, 'an unchanged workspace has the same manifest');
  assert.equal(second.stored_bytes < 1000, true, `the shared file was not stored twice: ${second.stored_bytes} bytes written`);
  assert.equal(store.sizeBytes().objects, 4, 'one big file, one small, two manifests');
  // The store is on disk: an object changed there must not come back as the recorded bytes.
  const entry = store.manifest(first.manifest).entries.find((e) => e.kind === 'file')!;
  writeFileSync(join(store.dir, 'objects', entry.sha256!.slice(0, 2), entry.sha256!.slice(2)), 'tampered');
  assert.throws(() => store.restore(first.manifest, tempDir('agora-restore-'), null), /corrupt/);
});

test('retention last_k keeps each agent\'s last K snapshots in the store; every_nth_cycle snapshots only those cycles', async () => {
  const base = { market: { clearing_interval_s: 10 }, sandbox: { runner: 'process' as const } };
  const last = await runSimulated({ cycles: 4, config: { ...base, history: { retention: 'last_k', keep_last: 1 } } });
  try {
    const records = last.kernel.history.workspaceRecords().filter((r) => r.agent_id === 'alice');
    assert.equal(records.length, 4, 'every run is journaled with its manifest');
    assert.equal(last.history.has(records.at(-1)!.manifest), true, 'the last is kept');
    assert.equal(last.history.has(records[0]!.manifest), false, 'older ones are dropped from the store');
    assert.throws(() => last.history.restore(records[0]!.manifest, tempDir('agora-restore-'), null), /not in the history store/);
  } finally {
    last.cleanup();
  }
  const nth = await runSimulated({ cycles: 4, config: { ...base, history: { retention: 'every_nth_cycle', every_n_cycles: 2 } } });
  try {
    assert.deepEqual([...new Set(nth.kernel.history.workspaceRecords().map((r) => r.cycle))], [2, 4]);
  } finally {
    nth.cleanup();
  }
});

