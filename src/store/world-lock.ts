// One process owns a world: `agora start` (and a CLI command that writes the world directly)
// holds an exclusive lock on `world.lock` in the world directory for as long as it has the
// world open.
//
// Why flock(2) on an open file description, taken through util-linux's `flock`:
// - It is a kernel lock. It goes away when the holder dies, SIGKILL and power loss included,
//   so there is never a stale lock to clean up. An O_EXCL pid file stays behind after SIGKILL,
//   and validating a pid (+ start time from /proc) against it is a check-then-act race
//   between two starts.
// - It belongs to the open file description, not to the process: `flock --nonblock 3` locks
//   the description it inherited as fd 3 and exits, and the lock stays with our descriptor
//   until we close it (or die). Unlike fcntl(2) record locks (what SQLite uses), no other
//   open and close of the same file in this process silently drops it.
// - Node opens files close-on-exec, so the sandboxes we start never inherit the descriptor:
//   an orphaned run cannot keep a world locked.
// - util-linux is Essential on Debian/Ubuntu, so this needs no native addon and no compiler.
// The file also says who holds it (pid, API URL) for the refusal message; the lock, not the
// text, is what decides.
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AgoraError } from '../base/errors.js';
import { lazy } from '../base/lazy.js';

export const WORLD_LOCK_FILE = 'world.lock';
const FLOCK_CANDIDATES = ['flock', '/usr/bin/flock', '/bin/flock'];

const ownerSchema = lazy(() => z.object({ pid: z.number().int(), api_url: z.string().nullable(), since: z.string() }));
export type WorldOwner = z.infer<ReturnType<typeof ownerSchema>>;

/** The world is held by another process; the message names it. */
export class WorldBusyError extends AgoraError {
  constructor(
    readonly world_dir: string,
    readonly owner: WorldOwner | null,
    hint: string,
  ) {
    const who = owner === null ? 'another agora process' : `agora process ${owner.pid}${owner.api_url === null ? ' (still starting)' : ` (API ${owner.api_url})`}`;
    super('CONFLICT', `the world at ${world_dir} is in use by ${who}; ${hint}`, { pid: owner?.pid ?? null, api_url: owner?.api_url ?? null });
  }
}

export interface WorldLock {
  /** Records the API URL beside the pid, for the message another process gets. */
  describe(api_url: string | null): void;
  release(): void;
}

/** Takes the world's lock without waiting; throws WorldBusyError when another process has it. */
export function lockWorld(world_dir: string): WorldLock {
  const file = join(world_dir, WORLD_LOCK_FILE);
  const fd = openSync(file, 'a+', 0o600);
  let taken = false;
  try {
    const status = flockNonBlocking(fd);
    if (status === 'busy') {
      throw new WorldBusyError(world_dir, readOwner(file), 'stop it first (Ctrl-C in its terminal, or kill -TERM its pid), or use its API');
    }
    taken = true;
  } finally {
    if (!taken) closeSync(fd);
  }
  const since = new Date().toISOString();
  let released = false;
  const write = (api_url: string | null) => {
    const text = JSON.stringify({ pid: process.pid, api_url, since } satisfies WorldOwner) + '\n';
    ftruncateSync(fd, 0);
    writeSync(fd, text, 0); // 'a+' appends whatever the position; the file was just emptied
  };
  write(null);
  return {
    describe: (api_url) => {
      if (!released) write(api_url);
    },
    release() {
      if (released) return;
      released = true;
      // Emptied first: a reader must never see our pid once the lock is free.
      ftruncateSync(fd, 0);
      closeSync(fd);
    },
  };
}

function flockNonBlocking(fd: number): 'taken' | 'busy' {
  for (const command of FLOCK_CANDIDATES) {
    const result = spawnSync(command, ['--exclusive', '--nonblock', '--conflict-exit-code', '75', '3'], {
      stdio: ['ignore', 'ignore', 'pipe', fd],
      encoding: 'utf8',
    });
    if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') continue;
    if (result.status === 0) return 'taken';
    if (result.status === 75) return 'busy';
    throw new AgoraError('INTERNAL', `could not lock the world (${command}): ${(result.stderr || result.error?.message || `exit ${result.status}`).trim()}`);
  }
  throw new AgoraError('UNAVAILABLE', 'flock (util-linux) is not installed: Agora needs it to make sure one process owns a world. Debian/Ubuntu: apt-get install util-linux');
}

function readOwner(file: string): WorldOwner | null {
  try {
    const parsed = ownerSchema().safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // empty (its holder is between taking the lock and writing its pid) or damaged
  }
}
