// Reads of the journal for the API and the CLI, so that none of them holds SQL or the engine:
// pages forwards (a stream's replay), a bounded scan backwards (the event browser), the last seq.
import type { Db } from '../store/store.js';
import { lastSeq, readEvents, type EventRow, type ReadEventsOptions } from '../store/journal.js';

export interface ScanBackwardsOptions {
  /** Only events with a smaller seq. */
  before?: number | null;
  types?: readonly string[] | null;
  /**
   * Only events by this actor or whose data mentions it as a JSON string: a cheap superset,
   * which the caller narrows with an exact test on the parsed data.
   */
  mentioning?: string | null;
}

export class JournalReads {
  constructor(private readonly db: Db) {}

  lastSeq(): number {
    return lastSeq(this.db);
  }

  /** Oldest first, after `after_seq`. */
  read(options: ReadEventsOptions): EventRow[] {
    return readEvents(this.db, options);
  }

  /** Newest first; the caller stops iterating when it has enough (nothing more is read). */
  scanBackwards(options: ScanBackwardsOptions): IterableIterator<EventRow> {
    const where = ['seq < ?'];
    const params: unknown[] = [options.before ?? Number.MAX_SAFE_INTEGER];
    if (options.types != null) {
      where.push(`type IN (${options.types.map(() => '?').join(', ')})`);
      params.push(...options.types);
    }
    if (options.mentioning != null) {
      where.push('(actor = ? OR instr(data, ?) > 0)');
      params.push(options.mentioning, JSON.stringify(options.mentioning));
    }
    return this.db.prepare(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq DESC`).iterate(...params) as IterableIterator<EventRow>;
  }
}
