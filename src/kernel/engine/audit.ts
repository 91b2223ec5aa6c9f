// The replay behind `agora audit`: every projection rebuilt from the journal alone, in a scratch
// database, compared table by table with the live one; then the domains' invariants on both.
// Generic: the registry says which events exist, how they project and which tables to compare.
import { storeKind, type Db } from '../../store/store.js';
import { openScratchDatabase } from '../../store/database.js';
import { iterateEvents, type EventRow } from '../../store/journal.js';
import type { Registry } from './domain.js';
import type { EventEnvelope, EventSchemas } from './events.js';
import { ProjectionWriter } from './projection.js';

export interface TableComparison {
  table: string;
  rows: number;
  differences: number;
  first_difference: string | null;
}

export interface ReplayReport {
  ok: boolean;
  events: number;
  tables: TableComparison[];
  /** Each invariant's report, on the live database and on the replayed one. */
  invariants: Record<string, { live: { ok: boolean }; replayed: { ok: boolean } }>;
  journal_problems: string[];
}

export function replayAudit<S extends EventSchemas>(db: Db, registry: Registry<S>): ReplayReport {
  const scratch = openScratchDatabase();
  try {
    const writer = new ProjectionWriter(scratch);
    const journal_problems: string[] = [];
    let events = 0;
    let previous_seq = 0;
    scratch.transaction(() => {
      for (const row of iterateEvents(db)) {
        if (row.seq <= previous_seq) journal_problems.push(`seq ${row.seq} follows ${previous_seq}`);
        previous_seq = row.seq;
        try {
          registry.project(writer, checkedEvent(registry, row));
        } catch (err) {
          journal_problems.push(`event ${row.seq} (${row.type}) does not replay: ${(err as Error).message}`);
        }
        events++;
      }
    })();
    const tables = registry.tables.map((table) => compareTable(db, scratch, table));
    const invariants: ReplayReport['invariants'] = {};
    for (const [name, check] of Object.entries(registry.invariants)) invariants[name] = { live: check(db), replayed: check(scratch) };
    const ok =
      journal_problems.length === 0 &&
      tables.every((t) => t.differences === 0) &&
      Object.values(invariants).every((i) => i.live.ok && i.replayed.ok);
    return { ok, events, tables, invariants, journal_problems };
  } finally {
    scratch.close();
  }
}

/**
 * The event, once its schema accepts it. Projectors trust their input (the kernel checked it when it
 * was emitted), so an event of an unknown type, or with data its schema refuses, would replay
 * as a silent no-op; here it is a journal problem instead.
 */
function checkedEvent<S extends EventSchemas>(registry: Registry<S>, row: EventRow): EventEnvelope {
  const schema = (registry.schemas as EventSchemas)[row.type];
  if (schema === undefined) throw new Error('no such event type');
  const data: unknown = JSON.parse(row.data);
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new Error(`data does not match its schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  // Replayed as written, exactly as the live projection saw it.
  return { ...row, data };
}

function compareTable(live: Db, replayed: Db, table: string): TableComparison {
  // Both sides are read in primary-key order, so rows pair up unless one side has extras. SQLite
  // breaks ties in ORDER BY 1 by the key (its index order); PostgreSQL does not, so with a
  // PostgreSQL side both are ordered by every column (NULLs first, as SQLite sorts them).
  const sql = storeKind(live) === 'sqlite' && storeKind(replayed) === 'sqlite' ? `SELECT * FROM ${table} ORDER BY 1` : wholeRowOrder(live, table);
  const a = live.prepare(sql).all().map((r) => JSON.stringify(r));
  const b = replayed.prepare(sql).all().map((r) => JSON.stringify(r));
  let differences = Math.abs(a.length - b.length);
  let first_difference: string | null = a.length === b.length ? null : `live has ${a.length} rows, replay has ${b.length}`;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      differences++;
      first_difference ??= `live ${a[i]} != replayed ${b[i]}`;
    }
  }
  return { table, rows: a.length, differences, first_difference };
}

function wholeRowOrder(db: Db, table: string): string {
  const n = db.prepare(`SELECT * FROM ${table} LIMIT 0`).columns().length;
  return `SELECT * FROM ${table} ORDER BY ${Array.from({ length: n }, (_, i) => `${i + 1} NULLS FIRST`).join(', ')}`;
}
