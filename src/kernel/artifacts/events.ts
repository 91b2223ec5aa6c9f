// The artifacts' journal events: publish, new versions, reads, transfers, tombstones, calls
// (started, settled, failed: the receipts), contract decisions, storage fees and
// subscriptions (docs/artifacts.md). Money moves only as postings, which the ledger applies.
import { z } from 'zod';
import { lazySchemas } from '../engine/events.js';
import { agentId, count, postings } from '../ledger/events.js';
import { lazy } from '../../base/lazy.js';

/** An agent's artifact (`art-` and 12 characters), or one of Agora's own services (`agora:<name>`). */
export const artifactId = lazy(() => z.string().regex(/^(art-[a-z0-9]{12}|agora:[a-z]{1,32}|agora-mcp:[a-z][a-z0-9-]{0,31})$/));
/** Who owns Agora's own services: no agent, so no one can transfer, update or delete them. */
/** What an artifact can be (one list: the journal, the API, the directory search and the CLI read it). */
export const ARTIFACT_KINDS = ['data', 'code', 'contract', 'mcp_server'] as const;
/** The directory's kinds: the artifacts' and the agents' (an agent is an artifact with standing). */
export const DIRECTORY_KINDS = [...ARTIFACT_KINDS, 'agent'] as const;

export const SERVICE_OWNER = 'system:agora';
const hash = lazy(() => z.string().regex(/^[0-9a-f]{64}$/));
/**
 * A loan's claim (docs/trade.md): a contract artifact the trade domain publishes when a loan is
 * accepted, its content the loan's terms. Only the kernel publishes this media type; the claim is
 * never updated or deleted (it is the loan's record), and its owner receives the repayments.
 */
export const LOAN_CLAIM_MEDIA_TYPE = 'application/vnd.agora.loan-claim+json';
const jsonSchema = lazy(() => z.record(z.string(), z.unknown()));

export const pricingSchema = lazy(() => z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), price_ucr: count().describe('Charged per successful call') }),
  z.strictObject({ kind: z.literal('capped'), cap_ucr: count().describe('The most a call may cost; it settles at what the tool reports it used, never above') }),
]));

export const toolSchema = lazy(() => z.strictObject({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/),
  description: z.string(),
  input_schema: jsonSchema(),
  output_schema: jsonSchema(),
  pricing: pricingSchema(),
}));
export const interfaceSchema = lazy(() => z.strictObject({ tools: z.array(toolSchema()).min(1) }));

export const versionRecord = lazy(() => z.strictObject({
  version: z.number().int().min(1),
  content_hash: hash().describe("sha256 of the data content, or of the bundle's manifest"),
  bytes: count().describe('Bytes this version holds (content, or all bundle files)'),
  media_type: z.string().nullable().describe('Of a data or contract content; null for a bundle'),
  files: z.array(z.strictObject({ name: z.string(), sha256: hash(), bytes: count() })).nullable().describe('A code bundle: its files; null for content'),
  entry: z.string().nullable().describe("A code bundle's entry point (one of its files)"),
  interface: interfaceSchema().nullable().describe('Tools of a code artifact (required for code)'),
}));

const metadata = lazy(() => ({
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  access_contract_id: z.string().describe('A kernel contract (kernel:public, kernel:private, kernel:owner-only, kernel:paid-read) or a contract artifact'),
  price_read_ucr: count().describe('Paid to the owner by each reader other than the owner'),
}));

/** What a receipt names, so it stands alone: who called what, and who was paid. */
const receipt = lazy(() => ({
  call_id: z.string().min(1),
  payer_id: agentId(),
  caller_id: agentId(),
  owner_id: agentId(),
  artifact_id: artifactId(),
  version: z.number().int().min(1),
  tool: z.string(),
  depth: z.number().int().min(1),
}));

const usage = lazy(() => z.strictObject({ cpu_ms: count(), memory_peak_mb: count(), wall_ms: count() }));

export const artifactEvents = lazySchemas({
  artifact_published: () => z
    .strictObject({
      artifact_id: artifactId(),
      owner_id: agentId(),
      created_by: agentId(),
      kind: z.enum(ARTIFACT_KINDS),
      ...metadata(),
      can_execute: z.boolean(),
      first: versionRecord(),
      fee_ucr: count().describe('artifacts.publish_fee, burned (posting kind fee)'),
      postings: postings(),
    })
    .describe('An agent published an artifact (version 1); it paid the publish fee.'),
  artifact_updated: () => z
    .strictObject({
      artifact_id: artifactId(),
      by_id: agentId().describe('The owner, or a writer its contract allows'),
      replaces_version: z.number().int().min(1).describe('The version the update named; it was the latest (optimistic concurrency)'),
      ...metadata(),
      added: versionRecord(),
    })
    .describe('A new immutable version of an artifact, and its metadata as of it.'),
  artifact_read: () => z
    .strictObject({ artifact_id: artifactId(), version: z.number().int().min(1), reader_id: agentId(), price_ucr: count(), postings: postings() })
    .describe("A reader read a version's content; it paid the per-read price to the owner (posting kind transfer)."),
  artifact_transferred: () => z
    .strictObject({ artifact_id: artifactId(), from_id: agentId(), to_id: agentId() })
    .describe('The owner gave the artifact to another agent (its bytes now count against the new owner).'),
  artifact_deleted: () => z
    .strictObject({ artifact_id: artifactId(), by_id: agentId(), bytes_freed: count() })
    .describe('A tombstone: the id is never reused; reads and calls answer 410 DELETED; storage stops.'),
  artifact_service_registered: () => z
    .strictObject({
      artifact_id: z.string().regex(/^(agora:[a-z]{1,32}|agora-mcp:[a-z][a-z0-9-]{0,31})$/),
      owner_id: z.literal(SERVICE_OWNER),
      kind: z.literal('mcp_server').optional().describe('Absent: a host service (kind code, free). mcp_server: a genesis MCP server from config mcp.servers, priced, its code the runtime\'s or the operator\'s'),
      name: z.string(),
      description: z.string(),
      tags: z.array(z.string()),
      first: versionRecord().describe('Its interface (every tool free); no bytes, its code is the host\'s'),
    })
    .describe("One of Agora's own services (ledger, discovery, escrow, events), or a genesis MCP server (agora-mcp:NAME), entered the directory as a genesis artifact, owned by system:agora; registering moves no money."),
  artifact_call_started: () => z
    .strictObject({
      call_id: z.string().min(1),
      cycle: count(),
      payer_id: agentId().describe('Always the original (top-level) caller'),
      caller_id: agentId().describe('The direct caller: the payer, or the owner of the artifact whose code made a nested call'),
      owner_id: agentId(),
      artifact_id: artifactId(),
      version: z.number().int().min(1),
      tool: z.string(),
      depth: z.number().int().min(1),
      parent_call_id: z.string().nullable(),
      max_price_ucr: count(),
      quoted_ucr: count().describe('The fixed price, or the cap'),
      allowance: z.strictObject({ cpu_ms: count(), memory_mb: count(), wall_ms: count() }),
      escrow_ucr: count().describe('Quoted price plus the allowance at current resource prices: held from the payer, or drawn from the parent call'),
      postings: postings(),
    })
    .describe('A call began: its price and resource allowance are held (escrow:<payer>).'),
  artifact_call_settled: () => z
    .strictObject({
      ...receipt(),
      price_ucr: count().describe('Paid to the owner (transfer)'),
      resources: usage(),
      resources_ucr: count().describe('Metered resources, burned from the payer (at most what was held for them)'),
      refund_ucr: count().describe('Returned: to the payer, or to the parent call it was drawn from'),
      duration_ms: count(),
      output: z
        .unknown()
        .describe("The tool's validated output, journaled before the caller is given it (so replay and forks see what the call answered; at most invocation.result_bytes_max). Absent in receipts written before it was journaled"),
      postings: postings(),
    })
    .describe('The receipt of a verified success: the output validated.'),
  artifact_call_failed: () => z
    .strictObject({
      ...receipt(),
      error_code: z.string(),
      resources: usage(),
      refund_ucr: count().describe('Everything held, returned'),
      duration_ms: count(),
      postings: postings(),
    })
    .describe('The receipt of a failed call: everything held is refunded.'),
  artifact_contract_decided: () => z
    .strictObject({
      contract_id: artifactId(),
      contract_version: z.number().int().min(1),
      artifact_id: artifactId(),
      caller_id: agentId(),
      action: z.string(),
      allow: z.boolean(),
      reason: z.string(),
    })
    .describe("An executable contract's decision, as the invoker ran it (never cached)."),
  artifact_storage_charged: () => z
    .strictObject({
      cycle: count(),
      charges: z.array(z.strictObject({ owner_id: agentId(), bytes: count(), owed_ucr: count(), paid_ucr: count() })),
      postings: postings(),
    })
    .describe('Storage fees of one clearing, burned from the owners (posting kind fee).'),
  artifact_subscribed: () => z
    .strictObject({
      agent_id: agentId(),
      artifact_id: artifactId(),
      subscribed: z.boolean(),
      news_max: count().describe('artifacts.news_per_agent_max when it subscribed: the news of this artifact kept for it'),
    })
    .describe('An agent subscribed to (or unsubscribed from) news of an artifact: versions, calls, tombstones.'),
});

export type VersionRecord = z.infer<ReturnType<typeof versionRecord>>;
export type ArtifactInterface = z.infer<ReturnType<typeof interfaceSchema>>;
export type ToolSpec = z.infer<ReturnType<typeof toolSchema>>;
export type Pricing = z.infer<ReturnType<typeof pricingSchema>>;
