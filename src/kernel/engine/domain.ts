// The one interface through which a domain joins the engine: its events with their schemas, its
// projectors, the tables they write (compared by the audit) and the invariants the audit checks.
// The engine composes the domains into a registry; it imports no domain itself.
import type { Db } from '../../store/store.js';
import { invariant } from '../../base/errors.js';
import type { EventEnvelope, EventSchemas } from './events.js';
import type { ProjectionWriter } from './projection.js';

/** A check over a whole database (live or replayed); `ok` false fails the audit. */
export type Invariant = (db: Db) => { ok: boolean };

type AnyProjector = (w: ProjectionWriter, data: never, event: never) => void;

export interface Domain<S extends EventSchemas = EventSchemas> {
  readonly name: string;
  readonly events: S;
  /** Projector maps, keyed by event type; they run in the order the kernel lists the domains. */
  readonly projectors?: readonly Readonly<Partial<Record<string, AnyProjector>>>[];
  /** Runs after every event's typed projectors (the ledger applies any event's postings here). */
  readonly everyEvent?: (w: ProjectionWriter, event: EventEnvelope) => void;
  /** The tables these projectors write: `agora audit` rebuilds and compares each. */
  readonly tables?: readonly string[];
  readonly invariants?: Readonly<Record<string, Invariant>>;
}

export function defineDomain<S extends EventSchemas>(domain: Domain<S>): Domain<S> {
  return domain;
}

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** The event map of a list of domains: every domain's events, one map. */
export type EventsOf<D extends readonly Domain<EventSchemas>[]> = UnionToIntersection<D[number]['events']>;

/** The domains composed: one schema map, projectors by type, tables and invariants in order. */
export class Registry<S extends EventSchemas> {
  readonly schemas: S;
  readonly tables: readonly string[];
  readonly invariants: Readonly<Record<string, Invariant>>;
  private readonly byType = new Map<string, AnyProjector[]>();
  private readonly everyEvent: ((w: ProjectionWriter, event: EventEnvelope) => void)[] = [];

  constructor(domains: readonly Domain<EventSchemas>[]) {
    const schemas: EventSchemas = {};
    const tables: string[] = [];
    const invariants: Record<string, Invariant> = {};
    for (const domain of domains) {
      // By key, forwarding to the domain's map: its schemas stay unbuilt until used (lazySchemas).
      for (const type of Object.keys(domain.events)) {
        invariant(!(type in schemas), `event type ${type} is defined twice (domain ${domain.name})`);
        Object.defineProperty(schemas, type, { enumerable: true, get: () => domain.events[type] });
      }
      for (const projectors of domain.projectors ?? []) {
        for (const [type, projector] of Object.entries(projectors)) {
          const list = this.byType.get(type) ?? [];
          list.push(projector as AnyProjector);
          this.byType.set(type, list);
        }
      }
      if (domain.everyEvent !== undefined) this.everyEvent.push(domain.everyEvent);
      tables.push(...(domain.tables ?? []));
      for (const [name, check] of Object.entries(domain.invariants ?? {})) {
        invariant(!(name in invariants), `invariant ${name} is defined twice (domain ${domain.name})`);
        invariants[name] = check;
      }
    }
    for (const type of this.byType.keys()) invariant(type in schemas, `a projector handles ${type}, which no domain defines`);
    this.schemas = schemas as S;
    this.tables = tables;
    this.invariants = invariants;
  }

  project(w: ProjectionWriter, event: EventEnvelope): void {
    for (const projector of this.byType.get(event.type) ?? []) projector(w, event.data as never, event as never);
    for (const hook of this.everyEvent) hook(w, event);
  }
}
