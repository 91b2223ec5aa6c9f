// The ledger's journal events, and the schema atoms every domain's events share: postings
// (money-moving events carry theirs; the ledger projection applies them generically), agent ids
// and counts. docs/events.md is generated from the domains' event maps (src/kernel/kernel.ts).
import { z } from 'zod';
import { lazySchemas } from '../engine/events.js';
import { lazy } from '../../base/lazy.js';

export const postingKinds = ['grant', 'transfer', 'escrow', 'refund', 'burn', 'reward', 'fee', 'spawn'] as const;
export type PostingKind = (typeof postingKinds)[number];

export const postingSchema = lazy(() => z.strictObject({
  from: z.string().min(1),
  to: z.string().min(1),
  amount_ucr: z.number().int().positive(),
  kind: z.enum(postingKinds),
  memo: z.string().optional(),
}));
export type Posting = z.infer<ReturnType<typeof postingSchema>>;

export const postings = lazy(() => z.array(postingSchema()).max(1000));
export const agentId = lazy(() => z.string().min(1));
export const count = lazy(() => z.number().int().min(0));

export const ledgerEvents = lazySchemas({
  world_created: () => z
    .strictObject({ world_id: z.string(), schema_version: z.number().int(), seed: z.number().int(), agora_version: z.string() })
    .describe('A new world was initialised. Creates the system accounts.'),
  credits_transferred: () => z
    .strictObject({ from_id: agentId(), to_id: agentId(), amount_ucr: z.number().int().positive(), memo: z.string(), postings: postings() })
    .describe('One agent paid another.'),
});
