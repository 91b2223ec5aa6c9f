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
import type { CommandMeta } from '../../kernel/registry.js';
import type { Runner } from '../../sandbox/runner.js';
import type { ApiPort } from '../ports.js';
import { assertMatches } from './json-schema.js';
import type { ArtifactCalls, CallRecord, InvocationService, InvokeRequest, InvokeResult, ToolSpec } from './seam.js';
import { runTool, type Allowance, type Metered, type ToolRunContext } from './tool-run.js';
import type { HostServices } from './host-services.js';

export interface InvokerDeps {
  artifacts: () => ArtifactCalls;
  config: Config;
  log: Logger;
  calls: CallTokenSigner;
  now_world_ms(): number;
  /** Where each call's capped log is kept. */
  log_dir: string;
  host_services: HostServices | null;
}

const NOTHING: Metered = { cpu_ms: 0, memory_peak_mb: 0, wall_ms: 0 };

export class Invoker implements InvocationService {
  /** Calls whose code is running: their channel and token are good only while they are here. */
  private readonly live = new Map<string, CallClaims>();
  private sandbox: { runner: Runner; api: ApiPort; socket_dir: string; scratch_parent: string } | null = null;

  constructor(private readonly deps: InvokerDeps) {}

  /** The sandbox side, once the runner and the API exist (the launcher attaches its own). */
  attach(runner: Runner, api: ApiPort, socket_dir?: string): void {
    const sockets = socket_dir ?? runner.channelDir() ?? mkdtempSync(join(tmpdir(), 'agora-sock-'));
    mkdirSync(sockets, { recursive: true, mode: 0o711 });
    this.close();
    this.sandbox = { runner, api, socket_dir: sockets, scratch_parent: mkdtempSync(join(tmpdir(), 'agora-calls-')) };
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
    const cfg = this.deps.config.invocation;
    const parent = 'call_token_claims' in request.caller ? request.caller.call_token_claims : null;
    if (parent !== null && !this.live.has(parent.call_id)) throw new AgoraError('UNAUTHENTICATED', `call ${parent.call_id} has ended`);
    const payer_id = parent === null ? (request.caller as { agent_id: string }).agent_id : parent.payer_id;
    const depth = parent === null ? 1 : parent.depth + 1;
    if (depth > cfg.depth_max) {
      throw new AgoraError('DEPTH_LIMIT', `calls nest at most ${cfg.depth_max} deep (invocation.depth_max); this one would be depth ${depth}`, { depth, depth_max: cfg.depth_max });
    }
    if (this.live.size >= cfg.calls_concurrent_max) throw new AgoraError('RATE_LIMITED', `${this.live.size} artifact calls are running (invocation.calls_concurrent_max)`, null, 1);
    const allowance = boundedAllowance(this.deps.config, request.allowance);
    const artifacts = this.deps.artifacts();

    const record = artifacts.resolveForCall({ artifact_id: request.artifact_id, ...(request.version !== undefined ? { version: request.version } : {}) });
    const tool = toolOf(record, request.tool);
    await this.checkAccess(artifacts, record, payer_id, parent, meta);
    assertMatches(tool.input_schema, request.args, 'INVALID_ARGS', 'args');

    const begun = artifacts.beginCall(
      {
        payer_id,
        caller_id: parent === null ? payer_id : parent.artifact_id,
        artifact_id: record.artifact_id,
        version: record.version,
        tool: tool.name,
        max_price_ucr: request.max_price_ucr,
        allowance,
        depth,
        parent_call_id: parent?.call_id ?? null,
      },
      meta,
    );
    const claims: CallClaims = { call_id: begun.call_id, payer_id, depth, budget_ucr: Math.max(0, begun.escrow_ucr - begun.price_ucr), artifact_id: record.artifact_id, version: record.version };
    const started_ms = Date.now();
    let metered = NOTHING;
    this.live.set(claims.call_id, claims);
    try {
      const answer = await this.run(record, tool, claims, request.args, allowance);
      metered = answer.metered;
      assertMatches(tool.output_schema, answer.output, 'INVALID_OUTPUT', 'output');
      const used_price_ucr = tool.pricing?.mode === 'capped' ? Math.min(begun.price_ucr, answer.usage_ucr ?? begun.price_ucr) : begun.price_ucr;
      this.live.delete(claims.call_id);
      const settled = artifacts.settleCall({ call_id: claims.call_id, used_price_ucr, resources: metered, duration_ms: Date.now() - started_ms }, meta) as unknown;
      return { ok: true, call_id: claims.call_id, output: answer.output, price_ucr: used_price_ucr, resources_ucr: resourcesOf(settled) };
    } catch (err) {
      this.live.delete(claims.call_id);
      const error = err instanceof AgoraError ? err : new AgoraError('EXECUTION_ERROR', 'the call failed inside the host');
      if (!(err instanceof AgoraError)) this.deps.log.error({ err, call_id: claims.call_id }, 'artifact call failed unexpectedly');
      const used = (err as { metered?: Metered }).metered ?? metered;
      artifacts.failCall({ call_id: claims.call_id, error_code: error.code, resources: used, duration_ms: Date.now() - started_ms }, meta);
      throw error;
    } finally {
      this.live.delete(claims.call_id);
    }
  }

  /** One tool run: a host service answers in-process, anything else in a fresh sandbox. */
  private async run(record: CallRecord, tool: ToolSpec, claims: CallClaims, args: unknown, allowance: Allowance): Promise<{ output: unknown; usage_ucr: number | null; metered: Metered }> {
    if (record.host_service !== undefined && record.host_service !== null) {
      if (this.deps.host_services === null) throw new AgoraError('UNAVAILABLE', 'host services are not offered here');
      const output = await this.deps.host_services.call(record.host_service, tool.name, args, claims);
      return { output, usage_ucr: null, metered: NOTHING };
    }
    if (record.bundle === null) throw new AgoraError('EXECUTION_ERROR', `${record.artifact_id}@${record.version} has no code to run`);
    const outcome = await runTool(this.toolContext(), { claims, bundle: record.bundle, tool: tool.name, args, allowance, api: true });
    if (!outcome.ok) throw Object.assign(outcome.error, { metered: outcome.metered });
    return { output: outcome.result.output, usage_ucr: outcome.result.usage_ucr, metered: outcome.metered };
  }

  /**
   * Access, failing closed. An executable contract runs `check` in its own sandbox with no API
   * at all (so it cannot move money or call anything) on invocation.contract_allowance; it
   * allows only by answering {"allow": true}. Anything else (crash, timeout, bad answer) denies.
   */
  private async checkAccess(artifacts: ArtifactCalls, record: CallRecord, payer_id: string, parent: CallClaims | null, meta: CommandMeta): Promise<void> {
    const decision = artifacts.checkAccess({ caller_id: payer_id, action: 'invoke', artifact_id: record.artifact_id });
    if ('allow' in decision) {
      if (!decision.allow) throw new AgoraError('ACCESS_DENIED', `access to ${record.artifact_id} denied: ${decision.reason}`);
      return;
    }
    const contract = decision.executable;
    const context = { payer_id, via_artifact: parent?.artifact_id ?? null, depth: parent === null ? 1 : parent.depth + 1 };
    const claims: CallClaims = { call_id: `chk-${record.artifact_id}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`, payer_id, depth: context.depth, budget_ucr: 0, artifact_id: contract.contract_id, version: contract.version };
    const outcome = await runTool(this.toolContext(), {
      claims,
      bundle: contract.bundle,
      tool: 'check',
      args: { caller: payer_id, action: 'invoke', artifact: { id: record.artifact_id, version: record.version, owner_id: record.owner_id }, context },
      allowance: this.deps.config.invocation.contract_allowance,
      api: false,
    });
    const answer = outcome.ok ? (outcome.result.output as { allow?: unknown; reason?: unknown } | null) : null;
    const allow = answer !== null && typeof answer === 'object' && answer.allow === true;
    const reason = !outcome.ok ? `the contract failed (${outcome.error.code}: ${outcome.error.message})` : allow ? 'allowed by its contract' : typeof answer?.reason === 'string' ? answer.reason.slice(0, 200) : 'the contract did not allow it';
    artifacts.recordContractDecision?.({ contract_id: contract.contract_id, version: contract.version, artifact_id: record.artifact_id, caller_id: payer_id, action: 'invoke', allow, reason }, meta);
    if (!allow) throw new AgoraError('ACCESS_DENIED', `access to ${record.artifact_id} denied: ${reason}`, { contract_id: contract.contract_id });
  }

  private toolContext(): ToolRunContext {
    if (this.sandbox === null) throw new AgoraError('UNAVAILABLE', 'artifact code cannot run here: no sandbox runner is attached');
    return { config: this.deps.config, runner: this.sandbox.runner, api: this.sandbox.api, log: this.deps.log, socket_dir: this.sandbox.socket_dir, scratch_parent: this.sandbox.scratch_parent, log_dir: this.deps.log_dir, calls: this.deps.calls, now_world_ms: this.deps.now_world_ms };
  }
}

function toolOf(record: CallRecord, name: string): ToolSpec {
  if (record.kind !== 'code' || record.interface === null) throw new AgoraError('INVALID_ARGS', `${record.artifact_id} is not code: it has no tools to call`);
  const tool = record.interface.tools.find((t) => t.name === name);
  if (tool === undefined) {
    throw new AgoraError('INVALID_ARGS', `${record.artifact_id}@${record.version} has no tool ${JSON.stringify(name.slice(0, 100))}`, { tools: record.interface.tools.map((t) => t.name).slice(0, 50) });
  }
  return tool;
}

/** The caller's allowance, each part defaulted and checked against its configured bound. */
export function boundedAllowance(config: Config, asked: Partial<Allowance> | undefined): Allowance {
  const cfg = config.invocation;
  const allowance = { ...cfg.allowance_default, ...asked };
  const bounds: [keyof Allowance, number][] = [
    ['cpu_ms', cfg.cpu_ms_max],
    ['memory_mb', cfg.memory_mb_max],
    ['wall_ms', cfg.wall_ms_max],
  ];
  for (const [key, max] of bounds) {
    if (!Number.isInteger(allowance[key]) || allowance[key] < 1 || allowance[key] > max) {
      throw new AgoraError('INVALID_ARGS', `allowance.${key} must be an integer from 1 to ${max} (invocation.${key}_max)`, { field: `allowance.${key}` });
    }
  }
  if (allowance.memory_mb < 16) throw new AgoraError('INVALID_ARGS', 'allowance.memory_mb must be at least 16', { field: 'allowance.memory_mb' });
  return allowance;
}

function resourcesOf(settled: unknown): number {
  if (settled !== null && typeof settled === 'object' && typeof (settled as { resources_ucr?: unknown }).resources_ucr === 'number') return (settled as { resources_ucr: number }).resources_ucr;
  return 0;
}
