// Journal events of executions (agent runs) and the leases they run on.
import { z } from 'zod';
import { lazySchemas } from '../engine/events.js';
import { agentId, count } from '../ledger/events.js';
import { lazy } from '../../base/lazy.js';

export const executionReasons = [
  'exit',
  'crashed',
  'killed_timeout',
  'killed_memory',
  'killed_cpu',
  'killed_disk',
  'stopped',
  'spawn_failed',
  'no_workspace',
  'no_entrypoint',
  'lost',
] as const;
export type ExecutionReason = (typeof executionReasons)[number];

const bundle = lazy(() => z
  .strictObject({ cpu_ms: count(), memory_mb: count(), tokens: count(), attention: count(), duration_s: count() })
  .describe('What the winning bid bought, in base units.'));
const executionId = lazy(() => z.string().min(1));
const cycle = count;

export const executionEvents = lazySchemas({
  execution_started: () => z
    .strictObject({
      execution_id: executionId(),
      agent_id: agentId(),
      bid_id: z.string().min(1),
      cycle: cycle(),
      bundle: bundle(),
      lease_ends_at_ms: count().describe('When the run is stopped unless it wins the next lease; the lease starts at this event (its launch), not at the clearing that won it'),
    })
    .describe('A won lease became a run: the agent is launched in its sandbox with the limits it bought. `bid_id` names the lease: a won bid, or the `:rest` of an interrupted run.'),
  execution_lease_extended: () => z
    .strictObject({ execution_id: executionId(), agent_id: agentId(), bid_id: z.string().min(1), cycle: cycle(), bundle: bundle(), lease_ends_at_ms: count() })
    .describe('The agent won another lease while running: its process keeps running, env.json is rewritten.'),
  lease_returned: () => z
    .strictObject({
      lease_id: z.string().min(1).describe('`<execution id>:rest`: names the lease in the run that later gives it'),
      execution_id: executionId().describe('The interrupted run'),
      agent_id: agentId(),
      cycle: cycle(),
      reason: z.enum(['stopped', 'lost']).describe('stopped: the world was stopped; lost: the host died and found the run gone at restart'),
      interrupted_at_ms: count().describe('When the host cut the run short (for lost: the last journaled sign of the host alive)'),
      unused_ms: count().describe('Lease time the run had left, given back as a run of its own'),
      bundle: bundle().describe('The rest of what the run bought: its unused time, CPU, tokens and attention slots; its memory'),
    })
    .describe("The host interrupted a run before its paid lease ended: the unused rest is owed to the agent and runs when the world runs again (docs/market.md, 'Leases the host owes')."),
  execution_ended: () => z
    .strictObject({
      execution_id: executionId(),
      agent_id: agentId(),
      reason: z.enum(executionReasons),
      exit_code: z.number().int().nullable(),
      signal: z.string().nullable(),
      cpu_ms: count().describe('CPU time measured by the host (cgroup counters), never reported by the agent'),
      memory_peak_mb: count().describe('Peak memory measured by the host'),
      wall_ms: count(),
      log_bytes: count(),
      log_truncated: z.boolean(),
    })
    .describe('A run ended, with why and what it used.'),
});
