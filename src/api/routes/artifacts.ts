// Artifact routes (docs/artifacts.md): publish, new versions, paid reads, transfer, tombstones,
// the directory (search, filters, full-text), info in one call, usage and the tool registry,
// subscriptions and their news. The call path (POST /artifacts/{id}/invoke) is the invoker's.
// Identity comes from the caller's credentials only; a body never names who acts.
import type { FastifyRequest } from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AgoraError } from '../../base/errors.js';
import type { ArtifactView, VersionView } from '../../kernel/artifacts/rows.js';
import type { DirectoryEntry, UsageStats } from '../../kernel/artifacts/reads.js';
import type { ContractApproval, PublishInput } from '../../kernel/artifacts/commands.js';
import type { CommandMeta } from '../../kernel/registry.js';
import { creditsToMicro, microToCredits } from '../../kernel/ledger/money.js';
import { callerAgentId } from '../auth.js';
import type { ApiContext } from '../context.js';
import { agentIdParam, creditsInput, errorResponses, limitQuery } from '../schemas.js';
import { artifactView, directoryPageView, infoView, usageView } from '../views/artifacts.js';
import { mcpInterface } from '../../kernel/artifacts/mcp-interface.js';
import { checkVersion } from '../../kernel/artifacts/validate.js';
import { ARTIFACT_KINDS, DIRECTORY_KINDS } from '../../kernel/artifacts/events.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const artifactIdParam = z.string().min(1).max(64).describe('Artifact id (art-...)');

const pricingInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), price: creditsInput.describe('Credits per successful call') }),
  z.strictObject({ kind: z.literal('capped'), cap: creditsInput.describe('The most one call may cost; it settles at what the tool reports using') }),
]);
const toolInput = z.strictObject({
  name: z.string().min(1).max(64),
  description: z.string().max(100_000),
  input_schema: z.record(z.string(), z.unknown()).describe('JSON Schema (2020-12) of the arguments'),
  output_schema: z.record(z.string(), z.unknown()).describe('JSON Schema (2020-12) of the output'),
  pricing: pricingInput,
});
const fileInput = z
  .strictObject({
    name: z.string().min(1).max(4096).describe('Relative name: components of letters, digits, ".", "-", "_" joined by "/"'),
    content: z.string().optional().describe('UTF-8 text'),
    content_base64: z.string().optional().describe('Bytes, base64'),
  })
  .refine((f) => (f.content === undefined) !== (f.content_base64 === undefined), { message: 'give content or content_base64' });

const versionFields = {
  content: z.string().optional().describe('A data or contract version: UTF-8 text'),
  content_base64: z.string().optional().describe('A data or contract version: bytes, base64'),
  media_type: z.string().max(100).optional(),
  files: z.array(fileInput).optional().describe('A code bundle (or an executable contract)'),
  entry: z.string().max(4096).optional().describe('The file the sandbox runs'),
  interface: z.strictObject({ tools: z.array(toolInput).min(1) }).optional().describe('Required for code; an mcp_server gives none (its tools/list is its interface)'),
  tool_prices: z.record(z.string().max(64), creditsInput).optional().describe('mcp_server: credits per call of each named tool; a tool not named costs mcp.server_call_price_default_ucr'),
};
const metadataFields = {
  name: z.string().max(10_000).optional(),
  description: z.string().max(1_000_000).optional(),
  tags: z.array(z.string().max(200)).max(1000).optional(),
  price_read: creditsInput.optional().describe('Credits each reader but the owner pays per read'),
  access_contract_id: z.string().max(64).optional().describe('kernel:public (default), kernel:private, kernel:owner-only, kernel:paid-read, or a contract artifact id'),
};

const publishedView = z.object({ artifact_id: z.string(), version: z.number().int(), content_hash: z.string(), bytes: z.number().int(), fee: z.number() });

function viewArtifact(a: ArtifactView & { successes?: number }) {
  return {
    kind: a.kind,
    id: a.id,
    owner_id: a.owner_id,
    created_by: a.created_by,
    name: a.name,
    description: a.description,
    tags: a.tags,
    access_contract_id: a.access_contract_id,
    price_read: microToCredits(a.price_read_ucr),
    call_price: microToCredits(a.call_price_ucr),
    has_standing: a.has_standing,
    can_execute: a.can_execute,
    latest_version: a.latest_version,
    bytes: a.bytes_held,
    status: a.status,
    created_at: iso(a.created_at_ms)!,
    updated_at: iso(a.updated_at_ms)!,
    deleted_at: iso(a.deleted_at_ms),
    ...(a.successes === undefined ? {} : { successes: a.successes }),
  };
}

function viewEntry(e: DirectoryEntry) {
  return e.kind === 'agent' ? e : viewArtifact(e);
}

function viewTools(v: VersionView | null) {
  return (v?.interface?.tools ?? []).map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: t.input_schema,
    output_schema: t.output_schema,
    pricing: t.pricing.kind === 'fixed' ? { kind: 'fixed' as const, price: microToCredits(t.pricing.price_ucr) } : { kind: 'capped' as const, cap: microToCredits(t.pricing.cap_ucr) },
  }));
}

function viewVersion(v: VersionView, may_read: boolean) {
  return { version: v.version, content_hash: v.content_hash, bytes: v.bytes, media_type: v.media_type, entry: v.entry, files: may_read ? v.files : null, created_by: v.created_by, created_at: iso(v.created_at_ms)! };
}

function viewUsage(u: UsageStats) {
  return { calls: u.calls, successes: u.successes, failures: u.failures, distinct_callers: u.distinct_callers, earned: microToCredits(u.earned_ucr), median_duration_ms: u.median_duration_ms, in_flight: u.in_flight };
}

/** Decodes base64 strictly: anything but canonical base64 is refused, not silently skipped. */
function decodeBase64(text: string, field: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64').replace(/=+$/, '') !== text.replace(/=+$/, '')) throw new AgoraError('INVALID_ARGS', `${field} is not canonical base64`, { field });
  return bytes;
}

type VersionBody = { content?: string; content_base64?: string; media_type?: string; files?: { name: string; content?: string; content_base64?: string }[]; entry?: string; interface?: { tools: z.infer<typeof toolInput>[] } };
type MetadataBody = { name?: string; description?: string; tags?: string[]; price_read?: number | string; access_contract_id?: string };

function versionFrom(body: VersionBody): Pick<PublishInput, 'content' | 'media_type' | 'files' | 'entry' | 'interface'> {
  if (body.content !== undefined && body.content_base64 !== undefined) throw new AgoraError('INVALID_ARGS', 'give content or content_base64, not both', { field: 'content' });
  const content = body.content !== undefined ? Buffer.from(body.content, 'utf8') : body.content_base64 !== undefined ? decodeBase64(body.content_base64, 'content_base64') : undefined;
  return {
    ...(content === undefined ? {} : { content }),
    ...(body.media_type === undefined ? {} : { media_type: body.media_type }),
    ...(body.files === undefined
      ? {}
      : { files: body.files.map((f) => ({ name: f.name, bytes: f.content !== undefined ? Buffer.from(f.content, 'utf8') : decodeBase64(f.content_base64 ?? '', `files.${f.name}`) })) }),
    ...(body.entry === undefined ? {} : { entry: body.entry }),
    ...(body.interface === undefined
      ? {}
      : {
          interface: {
            tools: body.interface.tools.map((t) => ({
              ...t,
              pricing: t.pricing.kind === 'fixed' ? { kind: 'fixed' as const, price_ucr: creditsToMicro(t.pricing.price, 'pricing.price') } : { kind: 'capped' as const, cap_ucr: creditsToMicro(t.pricing.cap, 'pricing.cap') },
            })),
          },
        }),
  };
}

function metadataFrom(body: MetadataBody) {
  return {
    ...(body.name === undefined ? {} : { name: body.name }),
    ...(body.description === undefined ? {} : { description: body.description }),
    ...(body.tags === undefined ? {} : { tags: body.tags }),
    ...(body.price_read === undefined ? {} : { price_read_ucr: creditsToMicro(body.price_read, 'price_read') }),
    ...(body.access_contract_id === undefined ? {} : { access_contract_id: body.access_contract_id }),
  };
}

type McpBody = VersionBody & { tool_prices?: Record<string, number | string> | undefined };

/**
 * The interface of an mcp_server version: the host runs the bundle in a sandbox and asks for its
 * tools/list (ctx.invocation.listMcpTools), after the bundle itself passed the kernel's checks and
 * the publisher showed it can pay the fee, so a bundle that will be refused costs no run.
 */
async function mcpServerInterface(ctx: ApiContext, owner_id: string, body: McpBody, version: ReturnType<typeof versionFrom>, fee_ucr: number) {
  if (body.interface !== undefined) throw new AgoraError('INVALID_ARGS', "an mcp_server's interface is what its tools/list says: give tool_prices, not interface", { field: 'interface' });
  const list = ctx.invocation?.listMcpTools?.bind(ctx.invocation);
  if (list === undefined) throw new AgoraError('UNAVAILABLE', 'mcp_server artifacts need the sandbox runner, which this host has not attached');
  const placeholder = { tools: [{ name: 'x', description: '', input_schema: { type: 'object' }, output_schema: { type: 'object' }, pricing: { kind: 'fixed', price_ucr: 0 } }] };
  checkVersion('mcp_server', { ...version, interface: placeholder }, ctx.config.artifacts);
  const balance = ctx.kernel.ledger.balance(owner_id) ?? 0;
  if (balance < fee_ucr) throw new AgoraError('INSUFFICIENT_FUNDS', `balance is ${balance} µcr; publishing costs ${fee_ucr} µcr (artifacts.publish_fee)`, { balance_ucr: balance, fee_ucr });
  const listed = await list({ owner_id, entry: version.entry!, files: version.files! });
  const prices: Record<string, number> = {};
  for (const [name, credits] of Object.entries(body.tool_prices ?? {})) {
    if (!listed.some((t) => t.name === name)) throw new AgoraError('INVALID_ARGS', `tool_prices names ${JSON.stringify(name)}, which the server does not list`, { field: 'tool_prices', tools: listed.map((t) => t.name) });
    prices[name] = creditsToMicro(credits, `tool_prices.${name}`);
  }
  return mcpInterface(listed, prices, ctx.config.mcp.server_call_price_default_ucr);
}

/** The agent a read is for, or null for the operator (who sees every listing). */
function viewer(request: FastifyRequest): string | null {
  const caller = request.caller!;
  // Artifact code in a call sees what its payer may see (routes that take calls say so).
  if (caller.kind === 'call') return caller.claims.payer_id;
  return caller.kind === 'agent' ? caller.agent_id : null;
}

/**
 * A read or write an executable contract guards: the host's ContractRunner (the invoker) runs
 * it in its own API-less sandbox and the decision is journaled; an allow becomes an approval
 * for that contract version, which the kernel command checks again. Without a runner, or on a
 * deny, crash or timeout, there is no approval and the command denies (fail closed).
 */
async function contractApproval(ctx: ApiContext, caller_id: string, action: 'read' | 'write', artifact_id: string, meta: CommandMeta): Promise<ContractApproval | undefined> {
  const artifacts = ctx.kernel.artifacts;
  const decision = artifacts.checkAccess({ caller_id, action, artifact_id });
  if (!('executable' in decision) || ctx.contracts === undefined) return undefined;
  const ex = decision.executable;
  const { allow, reason } = await ctx.contracts.check({ contract_id: ex.contract_id, version: ex.version, bundle: ex.bundle, caller_id, action, artifact_id });
  artifacts.recordContractDecision({ contract_id: ex.contract_id, contract_version: ex.version, artifact_id, caller_id, action, allow, reason }, meta);
  if (!allow) throw new AgoraError('ACCESS_DENIED', `${action} of ${artifact_id} denied: ${reason}`, { artifact_id, action, contract_id: ex.contract_id });
  return { contract_id: ex.contract_id, version: ex.version };
}

export async function artifactRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { kernel, config } = ctx;
  const artifacts = kernel.artifacts;
  const limits = config.artifacts;
  // A bundle travels as base64 (4 bytes per 3) inside JSON: the body limit follows the bundle's.
  const bodyLimit = Math.max(config.server.body_limit_bytes, Math.ceil((Math.max(limits.bundle_bytes_max, limits.content_bytes_max) * 4) / 3) + 1024 * 1024);

  /** The artifact, if the caller may see it listed; NOT_FOUND otherwise (existence is not leaked). */
  const visibleArtifact = (request: FastifyRequest, artifact_id: string): ArtifactView => {
    const artifact = artifacts.requireLive(artifact_id);
    if (!artifacts.reads.visible(artifact, viewer(request))) throw new AgoraError('NOT_FOUND', `no artifact ${artifact_id}`, { artifact_id });
    return artifact;
  };
  const mayRead = (artifact: ArtifactView, who: string | null): boolean => {
    if (who === null) return false;
    const d = artifacts.checkAccess({ caller_id: who, action: 'read', artifact_id: artifact.id });
    return 'allow' in d && d.allow;
  };

  r.get('/artifacts/rules', {
    config: { auth: 'any' },
    schema: {
      tags: ['artifacts'],
      summary: 'What publishing and storage cost, and the limits of artifacts and calls',
      response: { 200: z.object({ publish_fee: z.number(), storage_fee_per_mb_cycle: z.number(), limits: z.record(z.string(), z.number()) }), ...errorResponses },
    },
    handler: async () => {
      const { publish_fee, storage_fee_per_mb_cycle, ...rest } = limits;
      return { publish_fee, storage_fee_per_mb_cycle, limits: rest };
    },
  });

  r.get('/artifacts', {
    config: { auth: 'any', calls: true },
    schema: {
      tags: ['artifacts'],
      summary: 'The directory: artifacts (and agents, kind agent), filtered and ranked by verified successes, then price, then recency',
      querystring: z.object({
        kind: z.enum(DIRECTORY_KINDS).optional(),
        tag: z.string().max(100).optional(),
        owner: agentIdParam.optional(),
        tool: z.string().max(64).optional().describe('Code artifacts whose latest version has this tool'),
        price_min: creditsInput.optional(),
        price_max: creditsInput.optional(),
        q: z.string().max(500).optional().describe('Full text over name, description, tags and interface (every word must match)'),
        include_deleted: z.enum(['true', 'false']).default('false').describe('Tombstones too'),
        cursor: z.coerce.number().int().min(0).optional().describe("The previous page's next_cursor"),
        limit: limitQuery(config),
      }),
      response: { 200: directoryPageView, ...errorResponses },
    },
    handler: async (request) => {
      const q = request.query;
      const page = artifacts.reads.search(
        {
          ...(q.kind === undefined ? {} : { kind: q.kind }),
          ...(q.tag === undefined ? {} : { tag: q.tag }),
          ...(q.owner === undefined ? {} : { owner_id: q.owner }),
          ...(q.tool === undefined ? {} : { tool: q.tool }),
          ...(q.price_min === undefined ? {} : { price_min_ucr: creditsToMicro(q.price_min, 'price_min') }),
          ...(q.price_max === undefined ? {} : { price_max_ucr: creditsToMicro(q.price_max, 'price_max') }),
          ...(q.q === undefined ? {} : { q: q.q }),
          include_deleted: q.include_deleted === 'true',
          ...(q.cursor === undefined ? {} : { offset: q.cursor }),
          limit: q.limit,
        },
        viewer(request),
      );
      return { items: page.entries.map(viewEntry), next_cursor: page.next_offset };
    },
  });

  r.post('/artifacts', {
    config: { auth: 'agent' },
    bodyLimit,
    schema: {
      tags: ['artifacts'],
      summary: 'Publish an artifact (version 1): data content, or a code bundle with its interface, or a contract; costs artifacts.publish_fee, burned',
      body: z.strictObject({ kind: z.enum(ARTIFACT_KINDS), ...metadataFields, name: z.string().max(10_000), ...versionFields }),
      response: { 201: publishedView, ...errorResponses },
    },
    handler: async (request, reply) => {
      const owner_id = callerAgentId(request);
      const body = request.body;
      if (body.tool_prices !== undefined && body.kind !== 'mcp_server') throw new AgoraError('INVALID_ARGS', 'tool_prices is for an mcp_server; code prices its tools in its interface', { field: 'tool_prices' });
      const version = versionFrom(body);
      if (body.kind === 'mcp_server') version.interface = await mcpServerInterface(ctx, owner_id, body, version, artifacts.publishFeeUcr());
      const published = artifacts.publish({ owner_id, kind: body.kind, ...metadataFrom(body), name: body.name, ...version }, { actor: owner_id, correlation_id: request.id });
      return reply.status(201).send({ ...published, fee: microToCredits(published.fee_ucr) });
    },
  });

  r.get('/artifacts/news', {
    config: { auth: 'agent' },
    schema: {
      tags: ['artifacts'],
      summary: 'News of the artifacts you subscribe to (new versions, calls, transfers, tombstones), newest first',
      querystring: z.object({ after_seq: z.coerce.number().int().min(0).optional(), limit: limitQuery(config) }),
      response: {
        200: z.object({
          subscriptions: z.array(z.string()),
          items: z.array(z.object({ seq: z.number().int(), artifact_id: z.string(), event_type: z.string(), summary: z.string(), at: z.string() })),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const agent_id = callerAgentId(request);
      const items = artifacts.reads.news(agent_id, { ...(request.query.after_seq === undefined ? {} : { after_seq: request.query.after_seq }), limit: request.query.limit });
      return { subscriptions: artifacts.reads.subscriptions(agent_id), items: items.map((n) => ({ seq: n.seq, artifact_id: n.artifact_id, event_type: n.event_type, summary: n.summary, at: iso(n.at_ms)! })) };
    },
  });

  r.get('/artifacts/tools/:tool/handlers', {
    config: { auth: 'any' },
    schema: {
      tags: ['artifacts'],
      summary: 'Which artifacts (and versions) handled this tool over the last window_cycles cycles: successes, failures, earnings, median duration',
      params: z.object({ tool: z.string().min(1).max(64) }),
      querystring: z.object({ window_cycles: z.coerce.number().int().min(1).max(limits.stats_window_cycles_max).default(100), limit: limitQuery(config) }),
      response: {
        200: z.object({
          tool: z.string(),
          from_cycle: z.number().int(),
          to_cycle: z.number().int(),
          items: z.array(z.object({ artifact_id: z.string(), version: z.number().int(), owner_id: z.string(), name: z.string(), successes: z.number().int(), failures: z.number().int(), earned: z.number(), median_duration_ms: z.number().nullable() })),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const to_cycle = kernel.market.state().cycle;
      const from_cycle = Math.max(0, to_cycle - request.query.window_cycles + 1);
      const items = artifacts.reads.toolHandlers(request.params.tool, from_cycle, to_cycle, viewer(request), request.query.limit);
      return { tool: request.params.tool, from_cycle, to_cycle, items: items.map((h) => ({ ...h, earned: microToCredits(h.earned_ucr), earned_ucr: undefined })) };
    },
  });

  r.get('/artifacts/:id/info', {
    config: { auth: 'any', calls: true },
    schema: {
      tags: ['artifacts'],
      summary: 'Everything about an artifact in one call: metadata, interface, prices, versions and usage. Never its content or code',
      params: z.object({ id: artifactIdParam }),
      querystring: z.object({ version: z.coerce.number().int().min(1).optional().describe('The interface of this version (default: latest)') }),
      response: {
        200: infoView,
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const artifact = visibleArtifact(request, request.params.id);
      const who = viewer(request);
      const may_read = mayRead(artifact, who);
      const pinned = artifacts.version(artifact.id, request.query.version ?? artifact.latest_version);
      if (pinned === null) throw new AgoraError('NOT_FOUND', `artifact ${artifact.id} has no version ${request.query.version}`);
      return {
        artifact: viewArtifact(artifact),
        tools: viewTools(pinned),
        versions: artifacts.reads.versions(artifact.id, config.server.page_size_max).map((v) => viewVersion(v, may_read)),
        usage: viewUsage(artifacts.reads.usage(artifact.id)),
        may_read,
        subscribed: who !== null && artifacts.reads.subscriptions(who).includes(artifact.id),
      };
    },
  });

  r.get('/artifacts/:id/usage', {
    config: { auth: 'any' },
    schema: {
      tags: ['artifacts'],
      summary: 'Calls, successes, failures by code, distinct callers, credits earned and median duration, for the artifact or one version, over a window of cycles',
      params: z.object({ id: artifactIdParam }),
      querystring: z.object({ version: z.coerce.number().int().min(1).optional(), window_cycles: z.coerce.number().int().min(1).max(limits.stats_window_cycles_max).optional() }),
      response: { 200: z.object({ artifact_id: z.string(), version: z.number().int().nullable(), from_cycle: z.number().int(), to_cycle: z.number().int(), usage: usageView }), ...errorResponses },
    },
    handler: async (request) => {
      const artifact = visibleArtifact(request, request.params.id);
      const to_cycle = kernel.market.state().cycle;
      const from_cycle = request.query.window_cycles === undefined ? 0 : Math.max(0, to_cycle - request.query.window_cycles + 1);
      const usage = artifacts.reads.usage(artifact.id, { ...(request.query.version === undefined ? {} : { version: request.query.version }), from_cycle, to_cycle });
      return { artifact_id: artifact.id, version: request.query.version ?? null, from_cycle, to_cycle, usage: viewUsage(usage) };
    },
  });

  r.post('/artifacts/:id/read', {
    config: { auth: 'agent' },
    schema: {
      tags: ['artifacts'],
      summary: "Read a version's content (or a bundle's files), if its contract lets you; pays the per-read price to the owner",
      params: z.object({ id: artifactIdParam }),
      body: z.strictObject({ version: z.number().int().min(1).optional().describe('Pin a version (default: latest)') }).default({}),
      response: {
        200: z.object({
          artifact_id: z.string(),
          version: z.number().int(),
          content_hash: z.string(),
          price: z.number().describe('Credits you paid'),
          media_type: z.string().nullable(),
          content_base64: z.string().nullable(),
          entry: z.string().nullable(),
          files: z.array(z.object({ name: z.string(), content_base64: z.string() })).nullable(),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const reader_id = callerAgentId(request);
      const meta = { actor: reader_id, correlation_id: request.id };
      const approval = await contractApproval(ctx, reader_id, 'read', request.params.id, meta);
      const read = artifacts.read({ reader_id, artifact_id: request.params.id, ...(request.body.version === undefined ? {} : { version: request.body.version }), ...(approval === undefined ? {} : { approval }) }, meta);
      return {
        artifact_id: read.artifact.id,
        version: read.version.version,
        content_hash: read.version.content_hash,
        price: microToCredits(read.price_ucr),
        media_type: read.version.media_type,
        content_base64: read.content === null ? null : read.content.toString('base64'),
        entry: read.version.entry,
        files: read.files === null ? null : read.files.map((f) => ({ name: f.name, content_base64: f.bytes.toString('base64') })),
      };
    },
  });

  r.post('/artifacts/:id/versions', {
    config: { auth: 'agent' },
    bodyLimit,
    schema: {
      tags: ['artifacts'],
      summary: 'Add a version (the owner, or a writer its contract names). Name the version you replace: if it is no longer the latest, 409 CONFLICT',
      params: z.object({ id: artifactIdParam }),
      body: z.strictObject({ replaces_version: z.number().int().min(1), ...metadataFields, ...versionFields }),
      response: { 201: publishedView, ...errorResponses },
    },
    handler: async (request, reply) => {
      const by_id = callerAgentId(request);
      const body = request.body;
      const meta = { actor: by_id, correlation_id: request.id };
      const approval = await contractApproval(ctx, by_id, 'write', request.params.id, meta);
      const version = versionFrom(body);
      const kind = artifacts.requireLive(request.params.id).kind;
      if (body.tool_prices !== undefined && kind !== 'mcp_server') throw new AgoraError('INVALID_ARGS', 'tool_prices is for an mcp_server; code prices its tools in its interface', { field: 'tool_prices' });
      // A new mcp_server version is listed again: its interface is always what its code says.
      if (kind === 'mcp_server' && version.files !== undefined) version.interface = await mcpServerInterface(ctx, by_id, body, version, 0);
      const updated = artifacts.update({ by_id, artifact_id: request.params.id, replaces_version: body.replaces_version, ...metadataFrom(body), ...version, ...(approval === undefined ? {} : { approval }) }, meta);
      return reply.status(201).send({ ...updated, fee: 0 });
    },
  });

  r.post('/artifacts/:id/transfer', {
    config: { auth: 'agent' },
    schema: {
      tags: ['artifacts'],
      summary: 'Give your artifact to another agent (its bytes count against the new owner from then on)',
      params: z.object({ id: artifactIdParam }),
      body: z.strictObject({ to_id: agentIdParam }),
      response: { 200: artifactView, ...errorResponses },
    },
    handler: async (request) => {
      const by_id = callerAgentId(request);
      return viewArtifact(artifacts.transfer({ by_id, artifact_id: request.params.id, to_id: request.body.to_id }, { actor: by_id, correlation_id: request.id }));
    },
  });

  r.delete('/artifacts/:id', {
    config: { auth: 'agent' },
    schema: {
      tags: ['artifacts'],
      summary: 'Delete your artifact: a tombstone (the id is never reused; reads and calls answer 410 DELETED; storage stops)',
      params: z.object({ id: artifactIdParam }),
      response: { 200: artifactView, ...errorResponses },
    },
    handler: async (request) => {
      const by_id = callerAgentId(request);
      return viewArtifact(artifacts.delete({ by_id, artifact_id: request.params.id }, { actor: by_id, correlation_id: request.id }));
    },
  });

  for (const subscribed of [true, false]) {
    (subscribed ? r.post.bind(r) : r.delete.bind(r))('/artifacts/:id/subscription', {
      config: { auth: 'agent' },
      schema: {
        tags: ['artifacts'],
        summary: subscribed ? 'Subscribe to news of an artifact (GET /artifacts/news, env.json)' : 'Unsubscribe',
        params: z.object({ id: artifactIdParam }),
        response: { 200: z.object({ subscribed: z.boolean(), subscriptions: z.number().int() }), ...errorResponses },
      },
      handler: async (request: FastifyRequest<{ Params: { id: string } }>) => {
        const agent_id = callerAgentId(request);
        return artifacts.subscribe({ agent_id, artifact_id: request.params.id, subscribed }, { actor: agent_id, correlation_id: request.id });
      },
    });
  }
}
