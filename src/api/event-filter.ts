// Which journal events an operator's view asks for: by type and by agent. One definition,
// used by the events page (over stored rows) and the live stream (over committed events).
import type { EventEnvelope } from '../kernel/registry.js';

export interface EventFilter {
  /** null = every type. */
  types: ReadonlySet<string> | null;
  /** null = every agent. */
  agent_id: string | null;
}

/** Data fields through which an event names the agents it is about. */
const AGENT_FIELDS = ['agent_id', 'payer_id', 'from_id', 'to_id', 'parent_id'] as const;

export function parseFilter(types: string | undefined, agent_id: string | undefined): EventFilter {
  const list = (types ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return { types: list.length > 0 ? new Set(list) : null, agent_id: agent_id === undefined || agent_id === '' ? null : agent_id };
}

/** Whether an event is about `agent_id`: it acted, or the event's data names it. */
export function concernsAgent(actor: string, data: unknown, agent_id: string): boolean {
  if (actor === agent_id) return true;
  if (data === null || typeof data !== 'object') return false;
  const record = data as Record<string, unknown>;
  for (const field of AGENT_FIELDS) if (record[field] === agent_id) return true;
  const to_ids = record.to_ids;
  return Array.isArray(to_ids) && to_ids.includes(agent_id);
}

export function matches(filter: EventFilter, event: Pick<EventEnvelope, 'type' | 'actor' | 'data'>): boolean {
  if (filter.types !== null && !filter.types.has(event.type)) return false;
  return filter.agent_id === null || concernsAgent(event.actor, event.data, filter.agent_id);
}
