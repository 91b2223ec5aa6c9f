// The one writer. A command runs inside one SQLite transaction; every state change it makes
// is an event appended to the journal and projected in that same transaction, so the
// journal and the tables can never disagree, and a crash loses only uncommitted commands.
import type { Db, Statement } from '../../store/store.js';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { Clock } from './clock.js';
import { AgoraError, invariant } from '../../base/errors.js';
import type { Registry } from './domain.js';
import type { CommandMeta, EventData, EventEnvelope, EventSchemas } from './events.js';
import { ProjectionWriter } from './projection.js';
import { Rng } from './rng.js';

/** Random draws each event's id takes (its 7 base32 characters): a resumed stream skips them. */
export const EVENT_ID_DRAWS = 7;

export type EventListener<S extends EventSchemas = EventSchemas> = (events: readonly EventEnvelope<S>[]) => void;

/** A command's handle: `emit` takes only the registry's event types, each with its data's type. */
export interface Tx<S extends EventSchemas = EventSchemas> {
  readonly meta: CommandMeta;
  readonly now_ms: number;
  emit<T extends keyof S & string>(type: T, data: EventData<S, T>): EventEnvelope<S, T>;
}

interface ActiveTransaction<S extends EventSchemas> {
  emitted: EventEnvelope<S>[];
  now_ms: number;
  /** Set when a command failed half-way; the transaction must not commit. */
  poisoned: Error | null;
}

export class KernelCore<S extends EventSchemas = EventSchemas> {
  readonly writer: ProjectionWriter;
  private readonly insertEvent: Statement;
  /** Created once: better-sqlite3 builds BEGIN/COMMIT statements per transaction function. */
  private readonly inTransaction: <R>(fn: () => R) => R;
  private readonly listeners = new Set<EventListener<S>>();
  private active: ActiveTransaction<S> | null = null;
  /**
   * Committed-state read cache for hot reads (balances, agent status on every request).
   * Cleared whole at every commit that wrote anything, and bypassed inside a transaction, so
   * it can never show an uncommitted or outdated value. Bounded by `store.read_cache_entries_max`.
   */
  private readonly readCache = new Map<string, unknown>();

  constructor(
    readonly db: Db,
    readonly clock: Clock,
    public rng: Rng,
    readonly config: Config,
    readonly log: Logger,
    readonly registry: Registry<S>,
  ) {
    this.writer = new ProjectionWriter(db);
    const wrapped = db.transaction((fn: () => unknown) => fn());
    this.inTransaction = <R>(fn: () => R) => wrapped(fn) as R;
    // RETURNING rather than lastInsertRowid: the one form both SQLite and PostgreSQL answer.
    this.insertEvent = db.prepare(
      'INSERT INTO events (id, type, at_ms, actor, correlation_id, causation_id, data) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq',
    ).pluck();
  }

  /**
   * Runs `fn` as one command in its own SQLite transaction, or, inside `batch`, as part of
   * the batch's transaction. Rule for every command: check everything first, then emit;
   * a command that throws after emitting has left half a change behind, so the whole
   * transaction is rolled back. Listeners hear events only after the commit.
   */
  command<R>(meta: CommandMeta, fn: (tx: Tx<S>) => R): R {
    if (this.active !== null) return this.joined(this.active, meta, fn);
    const active: ActiveTransaction<S> = { emitted: [], now_ms: this.clock.now_ms(), poisoned: null };
    this.active = active;
    let result: R;
    try {
      result = this.inTransaction(() => {
        const value = this.joined(active, meta, fn);
        if (active.poisoned !== null) throw active.poisoned;
        return value;
      });
    } catch (err) {
      if (!(err instanceof AgoraError)) this.log.error({ err, actor: meta.actor }, 'command failed; transaction rolled back');
      throw err;
    } finally {
      this.active = null;
    }
    if (active.emitted.length > 0) {
      this.readCache.clear();
      this.notify(active.emitted);
    }
    return result;
  }

  /** Reads through the committed-state cache (see `readCache`). */
  cachedRead<T>(key: string, load: () => T): T {
    if (this.active !== null) return load();
    if (this.readCache.has(key)) return this.readCache.get(key) as T;
    const value = load();
    if (this.readCache.size >= this.config.store.read_cache_entries_max) this.readCache.clear();
    this.readCache.set(key, value);
    return value;
  }

  /**
   * Group commit: the commands run inside `fn` share one transaction, so they become durable
   * together at its commit. A command refused with an AgoraError wrote nothing (check, then
   * emit) and the others stand.
   */
  batch<R>(meta: CommandMeta, fn: () => R): R {
    return this.command(meta, () => fn());
  }

  private joined<R>(active: ActiveTransaction<S>, meta: CommandMeta, fn: (tx: Tx<S>) => R): R {
    const emitted_before = active.emitted.length;
    const tx: Tx<S> = {
      meta,
      now_ms: active.now_ms,
      emit: <T extends keyof S & string>(type: T, data: EventData<S, T>) => this.append(type, data, meta, active.now_ms, active.emitted),
    };
    try {
      return fn(tx);
    } catch (err) {
      if (active.emitted.length !== emitted_before) {
        active.poisoned = new Error(`command by ${meta.actor} failed after emitting events: ${(err as Error).message}`, { cause: err });
      }
      throw err;
    }
  }

  private append<T extends keyof S & string>(type: T, data: EventData<S, T>, meta: CommandMeta, at_ms: number, emitted: EventEnvelope<S>[]): EventEnvelope<S, T> {
    const schema = this.registry.schemas[type];
    invariant(schema !== undefined, `event type ${type} is not registered`);
    const parsed = schema.safeParse(data);
    invariant(parsed.success, `event ${type} does not match its schema: ${parsed.error?.message}`);
    // Time-ordered ids keep the unique index append-mostly (random ids would touch a random
    // B-tree page per event); the random tail keeps them unique within a millisecond.
    const id = `ev_${at_ms.toString(32).padStart(9, '0')}${this.rng.id('', EVENT_ID_DRAWS).slice(1)}`;
    const seq = this.insertEvent.get(id, type, at_ms, meta.actor, meta.correlation_id ?? null, meta.causation_id ?? null, JSON.stringify(data)) as number;
    const event: EventEnvelope<S, T> = {
      seq,
      id,
      type,
      at_ms,
      actor: meta.actor,
      correlation_id: meta.correlation_id ?? null,
      causation_id: meta.causation_id ?? null,
      data,
    };
    this.registry.project(this.writer, event as EventEnvelope);
    emitted.push(event as unknown as EventEnvelope<S>);
    return event;
  }

  /** Continues a recorded random stream (a fork resumes its parent's); never inside a command. */
  resumeRng(position: { seed: number; draws: number }): void {
    invariant(this.active === null, 'the random stream is not resumed inside a command');
    this.rng = Rng.at(position);
  }

  subscribe(listener: EventListener<S>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(events: readonly EventEnvelope<S>[]): void {
    for (const listener of this.listeners) {
      try {
        listener(events);
      } catch (err) {
        this.log.error({ err }, 'event listener failed');
      }
    }
  }
}
