// The cycle hash kept incrementally (docs/replay.md, "State hashes"): whatever the writes
// (insert, update, delete, INSERT OR REPLACE, a rolled-back transaction), the digest kept from
// the changed rows equals the one computed from whole tables, and a world's recorded cycle
// hashes are what its tables hash to.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openScratchDatabase } from '../src/store/database.js';
import { kernelRegistry } from '../src/kernel/kernel.js';
import { fullStateHash, stateHash } from '../src/kernel/history/state-hash.js';

const tables = kernelRegistry.tables;

test('the incremental state hash equals the whole-table hash after inserts, updates, deletes, REPLACE and a rollback', () => {
  const db = openScratchDatabase();
  try {
    const insert = db.prepare("INSERT INTO accounts (id, kind, balance_ucr) VALUES (?, 'agent', ?)");
    const kpi = db.prepare('INSERT OR REPLACE INTO kpi_cycles (cycle, name, value) VALUES (?, ?, ?)');
    const first = db.transaction(() => stateHash(db, tables))();
    assert.equal(first.state_hash, fullStateHash(db, tables).state_hash, 'the first call reads every table');
    db.transaction(() => {
      for (let i = 0; i < 20; i++) insert.run(`a${i}`, i * 1000);
      kpi.run(1, 'gini', 0.25);
    })();
    db.transaction(() => {
      db.prepare("UPDATE accounts SET balance_ucr = balance_ucr + 7 WHERE id IN ('a1', 'a2')").run();
      db.prepare("DELETE FROM accounts WHERE id = 'a3'").run();
      kpi.run(1, 'gini', 0.5); // displaces the row: its old value must leave the digest
    })();
    assert.throws(() =>
      db.transaction(() => {
        insert.run('ghost', 1);
        throw new Error('rolled back');
      })(),
    );
    const kept = db.transaction(() => stateHash(db, tables))();
    const full = fullStateHash(db, tables);
    assert.deepEqual(kept.table_hashes, full.table_hashes);
    assert.equal(kept.state_hash, full.state_hash);
    assert.notEqual(kept.state_hash, first.state_hash);
    // Back to the first state by other writes: the digest is the state's, not the history's.
    db.transaction(() => {
      db.prepare('DELETE FROM accounts').run();
      db.prepare('DELETE FROM kpi_cycles').run();
    })();
    assert.equal(db.transaction(() => stateHash(db, tables))().state_hash, first.state_hash);
  } finally {
    db.close();
  }
});
