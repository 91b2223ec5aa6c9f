// Ledger routes: balance, transfer, history.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { escrowAccount } from '../../kernel/ledger/accounts.js';
import { AgoraError } from '../../base/errors.js';
import { microToCredits, positiveCreditsToMicro } from '../../kernel/ledger/money.js';
import { callerAgentId, seesEscrowOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { agentIdParam, creditsInput, errorResponses, limitQuery } from '../schemas.js';

const postingView = z.object({
  id: z.number().int(),
  seq: z.number().int().describe('Journal sequence number of the event that moved the money'),
  from_id: z.string(),
  to_id: z.string(),
  amount: z.number(),
  kind: z.string(),
  memo: z.string().nullable(),
  at: z.string(),
});

export async function economicRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { kernel } = ctx;

  r.get('/economic/balance/:agent_id', {
    config: { auth: 'any' },
    schema: {
      tags: ['economic'],
      summary: "An agent's balance: yours (or any, for the operator) spendable and escrowed; another agent's as one sum",
      params: z.object({ agent_id: agentIdParam }),
      response: {
        200: z.object({
          agent_id: z.string(),
          balance: z.number().describe('Spendable credits; for another agent, spendable plus escrowed (its escrow is private)'),
          escrow: z.number().nullable().describe('Credits escrowed in open bids; null for another agent, since it would give the amounts of sealed bids'),
          credits: z.number().describe("The seeds' name for balance (env.json's credits): the same number"),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const { agent_id } = request.params;
      const balance_ucr = kernel.ledger.agentBalance(agent_id);
      const escrow_ucr = kernel.ledger.balance(escrowAccount(agent_id)) ?? 0;
      if (!seesEscrowOf(request, agent_id)) return { agent_id, balance: microToCredits(balance_ucr + escrow_ucr), escrow: null, credits: microToCredits(balance_ucr + escrow_ucr) };
      return { agent_id, balance: microToCredits(balance_ucr), escrow: microToCredits(escrow_ucr), credits: microToCredits(balance_ucr) };
    },
  });

  r.post('/economic/transfer', {
    config: { auth: 'agent' },
    schema: {
      tags: ['economic'],
      summary: 'Pay another agent from your own balance',
      body: z.strictObject({
        to_id: agentIdParam,
        amount: creditsInput,
        memo: z.string().max(ctx.config.ledger.memo_chars_max).default(''),
        from_id: agentIdParam.optional().describe('Optional; if given it must be you'),
      }),
      response: {
        200: z.object({ seq: z.number().int(), from_id: z.string(), to_id: z.string(), amount: z.number(), balance: z.number() }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const from_id = callerAgentId(request);
      const amount_ucr = positiveCreditsToMicro(request.body.amount);
      const result = kernel.ledger.transfer(
        { from_id, to_id: request.body.to_id, amount_ucr, memo: request.body.memo },
        { actor: from_id, correlation_id: request.id },
      );
      return { seq: result.seq, from_id, to_id: request.body.to_id, amount: microToCredits(amount_ucr), balance: microToCredits(result.from_balance_ucr) };
    },
  });

  r.get('/economic/history', {
    config: { auth: 'any' },
    schema: {
      tags: ['economic'],
      summary: "Your own ledger history (the operator may name any agent), newest first",
      querystring: z.object({
        agent_id: agentIdParam.optional().describe('Operator only: whose history; agents always get their own'),
        before: z.coerce.number().int().positive().optional().describe('Return postings with id below this (the previous page\'s next_before)'),
        limit: limitQuery(ctx.config).pipe(z.number().max(ctx.config.ledger.history_limit_max)),
      }),
      response: { 200: z.object({ agent_id: z.string(), items: z.array(postingView), next_before: z.number().int().nullable() }), ...errorResponses },
    },
    handler: async (request) => {
      const caller = request.caller!;
      const agent_id = caller.kind === 'agent' ? caller.agent_id : request.query.agent_id;
      if (agent_id === undefined) throw new AgoraError('INVALID_ARGS', 'the operator must name agent_id');
      kernel.agents.require(agent_id);
      const rows = kernel.ledger.history([agent_id, escrowAccount(agent_id)], { before_id: request.query.before, limit: request.query.limit });
      return {
        agent_id,
        items: rows.map((p) => ({ ...p, amount: microToCredits(p.amount_ucr), at: new Date(p.at_ms).toISOString() })),
        next_before: rows.length === request.query.limit ? rows[rows.length - 1]!.id : null,
      };
    },
  });
}
