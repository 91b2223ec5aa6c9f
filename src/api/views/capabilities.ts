// The capability request routes' response schemas (src/api/routes/capabilities.ts): zod only, so the dashboard
// can `import type` what they infer (web/src/types.ts); the routes validate and document their
// answers with the same schemas.
import { z } from 'zod';

export const capabilityRequestView = z.object({
  request_id: z.string(),
  agent_id: z.string(),
  capability: z.string().describe('kind[:name]'),
  kind: z.string(),
  reason: z.string(),
  max_price: z.number().describe('What the agent said it is worth to it (credits); nothing is charged by the request'),
  status: z.enum(['pending', 'approved', 'denied']),
  requested_at: z.string(),
  answered_at: z.string().nullable(),
  scope: z.string().nullable(),
  budget: z.number().int().nullable().describe('For llm_model: tokens through the model the grant covers (null = unbounded until expiry)'),
  expires_at: z.string().nullable(),
  active: z.boolean().describe('Approved and not yet expired'),
  answer: z.string().nullable().describe("The operator's note (approved) or reason (denied)"),
});

export type CapabilityRequest = z.infer<typeof capabilityRequestView>;
