// The one writer. A command runs inside one SQLite transaction; every state change it makes
// is an event appended to the journal and projected in that same transaction, so the
// journal and the tables can never disagree, and a crash loses only uncommitted commands.
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Clock } from './clock.js';
import { AgoraError, invariant } from './errors.js';
import { eventSchemas, type CommandMeta, type EventData, type EventEnvelope, type EventType } from './events.js';
import { ProjectionWriter } from './projection.js';
import { project } from './projectors.js';
import type { Rng } from './rng.js';

export type EventListener = (events: readonly EventEnvelope[]) => void;

export interface Tx {
  readonly meta: CommandMeta;
  readonly now_ms: number;
  emit<T extends EventType>(type: T, data: EventData<T>): EventEnvelope<T>;
}

export class KernelCore {
  readonly writer: ProjectionWriter;
  private readonly insertEvent: Database.Statement;
  private readonly listeners = new Set<EventListener>();
  private active: { tx: Tx; emitted: EventEnvelope[] } | null = null;

  constructor(
    readonly db: Database.Database,
    readonly clock: Clock,
    readonly rng: Rng,
    readonly config: Config,
    readonly log: Logger,
  ) {
    this.writer = new ProjectionWriter(db);
    this.insertEvent = db.prepare(
      'INSERT INTO events (id, type, at_ms, actor, correlation_id, causation_id, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  }

  /**
   * Runs `fn` as one command. A command started inside another joins it (one transaction,
   * one correlation). Listeners hear the events only after the commit.
   */
  command<R>(meta: CommandMeta, fn: (tx: Tx) => R): R {
    if (this.active !== null) return fn(this.active.tx);
    const emitted: EventEnvelope[] = [];
    const now_ms = this.clock.now_ms();
    const tx: Tx = {
      meta,
      now_ms,
      emit: <T extends EventType>(type: T, data: EventData<T>) => this.append(type, data, meta, now_ms, emitted),
    };
    let result: R;
    this.active = { tx, emitted };
    try {
      result = this.db.transaction(() => fn(tx))();
    } catch (err) {
      if (err instanceof AgoraError) throw err;
      // An SQLite constraint here means a rule above it let something impossible through.
      this.log.error({ err, actor: meta.actor }, 'command failed');
      throw err;
    } finally {
      this.active = null;
    }
    if (emitted.length > 0) this.notify(emitted);
    return result;
  }

  private append<T extends EventType>(type: T, data: EventData<T>, meta: CommandMeta, at_ms: number, emitted: EventEnvelope[]): EventEnvelope<T> {
    const parsed = eventSchemas[type].safeParse(data);
    invariant(parsed.success, `event ${type} does not match its schema: ${parsed.error?.message}`);
    const id = this.rng.id('ev', 12);
    const info = this.insertEvent.run(id, type, at_ms, meta.actor, meta.correlation_id ?? null, meta.causation_id ?? null, JSON.stringify(data));
    const event: EventEnvelope<T> = {
      seq: Number(info.lastInsertRowid),
      id,
      type,
      at_ms,
      actor: meta.actor,
      correlation_id: meta.correlation_id ?? null,
      causation_id: meta.causation_id ?? null,
      data,
    };
    project(this.writer, event);
    emitted.push(event);
    return event;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(events: readonly EventEnvelope[]): void {
    for (const listener of this.listeners) {
      try {
        listener(events);
      } catch (err) {
        this.log.error({ err }, 'event listener failed');
      }
    }
  }
}
