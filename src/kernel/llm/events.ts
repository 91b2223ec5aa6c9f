// Journal events of LLM use through the proxy (docs/llm.md). Token counts are LLM tokens;
// money is integer µcr, prices integer nano-credits per token.
import { z } from 'zod';
import { lazySchemas } from '../engine/events.js';
import { agentId, postings } from '../ledger/events.js';
import { lazy } from '../../base/lazy.js';

/** How a call ended. Only `ok` and `interrupted` calls used tokens; the others moved nothing. */
export const llmCallStatuses = ['ok', 'interrupted', 'upstream_error', 'timeout'] as const;
export type LlmCallStatus = (typeof llmCallStatuses)[number];

/** Where a call's token counts come from. */
export const llmUsageSources = ['provider', 'local', 'none'] as const;
export type LlmUsageSource = (typeof llmUsageSources)[number];

const tokens = lazy(() => z.number().int().min(0));
const executionId = lazy(() => z.string().min(1));

export const llmEvents = lazySchemas({
  llm_call_completed: () => z
    .strictObject({
      execution_id: executionId(),
      agent_id: agentId(),
      model: z.string().min(1).describe('The model id the agent asked for'),
      provider: z.string().min(1).describe('The configured provider that served it'),
      stream: z.boolean(),
      status: z.enum(llmCallStatuses).describe('ok; interrupted (cut off mid-stream: what was delivered is charged); upstream_error or timeout (nothing charged)'),
      error: z.string().max(1000).nullable().describe('Why the call failed, for failed calls'),
      prompt_tokens: tokens(),
      completion_tokens: tokens(),
      total_tokens: tokens().describe('Tokens charged to the run: prompt + completion'),
      usage_source: z.enum(llmUsageSources).describe("provider = the provider's reported usage; local = counted by the proxy (no usage reported); none = failed call"),
      reserved_tokens: tokens().describe('Tokens held for the call while it ran (prompt estimate + completion cap)'),
      max_completion_tokens: tokens().describe('The completion cap forwarded to the provider'),
      finish_reason: z.string().max(64).nullable(),
      latency_ms: tokens().describe('From admission to the end of the reply, on the world clock'),
    })
    .describe("An LLM call through the proxy ended; its tokens are added to the run's usage. Failed calls are recorded with zero tokens."),
  llm_tokens_bought: () => z
    .strictObject({
      execution_id: executionId(),
      agent_id: agentId(),
      tokens: z.number().int().positive(),
      price_ncr: z.number().int().positive().describe('Market token price, nano-credits per token'),
      cost_ucr: z.number().int().positive(),
      postings: postings(),
    })
    .describe("A run bought LLM tokens beyond its bundle's (llm.buy_extra_tokens) at the current market price; the credits are burned."),
});
