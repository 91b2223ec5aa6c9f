// Human attention routes: a run that won attention slots prompts the operator; the operator
// lists the prompts and scores them (the reward is minted from system:human to the agent).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { promptView } from '../views/attention.js';
import { SCORE_MAX } from '../../kernel/attention/events.js';
import type { PromptView } from '../../kernel/attention/commands.js';
import { AgoraError } from '../../base/errors.js';
import { microToCredits } from '../../kernel/ledger/money.js';
import { callerAgentId } from '../auth.js';
import type { ApiContext } from '../context.js';
import { agentIdParam, errorResponses, limitQuery } from '../schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();
const score = z.number().int().min(0).max(SCORE_MAX);
const promptIdParam = z.string().min(1).max(64).describe('Prompt id');
// Lengths are limited in characters (code points) by the kernel; zod counts UTF-16 units, so
// its bound here is twice the limit, a cheap first cut before the exact check.


export function viewPrompt(p: PromptView): z.infer<typeof promptView> {
  return {
    prompt_id: p.prompt_id,
    seq: p.seq,
    agent_id: p.agent_id,
    execution_id: p.execution_id,
    bid_id: p.bid_id,
    price_paid: microToCredits(p.price_paid_ucr),
    content: p.content,
    options: p.options,
    status: p.status,
    created_at: iso(p.created_at_ms),
    expires_at: iso(p.expires_at_ms),
    closed_at: p.closed_at_ms === null ? null : iso(p.closed_at_ms),
    scores: p.scores,
    reward: p.reward_ucr === null ? null : microToCredits(p.reward_ucr),
    reply: p.reply,
  };
}

export async function attentionRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { kernel, config } = ctx;
  const limits = config.attention;

  r.post('/human/prompt', {
    config: { auth: 'agent' },
    schema: {
      tags: ['attention'],
      summary: `Ask the operator something. Only a run that won human attention (a bundle with attention >= 1) may, up to ${limits.prompts_per_slot} prompt(s) per slot; the operator may score it and reward you`,
      body: z.strictObject({
        content: z.string().min(1).max(limits.prompt_chars_max * 2).describe(`The question or proposal, at most ${limits.prompt_chars_max} characters`),
        options: z.array(z.string().max(limits.option_chars_max * 2)).max(limits.options_max).default([]).describe('Suggested answers (optional)'),
        agent_id: agentIdParam.optional().describe('Optional (the seeds send it); if given it must be you'),
      }),
      response: { 201: promptView, ...errorResponses },
    },
    handler: async (request, reply) => {
      const agent_id = callerAgentId(request);
      const caller = request.caller;
      const execution_id = caller?.kind === 'agent' ? caller.execution_id : null;
      if (execution_id === null) throw new AgoraError('ACCESS_DENIED', 'only a run that won human attention may prompt the operator; this credential belongs to no run');
      const prompt = kernel.attention.submit(
        { agent_id, execution_id, content: request.body.content, options: request.body.options },
        { actor: agent_id, correlation_id: request.id },
      );
      return reply.status(201).send(viewPrompt(prompt));
    },
  });

  r.get('/human/prompt/:prompt_id', {
    config: { auth: 'any' },
    schema: {
      tags: ['attention'],
      summary: 'One prompt: its status, and once answered its scores, reward and reply (agents see their own only)',
      params: z.object({ prompt_id: promptIdParam }),
      response: { 200: promptView, ...errorResponses },
    },
    handler: async (request) => {
      const prompt = kernel.attention.get(request.params.prompt_id);
      const caller = request.caller!;
      // Another agent's prompt is reported as missing, not forbidden: ids are not a way to probe.
      if (prompt === null || (caller.kind === 'agent' && caller.agent_id !== prompt.agent_id)) {
        throw new AgoraError('NOT_FOUND', `no prompt ${request.params.prompt_id}`);
      }
      return viewPrompt(prompt);
    },
  });

  r.get('/human/prompts', {
    config: { auth: 'operator' },
    schema: {
      tags: ['attention'],
      summary: 'Operator: prompts, pending ones oldest first (answer in order), others newest first',
      querystring: z.object({
        status: z.enum(['pending', 'rewarded', 'expired']).optional(),
        agent_id: agentIdParam.optional().describe('Only this agent\'s prompts'),
        cursor: z.coerce.number().int().min(0).optional().describe('The previous page\'s next_cursor'),
        limit: limitQuery(config),
      }),
      response: {
        200: z.object({
          items: z.array(promptView),
          next_cursor: z.number().int().nullable(),
          counts: z.object({ pending: z.number().int(), rewarded: z.number().int(), expired: z.number().int() }),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const { status, agent_id, cursor, limit } = request.query;
      const items = kernel.attention.list({ status, agent_id, cursor_seq: cursor, limit });
      return {
        items: items.map(viewPrompt),
        next_cursor: items.length === limit ? items[items.length - 1]!.seq : null,
        counts: kernel.attention.counts(),
      };
    },
  });

  r.post('/human/reward', {
    config: { auth: 'operator' },
    schema: {
      tags: ['attention'],
      summary: `Operator: score a pending prompt (0 to ${SCORE_MAX} each) and optionally reply; the reward is minted to the agent and the reply goes to its inbox. Once per prompt`,
      body: z.strictObject({
        prompt_id: promptIdParam,
        interesting: score,
        useful: score,
        understandable: score,
        reply: z.string().max(limits.reply_chars_max * 2).optional().describe(`At most ${limits.reply_chars_max} characters`),
      }),
      response: {
        200: z.object({ prompt: promptView, reward: z.number(), balance: z.number().describe("The agent's balance after the reward") }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const { prompt_id, interesting, useful, understandable, reply } = request.body;
      const prompt = kernel.attention.reward(
        { prompt_id, scores: { interesting, useful, understandable }, reply: reply ?? null },
        { actor: 'operator', correlation_id: request.id },
      );
      return { prompt: viewPrompt(prompt), reward: microToCredits(prompt.reward_ucr ?? 0), balance: microToCredits(kernel.ledger.agentBalance(prompt.agent_id)) };
    },
  });
}
