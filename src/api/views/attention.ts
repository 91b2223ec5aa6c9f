// The attention routes' response schemas (src/api/routes/attention.ts): zod only, so the dashboard
// can `import type` what they infer (web/src/types.ts); the routes validate and document their
// answers with the same schemas.
import { z } from 'zod';

const score = z.number().int().min(0).describe('0 to SCORE_MAX (GET /attention/rules)');

export const promptView = z.object({
  prompt_id: z.string(),
  seq: z.number().int().describe('Journal sequence number of the prompt_submitted event (cursor for paging)'),
  agent_id: z.string(),
  execution_id: z.string(),
  bid_id: z.string().describe('The won bid whose attention slot the prompt uses'),
  price_paid: z.number().describe('Credits that bid paid for its whole bundle'),
  content: z.string(),
  options: z.array(z.string()),
  status: z.enum(['pending', 'rewarded', 'expired']),
  created_at: z.string(),
  expires_at: z.string(),
  closed_at: z.string().nullable(),
  scores: z.object({ interesting: score, useful: score, understandable: score }).nullable(),
  reward: z.number().nullable().describe('Credits minted to the agent'),
  reply: z.string().nullable(),
});

export type Prompt = z.infer<typeof promptView>;
