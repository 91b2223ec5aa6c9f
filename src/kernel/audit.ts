// `agora audit`: rebuilds every projection from the journal alone, in a scratch database,
// and compares it with the live tables, then checks conservation on both.
import type Database from 'better-sqlite3';
import { openScratchDatabase } from '../store/database.js';
import { iterateEvents, type EventRow } from '../store/journal.js';
import { eventSchemas, type EventEnvelope } from './ledger/events.js';
import { conservationOf, type ConservationReport } from './ledger/commands.js';
import { ProjectionWriter } from './engine/projection.js';
import { project, projectionTables } from './engine/projectors.js';

export interface AuditReport {
  ok: boolean;
  events: number;
  tables: { table: string; rows: number; differences: number; first_difference: string | null }[];
  conservation: ConservationReport;
  replayed_conservation: ConservationReport;
  journal_problems: string[];
}

export function audit(db: Database.Database): AuditReport {
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
          project(writer, checkedEvent(row));
        } catch (err) {
          journal_problems.push(`event ${row.seq} (${row.type}) does not replay: ${(err as Error).message}`);
        }
        events++;
      }
    })();
    const tables = projectionTables.map((table) => compareTable(db, scratch, table));
    const conservation = conservationOf(db);
    const replayed_conservation = conservationOf(scratch);
    const ok =
      journal_problems.length === 0 && tables.every((t) => t.differences === 0) && conservation.ok && replayed_conservation.ok;
    return { ok, events, tables, conservation, replayed_conservation, journal_problems };
  } finally {
    scratch.close();
  }
}

/**
 * The event, once its schema accepts it. Projectors trust their input (the kernel checked it when it
 * was emitted), so an event of an unknown type, or with data its schema refuses, would replay
 * as a silent no-op; here it is a journal problem instead.
 */
function checkedEvent(row: EventRow): EventEnvelope {
  const schema = (eventSchemas as Record<string, (typeof eventSchemas)[keyof typeof eventSchemas]>)[row.type];
  if (schema === undefined) throw new Error('no such event type');
  const data: unknown = JSON.parse(row.data);
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new Error(`data does not match its schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  // Replayed as written, exactly as the live projection saw it.
  return { ...row, type: row.type as EventEnvelope['type'], data } as EventEnvelope;
}

function compareTable(live: Database.Database, replayed: Database.Database, table: string) {
  // Both sides are read in primary-key order, so rows pair up unless one side has extras.
  const sql = `SELECT * FROM ${table} ORDER BY 1`;
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
