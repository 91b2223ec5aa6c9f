// Building a child's workspace: a bounded copy of the parent's workspace (copy_self) overlaid
// with files the parent gives. Everything is written into a fresh directory of our own, so
// the only way out of it would be a path or a link: paths are checked component by component,
// symlinks of the parent are never followed nor copied, and every file of the parent is opened
// with O_NOFOLLOW and checked to be a regular file inside the parent's workspace.
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, realpath, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { AgoraError, invariant } from '../kernel/errors.js';

export interface CopyLimits {
  files_max: number;
  bytes_max: number;
  /** Larger files are skipped, not refused. */
  file_bytes_max: number;
}

export interface GivenFileLimits {
  files_max: number;
  file_bytes_max: number;
  bytes_max: number;
  path_chars_max: number;
}

export interface CopyReport {
  copied: number;
  skipped: string[];
  bytes: number;
}

export interface GivenFile {
  /** Path components, each checked. */
  segments: string[];
  content: Buffer;
}

/** What a run leaves behind that a child must not inherit: the host writes these per run. */
const NEVER_COPIED_AT_ROOT = new Set(['env.json', '.env.json.tmp', 'logs']);
const isLogFile = (name: string) => name.endsWith('.log');

/**
 * Checks a spawn request's `files` map and turns it into buffers. Refuses absolute paths,
 * `..` and `.` components, empty components, backslashes and NUL bytes: a path names a file
 * below the child's workspace root or the request is refused whole.
 */
export function checkGivenFiles(files: Record<string, string>, limits: GivenFileLimits): GivenFile[] {
  const entries = Object.entries(files);
  if (entries.length > limits.files_max) {
    throw new AgoraError('INVALID_ARGS', `at most ${limits.files_max} files may be given to a child (social.spawn_files_max)`, { field: 'files', count: entries.length });
  }
  let total = 0;
  const seen = new Set<string>();
  return entries.map(([path, content]) => {
    const segments = checkRelativePath(path, limits.path_chars_max);
    const key = segments.join('/');
    if (seen.has(key)) throw new AgoraError('INVALID_ARGS', `file ${path} is given twice`, { field: 'files', path });
    seen.add(key);
    const buffer = Buffer.from(content, 'utf8');
    if (buffer.length > limits.file_bytes_max) {
      throw new AgoraError('PAYLOAD_TOO_LARGE', `file ${path} has ${buffer.length} bytes; at most ${limits.file_bytes_max} (social.spawn_file_bytes_max)`, { path });
    }
    total += buffer.length;
    if (total > limits.bytes_max) {
      throw new AgoraError('PAYLOAD_TOO_LARGE', `the given files exceed ${limits.bytes_max} bytes together (social.spawn_files_bytes_max)`, { field: 'files' });
    }
    return { segments, content: buffer };
  });
}

function checkRelativePath(path: string, chars_max: number): string[] {
  const refuse = (why: string): never => {
    throw new AgoraError('INVALID_ARGS', `file path ${JSON.stringify(path.slice(0, 300))} ${why}`, { field: 'files', path: path.slice(0, 300) });
  };
  if (path.length === 0 || path.length > chars_max) refuse(`must have 1 to ${chars_max} characters`);
  if (path.includes('\0') || path.includes('\\')) refuse('must not contain NUL or backslash');
  if (path.startsWith('/')) refuse('must be relative to the workspace, not absolute');
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment === '..') refuse('must not climb out of the workspace (..)');
    if (segment === '' || segment === '.') refuse('must not have empty or . components');
  }
  return segments;
}

/** `dir` joined with checked segments, asserted to stay below `dir`. */
function below(dir: string, segments: readonly string[]): string {
  const target = resolve(dir, ...segments);
  invariant(target.startsWith(resolve(dir) + sep), `path ${segments.join('/')} stays below ${dir}`);
  return target;
}

/**
 * Copies the parent's workspace into `target` (an empty directory of ours), bounded by
 * `limits`. Symlinks, sockets and devices are skipped (never followed), as are what the host
 * writes per run (env.json, logs) and files over `file_bytes_max`. More files or bytes than
 * allowed refuse the spawn: a silently partial copy would make a broken child.
 */
export async function copyWorkspace(source: string, target: string, limits: CopyLimits): Promise<CopyReport> {
  const root_stat = await lstat(source).catch(() => null);
  if (root_stat === null) return { copied: 0, skipped: [], bytes: 0 };
  if (!root_stat.isDirectory()) throw new AgoraError('CONFLICT', 'your workspace is not a directory; it cannot be copied');
  const root = await realpath(source);
  const report: CopyReport = { copied: 0, skipped: [], bytes: 0 };
  const visit = async (rel: string[]): Promise<void> => {
    const entries = await readdir(join(root, ...rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = [...rel, entry.name];
      const shown = path.join('/');
      if ((rel.length === 0 && NEVER_COPIED_AT_ROOT.has(entry.name)) || (entry.isFile() && isLogFile(entry.name))) {
        report.skipped.push(shown);
      } else if (entry.isDirectory()) {
        await mkdir(below(target, path), { mode: 0o755 });
        await visit(path);
      } else if (entry.isFile()) {
        await copyOneFile(root, path, target, limits, report);
      } else {
        report.skipped.push(shown); // symlinks, sockets, fifos, devices
      }
    }
  };
  await visit([]);
  return report;
}

async function copyOneFile(root: string, path: string[], target: string, limits: CopyLimits, report: CopyReport): Promise<void> {
  const shown = path.join('/');
  // O_NOFOLLOW: a file swapped for a symlink after readdir is refused, not followed.
  const handle = await open(join(root, ...path), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => null);
  if (handle === null) {
    report.skipped.push(shown);
    return;
  }
  try {
    const stat = await handle.stat();
    // A directory above it swapped for a symlink would land outside: check where the open file really is.
    const real = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
    const inside = real === null || real.startsWith(root + sep);
    if (!stat.isFile() || !inside) {
      report.skipped.push(shown);
      return;
    }
    if (stat.size > limits.file_bytes_max) {
      report.skipped.push(shown);
      return;
    }
    if (report.copied + 1 > limits.files_max || report.bytes + stat.size > limits.bytes_max) {
      throw new AgoraError('PAYLOAD_TOO_LARGE', `your workspace holds more than ${limits.files_max} files or ${limits.bytes_max} bytes to copy (social.spawn_copy_files_max, spawn_copy_bytes_max); spawn without copy_self and give the files you need`, {
        files_max: limits.files_max,
        bytes_max: limits.bytes_max,
      });
    }
    const content = await handle.readFile();
    await writeFile(below(target, path), content, { mode: (stat.mode & 0o755) | 0o600, flag: 'wx' });
    report.copied++;
    report.bytes += content.length;
  } finally {
    await handle.close();
  }
}

/** Writes the given files over `target`, creating directories; they win over copied files. */
export async function writeGivenFiles(target: string, files: readonly GivenFile[]): Promise<number> {
  let bytes = 0;
  for (const file of files) {
    const path = below(target, file.segments);
    const parents = file.segments.slice(0, -1);
    for (let i = 1; i <= parents.length; i++) {
      const dir = below(target, parents.slice(0, i));
      const st = await lstat(dir).catch(() => null);
      if (st === null) await mkdir(dir, { mode: 0o755 });
      else if (!st.isDirectory()) conflict(file, `${relative(target, dir)} is a file`);
    }
    const existing = await lstat(path).catch(() => null);
    if (existing !== null && !existing.isFile()) conflict(file, 'names a directory');
    await writeFile(path, file.content, { mode: 0o644 });
    bytes += file.content.length;
  }
  return bytes;
}

function conflict(file: GivenFile, why: string): never {
  throw new AgoraError('INVALID_ARGS', `file ${file.segments.join('/')}: ${why}`, { field: 'files', path: file.segments.join('/') });
}
