// The journal's envelope, generic over a map of event schemas. The engine knows no event by
// name: the domains bring their schemas (engine/domain.ts), the kernel composes them
// (src/kernel/registry.ts), and every type here is checked against that composed map.
import type { z } from 'zod';
import { lazy } from '../../base/lazy.js';

/** Event type name to the zod schema of its data. */
export type EventSchemas = Record<string, z.ZodType>;

export type EventData<S extends EventSchemas, T extends keyof S> = z.infer<S[T]>;

export interface EventEnvelope<S extends EventSchemas = EventSchemas, T extends keyof S & string = keyof S & string> {
  seq: number;
  id: string;
  type: T;
  at_ms: number;
  actor: string;
  correlation_id: string | null;
  causation_id: string | null;
  data: EventData<S, T>;
}

/** Who or what caused a command: an agent id, `operator`, or `system:<component>`. */
export interface CommandMeta {
  actor: string;
  correlation_id?: string | null;
  causation_id?: string | null;
}

type SchemaBuilders = Record<string, () => z.ZodType>;

/**
 * A domain's event map whose schemas are built on first use, one event type at a time: zod
 * builds a schema slowly (an object per check, each with its methods), and a short-lived
 * process such as `agora status` validates no event at all. Keys are known up front, so
 * `type in schemas` and Object.keys never build anything.
 */
export function lazySchemas<B extends SchemaBuilders>(builders: B): { readonly [K in keyof B]: ReturnType<B[K]> } {
  const schemas = {};
  for (const [type, build] of Object.entries(builders)) Object.defineProperty(schemas, type, { enumerable: true, get: lazy(build) });
  return schemas as { readonly [K in keyof B]: ReturnType<B[K]> };
}
