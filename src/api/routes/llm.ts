// The LLM proxy's routes (docs/llm.md): an OpenAI-compatible API under /llm/v1, so an agent
// can use any OpenAI client with base_url = SYSTEM_SERVICE_URL + "/llm/v1" and its execution
// token as the key. Calls are metered to the caller's running execution.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AgoraError } from '../../base/errors.js';
import { priceToCredits } from '../../kernel/resources/units.js';
import { microToCredits } from '../../kernel/ledger/money.js';
import type { LlmCaller } from '../../llm/call.js';
import { chatRequestSchema } from '../../llm/protocol.js';
import { LlmProxy } from '../../llm/proxy.js';
import { SSE_DONE } from '../../llm/sse.js';
import type { ApiContext } from '../context.js';
import { errorResponses, errorSchema } from '../schemas.js';

const modelView = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.number().int(),
  owned_by: z.string().describe('The provider serving it'),
  provider_kind: z.enum(['openai', 'anthropic', 'offline']),
  offline: z.boolean().describe('True for the offline responder: deterministic, no real language model'),
  available: z.boolean().describe("False when the provider's key is not set on the host"),
  description: z.string(),
});

const windowView = z.object({ limit: z.number().int(), used: z.number().int() });

const callView = z.object({
  seq: z.number().int(),
  at: z.string(),
  model: z.string(),
  provider: z.string(),
  stream: z.boolean(),
  status: z.string(),
  error: z.string().nullable(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  usage_source: z.string(),
  latency_ms: z.number().int(),
});

const usageView = z.object({
  execution_id: z.string(),
  agent_id: z.string(),
  running: z.boolean(),
  tokens: z.object({
    bundled: z.number().int().describe('Bought by the won bundles of this run (every lease)'),
    extra: z.number().int().describe('Bought for credits during the run (llm.buy_extra_tokens)'),
    allowed: z.number().int(),
    used: z.number().int(),
    prompt: z.number().int(),
    completion: z.number().int(),
    in_flight: z.number().int().describe('Reserved by calls not yet answered'),
    left: z.number().int().describe('allowed - used - in_flight'),
  }),
  calls: z.number().int(),
  calls_failed: z.number().int(),
  extra_cost: z.number().describe('Credits burned for extra tokens'),
  token_price: z.number().describe('Current market price, credits per token'),
  buy_extra_tokens: z.boolean(),
  rate_limits: z.object({ tokens_per_minute: windowView, requests_per_minute: windowView }).describe("The agent's own rolling-minute windows"),
  recent_calls: z.array(callView),
});

/** The caller's running execution: every LLM call is metered to one. */
function executionCaller(request: FastifyRequest): LlmCaller {
  const caller = request.caller;
  if (caller === null || caller.kind !== 'agent') throw new AgoraError('ACCESS_DENIED', 'LLM calls are for agents');
  if (caller.execution_id === null) {
    throw new AgoraError(
      'ACCESS_DENIED',
      'LLM calls are metered to a run: use the token of a running execution (AGORA_TOKEN inside the sandbox); this token belongs to no execution',
    );
  }
  return { agent_id: caller.agent_id, execution_id: caller.execution_id, request_id: request.id };
}

/**
 * Writes one frame, waiting for the socket to drain; false once the client has gone. Frames
 * written in the same tick (a provider often sends several chunks in one packet) are corked
 * into one write.
 */
async function writeFrame(res: ServerResponse, frame: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return false;
  if (res.writableCorked === 0) {
    res.cork();
    process.nextTick(() => res.uncork());
  }
  if (res.write(frame)) return true;
  return new Promise((resolve) => {
    const done = (open: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(open);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

export async function llmRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { kernel } = ctx;
  const proxy = new LlmProxy(kernel, ctx.log.child({ component: 'llm' }));

  r.get('/llm/v1/models', {
    config: { auth: 'any' },
    schema: {
      tags: ['llm'],
      summary: 'Models agents may call (OpenAI models.list shape). An `offline` model is the deterministic local responder, not a language model.',
      response: { 200: z.object({ object: z.literal('list'), data: z.array(modelView) }), ...errorResponses },
    },
    handler: async () => ({ object: 'list' as const, data: proxy.catalogue.list() }),
  });

  r.post('/llm/v1/chat/completions', {
    config: { auth: 'agent' },
    bodyLimit: ctx.config.llm.request_bytes_max,
    schema: {
      tags: ['llm'],
      summary:
        'OpenAI chat completions (stream or not), metered to your running execution: tokens come from your won bundles. 402 when they are spent, 429 with retry_after past a rate limit.',
      body: chatRequestSchema(ctx.config.llm),
      // The 200 body is the provider's chat.completion (or an SSE stream of chunks), passed through as text.
      response: { 200: z.unknown().describe('A chat.completion, or with stream: true a text/event-stream of chat.completion.chunk ending in [DONE]'), ...errorResponses, 413: errorSchema, 502: errorSchema, 503: errorSchema, 504: errorSchema },
    },
    handler: async (request, reply) => {
      const call = proxy.admit(executionCaller(request), request.body);
      if (request.body.stream !== true) {
        await call.complete((body) => void reply.type('application/json; charset=utf-8').send(body));
        return reply;
      }
      const frames = await call.stream(request.body.stream_options?.include_usage === true);
      reply.hijack();
      const res = reply.raw;
      res.on('close', () => {
        if (!res.writableFinished) call.control.abort('client_closed');
      });
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      for await (const frame of frames) {
        // The last frame ends the response at once; the loop then lets the call settle.
        if (frame === SSE_DONE) res.end(frame);
        else if (!(await writeFrame(res, frame))) break; // leaving the loop settles the call as interrupted
      }
      if (!res.destroyed && !res.writableEnded) res.end();
    },
  });

  r.get('/llm/v1/usage', {
    config: { auth: 'any' },
    schema: {
      tags: ['llm'],
      summary: "LLM tokens of a run: bought, used, in flight, left; its recent calls and the agent's rate windows. Agents see their own runs (their current one by default); the operator names any.",
      querystring: z.object({ execution_id: z.string().min(1).max(64).optional().describe('Default: the calling execution') }),
      response: { 200: usageView, ...errorResponses },
    },
    handler: async (request) => {
      const caller = request.caller!;
      const execution_id = request.query.execution_id ?? (caller.kind === 'agent' ? caller.execution_id : null);
      if (execution_id === null) throw new AgoraError('INVALID_ARGS', 'name execution_id (this token belongs to no execution)');
      const usage = kernel.llm.usage(execution_id);
      if (usage === null) throw new AgoraError('NOT_FOUND', `no execution ${execution_id}`);
      if (caller.kind === 'agent' && usage.agent_id !== caller.agent_id) throw new AgoraError('ACCESS_DENIED', `execution ${execution_id} is not yours`);
      const in_flight = proxy.inFlight(execution_id);
      const calls = kernel.llm.recentCalls(execution_id, ctx.config.llm.usage_recent_calls);
      return {
        execution_id,
        agent_id: usage.agent_id,
        running: kernel.executions.isRunning(execution_id),
        tokens: {
          bundled: usage.tokens_bundled,
          extra: usage.tokens_extra,
          allowed: usage.tokens_allowed,
          used: usage.tokens_used,
          prompt: usage.prompt_tokens,
          completion: usage.completion_tokens,
          in_flight: in_flight.tokens,
          left: Math.max(0, usage.tokens_left - in_flight.tokens),
        },
        calls: usage.calls,
        calls_failed: usage.calls_failed,
        extra_cost: microToCredits(usage.extra_cost_ucr),
        token_price: priceToCredits('tokens', kernel.llm.tokenPriceNcr()),
        buy_extra_tokens: ctx.config.llm.buy_extra_tokens,
        rate_limits: proxy.rateSnapshot(usage.agent_id),
        recent_calls: calls.map((c) => ({
          seq: c.seq,
          at: new Date(c.at_ms).toISOString(),
          model: c.model,
          provider: c.provider,
          stream: c.stream === 1,
          status: c.status,
          error: c.error,
          prompt_tokens: c.prompt_tokens,
          completion_tokens: c.completion_tokens,
          total_tokens: c.total_tokens,
          usage_source: c.usage_source,
          latency_ms: c.latency_ms,
        })),
      };
    },
  });
}
