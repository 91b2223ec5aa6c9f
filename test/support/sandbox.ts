// Sandbox test helpers: whether real bwrap sandboxes can run here (tests skip with the reason
// when not), and small builders for agent workspaces and run specs.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openExecutionChannel, type ExecutionIdentity } from '../../src/api/channel.js';
import type { RunningApi } from '../../src/api/start.js';
import type { Config } from '../../src/config/schema.js';
import { runLimits, type RunLimits, type RunSpec } from '../../src/sandbox/runner.js';

let cached: string | false | undefined;

/** false when bwrap sandboxes work here, else why not (node:test prints it as the skip reason). */
export function sandboxUnavailable(): string | false {
  if (cached !== undefined) return cached;
  if (process.platform !== 'linux') return (cached = `bwrap sandboxes need Linux, this is ${process.platform}`);
  const which = spawnSync('sh', ['-c', 'command -v bwrap'], { encoding: 'utf8' });
  if (which.status !== 0) return (cached = 'bubblewrap (bwrap) is not installed');
  const probe = spawnSync('bwrap', ['--unshare-all', '--ro-bind', '/usr', '/usr', '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/lib', '/lib', '/usr/bin/true'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (probe.status !== 0) return (cached = `bwrap cannot create namespaces here: ${probe.stderr.trim()}`);
  return (cached = false);
}

export function cgroupsWritable(): boolean {
  return process.getuid?.() === 0;
}

/** Writes files into a workspace (created if missing); `mode` 0o755 for scripts. */
export function workspace(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
    if (name.endsWith('.sh')) chmodSync(path, 0o755);
  }
  return dir;
}

export interface SpecOptions {
  execution_id: string;
  agent_id?: string;
  workspace_dir: string;
  command: string[];
  log_path: string;
  env?: Record<string, string>;
  limits?: Partial<RunLimits>;
  api_socket_path?: string | null;
  api_url?: string | null;
  debug?: RunSpec['debug'];
}

export function spec(config: Config, o: SpecOptions): RunSpec {
  return {
    execution_id: o.execution_id,
    agent_id: o.agent_id ?? 'agent-a',
    workspace_dir: o.workspace_dir,
    command: o.command,
    env: { AGENT_ID: o.agent_id ?? 'agent-a', EXECUTION_ID: o.execution_id, ...o.env },
    limits: { ...runLimits(config, { memory_mb: 256, wall_ms: 20_000, cpu_ms_max: null }), ...o.limits },
    api_socket_path: o.api_socket_path ?? null,
    api_url: o.api_url ?? null,
    log_path: o.log_path,
    debug: o.debug ?? null,
  };
}

/**
 * Opens a per-execution API channel for a test run on a socket in a private temp directory;
 * both are removed when the test ends. Returns the socket path to hand the runner.
 */
export async function testChannel(t: { after(fn: () => unknown): void }, api: RunningApi, identity: ExecutionIdentity): Promise<string> {
  const socket_dir = mkdtempSync(join(tmpdir(), 'agora-sock-'));
  t.after(() => rmSync(socket_dir, { recursive: true, force: true }));
  const socket_path = join(socket_dir, `${identity.execution_id}.sock`);
  const channel = await openExecutionChannel(api.app, api.ctx, identity, socket_path);
  t.after(() => channel.close());
  return socket_path;
}
