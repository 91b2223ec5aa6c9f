// The one place every constant of Agora lives. Each key has a default and a description;
// docs/config.md is generated from this file (`npm run docs:config`) and a test keeps it in step.
import { z } from 'zod';

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const num = (min: number, max: number) => z.number().min(min).max(max);
// Credits in config are decimal credits, like the API; the kernel converts to micro-credits.
const credits = (max: number) => z.number().min(0).max(max);

export const serverSchema = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1').describe('Address the API listens on. Loopback by default: agents reach it through their sandbox bridge, operators through the dashboard.'),
    port: int(0, 65535).default(8420).describe('TCP port of the API and dashboard (0 picks a free port).'),
    body_limit_bytes: int(1024, 64 * 1024 * 1024).default(262_144).describe('Largest request body accepted; larger bodies get 413.'),
    page_size_default: int(1, 1000).default(50).describe('Items per page when a list route is not given `limit`.'),
    page_size_max: int(1, 10_000).default(500).describe('Largest `limit` a list route accepts.'),
    request_timeout_ms: int(1000, 600_000).default(30_000).describe('A request taking longer than this is cut off.'),
  })
  .prefault({});

export const authSchema = z
  .strictObject({
    dev_token_ttl_s: int(60, 365 * 24 * 3600).default(7 * 24 * 3600).describe('Lifetime of tokens minted by `agora token` for development and tests.'),
  })
  .prefault({});

export const storeSchema = z
  .strictObject({
    synchronous: z.enum(['NORMAL', 'FULL']).default('NORMAL').describe('SQLite `synchronous` pragma under WAL. NORMAL survives a process crash (SIGKILL) with every committed transaction; FULL also survives power loss at the cost of one fsync per commit.'),
    busy_timeout_ms: int(0, 60_000).default(5_000).describe('How long a second process (the CLI) waits for the world database lock.'),
  })
  .prefault({});

export const logSchema = z
  .strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').describe('Least severe level written to `system.log`.'),
    requests: z.boolean().default(false).describe('Log every HTTP request (costs throughput; errors are always logged).'),
  })
  .prefault({});

export const agentsSchema = z
  .strictObject({
    genesis_credits: credits(1e9).default(1000).describe('Credits minted to the genesis agent when a world is created.'),
    description_chars_max: int(0, 10_000).default(280).describe('Longest self-description an agent may set in the directory.'),
  })
  .prefault({});

export const ledgerSchema = z
  .strictObject({
    memo_chars_max: int(0, 10_000).default(280).describe('Longest memo on a transfer.'),
    history_limit_max: int(1, 10_000).default(500).describe('Largest page of ledger history returned at once.'),
  })
  .prefault({});

export const configSchema = z.strictObject({
  server: serverSchema,
  auth: authSchema,
  store: storeSchema,
  log: logSchema,
  agents: agentsSchema,
  ledger: ledgerSchema,
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
