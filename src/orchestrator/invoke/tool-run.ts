// Runs one tool call of a code artifact in a fresh sandbox, with the same runner and hardening
// as agent runs: the version's bundle read-only at /code, a fresh scratch directory (the only
// writable place, /workspace inside, removed after), nothing of the owner's or the caller's
// workspace, no network but the API through a per-call channel whose every connection is this
// call. Limits are the call's allowance. It moves no money: the invoker settles on what it returns.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AgoraError } from '../../base/errors.js';
import type { Config } from '../../config/schema.js';
import type { CallClaims, CallTokenSigner } from '../../identity/call-tokens.js';
import { INSIDE } from '../../sandbox/bwrap-args.js';
import { runLimits, type Runner, type RunResult } from '../../sandbox/runner.js';
import { SafeDir } from '../../workspace/safe-dir.js';
import { agentOwner } from '../../workspace/workspace-store.js';
import type { Allowance } from '../../kernel/artifacts/calls.js';
import type { ApiPort, ExecutionChannel } from '../ports.js';
import { entryCommand, readResult, REQUEST_FILE, RESULT_FILE, writeRequest, type ToolResult } from './tool-protocol.js';

export type { Allowance };

export interface ToolRunContext {
  config: Config;
  runner: Runner;
  api: ApiPort;
  log: Logger;
  /** Private directory for per-call sockets (short paths: sun_path is 108 bytes). */
  socket_dir: string;
  /** Parent of the per-call scratch directories. */
  scratch_parent: string;
  /** Where each call's capped log goes. */
  log_dir: string;
  calls: CallTokenSigner;
  now_world_ms(): number;
}

export interface ToolRun {
  claims: CallClaims;
  bundle: { dir: string; entry: string };
  tool: string;
  args: unknown;
  allowance: Allowance;
  /**
   * Whether the code may reach the API at all. An executable contract may not: with no
   * channel it can move no money and call nothing, whatever it runs.
   */
  api: boolean;
}

export interface Metered {
  cpu_ms: number;
  memory_peak_mb: number;
  wall_ms: number;
}

export type ToolOutcome = { ok: true; result: Extract<ToolResult, { kind: 'output' }>; metered: Metered } | { ok: false; error: AgoraError; metered: Metered };

const NOTHING: Metered = { cpu_ms: 0, memory_peak_mb: 0, wall_ms: 0 };

/** Where a call's capped log is kept: `<log_dir>/call-<id>.log`. */
export function callLogPath(log_dir: string, call_id: string): string {
  return join(log_dir, `${runId(call_id)}.log`);
}

/** The run's id for the runner (a path component and cgroup name): the call id, made safe. */
export function runId(call_id: string): string {
  return `call-${call_id.replace(/[^A-Za-z0-9_.:-]/g, '_')}`.slice(0, 128);
}

export async function runTool(ctx: ToolRunContext, run: ToolRun): Promise<ToolOutcome> {
  const scratch_dir = mkdtempSync(join(ctx.scratch_parent, 'call-'));
  let channel: ExecutionChannel | null = null;
  try {
    const code_inside = ctx.runner.isolation === 'none' ? run.bundle.dir : INSIDE.code;
    const command = entryCommand(code_inside, run.bundle.entry);
    const workspace_inside = ctx.runner.workspacePathInside({ workspace_dir: scratch_dir });
    SafeDir.with(scratch_dir, (dir) => writeRequest(dir, { tool: run.tool, args: run.args, call: run.claims }, ctx.config.invocation.request_bytes_max));
    const socket_path = join(ctx.socket_dir, `${run.claims.call_id}.sock`);
    const env: Record<string, string> = {
      AGORA_CALL_ID: run.claims.call_id,
      AGORA_REQUEST_PATH: `${workspace_inside}/${REQUEST_FILE}`,
      AGORA_RESULT_PATH: `${workspace_inside}/${RESULT_FILE}`,
    };
    if (!run.api) {
      // No channel, no token.
    } else if (ctx.runner.isolation !== 'none') {
      // The channel is the call's identity: nothing inside needs (or could leak) a credential.
      channel = await ctx.api.openCallChannel(run.claims, socket_path);
    } else {
      // No isolation (development only): a call token over TCP, alive only while the call is.
      env.AGORA_TOKEN = ctx.calls.mint(run.claims, ctx.now_world_ms() + run.allowance.wall_ms + ctx.config.auth.execution_token_slack_s * 1000);
    }
    let handle;
    try {
      handle = await ctx.runner.start({
        execution_id: runId(run.claims.call_id),
        agent_id: runId(run.claims.artifact_id),
        workspace_dir: scratch_dir,
        code_dir: run.bundle.dir,
        command,
        env,
        limits: {
          ...runLimits(ctx.config, { memory_mb: run.allowance.memory_mb, wall_ms: run.allowance.wall_ms, cpu_ms_max: run.allowance.cpu_ms }),
          // The scratch directory is small: what a tool may write is bounded like its result.
          disk_bytes_max: Math.max(ctx.config.invocation.result_bytes_max * 4, 1 << 20),
        },
        api_socket_path: channel === null ? null : socket_path,
        api_url: ctx.runner.isolation === 'none' ? ctx.api.url : null,
        log_path: callLogPath(ctx.log_dir, run.claims.call_id),
      });
    } catch (err) {
      ctx.log.warn({ err, call_id: run.claims.call_id }, 'tool sandbox did not start');
      return { ok: false, error: new AgoraError('EXECUTION_ERROR', 'the tool could not be started'), metered: NOTHING };
    }
    const result = await handle.done;
    const metered = { cpu_ms: result.cpu_ms, memory_peak_mb: result.memory_peak_mb, wall_ms: result.wall_ms };
    const failure = failureOf(result);
    if (failure !== null) return { ok: false, error: failure, metered };
    try {
      const answer = SafeDir.with(scratch_dir, (dir) => readResult(dir, ctx.config.invocation.result_bytes_max, agentOwner(ctx.config.sandbox)));
      if (answer.kind === 'error') return { ok: false, error: new AgoraError('EXECUTION_ERROR', `the tool reported an error: ${answer.message}`), metered };
      return { ok: true, result: answer, metered };
    } catch (err) {
      if (err instanceof AgoraError) return { ok: false, error: err, metered };
      throw err;
    }
  } finally {
    channel?.close();
    rmSync(scratch_dir, { recursive: true, force: true });
  }
}

/** How a run that did not end cleanly fails the call; null for a clean exit. */
export function failureOf(result: RunResult): AgoraError | null {
  switch (result.reason) {
    case 'exit':
      return null;
    case 'killed_timeout':
      return new AgoraError('TIMEOUT', "the tool ran past its allowance's wall time");
    case 'killed_cpu':
      return new AgoraError('LIMIT', "the tool used up its allowance's CPU time", { limit: 'cpu_ms' });
    case 'killed_memory':
      return new AgoraError('LIMIT', "the tool went over its allowance's memory", { limit: 'memory_mb' });
    case 'killed_disk':
      return new AgoraError('LIMIT', 'the tool wrote more than its scratch directory holds', { limit: 'disk_bytes' });
    case 'crashed':
      return new AgoraError('EXECUTION_ERROR', `the tool crashed (${result.exit_code !== null ? `exit ${result.exit_code}` : `signal ${result.signal ?? '?'}`})`);
    case 'stopped':
      return new AgoraError('EXECUTION_ERROR', 'the tool was stopped by the host');
    case 'lost': // tools run on the world's own runner, never a remote one: kept for the type
      return new AgoraError('EXECUTION_ERROR', 'the tool run was lost by the host');
    case 'spawn_failed':
      return new AgoraError('EXECUTION_ERROR', 'the tool could not be started');
  }
}
