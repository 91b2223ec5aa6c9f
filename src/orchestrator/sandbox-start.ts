// Starts one journaled execution in its sandbox: checks the workspace, writes env.json, opens
// the per-execution API channel, mints the run's token and asks the runner for a process.
// It knows nothing of queues or leases; a failure comes back as the outcome to journal.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ApiPort, ExecutionChannel } from './ports.js';
import type { ExecutionReason } from '../kernel/executions/events.js';
import type { ExecutionOutcome, ExecutionView } from '../kernel/executions/commands.js';
import type { AgentView } from '../kernel/agents/commands.js';
import { findPython } from '../sandbox/bwrap.js';
import { PYTHON_NAME, resolveAgentCommand } from '../sandbox/command.js';
import { runLimits, type RunHandle, type Runner, type RunResult } from '../sandbox/runner.js';
import { buildEnvJson, writeEnvJson, type InboxMessage } from './env-json.js';
import type { World } from './open-world.js';

/** Unread messages for env.json; the society part of Agora provides it. */
export type InboxProvider = (agent_id: string) => InboxMessage[];

export interface SandboxContext {
  world: World;
  api: ApiPort;
  runner: Runner;
  log: Logger;
  socket_dir: string;
  inbox: InboxProvider;
}

export type SandboxStart =
  | { ok: true; handle: RunHandle; channel: ExecutionChannel | null }
  | { ok: false; outcome: ExecutionOutcome; channel: ExecutionChannel | null };

function apiUrlInside(ctx: SandboxContext): string {
  return ctx.runner.isolation === 'none' ? ctx.api.url : `http://127.0.0.1:${ctx.world.config.sandbox.api_port_inside}`;
}

/**
 * (Re)writes the run's env.json: at start, and whenever a new lease of it begins. `known` is
 * the agent and its workspace's directory, which the start has just read (and only it passes).
 */
export function writeRunEnv(ctx: SandboxContext, execution: ExecutionView, known?: { agent: AgentView; workspace_dir: string }): void {
  const agent = known?.agent ?? ctx.world.kernel.agents.require(execution.agent_id);
  const disk = ctx.world.workspaces.usage(agent.workspace);
  const env = buildEnvJson(ctx.world.kernel, execution, { api_url: apiUrlInside(ctx), inbox: ctx.inbox(execution.agent_id), disk, agent });
  // Before the run starts no process of the agent is there to read it half written (but the
  // process runner, no sandbox, lets an agent's children outlive its run).
  const no_reader = known !== undefined && ctx.runner.isolation !== 'none';
  writeEnvJson(known?.workspace_dir ?? ctx.world.workspaces.dir(agent.workspace), env, null, { no_reader });
}

/** Leases are in world time; a process is held to the same span of real time. */
export function leaseEndWallMs(ctx: SandboxContext, lease_ends_world_ms: number): number {
  const remaining_ms = lease_ends_world_ms - ctx.world.kernel.clock.now_ms();
  return Date.now() + Math.max(0, remaining_ms);
}

export async function startSandbox(ctx: SandboxContext, execution: ExecutionView, debug: { inspect_port: number } | null): Promise<SandboxStart> {
  let channel: ExecutionChannel | null = null;
  try {
    const agent = ctx.world.kernel.agents.require(execution.agent_id);
    const workspace_dir = ctx.world.workspaces.dir(agent.workspace);
    if (!existsSync(workspace_dir) || !statSync(workspace_dir).isDirectory()) return { ok: false, outcome: emptyOutcome('no_workspace'), channel };
    const command = resolveAgentCommand(workspace_dir, ctx.world.config.sandbox.agent_json_bytes_max);
    if (!command.ok) {
      ctx.log.warn({ execution_id: execution.id, agent_id: execution.agent_id, why: command.why }, 'agent has no entry point');
      return { ok: false, outcome: emptyOutcome(command.reason), channel };
    }
    writeRunEnv(ctx, execution, { agent, workspace_dir });
    const socket_path = join(ctx.socket_dir, `${execution.id}.sock`);
    // A remote run's API calls reach the API over HTTP from its runner host, with the run's token.
    if (ctx.runner.isolation !== 'none' && ctx.runner.kind !== 'remote') {
      channel = await ctx.api.openChannel({ agent_id: execution.agent_id, execution_id: execution.id }, socket_path);
    }
    const inside = ctx.runner.workspacePathInside({ workspace_dir });
    const token = ctx.world.signer.mint({ agent_id: execution.agent_id, execution_id: execution.id, expires_world_ms: execution.lease_ends_at_ms + ctx.world.config.auth.execution_token_slack_s * 1000 });
    const handle = await ctx.runner.start({
      execution_id: execution.id,
      agent_id: execution.agent_id,
      workspace_dir,
      command: debug === null ? command.command : debugCommand(ctx, command.command, debug.inspect_port),
      env: {
        AGENT_ID: execution.agent_id,
        EXECUTION_ID: execution.id,
        SYSTEM_SERVICE_URL: apiUrlInside(ctx),
        ENV_JSON_PATH: `${inside}/env.json`,
        AGORA_TOKEN: token,
      },
      limits: runLimits(ctx.world.config, {
        memory_mb: Math.max(8, execution.bundle.memory_mb),
        wall_ms: Math.max(1, leaseEndWallMs(ctx, execution.lease_ends_at_ms) - Date.now()),
        cpu_ms_max: execution.bundle.cpu_ms > 0 ? execution.bundle.cpu_ms : null,
      }),
      api_socket_path: channel === null ? null : socket_path,
      api_url: ctx.runner.isolation === 'none' ? ctx.api.url : null,
      log_path: join(ctx.world.paths.executions, `${execution.id}.log`),
      debug: debug === null ? null : { inspect_port: debug.inspect_port, break_on_start: false },
    });
    if (debug !== null) ctx.log.warn({ execution_id: execution.id, port: debug.inspect_port }, 'debug run: inspector open');
    return { ok: true, handle, channel };
  } catch (err) {
    ctx.log.error({ err, execution_id: execution.id }, 'launch failed');
    return { ok: false, outcome: emptyOutcome('spawn_failed'), channel };
  }
}

const debugpy_by_python = new Map<string, boolean>();

/**
 * Node runs get the inspector from the runner (NODE_OPTIONS). A Python run is wrapped in
 * debugpy when the sandbox's own python has it. The agent chooses its command, so nothing of
 * it ever runs on the host: only a command whose program is exactly the name main.py runs
 * with is taken to mean the sandbox's python, and only that python (from config) is asked.
 */
export function debugCommand(ctx: Pick<SandboxContext, 'world' | 'runner'>, command: string[], port: number): string[] {
  if (command[0] !== PYTHON_NAME || ctx.runner.kind === 'docker') return command;
  const python = findPython(ctx.world.config);
  if (python === null) return command;
  let available = debugpy_by_python.get(python);
  if (available === undefined) {
    available = spawnSync(python, ['-c', 'import debugpy'], { stdio: 'ignore', timeout: ctx.world.config.sandbox.probe_timeout_ms }).status === 0;
    debugpy_by_python.set(python, available);
  }
  if (!available) return command;
  return [PYTHON_NAME, '-m', 'debugpy', '--listen', `127.0.0.1:${port}`, ...command.slice(1)];
}

export function emptyOutcome(reason: ExecutionReason): ExecutionOutcome {
  return { reason, exit_code: null, signal: null, cpu_ms: 0, memory_peak_mb: 0, wall_ms: 0, log_bytes: 0, log_truncated: false };
}

export function outcomeOf(result: RunResult): ExecutionOutcome {
  return {
    reason: result.reason,
    exit_code: result.exit_code,
    signal: result.signal,
    cpu_ms: result.cpu_ms,
    memory_peak_mb: result.memory_peak_mb,
    wall_ms: result.wall_ms,
    log_bytes: result.log_bytes,
    log_truncated: result.log_truncated,
  };
}
