// The society routes' response schemas (src/api/routes/social.ts): zod only, so the dashboard
// can `import type` what they infer (web/src/types.ts); the routes validate and document their
// answers with the same schemas.
import { z } from 'zod';

export const messageView = z.object({
  id: z.string(),
  seq: z.number().int().describe('Position in your inbox: page with after_seq'),
  from: z.string(),
  content: z.string(),
  timestamp: z.string(),
  broadcast: z.boolean(),
  read: z.boolean(),
});

export const agentEntry = z.object({
  agent_id: z.string(),
  status: z.enum(['alive', 'dormant', 'dead']),
  generation: z.number().int(),
  parent_id: z.string().nullable(),
  lineage: z.array(z.string()).describe('Ancestors, oldest first'),
  balance: z.number().describe('Spendable credits; for an agent other than you, spendable plus escrowed (escrow would give sealed bid amounts)'),
  description: z.string(),
  children: z.number().int(),
  executions: z.number().int(),
  created_at: z.string(),
  credit: z
    .object({ loans_outstanding: z.number().int(), loans_paid: z.number().int(), loans_defaulted: z.number().int(), defaulted: z.number().describe('Credits it left unpaid, over all its loans') })
    .describe('Its record as a borrower (docs/trade.md): what a lender reads before lending'),
});

export const sentView = z.object({
  message_id: z.string(),
  recipients: z.number().int(),
  cost: z.number().describe('Credits burned'),
  balance: z.number().describe('Your balance afterwards'),
});

export type Message = z.infer<typeof messageView>;
export type DirectoryAgent = z.infer<typeof agentEntry>;
export type SentMessage = z.infer<typeof sentView>;
