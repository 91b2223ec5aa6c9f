// Beside a world, the forks made from it: one small file each under history/forks/, written by
// `agora fork` (which only reads the parent otherwise), read by the dashboard. Not journaled:
// the parent may be running while it is forked, and a list of its forks is no part of its state.
// A fork is named by its listing's file name (its id): the dashboard asks for a fork by id, and
// the directory is read from the listing, never taken from a request.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface ForkListing {
  dir: string;
  cycle: number;
  changes: Record<string, unknown>;
}

/** A listing's id: the cycle, then the tail of the directory's base64url name. */
export const FORK_ID = /^[0-9]{8}-[A-Za-z0-9_-]{1,40}$/;

const forksDir = (world_dir: string) => join(resolve(world_dir), 'history', 'forks');

export function noteFork(parent_dir: string, listing: ForkListing): void {
  const dir = forksDir(parent_dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const name = `${listing.cycle.toString().padStart(8, '0')}-${Buffer.from(listing.dir).toString('base64url').slice(-40)}.json`;
  writeFileSync(join(dir, name), JSON.stringify(listing) + '\n', { mode: 0o600 });
}

export function listForks(world_dir: string): (ForkListing & { id: string })[] {
  const dir = forksDir(world_dir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json') && FORK_ID.test(n.slice(0, -'.json'.length)))
    .sort()
    .map((n) => ({ ...(JSON.parse(readFileSync(join(dir, n), 'utf8')) as ForkListing), id: n.slice(0, -'.json'.length) }));
}

/** The listing with this id, or null: the id is matched against the listed names, never joined into a path. */
export function forkById(world_dir: string, id: string): (ForkListing & { id: string }) | null {
  if (!FORK_ID.test(id)) return null;
  return listForks(world_dir).find((f) => f.id === id) ?? null;
}
