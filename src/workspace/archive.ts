// A workspace as one archive, to carry it between the world host (the store of record) and a
// runner host (docs/deploy.md, "Runner hosts"). Both ends hold what a hostile agent wrote, so:
// - packing reads through SafeDir only (walk.ts): no link is followed or carried, no FIFO or
//   device is opened, no file hard-linked from elsewhere is read; only directories and regular
//   files go in, bounded in entries, depth and bytes;
// - unpacking checks the whole archive first (every name one component, checkName; bounds)
//   and writes nothing if any of it is wrong; then it makes the target hold exactly what the
//   archive holds, through SafeDir: a link in the way is removed (never written through), each
//   file is written to a temp name and renamed over its name.
// The format is gzipped JSON: a workspace is bounded by workspace.bytes_max, and an archive is
// built and read whole in memory.
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { AgoraError } from '../base/errors.js';
import { checkName, SafeDir, UnsafeEntryError, type Owner } from './safe-dir.js';
import { walk, type WalkLimits } from './walk.js';

export interface ArchiveLimits extends WalkLimits {
  /** Bytes of file content in all. */
  bytes_max: number;
}

const entrySchema = z.strictObject({
  path: z.array(z.string()).min(1),
  kind: z.enum(['dir', 'file']),
  mode: z.number().int().min(0).max(0o777),
  data: z.string().optional(),
});
const archiveSchema = z.strictObject({ v: z.literal(1), entries: z.array(entrySchema) });
type ArchiveEntry = z.infer<typeof entrySchema>;

/** The host's own temp files (SafeDir.writeFileAtomic names them so): never carried. */
const isHostTemp = (name: string) => name.startsWith('.agora-') && name.endsWith('.tmp');

export interface PackReport {
  archive: Buffer;
  files: number;
  bytes: number;
  /** Entries left out: links, FIFOs, sockets, devices, foreign hard links. */
  skipped: string[];
}

/** Packs the workspace at `dir` (a host path the agent does not control). */
export function packWorkspace(dir: string, limits: ArchiveLimits, agent: Owner | null): PackReport {
  const entries: ArchiveEntry[] = [];
  const skipped: string[] = [];
  let bytes = 0;
  SafeDir.with(dir, (root) => {
    walk(root, limits, {
      dir: (parent, entry, path) => {
        entries.push({ path: [...path], kind: 'dir', mode: (parent.lstat(entry.name)?.mode ?? 0o755) & 0o777 });
        return true;
      },
      nonDir: (parent, entry, path) => {
        if (entry.kind !== 'file' || isHostTemp(entry.name)) {
          skipped.push(path.join('/'));
          return;
        }
        let content: Buffer | null;
        try {
          content = parent.readFile(entry.name, Math.max(0, limits.bytes_max - bytes), agent);
        } catch (err) {
          // Swapped for a link or a FIFO since it was listed, or a hard link to a host file.
          if (err instanceof UnsafeEntryError) {
            skipped.push(path.join('/'));
            return;
          }
          if (err instanceof AgoraError && err.code === 'PAYLOAD_TOO_LARGE') tooLarge(limits);
          throw err;
        }
        if (content === null) return; // removed since it was listed
        bytes += content.length;
        if (bytes > limits.bytes_max) tooLarge(limits);
        entries.push({ path: [...path], kind: 'file', mode: (parent.lstat(entry.name)?.mode ?? 0o644) & 0o777, data: content.toString('base64') });
      },
    });
  });
  const archive = gzipSync(JSON.stringify({ v: 1, entries }));
  return { archive, files: entries.filter((e) => e.kind === 'file').length, bytes, skipped };
}

interface Node {
  kind: 'dir' | 'file';
  mode: number;
  data: Buffer | null;
  children: Map<string, Node>;
}

/** Parses and checks a whole archive (names, nesting, bounds) before anything is written. */
export function readArchive(archive: Buffer, limits: ArchiveLimits): Node {
  let parsed: z.infer<typeof archiveSchema>;
  try {
    // Bounded inflation: content is base64 (4/3) inside JSON; past that the archive is refused.
    const json = gunzipSync(archive, { maxOutputLength: Math.ceil(limits.bytes_max * 1.4) + limits.entries_max * 4096 + 1024 });
    parsed = archiveSchema.parse(JSON.parse(json.toString('utf8')));
  } catch (err) {
    if (err instanceof AgoraError) throw err;
    throw new AgoraError('INVALID_ARGS', `not a workspace archive: ${(err as Error).message.slice(0, 200)}`);
  }
  if (parsed.entries.length > limits.entries_max) throw new AgoraError('PAYLOAD_TOO_LARGE', `the archive holds more than ${limits.entries_max} entries`, { entries_max: limits.entries_max });
  const root: Node = { kind: 'dir', mode: 0o755, data: null, children: new Map() };
  let bytes = 0;
  for (const entry of parsed.entries) {
    if (entry.path.length > limits.depth_max + 1) throw new AgoraError('PAYLOAD_TOO_LARGE', `the archive nests deeper than ${limits.depth_max}`, { depth_max: limits.depth_max });
    let parent = root;
    for (const name of entry.path.slice(0, -1)) {
      const next = parent.children.get(checkName(name));
      if (next === undefined || next.kind !== 'dir') throw new AgoraError('INVALID_ARGS', `archive entry ${entry.path.join('/')} has no directory before it`);
      parent = next;
    }
    const name = checkName(entry.path[entry.path.length - 1]!);
    if (parent.children.has(name)) throw new AgoraError('INVALID_ARGS', `archive entry ${entry.path.join('/')} is there twice`);
    const data = entry.kind === 'file' ? Buffer.from(entry.data ?? '', 'base64') : null;
    bytes += data?.length ?? 0;
    if (bytes > limits.bytes_max) tooLarge(limits);
    parent.children.set(name, { kind: entry.kind, mode: entry.mode, data, children: new Map() });
  }
  return root;
}

/**
 * Makes the workspace at `dir` hold exactly what `archive` holds (what is not in it is
 * removed). `keep` names root entries left as they are (the host's own, e.g. env.json).
 */
export function unpackWorkspace(dir: string, archive: Buffer, limits: ArchiveLimits, owner: Owner | null, keep: ReadonlySet<string> = new Set()): { files: number; bytes: number } {
  const tree = readArchive(archive, limits);
  let files = 0;
  let bytes = 0;
  const sync = (target: SafeDir, node: Node, depth: number): void => {
    for (const existing of target.entries(limits.entries_max)) {
      if (depth === 0 && keep.has(existing.name)) continue;
      const wanted = node.children.get(existing.name);
      // Anything not wanted, or of another kind (a link where a directory goes), is removed itself.
      if (wanted === undefined || (wanted.kind === 'dir') !== (existing.kind === 'dir')) target.removeTree(existing.name, limits.entries_max);
    }
    for (const [name, child] of node.children) {
      if (depth === 0 && keep.has(name)) continue;
      if (child.kind === 'file') {
        target.writeFileAtomic(name, child.data!, { mode: child.mode | 0o600, owner });
        files++;
        bytes += child.data!.length;
        continue;
      }
      const sub = target.ensureDir(name, child.mode | 0o700, owner);
      try {
        sync(sub, child, depth + 1);
      } finally {
        sub.close();
      }
    }
  };
  SafeDir.with(dir, (root) => sync(root, tree, 0));
  return { files, bytes };
}

function tooLarge(limits: ArchiveLimits): never {
  throw new AgoraError('PAYLOAD_TOO_LARGE', `the workspace holds more than ${limits.bytes_max} bytes (workspace.bytes_max)`, { bytes_max: limits.bytes_max });
}
