// The operator's own agents (docs/research.md): added from a project directory, paused,
// resumed and killed by the operator. Money moves only as postings (an added agent's grant is
// on its agent_created event, minted from system:mint; a kill burns what the agent held).
import { z } from 'zod';
import { lazySchemas } from '../engine/events.js';
import { agentId, count, postings } from '../ledger/events.js';

export const operatorAgentEvents = lazySchemas({
  operator_agent_added: () => z
    .strictObject({
      agent_id: agentId().describe('The agent, created by the agent_created event just before (generation 0, no parent)'),
      name: z.string().describe('The name the operator gave (or the project directory\'s)'),
      source: z.string().describe('The project directory it was copied from, as the operator named it'),
      granted_ucr: count().describe('Minted to it from system:mint (posting kind grant, memo operator, on agent_created)'),
      files: z.strictObject({ copied: count(), skipped: count(), bytes: count() }),
    })
    .describe('The operator added an agent of its own (agora add): it holds one of operator_agents.places_max.'),
  agent_paused: () => z
    .strictObject({ agent_id: agentId(), cycle: count() })
    .describe('The operator paused the agent: its open bids were withdrawn (refunded), it gets no bid and no run, and the lifecycle leaves it alone until it is resumed.'),
  agent_resumed: () => z
    .strictObject({ agent_id: agentId(), cycle: count() })
    .describe('The operator resumed a paused agent; a bid for its next run follows when it can pay one.'),
  agent_killed: () => z
    .strictObject({ agent_id: agentId(), cycle: count(), balance_ucr: count(), postings: postings() })
    .describe('The operator killed the agent: its open bids were withdrawn (refunded), what it held is burned, it is dead. Its workspace is kept.'),
});
