// A bwrap runner's small private state on the host: the /etc every sandbox sees (generated,
// so no host secret or host account list ever shows), a copy of agora-init, and empty mount
// points through which agora-launch stages per-run paths the sandbox uid could not reach
// (the world directory is 0700). One per runner, removed by close().
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** Mount points inside the state dir, bound over by agora-launch in its private namespace. */
export const STAGE_POINTS = {
  workspace: { name: 'workspace', kind: 'dir' },
  code: { name: 'code', kind: 'dir' },
  api_socket: { name: 'api.sock', kind: 'file' },
  runtime: { name: 'runtime', kind: 'dir' },
  node: { name: 'node', kind: 'dir' },
  python: { name: 'python', kind: 'dir' },
} as const;

export type StagePoint = keyof typeof STAGE_POINTS;

export interface SandboxDir {
  root: string;
  /** Whether the state dir is a tmpfs of its own (its host path then shows nowhere inside). */
  own_fs: boolean;
  etc: string;
  init_path: string;
  stagePoint(point: StagePoint): string;
  /** A per-run directory the sandbox uid may write (the debug inspector socket lives there). */
  makeRunDir(execution_id: string, owner: { uid: number; gid: number } | null): string;
  removeRunDir(execution_id: string): void;
  /** On the state tmpfs, the directory for API sockets (null when the state dir has no filesystem of its own). */
  channelDir(): string | null;
  /** A copy of a host directory of Agora's own (never an agent's) kept here; its path. */
  copyIn(name: string, source: string): string;
  remove(): void;
}

/** Host files copied into the generated /etc when present: loader cache, time zone, alternatives. */
const ETC_COPIED = ['ld.so.cache', 'localtime', 'os-release', 'alternatives', 'ssl/openssl.cnf', 'python3', 'python3.11', 'python3.12', 'python3.13'];

export function createSandboxDir(options: { parent: string; init_binary: string; uid_inside: number; gid_inside: number; tmpfs_mb: number; mount_timeout_ms: number }): SandboxDir {
  const parent = options.parent !== '' ? options.parent : tmpdir();
  mkdirSync(parent, { recursive: true });
  sweepStale(parent, options.mount_timeout_ms);
  const root = mkdtempSync(join(parent, `${PREFIX}${process.pid}-`));
  // On a filesystem of its own, what sandboxes are shown from here (/etc, agora-init, the
  // runtime, sockets) appears in their mountinfo under neutral names (/etc, /bin/...), never
  // under this host path. Mounting needs root; otherwise the host path shows (docs/security.md).
  const own_fs = process.getuid?.() === 0 && mountTmpfs(root, options.tmpfs_mb, options.mount_timeout_ms);
  // Searchable by the sandbox uid (bwrap resolves its bind sources as that uid), writable by none.
  chmodSync(root, 0o755);
  const etc = join(root, 'etc');
  mkdirSync(etc, { mode: 0o755 });
  const { uid_inside: uid, gid_inside: gid } = options;
  writeFileSync(join(etc, 'passwd'), `root:x:0:0:root:/root:/usr/sbin/nologin\nagent:x:${uid}:${gid}:agent:/workspace:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`);
  writeFileSync(join(etc, 'group'), `root:x:0:\nagent:x:${gid}:\nnogroup:x:65534:\n`);
  writeFileSync(join(etc, 'hosts'), '127.0.0.1 localhost\n::1 localhost\n');
  writeFileSync(join(etc, 'hostname'), 'agent\n');
  writeFileSync(join(etc, 'nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files\n');
  for (const name of ETC_COPIED) copyEtcEntry(join('/etc', name), join(etc, name));

  const bin = join(root, 'bin');
  mkdirSync(bin, { mode: 0o755 });
  const init_path = join(bin, basename(options.init_binary));
  copyFileSync(options.init_binary, init_path);
  chmodSync(init_path, 0o755);

  const stage = join(root, 'stage');
  mkdirSync(stage, { mode: 0o755 });
  for (const point of Object.values(STAGE_POINTS)) {
    const path = join(stage, point.name);
    if (point.kind === 'dir') mkdirSync(path, { mode: 0o755 });
    else writeFileSync(path, '', { mode: 0o644 });
  }
  const runs = join(root, 'runs');
  mkdirSync(runs, { mode: 0o755 });

  return {
    root,
    own_fs,
    etc,
    init_path,
    stagePoint: (point) => join(stage, STAGE_POINTS[point].name),
    makeRunDir(execution_id, owner) {
      const dir = join(runs, execution_id);
      mkdirSync(dir, { mode: 0o700 });
      if (owner !== null) chownSync(dir, owner.uid, owner.gid);
      return dir;
    },
    removeRunDir(execution_id) {
      rmSync(join(runs, execution_id), { recursive: true, force: true });
    },
    channelDir() {
      if (!own_fs) return null;
      mkdirSync(join(root, 'sock'), { recursive: true, mode: 0o711 });
      return join(root, 'sock');
    },
    copyIn(name, source) {
      const dest = join(root, 'copies', name);
      cpSync(source, dest, { recursive: true, verbatimSymlinks: true });
      return dest;
    },
    remove() {
      if (own_fs) unmount(root, options.mount_timeout_ms);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

const PREFIX = 'agora-sandbox-';

/** Removes state dirs of Agora processes that died without closing their runner. */
function sweepStale(parent: string, mount_timeout_ms: number): void {
  for (const name of readdirSync(parent)) {
    const owner = new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1];
    if (owner === undefined || Number(owner) === process.pid) continue;
    try {
      process.kill(Number(owner), 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') continue;
      if (process.getuid?.() === 0) unmount(join(parent, name), mount_timeout_ms);
      rmSync(join(parent, name), { recursive: true, force: true });
    }
  }
}

function mountTmpfs(dir: string, size_mb: number, mount_timeout_ms: number): boolean {
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `mode=0755,size=${size_mb}m,nosuid,nodev`, 'agora', dir], { stdio: 'ignore', timeout: mount_timeout_ms }).status === 0;
}

/** Detached lazily: a sandbox still ending keeps its view until it is gone. */
function unmount(dir: string, mount_timeout_ms: number): void {
  spawnSync('umount', ['-l', dir], { stdio: 'ignore', timeout: mount_timeout_ms });
}

function copyEtcEntry(from: string, to: string): void {
  if (!existsSync(from) && !isSymlink(from)) return;
  mkdirSync(dirname(to), { recursive: true, mode: 0o755 });
  if (isSymlink(from)) {
    symlinkSync(readlinkSync(from), to);
  } else if (lstatSync(from).isDirectory()) {
    cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  } else {
    copyFileSync(from, to);
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
