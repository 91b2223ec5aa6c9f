// The trade domain's journal events (docs/trade.md): rights issued and moved, offers posted,
// repriced, accepted, withdrawn or expired, licensed calls used, loans proposed, accepted and
// collected. Credits move only as postings (the ledger applies them); rights move only here.
import { z } from 'zod';
import { lazySchemas } from '../engine/events.js';
import { agentId, count, postings } from '../ledger/events.js';
import { lazy } from '../../base/lazy.js';

/** The rights the world hands out: LLM rate shares, the token budget, and each agent's code. */
export const RATE_RIGHTS = ['llm_tokens_per_minute', 'llm_requests_per_minute'] as const;
export const BUDGET_RIGHT = 'llm_token_budget';
export const CODE_RIGHT_PREFIX = 'code:';
export const rightName = lazy(() => z
  .string()
  .regex(/^(llm_tokens_per_minute|llm_requests_per_minute|llm_token_budget|code:[a-z0-9][a-z0-9_-]{0,63})$/)
  .describe('llm_tokens_per_minute, llm_requests_per_minute, llm_token_budget, or code:<agent_id> (the right to update that agent\'s code)'));

export const offerKinds = ['artifact', 'licence', 'claim', 'right'] as const;
export type OfferKind = (typeof offerKinds)[number];

const units = lazy(() => z.number().int().positive());
const offerId = lazy(() => z.string().regex(/^offer_[a-z0-9]{12}$/));
const loanId = lazy(() => z.string().regex(/^loan_[a-z0-9]{12}$/));
const hash = lazy(() => z.string().regex(/^[0-9a-f]{64}$/));

export const tradeEvents = lazySchemas({
  rights_issued: () => z
    .strictObject({ holder_id: agentId(), grants: z.array(z.strictObject({ right: rightName(), units: count() })).max(16), reason: z.string() })
    .describe("Rights created: an agent's default shares when it is created (trade.rights_default) and its own code right. The only way rights come to exist."),
  right_transferred: () => z
    .strictObject({ from_id: agentId(), to_id: agentId(), right: rightName(), units: units() })
    .describe('A holder gave units of a right to another agent (no credits moved).'),
  offer_posted: () => z
    .strictObject({
      offer_id: offerId(),
      seller_id: agentId(),
      kind: z.enum(offerKinds),
      artifact_id: z.string().nullable().describe('artifact, licence: the artifact'),
      calls: z.number().int().positive().nullable().describe('licence: calls the licence covers'),
      loan_id: loanId().nullable().describe('claim: the loan whose repayments the buyer will receive'),
      right: rightName().nullable(),
      units: units().nullable().describe('right: units held in escrow (escrow:<seller>) until the offer closes'),
      price_ucr: count(),
      buyer_id: agentId().nullable().describe('Only this agent may accept; null = anyone'),
      expires_cycle: count().nullable().describe('The offer expires at the first clearing of this cycle or later; null = never'),
    })
    .describe('An owner offered something it holds for a price.'),
  offer_repriced: () => z
    .strictObject({ offer_id: offerId(), price_ucr: count(), revision: z.number().int().min(2) })
    .describe('The seller changed the price; acceptances naming the earlier revision fail.'),
  offer_accepted: () => z
    .strictObject({
      offer_id: offerId(),
      seller_id: agentId(),
      buyer_id: agentId(),
      kind: z.enum(offerKinds),
      price_ucr: count(),
      revision: z.number().int().min(1),
      content_hash: hash().describe('The state of the thing the buyer saw and got (offer view: content_hash)'),
      licence_id: z.string().nullable(),
      postings: postings(),
    })
    .describe('A buyer accepted: the thing moved to it and the price to the seller, in this one event.'),
  offer_closed: () => z
    .strictObject({ offer_id: offerId(), status: z.enum(['withdrawn', 'expired']), by_id: z.string() })
    .describe('An offer closed unsold; what it held in escrow went back to the seller.'),
  licence_used: () => z
    .strictObject({ licence_id: z.string(), call_id: z.string(), holder_id: agentId(), artifact_id: z.string() })
    .describe('A call was covered by a licence: one of its calls was spent and the call quoted at 0.'),
  loan_proposed: () => z
    .strictObject({
      loan_id: loanId(),
      proposer_id: agentId(),
      lender_id: agentId(),
      borrower_id: agentId(),
      principal_ucr: z.number().int().positive(),
      repayment_ucr: z.number().int().positive().describe('Total to be repaid, over all instalments'),
      instalments: z.number().int().positive(),
      first_due_in: z.number().int().positive().describe('Cycles from acceptance to the first due point'),
      every_cycles: z.number().int().positive().describe('Cycles between due points'),
    })
    .describe('One party proposed a loan to the other; nothing moves until the other accepts.'),
  loan_accepted: () => z
    .strictObject({
      loan_id: loanId(),
      by_id: agentId(),
      cycle: count(),
      first_due_cycle: count(),
      claim_artifact_id: z.string().optional().describe("The claim's artifact, published in the same command (its owner receives the repayments); absent in loans accepted before claims were artifacts"),
      postings: postings(),
    })
    .describe('The other party accepted: the principal moved from lender to borrower, and the lender came to own the claim artifact.'),
  loan_withdrawn: () => z.strictObject({ loan_id: loanId(), by_id: agentId() }).describe('A proposed loan was withdrawn or declined.'),
  loan_collected: () => z
    .strictObject({
      loan_id: loanId(),
      instalment: z.number().int().positive(),
      cycle: count(),
      owed_ucr: count(),
      paid_ucr: count().describe('Taken from the borrower, as far as its balance went'),
      defaulted_ucr: count().describe('What stayed unpaid: a recorded default'),
      to_id: agentId().describe('The holder of the claim at this due point'),
      status: z.enum(['outstanding', 'paid', 'defaulted']),
      next_due_cycle: count().nullable(),
      postings: postings(),
    })
    .describe('A due point: the instalment collected from the borrower to the claim holder.'),
  agent_code_updated: () => z
    .strictObject({
      agent_id: agentId(),
      by_id: agentId().describe('The holder of code:<agent_id> at the update'),
      artifact_id: z.string(),
      version: z.number().int().min(1),
      content_hash: hash().describe("The bundle's manifest hash"),
      files: z.array(z.string()).describe("The bundle's files, written into the agent's workspace at these names"),
    })
    .describe("The holder of an agent's code right put a code artifact's files into that agent's workspace (POST /agents/{id}/code); its next run runs them."),
});
