// The operator routes' response schemas (src/api/routes/operator.ts): zod only, so the dashboard
// can `import type` what they infer (web/src/types.ts). One source: the routes validate and
// document their answers with these, and the dashboard reads exactly what they describe.
import { z } from 'zod';
import { promptView } from './attention.js';

export const columns = z.array(z.number());

export const agentRow = z.object({
  agent_id: z.string(),
  status: z.enum(['alive', 'dormant', 'dead']),
  parent_id: z.string().nullable(),
  generation: z.number().int(),
  balance: z.number(),
  escrow: z.number(),
  earned: z.number().describe('Transfers received and human rewards'),
  spent: z.number().describe('Transfers sent, resources burned, fees, spawns'),
  executions: z.number().int(),
  created_at: z.string(),
  status_at: z.string(),
  description: z.string(),
});

export const executionRow = z.object({
  execution_id: z.string(),
  bid_id: z.string(),
  cycle: z.number().int(),
  status: z.enum(['running', 'ended']),
  bundle: z.object({ cpu: z.number(), memory: z.number(), tokens: z.number(), attention: z.number(), duration_s: z.number() }),
  leases: z.number().int(),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  reason: z.string().nullable(),
  exit_code: z.number().int().nullable(),
  cpu_s: z.number().nullable(),
  memory_peak_mb: z.number().nullable(),
  wall_ms: z.number().nullable(),
  log_bytes: z.number().nullable(),
  log_truncated: z.boolean().nullable(),
  llm_tokens_used: z.number().int().describe('LLM tokens the run used through the proxy (GET /llm/v1/usage has the detail)'),
  llm_calls: z.number().int(),
});

export const bidRow = z.object({
  bid_id: z.string(),
  agent_id: z.string(),
  amount: z.number(),
  bundle: executionRow.shape.bundle,
  status: z.string(),
  placed_at: z.string(),
  price_paid: z.number().nullable(),
  close_reason: z.string().nullable(),
  closed_cycle: z.number().int().nullable(),
});

export const summaryView = z.object({
  world_id: z.string().nullable(),
  seq: z.number().int(),
  now: z.string(),
  cycle: z.number().int(),
  clearing_interval_s: z.number(),
  population: z.object({ alive: z.number().int(), dormant: z.number().int(), dead: z.number().int() }),
  credits: z.object({
    held: z.number().describe('In agents\' balances and escrow: created less burned'),
    escrow: z.number(),
    minted: z.number().describe('Created by the mint (genesis grants)'),
    rewarded: z.number().describe('Created by the operator\'s rewards'),
    burned: z.number().describe('Paid for resources and fees'),
  }),
  executions_running: z.number().int(),
  open_bids: z.number().int(),
  prompts: z.object({ pending: z.number().int(), rewarded: z.number().int(), expired: z.number().int() }),
  requests: z.object({ pending: z.number().int(), approved: z.number().int(), denied: z.number().int() }).describe('Capability requests by status'),
});

export const resourceSeries = z.object({ unit: z.string(), cycle: columns, price: columns, utilization: columns, demand: columns, supply: columns });

export const seriesView = z.object({
  world: z.object({
    cycle: columns,
    at_ms: columns,
    minted: columns,
    rewarded: columns,
    burned: columns,
    alive: columns,
    dormant: columns,
    dead: columns,
    running: columns,
  }),
  resources: z.object({ cpu: resourceSeries, memory: resourceSeries, tokens: resourceSeries, attention: resourceSeries }),
});

export const agentsPageView = z.object({ total: z.number().int(), items: z.array(agentRow) });

export const lineageView = z.object({
  total: z.number().int(),
  nodes: z.array(z.object({ id: z.string(), parent_id: z.string().nullable(), generation: z.number().int(), status: z.string() })),
});

export const agentDetailView = z.object({
  agent: agentRow.extend({ lineage: z.array(z.string()), children: z.array(z.string()) }),
  executions: z.array(executionRow),
  bids: z.array(bidRow),
  prompts: z.array(promptView),
  balance: z.object({ at_ms: columns, seq: columns, balance: columns }).describe('Spendable balance after each of its latest postings'),
  death: z
    .object({
      at: z.string(),
      cycle: z.number().int(),
      dormant_cycles: z.number().int(),
      dormant_reason: z.string().nullable().describe('broke (could afford no bundle) or omission (its last run ended without a bid)'),
      dormant_at: z.string().nullable(),
    })
    .nullable()
    .describe('When and why it died; null while it lives'),
});

export const traceView = z.object({
  agent_id: z.string(),
  file: z.string(),
  exists: z.boolean(),
  size_bytes: z.number().int(),
  from_byte: z.number().int(),
  text: z.string().describe("Attacker-controlled text: the agent wrote it"),
});

export const executionLogView = z.object({
  execution_id: z.string(),
  agent_id: z.string(),
  status: z.string(),
  size_bytes: z.number().int().describe('0 when the run wrote nothing (or no log exists)'),
  from_byte: z.number().int().describe('Where the returned text starts; > 0 means earlier output is left out'),
  capped: z.boolean().nullable().describe('The run wrote more than sandbox.log_bytes_max; the rest was discarded'),
  text: z.string(),
});

export type AgentRow = z.infer<typeof agentRow>;
export type ExecutionRow = z.infer<typeof executionRow>;
export type Bundle = ExecutionRow['bundle'];
export type Summary = z.infer<typeof summaryView>;
export type ResourceSeries = z.infer<typeof resourceSeries>;
export type Series = z.infer<typeof seriesView>;
export type AgentsPage = z.infer<typeof agentsPageView>;
export type Lineage = z.infer<typeof lineageView>;
export type AgentDetail = z.infer<typeof agentDetailView>;
export type Trace = z.infer<typeof traceView>;
export type ExecutionLog = z.infer<typeof executionLogView>;
