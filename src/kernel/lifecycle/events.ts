// The agent lifecycle's journal events: dormant, woken, dead.
import { z } from 'zod';
import { lazySchemas } from '../engine/events.js';
import { agentId, count, postings } from '../ledger/events.js';
import { lazy } from '../../base/lazy.js';

const cycle = count;
const assets = lazy(() => z
  .strictObject({
    balance_ucr: count(),
    escrow_ucr: count(),
    workspace: z.string(),
    generation: count(),
    executions: count(),
    // Optional: events journaled before artifacts existed carry none of these.
    artifacts_owned: count().optional().describe('Live artifacts the agent owns'),
    artifact_ids: z.array(z.string()).optional().describe('Some of them (at most artifacts.owned_ids_in_events_max), by id'),
    last_active_cycle: count().nullable().optional().describe('The cycle of its last run; null if it never ran'),
  })
  .describe('What the agent still owns, for would-be rescuers.'));

export const lifecycleEvents = lazySchemas({
  agent_dormant: () => z
    .strictObject({
      agent_id: agentId(),
      cycle: cycle(),
      reason: z.enum(['broke', 'omission']).describe('broke: too few credits for any bundle; omission: its last run ended without a bid or lease'),
      assets: assets(),
    })
    .describe('The agent has no open bid and no run, and either cannot afford any bundle or let its last run end without bidding: it sleeps. Anyone may wake it by paying for a bundle for it.'),
  agent_woken: () => z
    .strictObject({
      agent_id: agentId(),
      cycle: cycle(),
      by: z.string().describe('Who paid for its bundle (a payer id), or `bid`/`run` when its own bid or run is what made it active'),
      rescuer_id: agentId().nullable().optional().describe('The agent who paid to wake it (a bid for it), or null when it woke by its own bid or run'),
      assets: assets().optional().describe('What it held when it woke'),
    })
    .describe('A dormant agent is alive again.'),
  agent_died: () => z
    .strictObject({ agent_id: agentId(), cycle: cycle(), dormant_cycles: count(), assets: assets(), postings: postings() })
    .describe('Dormant for lifecycle.death_after_cycles cycles: the agent is dead. Its workspace is kept; any credits it still held are burned.'),
});
