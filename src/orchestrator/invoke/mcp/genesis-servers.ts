// Genesis MCP servers (docs/mcp.md, "Genesis MCP servers"): each enabled entry of config
// mcp.servers is an mcp_server artifact agora-mcp:NAME owned by system:agora, whose code is not a
// stored bundle but either a package of the agent runtime (bound read-only at /opt/agora/runtime
// in every sandbox) or the operator's own server file (its directory bound read-only at /code).
// Both paths come from the operator's config, never from an agent. A call runs exactly as any
// mcp_server call does (server-run.ts): a fresh sandbox, no network, its scratch directory the
// only writable place, and {scratch} in the server's args and env naming that directory.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../../config/schema.js';
import { INSIDE } from '../../../sandbox/bwrap-args.js';
import { entryCommand } from '../tool-protocol.js';
import type { McpLaunch } from './server-run.js';

export const GENESIS_MCP_PREFIX = 'agora-mcp:';

export type GenesisServer = Config['mcp']['servers'][number];

/** The same default the sandbox runners bind at /opt/agora/runtime (repo/runtime). */
const DEFAULT_RUNTIME_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'runtime');

export function runtimeDir(config: Config): string {
  return config.sandbox.runtime_dir !== '' ? resolve(config.sandbox.runtime_dir) : DEFAULT_RUNTIME_DIR;
}

export function genesisMcpId(name: string): string {
  return `${GENESIS_MCP_PREFIX}${name}`;
}

/** The configured, enabled server an artifact id names, or null. */
export function genesisServer(config: Config, artifact_id: string): GenesisServer | null {
  if (!artifact_id.startsWith(GENESIS_MCP_PREFIX)) return null;
  const name = artifact_id.slice(GENESIS_MCP_PREFIX.length);
  return config.mcp.servers.find((s) => s.name === name && s.enabled) ?? null;
}

/**
 * How a configured server starts, or why it cannot (a package not installed, a file gone since
 * the config was read). The package's bin is read from its package.json on the host; inside the
 * sandbox the same file is under /opt/agora/runtime (strong isolation) or the host path (none).
 */
export function launchOf(config: Config, server: GenesisServer, strong_isolation: boolean): { launch: McpLaunch } | { missing: string } {
  const fill = (text: string, scratch: string) => text.replaceAll('{scratch}', scratch);
  const fillAll = (scratch: string) => ({
    args: server.args.map((a) => fill(a, scratch)),
    env: Object.fromEntries(Object.entries(server.env).map(([k, v]) => [k, fill(v, scratch)])),
  });
  if (server.command !== undefined) {
    if (!existsSync(server.command)) return { missing: `its command ${server.command} does not exist` };
    const entry = basename(server.command);
    return {
      launch: {
        code_dir: dirname(server.command),
        start: (inside) => {
          const { args, env } = fillAll(inside.workspace);
          return { argv: [...entryCommand(inside.code, entry), ...args], env };
        },
      },
    };
  }
  const pkg = server.package!;
  const runtime = runtimeDir(config);
  const manifest_path = join(runtime, 'node_modules', pkg, 'package.json');
  if (!existsSync(manifest_path)) return { missing: `package ${pkg} is not installed in the agent runtime (${runtime}; run npm install)` };
  let bin: string | undefined;
  try {
    const manifest = JSON.parse(readFileSync(manifest_path, 'utf8')) as { bin?: string | Record<string, string> };
    bin = typeof manifest.bin === 'string' ? manifest.bin : Object.values(manifest.bin ?? {})[0];
  } catch {
    return { missing: `package ${pkg} has an unreadable package.json` };
  }
  if (bin === undefined || bin.split('/').includes('..') || !existsSync(join(runtime, 'node_modules', pkg, bin))) return { missing: `package ${pkg} names no bin that exists` };
  const inside_runtime = strong_isolation ? INSIDE.runtime : runtime;
  return {
    launch: {
      code_dir: null,
      start: (inside) => {
        const { args, env } = fillAll(inside.workspace);
        return { argv: ['node', join(inside_runtime, 'node_modules', pkg, bin), ...args], env };
      },
    },
  };
}
