// A workspace on a filesystem of its own: a sparse ext4 image file per agent, loop-mounted
// at the workspace's path while the world is open. It is the kernel that holds the agent to
// its allowance (a write past the image's size fails with ENOSPC, past its inode count
// likewise), the image costs the host only the blocks the agent really uses (sparse, mounted
// with discard), and inside the sandbox the workspace's mount names no host path (its root
// is the image's own root).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, rmdirSync, truncateSync, writeFileSync } from 'node:fs';
import { AgoraError } from '../base/errors.js';
import type { Owner } from './safe-dir.js';
import type { DiskLimits } from './usage.js';

const MOUNT_OPTIONS = 'loop,nosuid,nodev,noatime,discard';

/** How long one of the image tools (mkfs.ext4, e2fsck, mount, umount) may take (workspace.tool_timeout_ms). */
export interface ImageTools {
  tool_timeout_ms: number;
}

function run(tools: ImageTools, argv: string[]): { ok: boolean; output: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: tools.tool_timeout_ms, stdio: ['ignore', 'pipe', 'pipe'] });
  return { ok: r.status === 0, output: `${r.stderr ?? ''}${r.stdout ?? ''}${r.error?.message ?? ''}`.trim() };
}

/** Whether this host can give workspaces images: root, mkfs.ext4, and a loop mount that works. */
export function probeImages(tools: ImageTools, scratch_dir: string): { ok: boolean; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `images need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'images need Agora to run as root (loop mounts)' };
  const image = `${scratch_dir}/.probe-${process.pid}.img`;
  const point = `${scratch_dir}/.probe-${process.pid}`;
  try {
    mkdirSync(point, { recursive: true });
    writeFileSync(image, '');
    truncateSync(image, 2 * 1024 * 1024);
    const mkfs = run(tools, ['mkfs.ext4', '-q', '-F', '-m', '0', '-O', '^has_journal', image]);
    if (!mkfs.ok) return { ok: false, reason: `mkfs.ext4 failed: ${mkfs.output || 'not installed (e2fsprogs)'}` };
    const mount = run(tools, ['mount', '-o', MOUNT_OPTIONS, image, point]);
    if (!mount.ok) return { ok: false, reason: `loop mount failed: ${mount.output}` };
    run(tools, ['umount', point]);
    return { ok: true, reason: 'ok' };
  } finally {
    rmSync(image, { force: true });
    try {
      rmdirSync(point);
    } catch {
      /* still mounted after a failed umount: left for the operator, named in the log */
    }
  }
}

/** Makes a sparse image sized to the allowance, its root owned by the sandbox uid. */
export function createImage(tools: ImageTools, image: string, limits: DiskLimits, owner: Owner | null): void {
  if (existsSync(image)) throw new AgoraError('CONFLICT', `workspace image ${image} exists already`);
  writeFileSync(image, '', { mode: 0o600, flag: 'wx' });
  try {
    truncateSync(image, limits.bytes_max);
    const root_owner = owner === null ? [] : ['-E', `root_owner=${owner.uid}:${owner.gid}`];
    // No journal (the workspace is the agent's scratch, and a journal would cost every agent
    // megabytes of real disk); no blocks held back for root: the allowance is the agent's.
    const made = run(tools, ['mkfs.ext4', '-q', '-F', '-m', '0', '-O', '^has_journal', '-N', String(limits.inodes_max), '-L', 'workspace', ...root_owner, image]);
    if (!made.ok) throw new AgoraError('EXECUTION_ERROR', `cannot make the workspace image: ${made.output}`);
  } catch (err) {
    rmSync(image, { force: true });
    throw err;
  }
}

export function mountImage(tools: ImageTools, image: string, point: string): void {
  mkdirSync(point, { recursive: true, mode: 0o755 });
  let mounted = run(tools, ['mount', '-o', MOUNT_OPTIONS, image, point]);
  if (!mounted.ok) {
    // An image left unclean by a crash of the host: repair it, then try once more.
    run(tools, ['e2fsck', '-p', image]);
    mounted = run(tools, ['mount', '-o', MOUNT_OPTIONS, image, point]);
  }
  if (!mounted.ok) throw new AgoraError('EXECUTION_ERROR', `cannot mount the workspace image ${image}: ${mounted.output}`);
  // mkfs leaves lost+found (root's, 0700): not the agent's to see or to be charged for.
  try {
    rmdirSync(`${point}/lost+found`);
  } catch {
    /* already gone, or the agent's own directory of that name */
  }
}

/** Unmounts; a mount still busy is detached lazily (it goes once its last user does). */
export function unmountImage(tools: ImageTools, point: string): void {
  if (!run(tools, ['umount', point]).ok) run(tools, ['umount', '-l', point]);
}

