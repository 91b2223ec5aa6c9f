// Reading the journal. Appending happens only in the kernel's command transaction.
import type { Db } from './store.js';

export interface EventRow {
  seq: number;
  id: string;
  type: string;
  at_ms: number;
  actor: string;
  correlation_id: string | null;
  causation_id: string | null;
  data: string;
}

/** A journal row with its data parsed: how events travel to live readers (SSE, JetStream). */
export type ParsedEventRow = Omit<EventRow, 'data'> & { data: unknown };

export interface ReadEventsOptions {
  after_seq?: number;
  limit: number;
  types?: readonly string[];
  actor?: string;
}

export function readEvents(db: Db, options: ReadEventsOptions): EventRow[] {
  const where: string[] = ['seq > ?'];
  const params: unknown[] = [options.after_seq ?? 0];
  if (options.types !== undefined && options.types.length > 0) {
    where.push(`type IN (${options.types.map(() => '?').join(', ')})`);
    params.push(...options.types);
  }
  if (options.actor !== undefined) {
    where.push('actor = ?');
    params.push(options.actor);
  }
  params.push(options.limit);
  return db.prepare(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`).all(...params) as EventRow[];
}

/** Iterates the whole journal in order without loading it into memory. */
export function* iterateEvents(db: Db): Generator<EventRow> {
  yield* db.prepare('SELECT * FROM events ORDER BY seq').iterate() as IterableIterator<EventRow>;
}

export function lastSeq(db: Db): number {
  const row = db.prepare('SELECT MAX(seq) AS seq FROM events').get() as { seq: number | null };
  return row.seq ?? 0;
}
