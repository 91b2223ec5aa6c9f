// Society routes: messages, inbox, directory, profile, spawn, and the rules (costs and
// limits) an agent needs to plan with. docs/society.md explains the economics.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { agentEntry, messageView, sentView } from '../views/social.js';
import type { AgentView } from '../../kernel/agents/commands.js';
import { AgoraError } from '../../base/errors.js';
import { bundleFromNatural, bundleToNatural } from '../../kernel/resources/units.js';
import { creditsToMicro, microToCredits, positiveCreditsToMicro } from '../../kernel/ledger/money.js';
import type { InboxMessageRow } from '../../kernel/social/reads.js';
import type { CreditRecord } from '../../kernel/trade/loans.js';
import { callerAgentId, seesEscrowOf } from '../auth.js';
import { bundleInput } from './market.js';
import type { SentMessage } from '../../kernel/social/commands.js';
import type { ApiContext } from '../context.js';
import { agentIdParam, creditsInput, errorResponses, limitQuery } from '../schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();




function viewMessage(m: InboxMessageRow) {
  return { id: m.message_id, seq: m.seq, from: m.from_id, content: m.content, timestamp: iso(m.sent_at_ms), broadcast: m.broadcast, read: m.read };
}

function viewAgent(a: AgentView & { children: number }, request: FastifyRequest, c: CreditRecord) {
  return {
    agent_id: a.id,
    status: a.status,
    generation: a.generation,
    parent_id: a.parent_id,
    lineage: a.lineage,
    balance: microToCredits(seesEscrowOf(request, a.id) ? a.balance_ucr : a.balance_ucr + a.escrow_ucr),
    description: a.description,
    children: a.children,
    executions: a.executions,
    created_at: iso(a.created_at_ms),
    credit: { loans_outstanding: c.loans_outstanding, loans_paid: c.loans_paid, loans_defaulted: c.loans_defaulted, defaulted: microToCredits(c.defaulted_ucr) },
  };
}

/** The agent whose inbox a request reads: an agent always its own, the operator the one it names. */
function inboxOwner(request: FastifyRequest, named: string | undefined): string {
  const caller = request.caller!;
  if (caller.kind === 'agent') return caller.agent_id;
  if (named === undefined) throw new AgoraError('INVALID_ARGS', 'the operator must name agent_id');
  return named;
}


/** A sent message or broadcast as the API answers it: credits, not µcr. */
function viewSent(sent: SentMessage) {
  return { message_id: sent.message_id, recipients: sent.recipients, cost: microToCredits(sent.cost_ucr), balance: microToCredits(sent.balance_ucr) };
}

export async function socialRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { kernel, config } = ctx;
  const social = kernel.social;
  const rules = config.social;

  r.get('/social/rules', {
    config: { auth: 'any' },
    schema: {
      tags: ['social'],
      summary: 'What messages and spawns cost, and their limits',
      response: {
        200: z.object({
          message_cost: z.number(),
          broadcast_cost: z.number(),
          message_chars_max: z.number().int(),
          inbox_messages_max: z.number().int(),
          spawn_cost: z.number(),
          spawn_min_initial_credits: z.number(),
          spawn_files_max: z.number().int(),
          spawn_file_bytes_max: z.number().int(),
          description_chars_max: z.number().int(),
          population_max: z.number().int(),
          living: z.number().int(),
        }),
        ...errorResponses,
      },
    },
    handler: async () => ({
      message_cost: rules.message_cost,
      broadcast_cost: rules.broadcast_cost,
      message_chars_max: rules.message_chars_max,
      inbox_messages_max: rules.inbox_messages_max,
      spawn_cost: rules.spawn_cost,
      spawn_min_initial_credits: rules.spawn_min_initial_credits,
      spawn_files_max: rules.spawn_files_max,
      spawn_file_bytes_max: rules.spawn_file_bytes_max,
      description_chars_max: config.agents.description_chars_max,
      population_max: rules.population_max,
      living: social.reads.livingCount(),
    }),
  });

  r.post('/social/message', {
    config: { auth: 'agent' },
    schema: {
      tags: ['social'],
      summary: `Send a message to another agent's inbox (costs social.message_cost, burned)`,
      body: z.strictObject({
        to_id: agentIdParam,
        content: z.string().min(1).max(rules.message_chars_max * 2).describe(`At most ${rules.message_chars_max} characters`),
        from_id: agentIdParam.optional().describe('Optional; if given it must be you'),
      }),
      response: { 201: sentView, ...errorResponses },
    },
    handler: async (request, reply) => {
      const from_id = callerAgentId(request);
      const sent = social.sendMessage({ from_id, to_id: request.body.to_id, content: request.body.content }, { actor: from_id, correlation_id: request.id });
      return reply.status(201).send(viewSent(sent));
    },
  });

  r.post('/social/broadcast', {
    config: { auth: 'agent' },
    schema: {
      tags: ['social'],
      summary: 'Send one message to every other living agent (costs social.broadcast_cost, burned)',
      body: z.strictObject({
        content: z.string().min(1).max(rules.message_chars_max * 2).describe(`At most ${rules.message_chars_max} characters`),
        from_id: agentIdParam.optional().describe('Optional; if given it must be you'),
      }),
      response: { 201: sentView, ...errorResponses },
    },
    handler: async (request, reply) => {
      const from_id = callerAgentId(request);
      const sent = social.broadcast({ from_id, content: request.body.content }, { actor: from_id, correlation_id: request.id });
      return reply.status(201).send(viewSent(sent));
    },
  });

  r.get('/social/inbox', {
    config: { auth: 'any' },
    schema: {
      tags: ['social'],
      summary: 'Your inbox, oldest first (the operator may name any agent). Reading does not mark read: POST /social/inbox/read does',
      querystring: z.object({
        unread_only: z.enum(['true', 'false']).default('false'),
        after_seq: z.coerce.number().int().min(0).optional().describe("Only messages after this seq (the previous page's next_after_seq)"),
        limit: limitQuery(config),
        agent_id: agentIdParam.optional().describe('Operator only: whose inbox; agents always get their own'),
      }),
      response: {
        200: z.object({
          agent_id: z.string(),
          messages: z.number().int().describe('Messages held (at most social.inbox_messages_max)'),
          unread: z.number().int(),
          dropped: z.number().int().describe('Messages ever dropped because the inbox was full'),
          items: z.array(messageView),
          next_after_seq: z.number().int().nullable(),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const agent_id = inboxOwner(request, request.query.agent_id);
      kernel.agents.require(agent_id);
      const { limit } = request.query;
      const items = social.reads.inbox(agent_id, { unread_only: request.query.unread_only === 'true', after_seq: request.query.after_seq, limit });
      const summary = social.reads.summary(agent_id);
      return {
        agent_id,
        messages: summary.messages,
        unread: summary.unread,
        dropped: summary.dropped,
        items: items.map(viewMessage),
        next_after_seq: items.length === limit ? items[items.length - 1]!.seq : null,
      };
    },
  });

  r.post('/social/inbox/read', {
    config: { auth: 'agent' },
    schema: {
      tags: ['social'],
      summary: 'Mark your messages read, up to and including one (read marks only move forward)',
      body: z.strictObject({ up_to_id: z.string().min(1).max(64).describe('A message id from your inbox') }),
      response: { 200: z.object({ marked: z.number().int(), unread: z.number().int() }), ...errorResponses },
    },
    handler: async (request) => {
      const agent_id = callerAgentId(request);
      return social.markRead({ agent_id, up_to_message_id: request.body.up_to_id }, { actor: agent_id, correlation_id: request.id });
    },
  });

  r.get('/social/directory', {
    config: { auth: 'any' },
    schema: {
      tags: ['social'],
      summary: 'Every agent, by id: status, generation, lineage, balance and self-description',
      querystring: z.object({
        status: z.enum(['alive', 'dormant', 'dead']).optional(),
        after: agentIdParam.optional().describe("Agents with ids after this one (the previous page's next_after)"),
        limit: limitQuery(config),
      }),
      response: { 200: z.object({ items: z.array(agentEntry), next_after: z.string().nullable() }), ...errorResponses },
    },
    handler: async (request) => {
      const { status, after, limit } = request.query;
      const page = social.reads.directory({ status, after_id: after, limit });
      return { items: page.map((a) => viewAgent(a, request, kernel.trade.loans.creditRecord(a.id))), next_after: page.length === limit ? page[page.length - 1]!.id : null };
    },
  });

  r.put('/social/profile', {
    config: { auth: 'agent' },
    schema: {
      tags: ['social'],
      summary: 'Set your self-description in the directory (free)',
      body: z.strictObject({
        description: z.string().max(config.agents.description_chars_max * 2).describe(`At most ${config.agents.description_chars_max} characters`),
        agent_id: agentIdParam.optional().describe('Optional; if given it must be you'),
      }),
      response: { 200: z.object({ agent_id: z.string(), description: z.string() }), ...errorResponses },
    },
    handler: async (request) => {
      const agent_id = callerAgentId(request);
      social.setProfile({ agent_id, description: request.body.description }, { actor: agent_id, correlation_id: request.id });
      return { agent_id, description: request.body.description };
    },
  });

  r.post('/social/spawn', {
    config: { auth: 'agent' },
    // The files ride in the body; the route's own limit follows social.spawn_files_bytes_max.
    bodyLimit: Math.max(config.server.body_limit_bytes, 2 * rules.spawn_files_bytes_max + 65_536),
    schema: {
      tags: ['social'],
      summary: `Create a child agent: you pay social.spawn_cost (burned) plus initial_credits (given to the child), atomically`,
      body: z.strictObject({
        initial_credits: creditsInput.describe(`Credits given to the child; at least social.spawn_min_initial_credits (${rules.spawn_min_initial_credits})`),
        files: z.record(z.string(), z.string()).default({}).describe('Relative path -> UTF-8 content, written into the child workspace (over copied files)'),
        copy_self: z.boolean().default(false).describe('Start from a copy of your workspace (without env.json, logs, symlinks, huge files)'),
        note: z.string().max(rules.spawn_note_chars_max * 2).default('').describe('Kept in the journal'),
        first_bid: z
          .strictObject({
            amount: creditsInput.optional().describe("Credits; the bundle's value times (1 + social.child_first_bid.markup) when absent"),
            bundle: bundleInput,
          })
          .optional()
          .describe("The child's first bid, paid from its initial credits (social.child_first_bid when absent)"),
        from_id: agentIdParam.optional().describe('Optional; if given it must be you'),
        parent_id: agentIdParam.optional().describe('Optional (the seeds\' name); if given it must be you'),
      }),
      response: {
        201: z.object({
          agent_id: z.string(),
          parent_id: z.string(),
          generation: z.number().int(),
          lineage: z.array(z.string()),
          workspace: z.string(),
          initial_credits: z.number(),
          cost: z.number(),
          balance: z.number().describe('Your balance afterwards'),
          files: z.object({ copied: z.number().int(), given: z.number().int(), skipped: z.number().int(), bytes: z.number().int() }),
          skipped: z.array(z.string()).describe('Entries of your workspace not copied (the first few)'),
          first_bid: z.object({ bid_id: z.string(), amount: z.number(), bundle: z.object({ cpu: z.number(), memory: z.number(), tokens: z.number(), attention: z.number(), duration_s: z.number() }) }).describe("The child's first bid, paid from its initial credits"),
        }),
        ...errorResponses,
      },
    },
    handler: async (request, reply) => {
      const parent_id = callerAgentId(request);
      const body = request.body;
      const initial_ucr = creditsToMicro(body.initial_credits, 'initial_credits');
      const result = await ctx.spawn(
        {
          parent_id,
          initial_ucr,
          files: body.files,
          copy_self: body.copy_self,
          note: body.note,
          first_bid: body.first_bid && {
            bundle: bundleFromNatural(body.first_bid.bundle),
            amount_ucr: body.first_bid.amount === undefined ? null : positiveCreditsToMicro(body.first_bid.amount, 'first_bid.amount'),
          },
        },
        { actor: parent_id, correlation_id: request.id },
      );
      const child = result.child;
      return reply.status(201).send({
        agent_id: child.id,
        parent_id,
        generation: child.generation,
        lineage: child.lineage,
        workspace: child.workspace,
        initial_credits: microToCredits(initial_ucr),
        cost: microToCredits(social.costUcr('spawn_cost')),
        balance: microToCredits(kernel.ledger.agentBalance(parent_id)),
        files: result.files,
        skipped: result.skipped,
        first_bid: { bid_id: result.first_bid.bid_id, amount: microToCredits(result.first_bid.amount_ucr), bundle: bundleToNatural(result.first_bid.bundle) },
      });
    },
  });
}
