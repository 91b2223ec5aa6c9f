// The agents' journal events: an agent record is created (genesis, or a child by spawn).
import { z } from 'zod';
import { lazySchemas } from '../engine/events.js';
import { agentId, postings } from '../ledger/events.js';

export const agentEvents = lazySchemas({
  agent_created: () => z
    .strictObject({
      agent_id: agentId(),
      parent_id: agentId().nullable(),
      lineage: z.array(agentId()).describe('Ancestors, oldest first.'),
      generation: z.number().int().min(0),
      workspace: z.string().describe('Workspace path relative to the world directory.'),
      postings: postings(),
    })
    .describe('An agent record was created (genesis at world creation, children by spawn), with its starting credits.'),
});
