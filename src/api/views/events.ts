// The journal routes' response schemas (src/api/routes/operator-events.ts): zod only, so the dashboard
// can `import type` what they infer (web/src/types.ts); the routes validate and document their
// answers with the same schemas.
import { z } from 'zod';

export const eventView = z.object({
  seq: z.number().int(),
  id: z.string(),
  type: z.string(),
  at: z.string(),
  actor: z.string(),
  correlation_id: z.string().nullable(),
  causation_id: z.string().nullable(),
  data: z.unknown(),
});

export const eventsPageView = z.object({ items: z.array(eventView), next_before: z.number().int().nullable(), scanned: z.number().int(), known_types: z.array(z.string()) });

export type EventsPage = z.infer<typeof eventsPageView>;
export type JournalEvent = z.infer<typeof eventView>;
