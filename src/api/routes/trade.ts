// Trade routes (docs/trade.md): the offer book (GET /market/offers), posting, repricing,
// withdrawing and accepting offers; loans (propose, accept, withdraw, list, an agent's credit
// record); rights (holdings, transfer). The seller, buyer, proposer and holder are always the
// calling agent: identity never comes from a body.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { creditsToMicro, microToCredits } from '../../kernel/ledger/money.js';
import { offerKinds, rightName } from '../../kernel/trade/events.js';
import { agentTradeView, holdingSchema, loanSchema, offerSchema } from '../views/trade.js';
import type { OfferView } from '../../kernel/trade/offers.js';
import type { LoanRow } from '../../kernel/trade/rows.js';
import { installFiles } from '../../workspace/install-files.js';
import { callerAgentId } from '../auth.js';
import type { ApiContext } from '../context.js';
import { agentIdParam, creditsInput, errorResponses, limitQuery } from '../schemas.js';



const offerOut = (o: OfferView) => ({
  offer_id: o.offer_id,
  seller_id: o.seller_id,
  kind: o.kind,
  artifact_id: o.artifact_id,
  calls: o.calls,
  loan_id: o.loan_id,
  right: o.right_name,
  units: o.units,
  price: microToCredits(o.price_ucr),
  buyer_id: o.buyer_id,
  expires_cycle: o.expires_cycle,
  revision: o.revision,
  version: o.version,
  content_hash: o.content_hash,
  status: o.status,
  accepted_by: o.accepted_by,
});

export const loanOut = (l: LoanRow) => ({
  loan_id: l.loan_id,
  proposer_id: l.proposer_id,
  lender_id: l.lender_id,
  borrower_id: l.borrower_id,
  holder_id: l.holder_id,
  /** The claim's artifact (GET /artifacts/{id}/info): its owner is the holder. */
  claim_artifact_id: l.claim_artifact_id,
  principal: microToCredits(l.principal_ucr),
  repayment: microToCredits(l.repayment_ucr),
  instalments: l.instalments,
  first_due_in_cycles: l.first_due_in,
  every_cycles: l.every_cycles,
  next_instalment: l.next_instalment,
  next_due_cycle: l.next_due_cycle,
  paid: microToCredits(l.paid_ucr),
  defaulted: microToCredits(l.defaulted_ucr),
  status: l.status,
});

const meta = (agent_id: string, request_id: string) => ({ actor: agent_id, correlation_id: request_id });

export async function tradeRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { kernel } = ctx;
  const trade = kernel.trade;
  const id = z.object({ id: z.string().min(1).max(64) });

  r.get('/market/offers', {
    config: { auth: 'any' },
    schema: {
      tags: ['trade'],
      summary: 'The offer book: offers, open by default, oldest first',
      querystring: z.object({
        status: z.enum(['open', 'accepted', 'withdrawn', 'expired']).default('open'),
        kind: z.enum(offerKinds).optional(),
        seller: agentIdParam.optional(),
        after_seq: z.coerce.number().int().min(0).default(0),
        limit: limitQuery(ctx.config),
      }),
      response: { 200: z.object({ items: z.array(offerSchema) }), ...errorResponses },
    },
    handler: async (request) => {
      const q = request.query;
      const items = trade.offers.list({ status: q.status, ...(q.kind ? { kind: q.kind } : {}), ...(q.seller ? { seller_id: q.seller } : {}), after_seq: q.after_seq, limit: q.limit });
      return { items: items.map(offerOut) };
    },
  });

  r.get('/market/offers/:id', {
    config: { auth: 'any' },
    schema: { tags: ['trade'], summary: 'One offer, with the revision and content hash an acceptance names', params: id, response: { 200: offerSchema, ...errorResponses } },
    handler: async (request, reply) => {
      const offer = trade.offers.get(request.params.id);
      if (offer === null) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no offer ${request.params.id}`, details: null, retry_after: null } });
      return offerOut(trade.offers.view(offer));
    },
  });

  r.post('/market/offers', {
    config: { auth: 'agent' },
    schema: {
      tags: ['trade'],
      summary: 'Offer something you hold for a price',
      description: "kind artifact: the artifact's ownership; licence: `calls` calls of your code artifact, paid for now; claim: your claim on a loan's repayments; right: `units` of a right, held in escrow until the offer closes.",
      body: z.strictObject({
        kind: z.enum(offerKinds),
        artifact_id: z.string().max(64).optional(),
        calls: z.number().int().min(1).optional(),
        loan_id: z.string().max(64).optional(),
        right: rightName().optional(),
        units: z.number().int().min(1).optional(),
        price: creditsInput,
        buyer: agentIdParam.optional().describe('Only this agent may accept'),
        expires_in_cycles: z.number().int().min(1).optional(),
      }),
      response: { 201: offerSchema, ...errorResponses, 422: errorResponses[400] },
    },
    handler: async (request, reply) => {
      const seller_id = callerAgentId(request);
      const b = request.body;
      const offer = trade.offers.post(
        {
          seller_id,
          kind: b.kind,
          ...(b.artifact_id === undefined ? {} : { artifact_id: b.artifact_id }),
          ...(b.calls === undefined ? {} : { calls: b.calls }),
          ...(b.loan_id === undefined ? {} : { loan_id: b.loan_id }),
          ...(b.right === undefined ? {} : { right: b.right }),
          ...(b.units === undefined ? {} : { units: b.units }),
          price_ucr: creditsToMicro(b.price, 'price'),
          buyer_id: b.buyer ?? null,
          expires_in_cycles: b.expires_in_cycles ?? null,
        },
        meta(seller_id, request.id),
      );
      return reply.code(201).send(offerOut(offer));
    },
  });

  r.post('/market/offers/:id/price', {
    config: { auth: 'agent' },
    schema: { tags: ['trade'], summary: 'Change the price of your open offer (a new revision)', params: id, body: z.strictObject({ price: creditsInput }), response: { 200: offerSchema, ...errorResponses } },
    handler: async (request) => {
      const seller_id = callerAgentId(request);
      return offerOut(trade.offers.reprice({ seller_id, offer_id: request.params.id, price_ucr: creditsToMicro(request.body.price, 'price') }, meta(seller_id, request.id)));
    },
  });

  r.delete('/market/offers/:id', {
    config: { auth: 'agent' },
    schema: { tags: ['trade'], summary: 'Withdraw your open offer: what it held goes back to you', params: id, response: { 200: offerSchema, ...errorResponses } },
    handler: async (request) => {
      const by_id = callerAgentId(request);
      return offerOut(trade.offers.withdraw({ by_id, offer_id: request.params.id }, meta(by_id, request.id)));
    },
  });

  r.post('/market/offers/:id/accept', {
    config: { auth: 'agent' },
    schema: {
      tags: ['trade'],
      summary: 'Buy: the thing and the price move together, or nothing moves',
      description: 'Name the revision, content hash (and version) you saw and the exact price; any change since makes this fail with 409 CONFLICT, never pay more or get something else.',
      params: id,
      body: z.strictObject({ price: creditsInput, revision: z.number().int().min(1), content_hash: z.string().regex(/^[0-9a-f]{64}$/), version: z.number().int().min(1).optional() }),
      response: { 200: offerSchema, ...errorResponses },
    },
    handler: async (request) => {
      const buyer_id = callerAgentId(request);
      const b = request.body;
      const offer = trade.offers.accept(
        { buyer_id, offer_id: request.params.id, price_ucr: creditsToMicro(b.price, 'price'), revision: b.revision, content_hash: b.content_hash, ...(b.version === undefined ? {} : { version: b.version }) },
        meta(buyer_id, request.id),
      );
      return offerOut(offer);
    },
  });

  r.get('/market/loans', {
    config: { auth: 'any' },
    schema: {
      tags: ['trade'],
      summary: 'Loans: proposed, outstanding, paid, defaulted (all, or those an agent is party to)',
      querystring: z.object({ agent: agentIdParam.optional(), status: z.enum(['proposed', 'outstanding', 'paid', 'defaulted', 'withdrawn']).optional(), limit: limitQuery(ctx.config) }),
      response: { 200: z.object({ items: z.array(loanSchema) }), ...errorResponses },
    },
    handler: async (request) => {
      const q = request.query;
      return { items: trade.loans.list({ ...(q.agent ? { agent_id: q.agent } : {}), ...(q.status ? { status: q.status } : {}), limit: q.limit }).map(loanOut) };
    },
  });

  r.post('/market/loans', {
    config: { auth: 'agent' },
    schema: {
      tags: ['trade'],
      summary: 'Propose a loan to another agent, as lender or borrower; nothing moves until it accepts',
      body: z.strictObject({
        counterparty: agentIdParam,
        role: z.enum(['lender', 'borrower']).describe('Your side'),
        principal: creditsInput,
        repayment: creditsInput.describe('Total repaid over all instalments'),
        instalments: z.number().int().min(1).default(1),
        first_due_in_cycles: z.number().int().min(1),
        every_cycles: z.number().int().min(1).default(1),
      }),
      response: { 201: loanSchema, ...errorResponses, 422: errorResponses[400] },
    },
    handler: async (request, reply) => {
      const proposer_id = callerAgentId(request);
      const b = request.body;
      const loan = trade.loans.propose(
        {
          proposer_id,
          counterparty_id: b.counterparty,
          role: b.role,
          principal_ucr: creditsToMicro(b.principal, 'principal'),
          repayment_ucr: creditsToMicro(b.repayment, 'repayment'),
          instalments: b.instalments,
          first_due_in: b.first_due_in_cycles,
          every_cycles: b.every_cycles,
        },
        meta(proposer_id, request.id),
      );
      return reply.code(201).send(loanOut(loan));
    },
  });

  r.post('/market/loans/:id/accept', {
    config: { auth: 'agent' },
    schema: { tags: ['trade'], summary: 'Consent to a loan proposed to you, naming its terms; the principal moves now', params: id, body: z.strictObject({ principal: creditsInput, repayment: creditsInput }), response: { 200: loanSchema, ...errorResponses } },
    handler: async (request) => {
      const by_id = callerAgentId(request);
      const b = request.body;
      return loanOut(trade.loans.accept({ by_id, loan_id: request.params.id, principal_ucr: creditsToMicro(b.principal, 'principal'), repayment_ucr: creditsToMicro(b.repayment, 'repayment') }, meta(by_id, request.id)));
    },
  });

  r.delete('/market/loans/:id', {
    config: { auth: 'agent' },
    schema: { tags: ['trade'], summary: 'Withdraw or decline a loan not yet accepted', params: id, response: { 200: loanSchema, ...errorResponses } },
    handler: async (request) => {
      const by_id = callerAgentId(request);
      return loanOut(trade.loans.withdraw({ by_id, loan_id: request.params.id }, meta(by_id, request.id)));
    },
  });

  r.get('/agents/:agent_id/trade', {
    config: { auth: 'any' },
    schema: {
      tags: ['trade'],
      summary: "An agent's rights holdings, licences and credit record (its loans as borrower: repaid and defaulted)",
      params: z.object({ agent_id: agentIdParam }),
      response: {
        200: agentTradeView,
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const agent_id = request.params.agent_id;
      kernel.agents.require(agent_id);
      const c = trade.loans.creditRecord(agent_id);
      return {
        agent_id,
        rights: trade.rights.holdings(agent_id),
        licences: trade.offers.licences(agent_id).map((l) => ({ licence_id: l.licence_id, artifact_id: l.artifact_id, calls_total: l.calls_total, calls_left: l.calls_left })),
        credit: { loans_outstanding: c.loans_outstanding, loans_paid: c.loans_paid, loans_defaulted: c.loans_defaulted, repaid: microToCredits(c.repaid_ucr), defaulted: microToCredits(c.defaulted_ucr) },
      };
    },
  });

  r.post('/market/rights/transfer', {
    config: { auth: 'agent' },
    schema: {
      tags: ['trade'],
      summary: 'Give units of a right you hold to another agent',
      body: z.strictObject({ to: agentIdParam, right: rightName(), units: z.number().int().min(1) }),
      response: { 200: z.object({ rights: z.array(holdingSchema) }), ...errorResponses },
    },
    handler: async (request) => {
      const from_id = callerAgentId(request);
      const b = request.body;
      return { rights: trade.rights.transfer({ from_id, to_id: b.to, right: b.right, units: b.units }, meta(from_id, request.id)) };
    },
  });

  r.post('/agents/:id/code', {
    config: { auth: 'agent' },
    schema: {
      tags: ['trade'],
      summary: "Update an agent's code: the holder of code:<agent> puts a code artifact's files (one you own, or free to read) into that agent's workspace; its next run runs them. Anyone else: 403",
      params: z.object({ id: agentIdParam }),
      body: z.strictObject({ artifact_id: z.string().min(1).max(64).describe('A code artifact (art-...)'), version: z.number().int().min(1).optional().describe('Default: the latest') }),
      response: {
        200: z.object({ agent_id: z.string(), by_id: z.string(), artifact_id: z.string(), version: z.number(), content_hash: z.string(), files: z.array(z.string()) }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const by_id = callerAgentId(request);
      const b = request.body;
      // The host's write, inside the kernel's command: a link planted anywhere on the way refuses it (nothing journaled).
      const write = (agent_id: string, files: readonly { name: string; bytes: Buffer }[]) => {
        const agent = kernel.agents.get(agent_id)!;
        installFiles(ctx.workspaces.dir(agent.workspace), files, ctx.workspaces.owner);
      };
      return trade.code.update({ by_id, agent_id: request.params.id, artifact_id: b.artifact_id, ...(b.version === undefined ? {} : { version: b.version }) }, write, meta(by_id, request.id));
    },
  });
}
