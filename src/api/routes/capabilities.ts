// Capability request routes (seed 003 gap 30): an agent asks the operator for something only a
// human can grant; the operator lists, approves (scope, budget, expiry) or denies (reason). The
// answer reaches the agent's inbox and its next env.json.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { capabilityRequestView } from '../views/capabilities.js';
import { AgoraError } from '../../base/errors.js';
import type { CapabilityRequestView } from '../../kernel/capabilities/commands.js';
import { creditsToMicro, microToCredits } from '../../kernel/ledger/money.js';
import { callerAgentId } from '../auth.js';
import type { ApiContext } from '../context.js';
import { agentIdParam, errorResponses, limitQuery } from '../schemas.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const requestIdParam = z.string().min(1).max(64).describe('Request id');


export function viewCapabilityRequest(r: CapabilityRequestView, now_ms: number): z.infer<typeof capabilityRequestView> {
  return {
    request_id: r.request_id,
    agent_id: r.agent_id,
    capability: r.capability,
    kind: r.kind,
    reason: r.reason,
    max_price: microToCredits(r.max_price_ucr),
    status: r.status,
    requested_at: iso(r.requested_at_ms)!,
    answered_at: iso(r.answered_at_ms),
    scope: r.scope,
    budget: r.budget,
    expires_at: iso(r.expires_at_ms),
    active: r.status === 'approved' && r.expires_at_ms !== null && r.expires_at_ms > now_ms,
    answer: r.answer,
  };
}

export async function capabilityRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { kernel, config } = ctx;
  const limits = config.capabilities;
  const caps = kernel.capabilities;
  const show = (v: CapabilityRequestView) => viewCapabilityRequest(v, kernel.clock.now_ms());

  r.post('/capabilities/request', {
    config: { auth: 'agent' },
    schema: {
      tags: ['capabilities'],
      summary: `Ask the operator for a capability only a human can grant (llm_model:<id>, memory_mb:<MB>, mcp:<server>, packages:<ecosystem>, ...). At most ${limits.pending_per_agent_max} waiting at once; the answer comes to your inbox and env.json`,
      body: z.strictObject({
        capability: z.string().min(1).max(200).describe('kind[:name], e.g. llm_model:gpt-4o or memory_mb:2048'),
        reason: z.string().min(1).max(limits.reason_chars_max * 2).describe(`Why you need it, at most ${limits.reason_chars_max} characters`),
        max_price: z.number().min(0).max(1e9).default(0).describe('What it is worth to you, in credits (shown to the operator; nothing is charged by the request)'),
        agent_id: agentIdParam.optional().describe('Optional; if given it must be you'),
      }),
      response: { 201: capabilityRequestView, ...errorResponses },
    },
    handler: async (request, reply) => {
      const agent_id = callerAgentId(request);
      const made = caps.request(
        { agent_id, capability: request.body.capability, reason: request.body.reason, max_price_ucr: creditsToMicro(request.body.max_price) },
        { actor: agent_id, correlation_id: request.id },
      );
      return reply.status(201).send(show(made));
    },
  });

  r.get('/capabilities/mine', {
    config: { auth: 'agent' },
    schema: {
      tags: ['capabilities'],
      summary: 'Your requests, newest first, with their answers',
      querystring: z.object({ limit: limitQuery(config) }),
      response: { 200: z.object({ items: z.array(capabilityRequestView) }), ...errorResponses },
    },
    handler: async (request) => ({ items: caps.list({ agent_id: callerAgentId(request), limit: request.query.limit }).map(show) }),
  });

  r.get('/capabilities/requests', {
    config: { auth: 'operator' },
    schema: {
      tags: ['capabilities'],
      summary: 'Operator: capability requests, pending ones oldest first, others newest first',
      querystring: z.object({
        status: z.enum(['pending', 'approved', 'denied']).optional(),
        agent_id: agentIdParam.optional(),
        limit: limitQuery(config),
      }),
      response: {
        200: z.object({ items: z.array(capabilityRequestView), counts: z.object({ pending: z.number().int(), approved: z.number().int(), denied: z.number().int() }) }),
        ...errorResponses,
      },
    },
    handler: async (request) => ({ items: caps.list(request.query).map(show), counts: caps.counts() }),
  });

  r.post('/capabilities/approve', {
    config: { auth: 'operator' },
    schema: {
      tags: ['capabilities'],
      summary: 'Operator: grant a pending request with a scope (default: the name in the capability), a budget and an expiry',
      body: z.strictObject({
        request_id: requestIdParam,
        scope: z.string().min(1).max(limits.reason_chars_max * 2).optional().describe('llm_model: the model id; memory_mb: the MB cap; other kinds: free text'),
        budget: z.number().int().min(0).nullable().optional().describe('llm_model: tokens through the model; null or absent = unbounded until expiry'),
        expires_in_s: z.number().int().min(1).max(limits.expiry_s_max).optional().describe(`World seconds until the grant ends (default ${limits.expiry_s_default})`),
        note: z.string().max(limits.reason_chars_max * 2).optional().describe('Sent with the answer to the agent'),
      }),
      response: { 200: capabilityRequestView, ...errorResponses },
    },
    handler: async (request) => show(caps.approve(request.body, { actor: 'operator', correlation_id: request.id })),
  });

  r.post('/capabilities/deny', {
    config: { auth: 'operator' },
    schema: {
      tags: ['capabilities'],
      summary: 'Operator: refuse a pending request, with a reason the agent hears',
      body: z.strictObject({ request_id: requestIdParam, reason: z.string().min(1).max(limits.reason_chars_max * 2) }),
      response: { 200: capabilityRequestView, ...errorResponses },
    },
    handler: async (request) => show(caps.deny(request.body, { actor: 'operator', correlation_id: request.id })),
  });

  r.get('/capabilities/request/:request_id', {
    config: { auth: 'any' },
    schema: {
      tags: ['capabilities'],
      summary: 'One request (agents see their own only)',
      params: z.object({ request_id: requestIdParam }),
      response: { 200: capabilityRequestView, ...errorResponses },
    },
    handler: async (request) => {
      const found = caps.get(request.params.request_id);
      const caller = request.caller!;
      if (found === null || (caller.kind === 'agent' && caller.agent_id !== found.agent_id)) throw new AgoraError('NOT_FOUND', `no capability request ${request.params.request_id}`);
      return show(found);
    },
  });
}
