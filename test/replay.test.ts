// Replay, forks and the deterministic simulation (docs/replay.md), on one 60-cycle simulated
// world of two deterministic traders: the journal re-folds to every recorded cycle hash, a
// hand-changed row or event is found with its cycle, a fork at 30 with no change reproduces
// 31-60, a fork with a changed rule diverges from restored workspaces equal to the recorded
// ones, and two same-seed runs agree on every decision. The runs use the `process` runner:
// none of this is about the sandbox, and 180 runs in bwrap would cost minutes.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { Db } from '../src/store/store.js';
import { join } from 'node:path';
import { before, after, test } from 'node:test';
import { parseConfig } from '../src/config/load.js';
import type { ConfigInput } from '../src/config/schema.js';
import { forkPoint } from '../src/kernel/history/fork-journal.js';
import { MEASURED_FIELDS, PROVENANCE_FIELDS, withoutFields } from '../src/kernel/history/measured.js';
import { replayJournal } from '../src/kernel/replay.js';
import { forkWorld } from '../src/orchestrator/fork.js';
import { HistoryStore } from '../src/workspace/history-store.js';
import { workspaceWalkLimits } from '../src/workspace/walk.js';
import { agentOwner } from '../src/workspace/workspace-store.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { runSimulated, TRADERS } from './support/simulated.js';
import { serve, tempDir, type TestWorld } from './support/world.js';
import { sqliteOnly } from './support/postgres.js';

/** The must-show sizes (docs/replay.md); CYCLES and AT shrink them when debugging. */
const CYCLES = Number(process.env.CYCLES ?? 60);
const AT = Number(process.env.AT ?? 30);

const CONFIG: ConfigInput = { market: { clearing_interval_s: 10 }, llm: { mode: 'replay' }, sandbox: { runner: 'process' }, agents: { genesis_first_bid: { credits: 0 } } };

interface Row { seq: number; id: string; type: string; at_ms: number; actor: string; data: string }

function events(db: Db, after_seq = 0): Row[] {
  return db.prepare('SELECT seq, id, type, at_ms, actor, data FROM events WHERE seq > ? ORDER BY seq').all(after_seq) as Row[];
}

/** An event as a decision: everything but its position and the documented measured (and provenance) fields. */
function decision(row: Row, ...lists: Readonly<Record<string, readonly string[]>>[]): string {
  return JSON.stringify({ id: row.id, type: row.type, at_ms: row.at_ms, actor: row.actor, data: withoutFields(row.type, JSON.parse(row.data), ...lists) });
}

/** A copy of the world's database to tamper with. */
function copyOf(world: TestWorld): Database.Database {
  const file = join(tempDir('agora-copy-'), 'world.db');
  world.db.exec(`VACUUM INTO '${file}'`);
  return new Database(file);
}

let parent: TestWorld;

before(async () => {
  parent = await runSimulated({ cycles: CYCLES, seed: 7, config: CONFIG });
});
after(() => parent?.cleanup());

test('agora replay re-folds a 60-cycle simulated world to every recorded cycle hash: replay ok', () => {
  const result = replayJournal(parent.db);
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.cycles_checked, CYCLES);
  const to = replayJournal(parent.db, { to_cycle: 25 });
  assert.equal(to.ok, true);
  assert.equal(to.cycles_checked, 25, '--to stops after that cycle');
  assertAuditPasses(parent);
});

test('agora replay finds a hand-corrupted table row, and names its table and cycle', { skip: sqliteOnly('tampering a copy of world.db') }, () => {
  const db = copyOf(parent);
  db.prepare('UPDATE world_cycles SET alive = alive + 7 WHERE cycle = 20').run();
  const result = replayJournal(db);
  assert.equal(result.ok, false);
  assert.deepEqual({ cycle: result.first_difference?.cycle, table: result.first_difference?.table, where: result.first_difference?.where }, { cycle: 20, table: 'world_cycles', where: 'live' });
  const db2 = copyOf(parent);
  db2.prepare("UPDATE accounts SET balance_ucr = balance_ucr + 1 WHERE id = 'alice'").run();
  const second = replayJournal(db2);
  assert.equal(second.first_difference?.table, 'accounts');
  assert.equal(second.first_difference?.cycle, CYCLES, 'a row with no cycle of its own: the state the last cycle left');
});

test('agora replay finds a hand-altered event (append-only triggers dropped) at the cycle it belongs to', { skip: sqliteOnly('tampering a copy of world.db') }, () => {
  const db = copyOf(parent);
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'").all() as { name: string }[]) db.exec(`DROP TRIGGER ${name}`);
  const closes = db.prepare("SELECT seq FROM events WHERE type = 'cycle_closed' ORDER BY seq").all() as { seq: number }[];
  // A message sent during cycle 25: after the close of 24, before the close of 25.
  const target = db.prepare("SELECT seq FROM events WHERE type = 'message_sent' AND seq > ? AND seq < ? LIMIT 1").get(closes[23]!.seq, closes[24]!.seq) as { seq: number };
  db.prepare("UPDATE events SET data = json_set(data, '$.content', 'forged by hand') WHERE seq = ?").run(target.seq);
  const result = replayJournal(db);
  assert.equal(result.ok, false);
  assert.equal(result.first_difference?.where, 'journal');
  assert.equal(result.first_difference?.cycle, 25);
  assert.equal(result.first_difference?.table, 'social_messages');
});

test('a fork at cycle 30 with no change reproduces cycles 31-60 with the same decisions, its LLM replies served from the recording', { skip: sqliteOnly('a fork') }, async () => {
  const dir = tempDir('agora-fork-');
  const point = forkPoint(parent.db, AT);
  const report = forkWorld({ parent_dir: parent.paths.dir, cycle: AT, to_dir: dir, changes: {}, config: parseConfig(CONFIG) });
  assert.deepEqual(Object.keys(report.workspaces).sort(), [...TRADERS]);
  const fork = await runSimulated({ dir, cycles: CYCLES - AT, config: CONFIG, fresh: false });
  try {
    const forked_at = (fork.db.prepare("SELECT seq FROM events WHERE type = 'world_forked'").get() as { seq: number }).seq;
    const theirs = events(parent.db, point.seq).map((r) => decision(r, MEASURED_FIELDS, PROVENANCE_FIELDS));
    const ours = events(fork.db, forked_at).map((r) => decision(r, MEASURED_FIELDS, PROVENANCE_FIELDS));
    assert.ok(theirs.length > 10 * (CYCLES - AT), `the parent's cycles 31-60 hold decisions: ${theirs.length}`);
    assert.deepEqual(ours, theirs);
    const served = fork.db.prepare("SELECT COUNT(*) AS n FROM history_llm_replies WHERE replayed = 1").get() as { n: number };
    assert.ok(served.n >= 2 * (CYCLES - AT), `the fork's LLM replies came from its parent's recording: ${served.n}`);
    assert.equal(fork.kernel.history.replayDiverged(), false);
    assert.deepEqual(fork.kernel.history.origin()?.cycle, AT);
    assert.equal(replayJournal(fork.db).ok, true);
    // The parent's World page lists its forks (GET /operator/history).
    const api = await serve(parent);
    try {
      const shown = await api.request('GET', '/operator/history', { token: parent.operator_token });
      assert.equal(shown.status, 200);
      assert.ok(shown.body.forks.some((f: { dir: string; cycle: number }) => f.dir === fork.paths.dir && f.cycle === AT), JSON.stringify(shown.body.forks));
      const own = await api.request('GET', '/operator/history', { token: parent.operator_token });
      assert.equal(own.body.cycles_closed, CYCLES);
    } finally {
      await api.close();
    }
  } finally {
    fork.cleanup();
  }
});

test('a fork with the message cost changed: workspaces at the fork equal the recorded ones; it diverges, runs on live and passes audit', { skip: sqliteOnly('a fork') }, async () => {
  const dir = tempDir('agora-fork-');
  const point = forkPoint(parent.db, AT);
  const changed: ConfigInput = { ...CONFIG, social: { message_cost: 0.25 } };
  forkWorld({ parent_dir: parent.paths.dir, cycle: AT, to_dir: dir, changes: { 'social.message_cost': 0.25 }, config: parseConfig(changed) });
  const recorded = parent.kernel.history.manifestsAt(point.seq);
  const fork = await runSimulated({ dir, cycles: 0, config: changed, fresh: false });
  // What each restored workspace holds, snapshotted afresh, is the manifest the parent recorded.
  const probe = new HistoryStore({ dir: tempDir('agora-probe-'), file_bytes_max: 1 << 26, walk: workspaceWalkLimits(fork.config.workspace) });
  for (const agent of TRADERS) {
    const now = probe.snapshot(fork.workspaces.dir(`workspaces/${agent}`), agent, agentOwner(fork.config.sandbox));
    assert.equal(now.manifest, recorded[agent], `${agent}'s workspace at the fork is the parent's at cycle 30`);
  }
  fork.cleanup();
  const ran = await runSimulated({ dir, cycles: CYCLES - AT, config: changed, fresh: false });
  try {
    const forked_at = (ran.db.prepare("SELECT seq FROM events WHERE type = 'world_forked'").get() as { seq: number }).seq;
    const theirs = events(parent.db, point.seq).map((r) => decision(r, MEASURED_FIELDS, PROVENANCE_FIELDS));
    const ours = events(ran.db, forked_at).map((r) => decision(r, MEASURED_FIELDS, PROVENANCE_FIELDS));
    const first = ours.findIndex((d, i) => d !== theirs[i]);
    assert.ok(first >= 0, 'the changed rule changed what happened');
    const sent = ran.db.prepare("SELECT json_extract(data, '$.postings[0].amount_ucr') AS cost FROM events WHERE type = 'message_sent' AND seq > ? LIMIT 1").get(forked_at) as { cost: number };
    assert.equal(sent.cost, 250_000, 'messages cost the new price');
    assert.equal(ran.kernel.history.replayDiverged(), true, 'requests naming other balances found no recording: served live');
    assert.equal(ran.kernel.history.lastClosedCycle()?.cycle, CYCLES, 'the fork ran on to cycle 60');
    assertConserved(ran);
    assertAuditPasses(ran);
    assert.equal(replayJournal(ran.db).ok, true);
  } finally {
    ran.cleanup();
  }
});

test('two simulated runs of the same world from the same seed give identical decision journals (all but the documented measured fields)', async () => {
  const a = await runSimulated({ cycles: 6, seed: 11, config: CONFIG });
  const b = await runSimulated({ cycles: 6, seed: 11, config: CONFIG });
  try {
    const da = events(a.db).map((r) => decision(r, MEASURED_FIELDS));
    const db = events(b.db).map((r) => decision(r, MEASURED_FIELDS));
    assert.ok(da.length > 100);
    assert.deepEqual(db, da);
  } finally {
    a.cleanup();
    b.cleanup();
  }
});
