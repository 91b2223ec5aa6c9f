// `agora migrate-store`: a stopped SQLite world's store copied into an empty PostgreSQL database.
// Every table is copied row for row (the journal and the projections), not replayed: the copy is
// then exactly the world that ran, and `agora audit` on it checks the projections against its
// journal as on any PostgreSQL world. The whole copy is one PostgreSQL transaction: a failure
// leaves the target as empty as it was.
//
// Order: a table after the tables its foreign keys reference, and each table's rows in rowid
// order (the order SQLite inserted them), so a row referencing an earlier row of its own table
// (an agent's parent) always finds it. Keys are copied as they are, so the target's MAX + 1
// numbering (agora_rowid) goes on from where SQLite's left off.
import type Database from 'better-sqlite3';
import { AgoraError } from '../base/errors.js';
import type { PostgresDb } from './postgres.js';

export interface TableCopy {
  table: string;
  rows: number;
}

/** Rows per INSERT: a few statements per table, well under PostgreSQL's 65,535 parameters. */
const BATCH_ROWS = 200;

/** The world's tables, minus fts5's own storage (artifacts_fts_data, ...: the index, rebuilt or not at all on PostgreSQL). */
function worldTables(source: Database.Database): string[] {
  const rows = source.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string; sql: string }[];
  const fts = rows.filter((r) => /CREATE\s+VIRTUAL\s+TABLE/i.test(r.sql)).map((r) => r.name);
  return rows.map((r) => r.name).filter((name) => !fts.some((f) => name.startsWith(`${f}_`)));
}

/** Tables ordered so that each follows the tables it references. */
function referencedFirst(source: Database.Database, tables: string[]): string[] {
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (table: string) => {
    if (ordered.includes(table) || visiting.has(table)) return;
    visiting.add(table);
    const references = source.pragma(`foreign_key_list(${JSON.stringify(table)})`) as { table: string }[];
    for (const r of references) if (r.table !== table && tables.includes(r.table)) visit(r.table);
    visiting.delete(table);
    ordered.push(table);
  };
  for (const t of tables) visit(t);
  return ordered;
}

function columnsOf(source: Database.Database, table: string): string[] {
  return source.prepare(`SELECT * FROM "${table}" LIMIT 0`).columns().map((c) => c.name);
}

/** Refuses a target that holds anything in a table the copy writes, or lacks one (its schema is another version). */
function assertEmpty(target: PostgresDb, tables: string[]): void {
  const present = new Set(target.prepare("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").pluck().all() as string[]);
  const missing = tables.filter((t) => !present.has(t));
  if (missing.length > 0) throw new AgoraError('CONFLICT', `the target database lacks the tables ${missing.join(', ')}: its schema is not this Agora's`);
  const filled = tables.filter((t) => target.prepare(`SELECT 1 FROM ${t} LIMIT 1`).get() !== undefined);
  if (filled.length > 0) {
    const events = target.prepare('SELECT COUNT(*) FROM events').pluck().get() as number;
    throw new AgoraError('CONFLICT', `the target database is not empty (${events} events; rows in ${filled.slice(0, 3).join(', ')}${filled.length > 3 ? ', ...' : ''}): migrate-store copies a world only into an empty database`);
  }
}

/**
 * Copies every table of `source` (a SQLite world, its lock held by the caller) into `target` (a
 * migrated, empty PostgreSQL world database, its writer lock held). Reports each table as it is
 * copied; answers the counts.
 */
export function copyStoreToPostgres(source: Database.Database, target: PostgresDb, progress: (copy: TableCopy, index: number, of: number) => void = () => {}): TableCopy[] {
  const tables = referencedFirst(source, worldTables(source));
  assertEmpty(target, tables);
  const copies: TableCopy[] = [];
  target.transaction(() => {
    tables.forEach((table, index) => {
      const columns = columnsOf(source, table);
      const names = columns.map((c) => `"${c}"`).join(', ');
      const read = source.prepare(`SELECT ${names} FROM "${table}" ORDER BY rowid`).raw();
      let batch: unknown[][] = [];
      let rows = 0;
      const flush = () => {
        if (batch.length === 0) return;
        const tuple = `(${columns.map(() => '?').join(', ')})`;
        target.prepare(`INSERT INTO ${table} (${names}) VALUES ${batch.map(() => tuple).join(', ')}`).run(...batch.flat());
        rows += batch.length;
        batch = [];
      };
      for (const row of read.iterate() as IterableIterator<unknown[]>) {
        batch.push(row);
        if (batch.length === BATCH_ROWS) flush();
      }
      flush();
      const copy = { table, rows };
      copies.push(copy);
      progress(copy, index + 1, tables.length);
    });
    // Every count read back inside the transaction: what commits is what was read.
    for (const copy of copies) {
      const n = target.prepare(`SELECT COUNT(*) FROM ${copy.table}`).pluck().get() as number;
      if (n !== copy.rows) throw new AgoraError('INTERNAL', `${copy.table}: copied ${copy.rows} rows, the target holds ${n}; nothing was committed`);
    }
  })();
  return copies;
}
