// Every event type of the journal, one zod schema each. The kernel validates an event's data
// against its schema before it is written; docs/events.md is generated from this file.
import { z } from 'zod';
import { attentionEventSchemas } from '../attention/events.js';
import { executionEventSchemas } from '../executions/events.js';
import { llmEventSchemas } from '../llm/events.js';
import { marketEventSchemas } from '../market/events.js';
import { socialEventSchemas } from '../social/events.js';

export const postingKinds = ['grant', 'transfer', 'escrow', 'refund', 'burn', 'reward', 'fee', 'spawn'] as const;
export type PostingKind = (typeof postingKinds)[number];

export const postingSchema = z.strictObject({
  from: z.string().min(1),
  to: z.string().min(1),
  amount_ucr: z.number().int().positive(),
  kind: z.enum(postingKinds),
  memo: z.string().optional(),
});
export type Posting = z.infer<typeof postingSchema>;

/** Money-moving events carry their postings; the ledger projection applies them generically. */
const postings = z.array(postingSchema).max(1000);
const agentId = z.string().min(1);

export const eventSchemas = {
  world_created: z
    .strictObject({ world_id: z.string(), schema_version: z.number().int(), seed: z.number().int(), agora_version: z.string() })
    .describe('A new world was initialised. Creates the system accounts.'),
  agent_created: z
    .strictObject({
      agent_id: agentId,
      parent_id: agentId.nullable(),
      lineage: z.array(agentId).describe('Ancestors, oldest first.'),
      generation: z.number().int().min(0),
      workspace: z.string().describe('Workspace path relative to the world directory.'),
      postings,
    })
    .describe('An agent record was created (genesis at world creation, children by spawn), with its starting credits.'),
  credits_transferred: z
    .strictObject({ from_id: agentId, to_id: agentId, amount_ucr: z.number().int().positive(), memo: z.string(), postings })
    .describe('One agent paid another.'),
  ...marketEventSchemas(postings, agentId),
  ...executionEventSchemas(postings, agentId),
  ...attentionEventSchemas(postings, agentId),
  ...llmEventSchemas(postings, agentId),
  ...socialEventSchemas(postings, agentId),
} as const;

export type EventType = keyof typeof eventSchemas;
export type EventData<T extends EventType> = z.infer<(typeof eventSchemas)[T]>;

export interface EventEnvelope<T extends EventType = EventType> {
  seq: number;
  id: string;
  type: T;
  at_ms: number;
  actor: string;
  correlation_id: string | null;
  causation_id: string | null;
  data: EventData<T>;
}

/** Who or what caused a command: an agent id, `operator`, or `system:<component>`. */
export interface CommandMeta {
  actor: string;
  correlation_id?: string | null;
  causation_id?: string | null;
}
