// Test worlds: a real world directory in a temp folder, a real SQLite database and, when
// asked, the real API on a loopback port. Nothing here is a mock.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { VirtualClock, type Clock } from '../../src/kernel/engine/clock.js';
import { creditsToMicro } from '../../src/kernel/ledger/money.js';
import { openWorld, type World } from '../../src/orchestrator/open-world.js';
import { startApi, type RunningApi, type StartApiOptions } from '../../src/api/start.js';
import { SYSTEM_MINT } from '../../src/kernel/ledger/accounts.js';
import { createRunner } from '../../src/sandbox/create-runner.js';
import type { Runner } from '../../src/sandbox/runner.js';
import { onPostgres } from './postgres.js';
import { PostgresDb } from '../../src/store/postgres.js';
import type { Db } from '../../src/store/store.js';

export interface TestWorld extends World {
  clock: Clock;
  cleanup(): void;
}

/**
 * Test worlds start without genesis's first bid (tests place the bids they are about),
 * unless a test configures it.
 */
function withTestDefaults(config: ConfigInput): ConfigInput {
  // Genesis MCP servers each take a sandbox run to list at attach: only tests of them ask for them.
  if (config.mcp?.servers === undefined) config = { ...config, mcp: { ...config.mcp, servers: [] } };
  if (config.agents?.genesis_first_bid !== undefined) return config;
  return { ...config, agents: { ...config.agents, genesis_first_bid: { credits: 0 } } };
}

/** Temp dirs of this test file, removed when its process exits (tests that keep a dir to inspect need not clean it). */
const temp_dirs: string[] = [];
process.on('exit', () => {
  for (const dir of temp_dirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* a world left open still has a workspace mounted there: leave it */
    }
  }
});

export function tempDir(prefix = 'agora-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temp_dirs.push(dir);
  return dir;
}

/** AGORA_TEST_STORE=postgres: each world directory's database, so a directory reopened is the same world. */
const postgres_urls = new Map<string, string>();

/**
 * The environment an `agora` command needs to open the world in `dir`: on PostgreSQL
 * (AGORA_TEST_STORE=postgres) a config file naming its database (AGORA_CONFIG, as an operator
 * passes --config), since the directory alone holds no journal there; nothing on SQLite.
 */
export function cliEnv(dir: string): Record<string, string> {
  const url = postgres_urls.get(resolve(dir));
  if (url === undefined) return {};
  const file = join(tempDir('agora-test-config-'), 'agora.yaml');
  writeFileSync(file, `store:\n  kind: postgres\n  postgres:\n    url: ${JSON.stringify(url)}\n`);
  return { AGORA_CONFIG: file };
}

/**
 * Runs `change` on the store of the (closed) world in `dir`, bypassing the kernel: a test's
 * tampering, on world.db or, under AGORA_TEST_STORE=postgres, on the world's database.
 */
export function withStore(dir: string, change: (db: Db) => void): void {
  const url = postgres_urls.get(resolve(dir));
  const db: Db = url === undefined ? new Database(join(dir, 'world.db')) : new PostgresDb({ url, connect_timeout_ms: 10_000, statement_timeout_ms: 60_000, writer: false });
  try {
    change(db);
  } finally {
    db.close();
  }
}

export function makeWorld(options: { config?: ConfigInput; clock?: Clock; seed?: number; dir?: string } = {}): TestWorld {
  // AGORA_TEST_STORE=postgres runs a test file's worlds on PostgreSQL (each on a fresh database):
  // how to find what the dialect does not translate yet. A test that reopens a directory (a
  // restart) reopens its database too, as a deployment's config names the same URL each start.
  if (process.env.AGORA_TEST_STORE === 'postgres' && options.config?.store?.kind === undefined) {
    const url = options.dir === undefined ? undefined : postgres_urls.get(resolve(options.dir));
    const config = url === undefined ? onPostgres(options.config) : { ...options.config, store: { ...options.config?.store, kind: 'postgres' as const, postgres: { ...options.config?.store?.postgres, url } } };
    if (options.dir !== undefined) postgres_urls.set(resolve(options.dir), config.store!.postgres!.url!);
    options = { ...options, config };
  }
  const dir = options.dir ?? tempDir();
  const clock = options.clock ?? new VirtualClock();
  const world = openWorld({ dir, config: parseConfig(withTestDefaults(options.config ?? {})), clock, seed: options.seed ?? 1, log_to_file: true });
  return {
    ...world,
    clock,
    cleanup() {
      world.close();
      if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Creates a funded agent for tests. Agents are normally born only as genesis or by spawn;
 * tests that need many independent agents mint them the same way genesis is funded.
 */
export function addAgent(world: World, agent_id: string, credits: number): void {
  const k = world.kernel;
  k.core.command({ actor: 'test' }, (tx) => {
    const amount_ucr = creditsToMicro(credits);
    k.agents.create(tx, {
      agent_id,
      parent_id: null,
      workspace: `workspaces/${agent_id}`,
      postings: amount_ucr > 0 ? [{ from: SYSTEM_MINT, to: agent_id, amount_ucr, kind: 'grant', memo: 'test' }] : [],
    });
  });
}

export function agentToken(world: World, agent_id: string, execution_id: string | null = null): string {
  return world.signer.mint({ agent_id, execution_id, expires_world_ms: world.kernel.core.clock.now_ms() + 3_600_000 });
}

export interface TestApi extends RunningApi {
  request(method: string, path: string, options?: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
}

export async function serve(world: World, options: StartApiOptions = {}): Promise<TestApi> {
  const api = await startApi(world, { port: 0, host: '127.0.0.1', ...options });
  return {
    ...api,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: string | undefined;
      if (opts.raw !== undefined) {
        body = opts.raw;
        headers['content-type'] ??= 'application/json';
      } else if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(api.url + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON: keep text */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
}

/** A test world served on a loopback port, both cleaned up when the test ends. */
export async function servedWorld(t: { after(fn: () => unknown): void }, config: ConfigInput = {}): Promise<{ world: TestWorld; api: TestApi }> {
  const world = makeWorld({ config });
  const api = await serve(world);
  t.after(async () => {
    await api.close();
    world.cleanup();
  });
  return { world, api };
}

/** A served test world with the configured runner (bwrap here), all closed when the test ends. */
export async function runnerWorld(
  t: { after(fn: () => unknown): void },
  options: { config?: ConfigInput; clock?: Clock } = {},
): Promise<{ world: TestWorld; api: TestApi; runner: Runner }> {
  const world = makeWorld(options);
  const api = await serve(world);
  const runner = await createRunner(world.config, world.log);
  t.after(async () => {
    await runner.close();
    await api.close();
    world.cleanup();
  });
  return { world, api, runner };
}
