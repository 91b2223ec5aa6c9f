// Building a child's workspace: a bounded copy of the parent's workspace (copy_self) overlaid
// with files the parent gives. The parent's workspace is the parent's (hostile, and possibly
// changing while its run goes on), so it is read only through SafeDir: every directory opened
// beneath its parent's descriptor, no link followed or copied, no FIFO or device opened, no
// file hard-linked from elsewhere read, and the walk bounded in entries and depth.
import { AgoraError } from '../base/errors.js';
import { SafeDir, UnsafeEntryError, type Owner } from '../workspace/safe-dir.js';
import { walk } from '../workspace/walk.js';

export interface CopyLimits {
  files_max: number;
  bytes_max: number;
  /** Larger files are skipped, not refused. */
  file_bytes_max: number;
  /** Entries looked at in the parent's workspace (files, directories, links...). */
  entries_max: number;
  depth_max: number;
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
const NEVER_COPIED_AT_ROOT = new Set(['env.json', 'logs']);
/** Logs, and the host's own temp files (SafeDir.writeFileAtomic names them so). */
const neverCopied = (name: string) => name.endsWith('.log') || (name.startsWith('.agora-') && name.endsWith('.tmp'));

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

/**
 * Copies the parent's workspace into `target` (a fresh workspace of the child's), bounded by
 * `limits`. Symlinks, sockets and devices are skipped (never followed), as are what the host
 * writes per run (env.json, logs) and files over `file_bytes_max`. More files or bytes than
 * allowed refuse the spawn: a silently partial copy would make a broken child.
 */
export function copyWorkspace(source: string, target: string, limits: CopyLimits, parent: Owner | null, child: Owner | null): CopyReport {
  const report: CopyReport = { copied: 0, skipped: [], bytes: 0 };
  const from = SafeDir.openRoot(source);
  const to = SafeDir.openRoot(target);
  // Directories of the target, opened as the walk enters the source's.
  const targets: SafeDir[] = [to];
  try {
    walk(from, { entries_max: limits.entries_max, depth_max: limits.depth_max }, {
      dir: (_parent, entry, path) => {
        if (path.length === 1 && NEVER_COPIED_AT_ROOT.has(entry.name)) {
          report.skipped.push(path.join('/'));
          return false;
        }
        targets.push(targets[targets.length - 1]!.ensureDir(entry.name, 0o755, child));
        return true;
      },
      leaveDir: () => targets.pop()!.close(),
      nonDir: (dir, entry, path) => {
        const shown = path.join('/');
        const skip = entry.kind !== 'file' || (path.length === 1 && NEVER_COPIED_AT_ROOT.has(entry.name)) || neverCopied(entry.name) || entry.size_bytes > limits.file_bytes_max;
        if (skip) {
          report.skipped.push(shown);
          return;
        }
        if (report.copied + 1 > limits.files_max || report.bytes + entry.size_bytes > limits.bytes_max) tooLarge(limits);
        let content: Buffer | null;
        try {
          content = dir.readFile(entry.name, limits.file_bytes_max, parent);
        } catch (err) {
          // Swapped for a link, a FIFO or a foreign hard link since it was listed, or grown past the bound.
          if (err instanceof UnsafeEntryError || (err instanceof AgoraError && err.code === 'PAYLOAD_TOO_LARGE')) {
            report.skipped.push(shown);
            return;
          }
          throw err;
        }
        if (content === null) return; // removed since it was listed
        if (report.bytes + content.length > limits.bytes_max) tooLarge(limits);
        const mode = (dir.lstat(entry.name)?.mode ?? 0o644) & 0o755;
        targets[targets.length - 1]!.writeNewFile(entry.name, content, { mode: mode | 0o600, owner: child });
        report.copied++;
        report.bytes += content.length;
      },
    });
  } finally {
    for (const dir of targets.splice(1)) dir.close();
    to.close();
    from.close();
  }
  return report;
}

function tooLarge(limits: CopyLimits): never {
  throw new AgoraError('PAYLOAD_TOO_LARGE', `your workspace holds more than ${limits.files_max} files or ${limits.bytes_max} bytes to copy (social.spawn_copy_files_max, spawn_copy_bytes_max); spawn without copy_self and give the files you need`, {
    files_max: limits.files_max,
    bytes_max: limits.bytes_max,
  });
}

/** Writes the given files over `target`, creating directories; they win over copied files. */
export function writeGivenFiles(target: string, files: readonly GivenFile[], child: Owner | null): number {
  let bytes = 0;
  SafeDir.with(target, (root) => {
    for (const file of files) {
      const parents = file.segments.slice(0, -1);
      const name = file.segments[file.segments.length - 1]!;
      let dir = root;
      try {
        for (const segment of parents) {
          const st = dir.lstat(segment);
          if (st !== null && !st.isDirectory()) conflict(file, `${segment} is a file`);
          const next = dir.ensureDir(segment, 0o755, child);
          if (dir !== root) dir.close();
          dir = next;
        }
        if (dir.lstat(name)?.isDirectory()) conflict(file, 'names a directory');
        dir.writeFileAtomic(name, file.content, { mode: 0o644, owner: child });
      } finally {
        if (dir !== root) dir.close();
      }
      bytes += file.content.length;
    }
  });
  return bytes;
}

function conflict(file: GivenFile, why: string): never {
  throw new AgoraError('INVALID_ARGS', `file ${file.segments.join('/')}: ${why}`, { field: 'files', path: file.segments.join('/') });
}
