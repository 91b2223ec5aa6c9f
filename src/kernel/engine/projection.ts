// Projections turn journal events into the tables the rest of Agora reads. The same
// projectors run live (inside the command's transaction) and in `agora audit`'s replay.
import type { Db, Statement, RunResult } from '../../store/store.js';
import type { EventData, EventEnvelope, EventSchemas } from './events.js';

export class ProjectionWriter {
  private readonly statements = new Map<string, Statement>();

  constructor(readonly db: Db) {}

  private statement(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  run(sql: string, ...params: unknown[]): RunResult {
    return this.statement(sql).run(...params);
  }

  get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.statement(sql).get(...params) as T | undefined;
  }

  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.statement(sql).all(...params) as T[];
  }
}

export type Projector<S extends EventSchemas, T extends keyof S & string> = (w: ProjectionWriter, data: EventData<S, T>, event: EventEnvelope<S, T>) => void;
/** One domain's projectors, by event type (its own events, or another domain's it keeps a table of). */
export type ProjectorsFor<S extends EventSchemas> = { [T in keyof S & string]?: Projector<S, T> };
