// Where a running world's API listens. `agora start` writes its URL into the world directory
// (api.url) and removes it on a clean stop; commands that change state go through that API,
// because only the running process should write a world it holds open.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { lazy } from '../base/lazy.js';

const API_URL_FILE = 'api.url';

export function recordApiUrl(world_dir: string, url: string): void {
  writeFileSync(join(world_dir, API_URL_FILE), `${url}\n`, { mode: 0o600 });
}

/** Removes the record if it is still ours (a second `agora start` may have replaced it). */
export function forgetApiUrl(world_dir: string, url: string): void {
  const file = join(world_dir, API_URL_FILE);
  if (existsSync(file) && readFileSync(file, 'utf8').trim() === url) rmSync(file, { force: true });
}

// Built when first asked: a command that never reads a running world's health does not load zod.
const healthSchema = lazy(() => z.object({ status: z.literal('ok'), world_id: z.string().nullable() }));

/**
 * The URL of this world's running API, or null when none answers: the record is missing,
 * stale (the process died without removing it), or names another world.
 */
export async function runningApiUrl(world_dir: string, world_id: string | null, health_timeout_ms: number): Promise<string | null> {
  const file = join(world_dir, API_URL_FILE);
  if (!existsSync(file)) return null;
  const url = readFileSync(file, 'utf8').trim();
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(health_timeout_ms) });
    const health = healthSchema().safeParse(await res.json());
    return health.success && health.data.world_id === world_id ? url : null;
  } catch {
    return null;
  }
}
