// Beside a world, the forks made from it: one small file each under history/forks/, written by
// `agora fork` (which only reads the parent otherwise), read by the dashboard. Not journaled:
// the parent may be running while it is forked, and a list of its forks is no part of its state.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface ForkListing {
  dir: string;
  cycle: number;
  changes: Record<string, unknown>;
}

const forksDir = (world_dir: string) => join(resolve(world_dir), 'history', 'forks');

export function noteFork(parent_dir: string, listing: ForkListing): void {
  const dir = forksDir(parent_dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const name = `${listing.cycle.toString().padStart(8, '0')}-${Buffer.from(listing.dir).toString('base64url').slice(-40)}.json`;
  writeFileSync(join(dir, name), JSON.stringify(listing) + '\n', { mode: 0o600 });
}

export function listForks(world_dir: string): ForkListing[] {
  const dir = forksDir(world_dir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as ForkListing);
}
