// The trade routes' response schemas (src/api/routes/trade.ts): zod only, so the dashboard can
// `import type` what they infer (web/src/types.ts); the routes validate and document their
// answers with the same schemas.
import { z } from 'zod';
import { offerKinds } from '../../kernel/trade/events.js';

export const offerSchema = z.object({
  offer_id: z.string(),
  seller_id: z.string(),
  kind: z.enum(offerKinds),
  artifact_id: z.string().nullable(),
  calls: z.number().nullable(),
  loan_id: z.string().nullable(),
  right: z.string().nullable(),
  units: z.number().nullable(),
  price: z.number().describe('Credits'),
  buyer_id: z.string().nullable(),
  expires_cycle: z.number().nullable(),
  revision: z.number().describe('Name it when accepting; a repriced offer has a new revision'),
  version: z.number().nullable().describe('artifact, licence: the latest version; claim: the next instalment'),
  content_hash: z.string().nullable().describe('The state of the thing now; name it when accepting'),
  status: z.string(),
  accepted_by: z.string().nullable(),
});

export const loanSchema = z.object({
  loan_id: z.string(),
  proposer_id: z.string(),
  lender_id: z.string(),
  borrower_id: z.string(),
  holder_id: z.string().describe('Who receives the repayments now (the lender, or whoever bought the claim)'),
  claim_artifact_id: z.string().nullable().describe("The claim's artifact: its owner is the holder, paid the repayments (null for loans not yet accepted)"),
  principal: z.number(),
  repayment: z.number(),
  instalments: z.number(),
  first_due_in_cycles: z.number(),
  every_cycles: z.number(),
  next_instalment: z.number(),
  next_due_cycle: z.number().nullable(),
  paid: z.number(),
  defaulted: z.number(),
  status: z.enum(['proposed', 'outstanding', 'paid', 'defaulted', 'withdrawn']),
});

export const holdingSchema = z.object({ right: z.string(), units: z.number(), in_offers: z.number() });

export const agentTradeView = z.object({
  agent_id: z.string(),
  rights: z.array(holdingSchema),
  licences: z.array(z.object({ licence_id: z.string(), artifact_id: z.string(), calls_total: z.number(), calls_left: z.number() })),
  credit: z.object({ loans_outstanding: z.number(), loans_paid: z.number(), loans_defaulted: z.number(), repaid: z.number(), defaulted: z.number() }),
});

export type Offer = z.infer<typeof offerSchema>;
export type Loan = z.infer<typeof loanSchema>;
export type AgentTrade = z.infer<typeof agentTradeView>;
