// The artifact routes' response schemas (zod only, so the dashboard can `import type` the
// types they infer: web/src/types.ts; esbuild strips the import). The routes validate and
// document their answers with these; the dashboard reads exactly what they describe.
import { z } from 'zod';
import { ARTIFACT_KINDS } from '../../kernel/artifacts/events.js';

export const pricingView = z.union([z.object({ kind: z.literal('fixed'), price: z.number() }), z.object({ kind: z.literal('capped'), cap: z.number() })]);
export const toolView = z.object({ name: z.string(), description: z.string(), input_schema: z.unknown(), output_schema: z.unknown(), pricing: pricingView });
export const artifactView = z.object({
  kind: z.enum(ARTIFACT_KINDS),
  id: z.string(),
  owner_id: z.string(),
  created_by: z.string(),
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  access_contract_id: z.string(),
  price_read: z.number(),
  call_price: z.number().describe("The cheapest tool's price or cap (0 for data)"),
  has_standing: z.boolean(),
  can_execute: z.boolean(),
  latest_version: z.number().int(),
  bytes: z.number().int(),
  status: z.enum(['live', 'deleted']),
  created_at: z.string(),
  updated_at: z.string(),
  deleted_at: z.string().nullable(),
  successes: z.number().int().optional(),
});
export const agentEntryView = z.object({ kind: z.literal('agent'), id: z.string(), has_standing: z.literal(true), status: z.string(), description: z.string(), artifacts_owned: z.number().int() });
export const versionView = z.object({
  version: z.number().int(),
  content_hash: z.string(),
  bytes: z.number().int(),
  media_type: z.string().nullable(),
  entry: z.string().nullable(),
  files: z.array(z.object({ name: z.string(), sha256: z.string(), bytes: z.number().int() })).nullable().describe('Only for callers who may read it'),
  created_by: z.string(),
  created_at: z.string(),
});
export const usageView = z.object({
  calls: z.number().int(),
  successes: z.number().int(),
  failures: z.record(z.string(), z.number().int()).describe('By error code'),
  distinct_callers: z.number().int(),
  earned: z.number().describe('Credits paid to the owner by settled calls'),
  median_duration_ms: z.number().nullable(),
  in_flight: z.number().int(),
});
export const infoView = z.object({ artifact: artifactView, tools: z.array(toolView), versions: z.array(versionView), usage: usageView, may_read: z.boolean(), subscribed: z.boolean() });
export const directoryPageView = z.object({ items: z.array(z.union([artifactView, agentEntryView])), next_cursor: z.number().int().nullable() });

export type ArtifactEntry = z.infer<typeof artifactView>;
export type AgentEntry = z.infer<typeof agentEntryView>;
export type ArtifactTool = z.infer<typeof toolView>;
export type ArtifactVersion = z.infer<typeof versionView>;
export type ArtifactUsage = z.infer<typeof usageView>;
export type ArtifactInfo = z.infer<typeof infoView>;
export type DirectoryPage = z.infer<typeof directoryPageView>;
