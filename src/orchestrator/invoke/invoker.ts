// The invocation service the orchestrator offers the API (like World.spawn): one tool call of a
// code artifact, end to end. Order matters, and each step fails closed:
//
//   resolve the version (410 DELETED for a tombstone) → access (kernel contracts, or an
//   executable contract run in its own sandbox on a small fixed budget; missing, failing or
//   slow denies) → args against the tool's input schema (INVALID_ARGS, nothing escrowed yet)
//   → beginCall (escrow; above max_price fails, never charges more) → run (a fresh sandbox, or
//   the host for Agora's own services) → output against the output schema → settleCall; or
//   failCall on any error, timeout, invalid output or limit, with everything held refunded.
//
// The payer is always the agent whose execution made the outermost call: a nested call takes
// it from the call's own claims (its channel or token), never from anything the code says.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AgoraError } from '../../base/errors.js';
import type { Config } from '../../config/schema.js';
import type { CallClaims, CallTokenSigner } from '../../identity/call-tokens.js';
import type { Artifacts, ResolvedVersion } from '../../kernel/artifacts/commands.js';
import type { ToolSpec } from '../../kernel/artifacts/events.js';
import type { ContractRunner, InvocationService, InvokeRequest, InvokeResult } from '../../kernel/artifacts/invocation-service.js';
import { validateAgainst } from '../../kernel/artifacts/json-schema.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { CommandMeta } from '../../kernel/registry.js';
import type { Runner } from '../../sandbox/runner.js';
import type { ApiPort } from '../ports.js';
import { CallLogs } from './call-logs.js';
import { callLogPath, runTool, type Allowance, type Metered, type ToolOutcome, type ToolRun, type ToolRunContext } from './tool-run.js';
import { HOST_SERVICE_PREFIX, HOST_SERVICES, hostService, serviceArtifacts } from './host-services.js';
import type { McpLaunch } from './mcp/server-run.js';
import { genesisMcpId, genesisServer, launchOf, type GenesisServer } from './mcp/genesis-servers.js';
import { mcpInterface } from '../../kernel/artifacts/mcp-interface.js';
import { plain, type ListedTool } from './mcp/server-shapes.js';
import { ArtifactBytes } from '../../store/artifact-bytes.js';
import { fileNameLimits } from '../../kernel/artifacts/validate.js';
import type { BundleFile } from '../../store/artifact-bytes.js';

// The MCP client (the SDK, and Ajv under it: about 400 KB) is loaded on the first MCP call or
// listing, not with the invoker: every world opening builds an invoker, and `agora status`
// or `agora requests` would otherwise compile it at each start.
const runMcpServer: typeof import('./mcp/server-run.js').runMcpServer = async (...args) => (await import('./mcp/server-run.js')).runMcpServer(...args);

const HOST_SERVICE_IDS = HOST_SERVICES.map((s) => s.id);

export interface InvokerDeps {
  artifacts: Artifacts;
  config: Config;
  log: Logger;
  calls: CallTokenSigner;
  now_world_ms(): number;
  /** Where each call's capped log is kept. */
  log_dir: string;
  kernel: Kernel;
}

const NOTHING: Metered = { cpu_ms: 0, memory_peak_mb: 0, wall_ms: 0 };

export class Invoker implements InvocationService, ContractRunner {
  /** Calls whose code is running: their channel and token are good only while they are here. */
  private readonly live = new Map<string, CallClaims>();
  private sandbox: { runner: Runner; api: ApiPort; socket_dir: string; scratch_parent: string } | null = null;
  private checks = 0;
  private listings = 0;
  /** The genesis MCP servers' registration started at attach (tests and the launcher may await it). */
  genesisMcp: Promise<void> = Promise.resolve();

  private readonly logs: CallLogs;

  constructor(private readonly deps: InvokerDeps) {
    this.logs = new CallLogs(deps.log_dir, deps.config.invocation.call_logs_kept);
  }

  /** The sandbox side, once the runner and the API exist (the launcher attaches its own). */
  attach(runner: Runner, api: ApiPort, socket_dir?: string): void {
    const sockets = socket_dir ?? runner.channelDir() ?? mkdtempSync(join(tmpdir(), 'agora-sock-'));
    mkdirSync(sockets, { recursive: true, mode: 0o711 });
    this.close();
    this.registerServices();
    this.failOrphans();
    this.sandbox = { runner, api, socket_dir: sockets, scratch_parent: mkdtempSync(join(tmpdir(), 'agora-calls-')) };
    // In the background: listing a server's tools takes a sandbox run, which world start does not wait for.
    this.genesisMcp = this.registerGenesisMcp();
  }

  /**
   * Each enabled server of mcp.servers not yet in the directory: its tools listed once in a
   * sandbox (host-paid, on mcp.discover_allowance) and registered as agora-mcp:NAME, owned by
   * system:agora, every tool at the server's price_ucr. A server that cannot start or list is
   * skipped with one log line (tried again at the next attach); it never fails the world.
   */
  private async registerGenesisMcp(): Promise<void> {
    const cfg = this.deps.config;
    const todo = cfg.mcp.servers.filter((s) => s.enabled && this.deps.artifacts.get(genesisMcpId(s.name)) === null);
    const skip = (server: GenesisServer, err: unknown) => {
      const why = err instanceof AgoraError ? err.message : 'it failed inside the host';
      this.deps.log.warn({ server: server.name }, `genesis MCP server ${server.name} skipped: ${why}`);
    };
    // Listed in parallel, registered in config order whatever order the listings end in, so
    // the journal does not depend on which sandbox was faster (a simulated world waits for
    // this before its first cycle: WorldLoop.run).
    const listed = await Promise.all(
      todo.map(async (server) => {
        try {
          return { server, tools: await this.listTools({ owner_id: 'system:agora', launch: this.launchFor(server) }) };
        } catch (err) {
          skip(server, err);
          return null;
        }
      }),
    );
    if (this.sandbox === null) return;
    for (const entry of listed) {
      if (entry === null) continue;
      const { server, tools } = entry;
      try {
        this.deps.artifacts.registerServices([{
          artifact_id: genesisMcpId(server.name),
          kind: 'mcp_server',
          name: `mcp ${server.name}`,
          description: server.description,
          tags: ['agora', 'mcp', server.name],
          interface: mcpInterface(tools, {}, server.price_ucr),
        }]);
      } catch (err) {
        skip(server, err);
      }
    }
  }

  private launchFor(server: GenesisServer): McpLaunch {
    const strong = this.sandbox !== null && this.sandbox.runner.isolation !== 'none';
    const found = launchOf(this.deps.config, server, strong);
    if ('missing' in found) throw new AgoraError('UNAVAILABLE', found.missing);
    return found.launch;
  }

  /**
   * Calls the journal still has open were cut off by a stop or crash of the host: their code is
   * gone, so they fail with EXECUTION_ERROR and everything they held is refunded. Deepest first
   * (openCalls' order), so no parent ends around an open child.
   */
  private failOrphans(): void {
    for (;;) {
      const open = this.deps.artifacts.calls.openCalls(100).filter((c) => !this.live.has(c.call_id));
      if (open.length === 0) return;
      for (const call of open) {
        if (this.deps.artifacts.calls.get(call.call_id)?.status !== 'open') continue; // failed with its parent
        this.deps.artifacts.calls.failCall({ call_id: call.call_id, error_code: 'EXECUTION_ERROR', resources: NOTHING, duration_ms: 0 }, { actor: 'system:invoke' });
        this.deps.log.warn({ call_id: call.call_id }, 'artifact call left open by a stopped host: failed and refunded');
      }
    }
  }

  /** Agora's own services into the directory, those not yet there (journaled; idempotent). */
  registerServices(): void {
    this.deps.artifacts.registerServices(serviceArtifacts());
  }

  /** Removes the scratch parent; calls still running keep their own directories until they end. */
  close(): void {
    if (this.sandbox !== null) rmSync(this.sandbox.scratch_parent, { recursive: true, force: true });
    this.sandbox = null;
  }

  isLive(call_id: string): boolean {
    return this.live.has(call_id);
  }

  get running(): number {
    return this.live.size;
  }

  async invoke(request: InvokeRequest, meta: CommandMeta): Promise<InvokeResult> {
    const cfg = this.deps.config;
    const parent = 'call_token_claims' in request.caller ? request.caller.call_token_claims : null;
    if (parent !== null && !this.live.has(parent.call_id)) throw new AgoraError('UNAUTHENTICATED', `call ${parent.call_id} has ended`);
    const payer_id = parent === null ? (request.caller as { agent_id: string }).agent_id : parent.payer_id;
    const depth = parent === null ? 1 : parent.depth + 1;
    if (depth > cfg.artifacts.call_depth_max) {
      throw new AgoraError('DEPTH_LIMIT', `calls nest at most ${cfg.artifacts.call_depth_max} deep (artifacts.call_depth_max); this one would be depth ${depth}`, { depth, max: cfg.artifacts.call_depth_max });
    }
    if (this.live.size >= cfg.invocation.calls_concurrent_max) throw new AgoraError('RATE_LIMITED', `${this.live.size} artifact calls are running (invocation.calls_concurrent_max)`, null, 1);
    const artifacts = this.deps.artifacts;
    // A nested call is made as the owner of the artifact whose code makes it (the kernel checks
    // access, and beginCall the chain, with that id); the payer stays the original caller.
    const caller_id = parent === null ? payer_id : (artifacts.calls.get(parent.call_id)?.owner_id ?? '');
    if (request.artifact_id.startsWith(HOST_SERVICE_PREFIX)) return this.serveHost(request, payer_id, caller_id, depth, parent, meta);

    const resolved = artifacts.resolveForCall({ artifact_id: request.artifact_id, ...(request.version !== undefined ? { version: request.version } : {}) });
    const tool = toolOf(resolved, request.tool);
    // A genesis MCP server starts as config says now: one removed, disabled or gone is refused before anything is held.
    const launch = this.genesisLaunch(resolved);
    await this.checkAccess(resolved, caller_id, payer_id, depth, parent, meta);
    assertMatches(tool.input_schema, request.args, 'INVALID_ARGS', 'args');

    const begun = artifacts.calls.beginCall(
      {
        payer_id,
        caller_id,
        artifact_id: resolved.artifact.id,
        version: resolved.version.version,
        tool: tool.name,
        max_price_ucr: request.max_price_ucr,
        allowance: request.allowance,
        depth,
        parent_call_id: parent?.call_id ?? null,
      },
      meta,
    );
    const claims: CallClaims = { call_id: begun.call_id, payer_id, depth, budget_ucr: begun.budget_ucr, artifact_id: resolved.artifact.id, version: begun.version };
    const started_ms = Date.now();
    this.live.set(claims.call_id, claims);
    let metered = NOTHING;
    try {
      const answer = await this.run(resolved, tool, claims, request.args, request.allowance, launch);
      metered = answer.metered;
      assertMatches(tool.output_schema, answer.output, 'INVALID_OUTPUT', 'output');
      let used_price_ucr: number | undefined;
      if (tool.pricing.kind === 'capped') {
        if (answer.usage_ucr === null) throw new AgoraError('INVALID_OUTPUT', `${tool.name} is priced by usage and reported none (usage_ucr in its result)`);
        used_price_ucr = Math.min(answer.usage_ucr, begun.price_ucr);
      }
      // Its code is done: nothing it still holds (a socket, a token) can act after this.
      this.live.delete(claims.call_id);
      const settled = artifacts.calls.settleCall({ call_id: claims.call_id, ...(used_price_ucr !== undefined ? { used_price_ucr } : {}), resources: whole(metered), duration_ms: Math.ceil(Date.now() - started_ms), output: answer.output }, meta);
      return { ok: true, call_id: claims.call_id, output: answer.output, price_ucr: settled.price_ucr, resources_ucr: settled.resources_ucr };
    } catch (err) {
      this.live.delete(claims.call_id);
      const error = err instanceof AgoraError ? err : new AgoraError('EXECUTION_ERROR', 'the call failed inside the host');
      if (!(err instanceof AgoraError)) this.deps.log.error({ err, call_id: claims.call_id }, 'artifact call failed unexpectedly');
      const used = (err as { metered?: Metered }).metered ?? metered;
      artifacts.calls.failCall({ call_id: claims.call_id, error_code: error.code, resources: whole(used), duration_ms: Math.ceil(Date.now() - started_ms) }, meta);
      throw error;
    }
  }

  /**
   * One of Agora's own services (host-services.ts): the same checks of args and output against
   * its interface, answered in-process for the payer, with the receipts of any call at price 0.
   * Nothing is held (no allowance: the host meters nothing of its own work), nothing moves.
   */
  private serveHost(request: InvokeRequest, payer_id: string, caller_id: string, depth: number, parent: CallClaims | null, meta: CommandMeta): InvokeResult {
    const service = hostService(request.artifact_id);
    if (service === null) throw new AgoraError('NOT_FOUND', `no Agora service ${request.artifact_id.slice(0, 100)}`, { services: HOST_SERVICE_IDS });
    const tool = service.tools.find((t) => t.name === request.tool);
    if (tool === undefined) throw new AgoraError('INVALID_ARGS', `${service.id} has no tool ${JSON.stringify(request.tool.slice(0, 100))}`, { tools: service.tools.map((t) => t.name) });
    assertMatches(tool.input_schema, request.args, 'INVALID_ARGS', 'args');
    // A world made before the services were artifacts gets them on first use.
    if (this.deps.artifacts.get(service.id) === null) this.registerServices();
    const calls = this.deps.artifacts.calls;
    const begun = calls.beginCall({ payer_id, caller_id, artifact_id: service.id, tool: tool.name, max_price_ucr: request.max_price_ucr, allowance: { cpu_ms: 0, memory_mb: 0, wall_ms: 0 }, depth, parent_call_id: parent?.call_id ?? null }, meta);
    try {
      const output = tool.handle(this.deps.kernel, request.args as Record<string, unknown>, payer_id, parent);
      // Through JSON, as a sandboxed tool's output would come: what is validated is what is sent.
      const sent = JSON.parse(JSON.stringify(output)) as unknown;
      assertMatches(tool.output_schema, sent, 'INVALID_OUTPUT', 'output');
      calls.settleCall({ call_id: begun.call_id, resources: NOTHING, duration_ms: 0, output: sent }, meta);
      return { ok: true, call_id: begun.call_id, output: sent, price_ucr: 0, resources_ucr: 0 };
    } catch (err) {
      const error = err instanceof AgoraError ? err : new AgoraError('EXECUTION_ERROR', `${service.id} ${tool.name} failed inside the host`);
      if (!(err instanceof AgoraError)) this.deps.log.error({ err, call_id: begun.call_id }, 'Agora service call failed unexpectedly');
      calls.failCall({ call_id: begun.call_id, error_code: error.code, resources: NOTHING, duration_ms: 0 }, meta);
      throw error;
    }
  }

  /**
   * The tools an mcp_server bundle lists (initialize, tools/list), before it is published: it
   * runs in a fresh sandbox like a call, on mcp.discover_allowance, host-paid like a contract
   * check. What it lists is re-parsed and bounded (server-shapes.ts); the kernel then checks
   * each schema as it checks a code artifact's interface.
   */
  async listMcpTools(input: { owner_id: string; entry: string; files: BundleFile[] }): Promise<ListedTool[]> {
    const ctx = this.toolContext();
    const root = mkdtempSync(join(ctx.scratch_parent, 'bundle-'));
    try {
      const { hash } = new ArtifactBytes(root).putBundle(input.entry, input.files, fileNameLimits(this.deps.config.artifacts));
      return await this.listTools({ owner_id: input.owner_id, bundle: { dir: new ArtifactBytes(root).bundleDir(hash), entry: input.entry } });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  /** initialize and tools/list of a bundle or a genesis server, in a fresh sandbox on mcp.discover_allowance. */
  private async listTools(input: { owner_id: string; bundle?: { dir: string; entry: string }; launch?: McpLaunch }): Promise<ListedTool[]> {
    const ctx = this.toolContext();
    const claims: CallClaims = { call_id: `list-${++this.listings}`, payer_id: input.owner_id, depth: 1, budget_ucr: 0, artifact_id: 'mcp-listing', version: 1 };
    const outcome = await runMcpServer(ctx, { claims, bundle: input.bundle ?? { dir: '', entry: '' }, ...(input.launch !== undefined ? { launch: input.launch } : {}), allowance: this.deps.config.mcp.discover_allowance, ask: { kind: 'list' } });
    this.logs.ended(callLogPath(this.deps.log_dir, claims.call_id));
    if (!outcome.ok) throw new AgoraError(outcome.error.code, `the MCP server's tools could not be listed: ${outcome.error.message}`, outcome.error.details);
    if (outcome.answer.kind !== 'list') throw new AgoraError('EXECUTION_ERROR', 'the MCP server answered something other than its tool list');
    return outcome.answer.tools;
  }

  /** One tool run: a host service answers in-process, anything else in a fresh sandbox. */
  private async run(resolved: ResolvedVersion, tool: ToolSpec, claims: CallClaims, args: unknown, allowance: Allowance, launch: McpLaunch | undefined): Promise<{ output: unknown; usage_ucr: number | null; metered: Metered }> {
    if (resolved.artifact.kind === 'mcp_server') return this.runMcp(resolved, tool, claims, args, allowance, launch);
    const outcome = await this.runLogged({ claims, bundle: resolved.bundle, tool: tool.name, args, allowance, api: true });
    if (!outcome.ok) throw Object.assign(outcome.error, { metered: outcome.metered });
    return { output: outcome.result.output, usage_ucr: outcome.result.usage_ucr, metered: outcome.metered };
  }

  /**
   * One tools/call of an mcp_server artifact in its own sandbox. The result is the MCP result
   * as server-shapes.ts keeps it; a result the server marks isError fails the call (refunded),
   * with at most 500 plain characters of its first text as the reason.
   */
  private async runMcp(resolved: ResolvedVersion, tool: ToolSpec, claims: CallClaims, args: unknown, allowance: Allowance, launch: McpLaunch | undefined): Promise<{ output: unknown; usage_ucr: number | null; metered: Metered }> {
    const ctx = this.toolContext();
    let outcome;
    try {
      outcome = await runMcpServer(ctx, { claims, bundle: resolved.bundle, ...(launch !== undefined ? { launch } : {}), allowance, ask: { kind: 'call', tool: tool.name, args } });
    } finally {
      this.logs.ended(callLogPath(this.deps.log_dir, claims.call_id));
    }
    if (!outcome.ok) throw Object.assign(outcome.error, { metered: outcome.metered });
    if (outcome.answer.kind !== 'call') throw Object.assign(new AgoraError('EXECUTION_ERROR', 'the MCP server answered something other than a tool result'), { metered: outcome.metered });
    const result = outcome.answer.result;
    if (result.isError) {
      const first = result.content.find((c) => c.type === 'text');
      const why = first !== undefined && 'text' in first ? plain(first.text, 500) : 'no reason given';
      throw Object.assign(new AgoraError('EXECUTION_ERROR', `the MCP tool reported an error: ${why}`), { metered: outcome.metered });
    }
    const bytes = Buffer.byteLength(JSON.stringify(result));
    if (bytes > this.deps.config.invocation.result_bytes_max) {
      throw Object.assign(new AgoraError('LIMIT', `the MCP tool's result is ${bytes} bytes, over invocation.result_bytes_max (${this.deps.config.invocation.result_bytes_max})`, { limit: 'result_bytes' }), { metered: outcome.metered });
    }
    return { output: result, usage_ucr: null, metered: outcome.metered };
  }

  /** The launch of a genesis MCP server (agora-mcp:NAME), from config as it is now; undefined for any other artifact. */
  private genesisLaunch(resolved: ResolvedVersion): McpLaunch | undefined {
    if (resolved.artifact.owner_id !== 'system:agora' || resolved.artifact.kind !== 'mcp_server') return undefined;
    const server = genesisServer(this.deps.config, resolved.artifact.id);
    if (server === null) throw new AgoraError('UNAVAILABLE', `${resolved.artifact.id} is not an enabled server of this host's mcp.servers`, { artifact_id: resolved.artifact.id });
    this.toolContext();
    return this.launchFor(server);
  }

  /**
   * Access, failing closed. An executable contract runs `check` in its own sandbox with no API
   * at all (so it cannot move money or call anything) on invocation.contract_allowance; it
   * allows only by answering {"allow": true}. Anything else (crash, timeout, bad answer) denies.
   */
  private async checkAccess(resolved: ResolvedVersion, caller_id: string, payer_id: string, depth: number, parent: CallClaims | null, meta: CommandMeta): Promise<void> {
    const artifact = resolved.artifact;
    const decision = this.deps.artifacts.checkAccess({ caller_id, action: 'invoke', artifact_id: artifact.id });
    if ('allow' in decision) {
      if (!decision.allow) throw new AgoraError('ACCESS_DENIED', `invoke of ${artifact.id} denied: ${decision.reason}`, { artifact_id: artifact.id });
      return;
    }
    const { allow, reason, contract_id, version } = await this.runContract(decision.executable, { caller: caller_id, action: 'invoke', artifact: { id: artifact.id, version: resolved.version.version, owner_id: artifact.owner_id }, context: { payer_id, depth, via_artifact: parent?.artifact_id ?? null } });
    this.deps.artifacts.calls.recordContractDecision({ contract_id, contract_version: version, artifact_id: artifact.id, caller_id, action: 'invoke', allow, reason }, meta);
    if (!allow) throw new AgoraError('ACCESS_DENIED', `invoke of ${artifact.id} denied: ${reason}`, { artifact_id: artifact.id, contract_id });
  }

  /** ContractRunner, for the data routes (read, write): the same sandboxed, API-less, fail-closed check. */
  async check(input: { contract_id: string; version: number; bundle: { dir: string; entry: string }; caller_id: string; action: string; artifact_id: string }): Promise<{ allow: boolean; reason: string }> {
    const artifact = this.deps.artifacts.get(input.artifact_id);
    const { allow, reason } = await this.runContract(input, { caller: input.caller_id, action: input.action, artifact: { id: input.artifact_id, version: artifact?.latest_version ?? null, owner_id: artifact?.owner_id ?? null }, context: { payer_id: input.caller_id, depth: 0, via_artifact: null } });
    return { allow, reason };
  }

  /** Runs an executable contract's `check` in its own sandbox, with no API. */
  async runContract(contract: { contract_id: string; version: number; bundle: { dir: string; entry: string } }, args: { caller: string; action: string; artifact: unknown; context: unknown }): Promise<{ allow: boolean; reason: string; contract_id: string; version: number }> {
    const claims: CallClaims = { call_id: `check-${++this.checks}`, payer_id: args.caller, depth: 1, budget_ucr: 0, artifact_id: contract.contract_id, version: contract.version };
    const outcome = await this.runLogged({ claims, bundle: contract.bundle, tool: 'check', args, allowance: this.deps.config.invocation.contract_allowance, api: false });
    const answer = outcome.ok ? (outcome.result.output as { allow?: unknown; reason?: unknown } | null) : null;
    const allow = answer !== null && typeof answer === 'object' && answer.allow === true;
    const reason = !outcome.ok
      ? `its contract ${contract.contract_id} failed (${outcome.error.code}: ${outcome.error.message}); fail closed`
      : allow
        ? `allowed by contract ${contract.contract_id}`
        : typeof answer?.reason === 'string'
          ? answer.reason.slice(0, 200)
          : `contract ${contract.contract_id} did not allow it`;
    return { allow, reason, contract_id: contract.contract_id, version: contract.version };
  }

  /** One sandboxed run; its log then counts against invocation.call_logs_kept. */
  private async runLogged(run: ToolRun): Promise<ToolOutcome> {
    const ctx = this.toolContext();
    try {
      return await runTool(ctx, run);
    } finally {
      this.logs.ended(callLogPath(this.deps.log_dir, run.claims.call_id));
    }
  }

  /** The sandbox side the invoker was attached with, for other host work that runs in a sandbox (package installs). */
  sandboxContext(): ToolRunContext | null {
    return this.sandbox === null ? null : this.toolContext();
  }

  private toolContext(): ToolRunContext {
    if (this.sandbox === null) throw new AgoraError('UNAVAILABLE', 'artifact code cannot run here: no sandbox runner is attached');
    return { config: this.deps.config, runner: this.sandbox.runner, api: this.sandbox.api, log: this.deps.log, socket_dir: this.sandbox.socket_dir, scratch_parent: this.sandbox.scratch_parent, log_dir: this.deps.log_dir, calls: this.deps.calls, now_world_ms: this.deps.now_world_ms };
  }
}

function toolOf(resolved: ResolvedVersion, name: string): ToolSpec {
  const tools = resolved.version.interface?.tools ?? [];
  const tool = tools.find((t) => t.name === name);
  if (tool === undefined) {
    throw new AgoraError('INVALID_ARGS', `${resolved.artifact.id} v${resolved.version.version} has no tool ${JSON.stringify(name.slice(0, 100))}`, { tools: tools.map((t) => t.name).slice(0, 50) });
  }
  return tool;
}

/** Throws `code` unless `value` satisfies `schema`: "success" is a validated output, never "did not throw". */
function assertMatches(schema: object, value: unknown, code: 'INVALID_ARGS' | 'INVALID_OUTPUT', what: string): void {
  const result = validateAgainst(schema, value);
  if (result.ok) return;
  const first = result.problems[0];
  throw new AgoraError(code, `${what} does not match the tool's schema at ${first?.path ?? '/'}: ${first?.message ?? 'invalid'}`.slice(0, 300), { problems: result.problems });
}

/** The journal's usage is whole numbers: meters give fractions, rounded up. */
function whole(m: Metered): Metered {
  return { cpu_ms: Math.ceil(m.cpu_ms), memory_peak_mb: Math.ceil(m.memory_peak_mb), wall_ms: Math.ceil(m.wall_ms) };
}
