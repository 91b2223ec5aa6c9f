// The documented measured fields (docs/replay.md): what the host measures of a run or a call,
// which varies from machine to machine. Two simulated runs of one world from one seed agree on
// every event except these; the cycle hashes cover the tables these land in, so they go too.
// A replay of one journal checks them all (they are in its data).
export const MEASURED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  execution_ended: ['cpu_ms', 'memory_peak_mb', 'wall_ms'],
  llm_call_completed: ['latency_ms'],
  cycle_closed: ['state_hash', 'table_hashes'],
};

/**
 * What differs in a fork without being a decision: where it served a reply from (its recording
 * or live), and journal positions, which sit one further on in a fork for its world_forked event.
 */
export const PROVENANCE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  llm_reply_recorded: ['replayed'],
  kpis_recorded: ['up_to_seq'],
};

/** An event's data without the fields listed for its type. */
export function withoutFields(type: string, data: Record<string, unknown>, ...lists: Readonly<Record<string, readonly string[]>>[]): Record<string, unknown> {
  const drop = new Set(lists.flatMap((l) => l[type] ?? []));
  if (drop.size === 0) return data;
  return Object.fromEntries(Object.entries(data).filter(([k]) => !drop.has(k)));
}
