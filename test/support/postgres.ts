// A real PostgreSQL for the tests that run on it: Debian's server binaries (initdb, pg_ctl), a
// cluster in a temp directory on a free loopback port with its unix socket beside it, started at
// the first use in a test file's process and stopped and removed when that process exits. initdb
// refuses root, so as root the cluster runs as the `postgres` system user. With no PostgreSQL
// installed, `postgresSkip` says why and the tests skip (.ci/run installs it). bench/ starts a
// durable cluster of its own (startPostgresCluster) to measure commits that reach the disk.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from '../../src/config/schema.js';
import { openPostgres, PostgresDb } from '../../src/store/postgres.js';

interface Cluster {
  dir: string;
  port: number;
  bin: string;
}

function serverBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length === 0 ? null : join(root, versions[0]!, 'bin');
}

function postgresUser(): { uid: number; gid: number } | null {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (line === undefined) return null;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

const bin = serverBin();
const as_root = process.getuid?.() === 0;
const user = as_root ? postgresUser() : null;

/** Why the PostgreSQL tests skip on this machine, or null when they run. */
export const postgresSkip: string | null =
  bin === null ? 'PostgreSQL is not installed (Debian: apt-get install postgresql; .ci/run does it)' : as_root && user === null ? 'running as root and there is no postgres user to run the server as' : null;

function run(command: string, args: string[], what: string): void {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, ...(user === null ? {} : { uid: user.uid, gid: user.gid }) });
  if (result.status !== 0) throw new Error(`${what} failed: ${result.stderr || result.stdout || result.error?.message}`);
}

function freePort(): number {
  const probe = spawnSync(process.execPath, ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"], { encoding: 'utf8' });
  return Number(probe.stdout.trim());
}

export interface PostgresCluster {
  /** A new, migrated world database on this cluster; its URL. */
  freshUrl(): string;
  /** Stops the server and removes its directory (also at the process's exit). */
  stop(): void;
}

/**
 * A cluster of its own. `durable`: fsync and synchronous commit on, as a production server (what
 * bench/ measures); off, the tests' cluster, whose subject is the journal's semantics, not the disk's.
 */
export function startPostgresCluster(options: { durable: boolean }): PostgresCluster {
  if (postgresSkip !== null || bin === null) throw new Error(postgresSkip ?? 'no PostgreSQL');
  const dir = mkdtempSync(join(tmpdir(), 'agora-pg-'));
  if (user !== null) chownSync(dir, user.uid, user.gid);
  let running: Cluster | null = null;
  const stop = () => {
    if (running === null) return;
    running = null;
    spawnSync(join(bin, 'pg_ctl'), ['stop', '-D', join(dir, 'data'), '-m', 'immediate', '-w'], { encoding: 'utf8', ...(user === null ? {} : { uid: user.uid, gid: user.gid }) });
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', stop);
  const data = join(dir, 'data');
  // C collation: text sorts bytewise, as in SQLite (the store refuses any other).
  run(join(bin, 'initdb'), ['-D', data, '-U', 'agora', '--auth=trust', '--locale=C', '--encoding=UTF8', ...(options.durable ? [] : ['--no-sync'])], 'initdb');
  const port = freePort();
  const durability = options.durable ? '-c fsync=on -c synchronous_commit=on' : '-c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  const server_options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 ${durability} -c max_connections=200`;
  run(join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-l', join(dir, 'server.log'), '-o', server_options], 'pg_ctl start');
  running = { dir, port, bin };
  const urlOf = (database: string) => `postgres://agora@127.0.0.1:${port}/${database}`;
  const admin = (sql: string) => {
    const db = new PostgresDb({ url: urlOf('postgres'), connect_timeout_ms: 10_000, statement_timeout_ms: 60_000, writer: false });
    try {
      db.execNative(sql);
    } finally {
      db.close();
    }
  };
  // Migrated once; each world's database is a copy of it (CREATE DATABASE ... TEMPLATE), which
  // is a file copy rather than the nineteen migrations again.
  admin(`CREATE DATABASE agora_template`);
  openPostgres({ url: urlOf('agora_template'), connect_timeout_ms: 10_000, statement_timeout_ms: 60_000, writer: true }).close();
  let databases = 0;
  return {
    freshUrl() {
      const name = `world_${process.pid}_${++databases}`;
      admin(`CREATE DATABASE ${name} TEMPLATE agora_template`);
      return urlOf(name);
    },
    stop,
  };
}

let cluster: PostgresCluster | null = null;

/** A new, migrated world database on the tests' cluster (started at the first call); its URL. */
export function freshPostgresUrl(): string {
  cluster ??= startPostgresCluster({ durable: false });
  return cluster.freshUrl();
}

/** A world's config on a fresh PostgreSQL database, beside what the test configures. */
export function onPostgres(config: ConfigInput = {}): ConfigInput {
  return { ...config, store: { ...config.store, kind: 'postgres', postgres: { ...config.store?.postgres, url: freshPostgresUrl() } } };
}

/** The stores a test runs on: SQLite always, PostgreSQL when installed (else skipped, saying why). */
export const STORES: readonly { name: 'sqlite' | 'postgres'; skip: string | false; config(config?: ConfigInput): ConfigInput }[] = [
  { name: 'sqlite', skip: false, config: (config = {}) => config },
  { name: 'postgres', skip: postgresSkip ?? false, config: onPostgres },
];

/**
 * A test of something SQLite by nature (a world.db file copied or forked): skipped, saying why,
 * when AGORA_TEST_STORE=postgres runs the file's worlds on PostgreSQL.
 */
export function sqliteOnly(what: string): string | false {
  return process.env.AGORA_TEST_STORE === 'postgres' ? `${what} is SQLite's by nature (docs/deploy.md)` : false;
}
