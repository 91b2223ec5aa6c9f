// The one safe primitive through which the host touches anything an agent can write.
//
// A workspace belongs to a hostile agent, and the host runs as root. Every path the host
// would follow inside it could be a symlink, a FIFO, a hard link to a file elsewhere, or a
// directory the agent swaps for a link between a check and its use. So the host never
// resolves a path string inside a workspace. It holds an open directory descriptor and
// works one component at a time beneath it, like openat(2) with O_NOFOLLOW on every step:
//
//   /proc/self/fd/<dirfd>/<name>
//
// resolves <dirfd> as the directory it already holds (a magic link to that very inode,
// wherever it has been moved, whatever now has its old name) and then <name> inside it.
// Every open adds O_NOFOLLOW, so the last component is never followed either, and names are
// single components (no '/', no '..'), so resolution cannot climb out. Node has no openat;
// this is the same guarantee, built on what Linux gives every process.
//
// What it refuses: symlinks anywhere (ELOOP), FIFOs, sockets and devices (files are opened
// O_NONBLOCK and checked to be regular before any byte is read or written), and files with
// other hard links that someone other than the agent owns (a link to a host file).
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmdirSync,
  statfsSync,
  unlinkSync,
  writeSync,
  type Stats,
  type StatsFs,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { AgoraError, invariant } from '../base/errors.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = constants;
// libuv opens every file with O_CLOEXEC already: no descriptor of a workspace reaches a child process.
/** Not config: NAME_MAX, the longest file name Linux filesystems take. */
const NAME_BYTES_MAX = 255;

/** The owner of what the host writes: the sandbox uid when the host runs as root. */
export interface Owner {
  uid: number;
  gid: number;
}

export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

export interface Entry {
  name: string;
  kind: EntryKind;
  size_bytes: number;
  /** The lstat the listing took (so a walk's visitor need not take it again). */
  stats?: Stats;
}

/** A name is one path component: never empty, '.', '..', and never with '/' or NUL. */
export function checkName(name: string): string {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || bytes > NAME_BYTES_MAX) {
    throw new AgoraError('INVALID_ARGS', `${JSON.stringify(name.slice(0, 64))} is not a single file name`, { name: name.slice(0, 64) });
  }
  return name;
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Refused because of what the agent put there: the caller decides how to report it. */
export class UnsafeEntryError extends AgoraError {
  constructor(
    readonly entry: string,
    why: string,
  ) {
    super('CONFLICT', `${entry}: ${why}`, { entry });
    this.name = 'UnsafeEntryError';
  }
}

function kindOf(st: Stats): EntryKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

export class SafeDir {
  private closed = false;

  private constructor(
    private readonly fd: number,
    /** For messages only: never opened by name. */
    readonly shown: string,
  ) {}

  /**
   * Opens the root of a workspace. `path` is a host path the agent does not control (its
   * parent is the host's), and the last component is refused if it is a link.
   */
  static openRoot(path: string): SafeDir {
    try {
      return new SafeDir(openSync(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW), '.');
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT') throw new AgoraError('NOT_FOUND', `workspace ${path} does not exist`, null);
      if (code === 'ELOOP' || code === 'ENOTDIR') throw new UnsafeEntryError('.', 'the workspace is not a directory');
      throw err;
    }
  }

  /** Runs `fn` with the root open and closes it whatever happens. */
  static with<T>(path: string, fn: (dir: SafeDir) => T): T {
    const dir = SafeDir.openRoot(path);
    try {
      return fn(dir);
    } finally {
      dir.close();
    }
  }

  /** The one place a name becomes a path: beneath the descriptor this handle holds. */
  private at(name: string): string {
    invariant(!this.closed, `${this.shown} is still open`);
    return `/proc/self/fd/${this.fd}/${checkName(name)}`;
  }

  private shownChild(name: string): string {
    return this.shown === '.' ? name : `${this.shown}/${name}`;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  stat(): Stats {
    return fstatSync(this.fd);
  }

  statfs(): StatsFs {
    return statfsSync(`/proc/self/fd/${this.fd}`);
  }

  /** The entry's own metadata (a link is reported as a link), or null when absent. */
  lstat(name: string): Stats | null {
    try {
      return lstatSync(this.at(name));
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return null;
      throw err;
    }
  }

  /** Opens a subdirectory; a link, a file or anything else in its place is refused. */
  openDir(name: string): SafeDir {
    try {
      return new SafeDir(openSync(this.at(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW), this.shownChild(name));
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ELOOP' || code === 'ENOTDIR') throw new UnsafeEntryError(this.shownChild(name), 'is not a directory (a link or a file)');
      throw err;
    }
  }

  /** Opens (creating when absent) a subdirectory. */
  ensureDir(name: string, mode = 0o755, owner: Owner | null = null): SafeDir {
    let made = false;
    try {
      mkdirSync(this.at(name), { mode });
      made = true;
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw err;
    }
    const dir = this.openDir(name);
    // Re-owned through the descriptor: whatever took its name since mkdir is not touched.
    if (made && owner !== null) dir.chownSelf(owner);
    return dir;
  }

  /** Names and kinds of the entries, sorted, at most `entries_max` (more is an error, never a silent cut). */
  entries(entries_max: number): Entry[] {
    const names = readdirSync(`/proc/self/fd/${this.fd}`);
    if (names.length > entries_max) {
      throw new AgoraError('PAYLOAD_TOO_LARGE', `${this.shown} holds ${names.length} entries; at most ${entries_max} are read`, { entries_max });
    }
    names.sort();
    const out: Entry[] = [];
    for (const name of names) {
      const st = this.lstat(name);
      if (st === null) continue; // gone since the listing
      out.push({ name, kind: kindOf(st), size_bytes: st.isFile() ? st.size : 0, stats: st });
    }
    return out;
  }

  /**
   * Opens a regular file for reading: never through a link, never a FIFO or device, never a
   * file hard-linked from elsewhere that the agent does not own.
   */
  private openFileForRead(name: string, agent: Owner | null): { fd: number; st: Stats } {
    let fd: number;
    try {
      fd = openSync(this.at(name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (err) {
      if (errnoOf(err) === 'ELOOP') throw new UnsafeEntryError(this.shownChild(name), 'is a symlink');
      throw err;
    }
    const st = fstatSync(fd);
    const refuse = (why: string): never => {
      closeSync(fd);
      throw new UnsafeEntryError(this.shownChild(name), why);
    };
    if (!st.isFile()) refuse('is not a regular file');
    if (st.nlink > 1 && agent !== null && st.uid !== agent.uid) refuse('is a hard link to a file the agent does not own');
    return { fd, st };
  }

  /** The whole content of a regular file, or null when absent. */
  readFile(name: string, bytes_max: number, agent: Owner | null = null): Buffer | null {
    let opened: { fd: number; st: Stats };
    try {
      opened = this.openFileForRead(name, agent);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return null;
      throw err;
    }
    const { fd, st } = opened;
    try {
      if (st.size > bytes_max) throw new AgoraError('PAYLOAD_TOO_LARGE', `${this.shownChild(name)} has ${st.size} bytes; at most ${bytes_max} are read`, { bytes_max });
      const buf = Buffer.alloc(st.size);
      let got = 0;
      while (got < st.size) {
        const n = readSync(fd, buf, got, st.size - got, got);
        if (n === 0) break; // shrank while read: what was there
        got += n;
      }
      return buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The last `bytes_max` bytes of a regular file (never through a link, never a FIFO), with its
   * size; null when absent. For files an agent keeps growing, such as its trace.
   */
  readTail(name: string, bytes_max: number, agent: Owner | null = null): { size_bytes: number; from_byte: number; data: Buffer } | null {
    let opened: { fd: number; st: Stats };
    try {
      opened = this.openFileForRead(name, agent);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return null;
      throw err;
    }
    const { fd, st } = opened;
    try {
      const from_byte = Math.max(0, st.size - bytes_max);
      const buf = Buffer.alloc(st.size - from_byte);
      const got = buf.length === 0 ? 0 : readSync(fd, buf, 0, buf.length, from_byte);
      return { size_bytes: st.size, from_byte, data: buf.subarray(0, got) };
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Writes a new file under a fresh random name, then renames it over `name`. The agent
   * may have planted anything at `name` (a link, a FIFO): rename replaces the entry itself
   * and follows nothing, and the temp file is ours alone (O_EXCL). A directory at `name`
   * makes the write fail, leaving nothing behind.
   */
  writeFileAtomic(name: string, data: string | Buffer, options: { mode: number; owner: Owner | null }): void {
    checkName(name);
    const temp = `.agora-${randomBytes(8).toString('hex')}.tmp`;
    this.writeNewFile(temp, data, options);
    try {
      renameSync(this.at(temp), this.at(name));
    } catch (err) {
      this.removeFile(temp);
      if (errnoOf(err) === 'EISDIR' || errnoOf(err) === 'ENOTEMPTY' || errnoOf(err) === 'EEXIST') {
        throw new UnsafeEntryError(this.shownChild(name), 'is a directory; the host will not replace it');
      }
      throw err;
    }
  }

  /**
   * Rewrites `name` in place, when what is there is a regular file of this one link that
   * `owner` (or the host, with no owner) owns: the write reuses its blocks, where a new file
   * renamed over it frees them and takes new ones (most of the cost of rewriting a small file).
   * Anything else there (nothing, a link, a FIFO, a directory, a file linked from elsewhere or
   * owned by someone else) writes nothing and returns false: the caller writes a new file
   * instead. Not atomic: only for a file no process reads while it is written.
   */
  overwriteInPlace(name: string, data: string | Buffer, options: { mode: number; owner: Owner | null }): boolean {
    let fd: number;
    try {
      // O_NOFOLLOW: a link is refused (ELOOP); O_NONBLOCK: a FIFO never blocks the open.
      fd = openSync(this.at(name), O_WRONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch {
      return false;
    }
    try {
      const st = fstatSync(fd);
      const uid = options.owner?.uid ?? process.geteuid?.() ?? st.uid;
      const gid = options.owner?.gid ?? process.getegid?.() ?? st.gid;
      if (!st.isFile() || st.nlink !== 1 || st.uid !== uid || st.gid !== gid) return false;
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off, off);
      if (st.size > buf.length) ftruncateSync(fd, buf.length);
      if ((st.mode & 0o7777) !== (options.mode & 0o777)) fchmodSync(fd, options.mode & 0o777);
      return true;
    } finally {
      closeSync(fd);
    }
  }

  /** Creates `name`, which must not exist yet (O_EXCL: never an existing file, link or FIFO). */
  writeNewFile(name: string, data: string | Buffer, options: { mode: number; owner: Owner | null; sync?: boolean }): void {
    let fd: number;
    try {
      fd = openSync(this.at(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, options.mode & 0o7777);
    } catch (err) {
      if (errnoOf(err) === 'EEXIST') throw new UnsafeEntryError(this.shownChild(name), 'exists already');
      throw err;
    }
    try {
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fchmodSync(fd, options.mode & 0o777);
      if (options.owner !== null) fchownSync(fd, options.owner.uid, options.owner.gid);
      if (options.sync === true) fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      this.removeFile(name);
      throw err;
    }
    closeSync(fd);
  }

  /** Unlinks a non-directory entry (a link itself, never its target); absent is fine. */
  removeFile(name: string): void {
    try {
      unlinkSync(this.at(name));
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw err;
    }
  }

  /** Re-owns the entry itself (lchown: a link is re-owned, not followed). */
  chownEntry(name: string, owner: Owner): void {
    lchownSync(this.at(name), owner.uid, owner.gid);
  }

  chownSelf(owner: Owner): void {
    fchownSync(this.fd, owner.uid, owner.gid);
  }

  /**
   * Removes a whole subtree beneath this directory, never following a link, at most
   * `entries_max` entries in all (a larger tree is an error: the host never loops unbounded).
   */
  removeTree(name: string, entries_max: number): void {
    let budget = entries_max;
    const visit = (parent: SafeDir, entry: string, depth: number): void => {
      const st = parent.lstat(entry);
      if (st === null) return;
      if (--budget < 0) throw new AgoraError('PAYLOAD_TOO_LARGE', `more than ${entries_max} entries to remove`, { entries_max });
      if (!st.isDirectory()) return parent.removeFile(entry);
      invariant(depth < 4096, 'directory depth is bounded');
      const dir = parent.openDir(entry);
      try {
        for (const child of readdirSync(`/proc/self/fd/${dir.fd}`)) visit(dir, child, depth + 1);
      } finally {
        dir.close();
      }
      rmdirSync(parent.at(entry));
    };
    visit(this, name, 0);
  }
}
