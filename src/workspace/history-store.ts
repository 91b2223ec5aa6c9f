// The workspace history: a content-addressed store under the world directory
// (<world>/history/objects/<2 hex>/<62 hex>), where a file's bytes are kept once however many
// runs and agents share them, and a manifest per snapshot (itself an object) lists what a
// workspace held. The workspace is the agent's (hostile), so it is read only through SafeDir
// and the bounded walk: no link is followed or kept, no FIFO or device is opened, no file
// hard-linked from elsewhere is read. The store itself is the host's: nothing of an agent's
// names a path in it except as the hash of bytes the host computed.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgoraError } from '../base/errors.js';
import { SafeDir, type Owner } from './safe-dir.js';
import { walk, type WalkLimits } from './walk.js';

export interface ManifestEntry {
  /** Path components below the workspace root. */
  path: string[];
  kind: 'dir' | 'file';
  /** Permission bits (files and directories). */
  mode: number;
  /** Files only. */
  sha256?: string;
  size_bytes?: number;
}

export interface Manifest {
  version: 1;
  entries: ManifestEntry[];
  /** Links, FIFOs, sockets, devices: never kept. */
  skipped: number;
}

export interface SnapshotReport {
  manifest: string;
  files: number;
  bytes: number;
  skipped: number;
  /** Bytes newly written to the store (the rest was there already). */
  stored_bytes: number;
}

export interface HistoryStoreOptions {
  /** <world>/history */
  dir: string;
  file_bytes_max: number;
  walk: WalkLimits;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * The host's own files in a workspace, never part of its history: env.json is rewritten
 * before every run (it names the API's port of the moment), and SafeDir's temp files.
 */
const hostFile = (path: readonly string[]) => (path.length === 1 && path[0] === 'env.json') || (path[path.length - 1]!.startsWith('.agora-') && path[path.length - 1]!.endsWith('.tmp'));

/** What a file's metadata was when its hash was taken: ctime cannot be set back by the agent. */
interface Seen {
  ino: number;
  size: number;
  mtime_ms: number;
  ctime_ms: number;
  sha256: string;
}

export class HistoryStore {
  private readonly objects: string;
  /** Per workspace and path: the hash of a file unchanged since (so a snapshot re-reads only what changed). */
  private readonly seen = new Map<string, Map<string, Seen>>();

  constructor(private readonly options: HistoryStoreOptions) {
    this.objects = join(options.dir, 'objects');
  }

  get dir(): string {
    return this.options.dir;
  }

  private objectPath(sha256: string): string {
    if (!SHA256.test(sha256)) throw new AgoraError('INVALID_ARGS', `not an object name: ${sha256}`);
    return join(this.objects, sha256.slice(0, 2), sha256.slice(2));
  }

  has(sha256: string): boolean {
    return existsSync(this.objectPath(sha256));
  }

  /** Stores bytes under their hash (once); returns the hash and how many bytes were newly written. */
  put(bytes: Buffer): { sha256: string; written: number } {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const path = this.objectPath(sha256);
    if (existsSync(path)) return { sha256, written: 0 };
    mkdirSync(join(this.objects, sha256.slice(0, 2)), { recursive: true, mode: 0o700 });
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(temp, bytes, { mode: 0o600 });
    renameSync(temp, path);
    return { sha256, written: bytes.length };
  }

  get(sha256: string): Buffer {
    const path = this.objectPath(sha256);
    if (!existsSync(path)) throw new AgoraError('NOT_FOUND', `object ${sha256} is not in the history store (dropped by history.retention?)`);
    const bytes = readFileSync(path);
    // The store is on disk: a changed object must not be restored as if it were the recorded one.
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw new AgoraError('CONFLICT', `object ${sha256} in the history store is corrupt`);
    return bytes;
  }

  manifest(sha256: string): Manifest {
    return JSON.parse(this.get(sha256).toString('utf8')) as Manifest;
  }

  /** Records the workspace at `root` (a host path whose last component the agent does not control). */
  snapshot(root: string, key: string, agent: Owner | null): SnapshotReport {
    const entries: ManifestEntry[] = [];
    let skipped = 0;
    let bytes = 0;
    let stored_bytes = 0;
    const previous = this.seen.get(key) ?? new Map<string, Seen>();
    const next = new Map<string, Seen>();
    SafeDir.with(root, (dir) => {
      walk(dir, this.options.walk, {
        dir: (parent, entry, path) => {
          const st = entry.stats ?? parent.lstat(entry.name);
          if (st === null) return false;
          entries.push({ path: [...path], kind: 'dir', mode: st.mode & 0o7777 });
          return true;
        },
        nonDir: (parent, entry, path) => {
          if (hostFile(path)) return;
          if (entry.kind !== 'file') {
            skipped++;
            return;
          }
          const st = entry.stats ?? parent.lstat(entry.name);
          if (st === null || !st.isFile()) return;
          const name = path.join('/');
          const known = previous.get(name);
          let sha256: string;
          let size = st.size;
          if (known !== undefined && known.ino === st.ino && known.size === st.size && known.mtime_ms === st.mtimeMs && known.ctime_ms === st.ctimeMs) {
            sha256 = known.sha256;
          } else {
            const content = parent.readFile(entry.name, this.options.file_bytes_max, agent);
            if (content === null) return; // removed since it was listed
            const put = this.put(content);
            sha256 = put.sha256;
            size = content.length;
            stored_bytes += put.written;
          }
          next.set(name, { ino: st.ino, size, mtime_ms: st.mtimeMs, ctime_ms: st.ctimeMs, sha256 });
          entries.push({ path: [...path], kind: 'file', mode: st.mode & 0o7777, sha256, size_bytes: size });
          bytes += size;
        },
      });
    });
    this.seen.set(key, next);
    const manifest: Manifest = { version: 1, entries, skipped };
    const put = this.put(Buffer.from(JSON.stringify(manifest), 'utf8'));
    stored_bytes += put.written;
    return { manifest: put.sha256, files: entries.filter((e) => e.kind === 'file').length, bytes, skipped, stored_bytes };
  }

  /**
   * Writes a recorded workspace into `root`, an empty directory the host just made. Names are
   * checked component by component as they are written (SafeDir), so even a manifest from a
   * store someone changed cannot write outside `root`.
   */
  restore(manifest_sha256: string, root: string, owner: Owner | null): { files: number; bytes: number } {
    const manifest = this.manifest(manifest_sha256);
    let files = 0;
    let bytes = 0;
    SafeDir.with(root, (top) => {
      for (const entry of manifest.entries) {
        const parents = entry.path.slice(0, -1);
        const name = entry.path[entry.path.length - 1]!;
        const opened: SafeDir[] = [];
        try {
          let dir = top;
          for (const part of parents) {
            dir = dir.openDir(part);
            opened.push(dir);
          }
          if (entry.kind === 'dir') {
            opened.push(dir.ensureDir(name, entry.mode & 0o777, owner));
          } else {
            const content = this.get(entry.sha256!);
            dir.writeNewFile(name, content, { mode: entry.mode, owner });
            files++;
            bytes += content.length;
          }
        } finally {
          for (const d of opened.reverse()) d.close();
        }
      }
    });
    return { files, bytes };
  }

  /** Copies the objects of these manifests (and the manifests) into another store: a fork's. */
  copyTo(other: HistoryStore, manifests: Iterable<string>): void {
    for (const sha of manifests) {
      const manifest = this.manifest(sha);
      other.put(this.get(sha));
      for (const entry of manifest.entries) if (entry.kind === 'file' && !other.has(entry.sha256!)) other.put(this.get(entry.sha256!));
    }
  }

  /** Drops every object no kept manifest names (retention). Returns the bytes freed. */
  prune(keep_manifests: ReadonlySet<string>): number {
    const live = new Set<string>();
    for (const sha of keep_manifests) {
      if (!this.has(sha)) continue;
      live.add(sha);
      for (const entry of this.manifest(sha).entries) if (entry.sha256 !== undefined) live.add(entry.sha256);
    }
    let freed = 0;
    for (const [sha, path] of this.listObjects()) {
      if (live.has(sha)) continue;
      freed += statSync(path).size;
      rmSync(path, { force: true });
    }
    return freed;
  }

  /** Bytes the store holds on disk (objects). */
  sizeBytes(): { objects: number; bytes: number } {
    let objects = 0;
    let bytes = 0;
    for (const [, path] of this.listObjects()) {
      objects++;
      bytes += statSync(path).size;
    }
    return { objects, bytes };
  }

  private *listObjects(): Generator<[string, string]> {
    if (!existsSync(this.objects)) return;
    for (const prefix of readdirSync(this.objects)) {
      const sub = join(this.objects, prefix);
      for (const rest of readdirSync(sub)) {
        if (rest.endsWith('.tmp')) continue;
        yield [prefix + rest, join(sub, rest)];
      }
    }
  }
}
