// One run of an mcp_server artifact: its bundle's entry started in a fresh sandbox like any
// tool call (tool-run.ts: the bundle read-only at /code, a fresh scratch directory, the call's
// limits, no network and no API), with a relay joining its stdio to a per-call unix socket.
// The host end of that socket is the official MCP SDK client: initialize, then tools/list (at
// publish) or one tools/call (per invocation), each with a timeout from config; then the host
// hangs up, which ends the sandbox. What comes back is capped (socket-transport.ts) and
// re-parsed (server-shapes.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { z } from 'zod';
import { AgoraError } from '../../../base/errors.js';
import type { CallClaims } from '../../../identity/call-tokens.js';
import { INSIDE } from '../../../sandbox/bwrap-args.js';
import { runLimits, type RunHandle, type RunResult } from '../../../sandbox/runner.js';
import { SafeDir } from '../../../workspace/safe-dir.js';
import { entryCommand } from '../tool-protocol.js';
import { callLogPath, failureOf, runId, type Allowance, type Metered, type ToolRunContext } from '../tool-run.js';
import { RELAY_FILE, RELAY_SOURCE } from './relay.js';
import { SocketTransport } from './socket-transport.js';
import { takeResult, takeTools, type ListedTool, type McpOutput } from './server-shapes.js';

export type McpAsk = { kind: 'list' } | { kind: 'call'; tool: string; args: unknown };

export interface McpRun {
  claims: CallClaims;
  bundle: { dir: string; entry: string };
  allowance: Allowance;
  ask: McpAsk;
  /** A genesis server (genesis-servers.ts): its own code directory (or none) and command, in place of the bundle's entry. */
  launch?: McpLaunch;
}

/** Where things are inside the sandbox, for a launch to name its paths. */
export interface InsidePaths {
  workspace: string;
  code: string;
}
export interface McpLaunch {
  code_dir: string | null;
  start(inside: InsidePaths): { argv: string[]; env: Record<string, string> };
}

export type McpAnswer = { kind: 'list'; tools: ListedTool[] } | { kind: 'call'; result: McpOutput };
export type McpOutcome = { ok: true; answer: McpAnswer; metered: Metered } | { ok: false; error: AgoraError; metered: Metered };

/** The SDK checks only that a result is an object; server-shapes.ts then parses it, strictly, as Agora's. */
const ANY_RESULT = z.record(z.string(), z.unknown());
const NOTHING: Metered = { cpu_ms: 0, memory_peak_mb: 0, wall_ms: 0 };
/** How long the sandbox may take to end once the host has hung up, before it is stopped. */
const HANGUP_GRACE_MS = 2_000;

export async function runMcpServer(ctx: ToolRunContext, run: McpRun): Promise<McpOutcome> {
  const cfg = ctx.config.mcp;
  const scratch_dir = mkdtempSync(join(ctx.scratch_parent, 'mcp-'));
  const socket_path = join(ctx.socket_dir, `${run.claims.call_id}.mcp.sock`);
  let listener: Server | null = null;
  let handle: RunHandle | null = null;
  try {
    SafeDir.with(scratch_dir, (dir) => dir.writeNewFile(RELAY_FILE, RELAY_SOURCE, { mode: 0o444, owner: null }));
    const strong = ctx.runner.isolation !== 'none';
    const workspace_inside = ctx.runner.workspacePathInside({ workspace_dir: scratch_dir });
    const code_dir = run.launch !== undefined ? run.launch.code_dir : run.bundle.dir;
    const code_inside = strong ? INSIDE.code : (code_dir ?? '');
    const launched = run.launch?.start({ workspace: workspace_inside, code: code_inside });
    const command = ['node', `${workspace_inside}/${RELAY_FILE}`, ...(launched?.argv ?? entryCommand(code_inside, run.bundle.entry))];
    const connected = new Promise<Socket>((resolve) => {
      listener = createServer((socket) => {
        // One connection per run: the server's stdio. Any other is refused.
        listener?.close();
        resolve(socket);
      });
      listener.maxConnections = 1;
    });
    await new Promise<void>((resolve, reject) => listener!.once('error', reject).listen(socket_path, resolve));
    try {
      handle = await ctx.runner.start({
        execution_id: runId(run.claims.call_id),
        agent_id: runId(run.claims.artifact_id),
        workspace_dir: scratch_dir,
        code_dir,
        command,
        // The server's own environment: no token, no API address it could use.
        env: { ...launched?.env, AGORA_CALL_ID: run.claims.call_id, AGORA_MCP_SOCKET: strong ? INSIDE.api_socket : socket_path },
        limits: {
          ...runLimits(ctx.config, { memory_mb: run.allowance.memory_mb, wall_ms: run.allowance.wall_ms, cpu_ms_max: run.allowance.cpu_ms }),
          disk_bytes_max: Math.max(ctx.config.invocation.result_bytes_max * 4, 1 << 20),
        },
        // Bound where the API channel would be; behind it is the MCP client, not the API.
        api_socket_path: strong ? socket_path : null,
        api_url: null,
        log_path: callLogPath(ctx.log_dir, run.claims.call_id),
      });
    } catch (err) {
      ctx.log.warn({ err, call_id: run.claims.call_id }, 'MCP server sandbox did not start');
      return { ok: false, error: new AgoraError('EXECUTION_ERROR', 'the MCP server could not be started'), metered: NOTHING };
    }
    const ended = handle.done.then((r) => ({ ended: r }) as const);
    const first = await Promise.race([connected.then((socket) => ({ socket }) as const), ended, delay(cfg.server_init_timeout_ms).then(() => ({ late: true }) as const)]);
    if ('ended' in first) return { ok: false, error: failureOf(first.ended) ?? new AgoraError('EXECUTION_ERROR', 'the MCP server ended before it spoke'), metered: meteredOf(first.ended) };
    if ('late' in first) return await stopped(handle, new AgoraError('TIMEOUT', `the MCP server did not start within mcp.server_init_timeout_ms (${cfg.server_init_timeout_ms} ms)`));

    const transport = new SocketTransport(first.socket, { message_bytes_max: cfg.server_message_bytes_max, output_bytes_max: cfg.server_output_bytes_max });
    const client = new Client({ name: 'agora', version: '1' }, { capabilities: {} });
    // The SDK reports protocol faults here; they are the server's, and end the call below.
    client.onerror = () => {};
    const talk = async (): Promise<McpAnswer> => {
      await client.connect(transport, { timeout: cfg.server_init_timeout_ms });
      if (run.ask.kind === 'list') {
        const listed = await client.request({ method: 'tools/list', params: {} }, ANY_RESULT, { timeout: cfg.server_init_timeout_ms });
        return { kind: 'list', tools: takeTools(listed, cfg.server_tools_max, ctx.config.artifacts.description_chars_max) };
      }
      const timeout = Math.min(cfg.server_call_timeout_ms, run.allowance.wall_ms);
      const raw = await client.request({ method: 'tools/call', params: { name: run.ask.tool, arguments: run.ask.args as Record<string, unknown> } }, ANY_RESULT, { timeout });
      return { kind: 'call', result: takeResult(raw) };
    };
    const talked = await Promise.race([talk().then((answer) => ({ answer }), (err: unknown) => ({ err })), ended]);
    await transport.close();
    if ('ended' in talked) return { ok: false, error: failureOf(talked.ended) ?? transport.fault ?? new AgoraError('EXECUTION_ERROR', 'the MCP server ended before it answered'), metered: meteredOf(talked.ended) };
    const result = await Promise.race([handle.done, delay(HANGUP_GRACE_MS).then(() => handle!.stop('the host hung up and the MCP server kept running'))]);
    const metered = meteredOf(result);
    if ('answer' in talked) return { ok: true, answer: talked.answer, metered };
    const killed = result.reason === 'exit' || result.reason === 'crashed' || result.reason === 'stopped' ? null : failureOf(result);
    return { ok: false, error: killed ?? transport.fault ?? errorOf(talked.err), metered };
  } finally {
    (listener as Server | null)?.close();
    rmSync(scratch_dir, { recursive: true, force: true });
    rmSync(socket_path, { force: true });
  }
}

/** The SDK's errors name what went wrong in its own words, which may quote the server: only the kind is kept. */
function errorOf(err: unknown): AgoraError {
  if (err instanceof AgoraError) return err;
  const code = (err as { code?: unknown }).code;
  if (code === -32001) return new AgoraError('TIMEOUT', 'the MCP server did not answer in time (mcp.server_call_timeout_ms or the call\'s wall allowance)');
  if (code === -32602 || code === -32601) return new AgoraError('EXECUTION_ERROR', 'the MCP server refused the call (unknown tool or invalid params)');
  return new AgoraError('EXECUTION_ERROR', 'the MCP server failed the exchange');
}

async function stopped(handle: RunHandle, error: AgoraError): Promise<McpOutcome> {
  const result = await handle.stop(error.message);
  return { ok: false, error, metered: meteredOf(result) };
}

function meteredOf(r: RunResult): Metered {
  return { cpu_ms: r.cpu_ms, memory_peak_mb: r.memory_peak_mb, wall_ms: r.wall_ms };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
