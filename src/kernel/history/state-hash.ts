// The world state as one hash: each table's rows (as the audit compares them) hashed in a
// fixed order, then the tables' hashes together. The same journal folds to the same hash on
// any machine, so a replay that finds another hash has found a change.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';

export interface StateHash {
  state_hash: string;
  table_hashes: Record<string, string>;
}

export function tableHash(db: Database.Database, table: string): string {
  const hash = createHash('sha256');
  // Sorted as text, so the order never rests on how SQLite happens to walk the table.
  const rows = db.prepare(`SELECT * FROM ${table}`).raw().all().map((r) => JSON.stringify(r));
  rows.sort();
  for (const row of rows) hash.update(row).update('\n');
  return hash.digest('hex');
}

export function stateHash(db: Database.Database, tables: readonly string[]): StateHash {
  const table_hashes: Record<string, string> = {};
  const all = createHash('sha256');
  for (const table of tables) {
    const h = tableHash(db, table);
    table_hashes[table] = h;
    all.update(`${table}=${h}\n`);
  }
  return { state_hash: all.digest('hex'), table_hashes };
}
