// Journal events of capability requests (seed 003, gap 30): an agent asks the operator for
// something only a human can grant (a real LLM model, a larger memory cap, an MCP server that
// needs the network, a package ecosystem); the operator approves it with a scope, a budget and
// an expiry, or denies it with a reason. A grant is enforced where Agora can enforce it
// (capabilities/grants.ts names where); the rest is a record the operator acts on outside.
import { z } from 'zod';
import { lazySchemas } from '../engine/events.js';
import { agentId, count } from '../ledger/events.js';
import { lazy } from '../../base/lazy.js';

/** The kinds Agora itself enforces; any other kind (`mcp:...`, `packages:...`) is recorded only. */
export const ENFORCED_KINDS = ['llm_model', 'memory_mb'] as const;
export type EnforcedKind = (typeof ENFORCED_KINDS)[number];

export const CAPABILITY_PATTERN = /^[a-z][a-z0-9_]{0,31}(:[A-Za-z0-9._/@+-]{1,128})?$/;

const requestId = lazy(() => z.string().min(1));

export const capabilityEvents = lazySchemas({
  capability_requested: () => z
    .strictObject({
      request_id: requestId(),
      agent_id: agentId(),
      capability: z.string().regex(CAPABILITY_PATTERN).describe('kind[:name], e.g. llm_model:gpt-4o, memory_mb:2048, mcp:github, packages:npm'),
      reason: z.string(),
      max_price_ucr: count().describe('What the agent says the capability is worth to it; nothing is charged by the request'),
    })
    .describe("An agent asked the operator for a capability only a human can grant. It waits in the operator's queue (agora requests, the dashboard's Requests page)."),
  capability_approved: () => z
    .strictObject({
      request_id: requestId(),
      agent_id: agentId(),
      capability: z.string(),
      scope: z.string().describe('What exactly is granted: for llm_model the model id, for memory_mb the MB cap; free text for kinds Agora does not enforce'),
      budget: count().nullable().describe('For llm_model: tokens through that model the grant covers; null = no bound but the expiry'),
      expires_at_ms: count().describe('World time the grant ends'),
      note: z.string().describe("The operator's note, delivered with the answer to the agent's inbox"),
    })
    .describe("The operator granted a request. Until it expires it is enforced where it applies (the LLM proxy's models, the market's memory cap); the agent hears of it in its inbox and env.json."),
  capability_denied: () => z
    .strictObject({ request_id: requestId(), agent_id: agentId(), capability: z.string(), reason: z.string().describe('Why, delivered to the agent\'s inbox') })
    .describe('The operator refused a request, with a reason the agent hears in its inbox and env.json.'),
});
