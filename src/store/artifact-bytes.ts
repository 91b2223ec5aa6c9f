// The bytes of artifact versions, under the world directory, content-addressed: a data
// version's content is `blobs/<sha256>`, a code bundle is the directory `bundles/<hash>/`
// holding its files (hash: sha256 of the manifest, manifestHash below). Written only by the
// host, from request data the kernel has already validated; never from a path an agent named
// on disk. Everything is written under `tmp/` first and renamed into place, so a crash leaves
// no half-written blob and an existing (identical, by its hash) blob is never rewritten.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AgoraError, invariant } from '../base/errors.js';

export interface BundleFile {
  name: string;
  bytes: Buffer;
}

export interface FileNameLimits {
  depth_max: number;
  component_chars_max: number;
}

// One component of a relative name: letters, digits, dot, dash, underscore; not `.` or `..`
// and not starting with a dot-dot. No slash, backslash, NUL or control characters can pass.
const COMPONENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/**
 * A bundle file's relative name, split into its components, or INVALID_ARGS. Only single safe
 * components joined with `/`: no absolute name, no `..`, no empty or `.` component, bounded.
 */
export function checkRelativeName(name: string, limits: FileNameLimits): string[] {
  const refuse = (why: string) => {
    throw new AgoraError('INVALID_ARGS', `file name ${JSON.stringify(name.slice(0, 200))} ${why}`, { field: 'files', name: name.slice(0, 200) });
  };
  if (name.length === 0) refuse('is empty');
  if (name.startsWith('/')) refuse('is absolute; names are relative to the bundle');
  const parts = name.split('/');
  if (parts.length > limits.depth_max) refuse(`has more than ${limits.depth_max} components (artifacts.file_path_depth_max)`);
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..') refuse('has an empty, "." or ".." component');
    if (part.length > limits.component_chars_max) refuse(`has a component longer than ${limits.component_chars_max} characters (artifacts.file_name_chars_max)`);
    if (!COMPONENT.test(part) || part.includes('..')) refuse('has a component with characters other than letters, digits, ".", "-" and "_"');
  }
  return parts;
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The hash naming a bundle: its entry and its files' names and hashes, in name order. */
export function manifestHash(entry: string, files: readonly { name: string; sha256: string }[]): string {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((f) => [f.name, f.sha256]);
  return sha256(JSON.stringify({ entry, files: sorted }));
}

const HASH = /^[0-9a-f]{64}$/;

export class ArtifactBytes {
  constructor(readonly root: string) {}

  private tmp(): string {
    const dir = join(this.root, 'tmp');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return join(dir, randomBytes(8).toString('hex'));
  }

  contentPath(hash: string): string {
    invariant(HASH.test(hash), 'a content hash is 64 hex digits');
    return join(this.root, 'blobs', hash.slice(0, 2), hash);
  }

  /** The host directory of a bundle (read-only files); the invoker mounts it read-only. */
  bundleDir(hash: string): string {
    invariant(HASH.test(hash), 'a bundle hash is 64 hex digits');
    return join(this.root, 'bundles', hash);
  }

  /** Stores a data version's content; returns its sha256. */
  putContent(bytes: Buffer): string {
    const hash = sha256(bytes);
    const path = this.contentPath(hash);
    if (existsSync(path)) return hash;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = this.tmp();
    writeFileSync(tmp, bytes, { flag: 'wx', mode: 0o444 });
    renameSync(tmp, path);
    return hash;
  }

  readContent(hash: string): Buffer {
    return readFileSync(this.contentPath(hash));
  }

  /**
   * Stores a bundle whose names `checkRelativeName` accepted; returns its manifest hash. The
   * directory is built fresh under tmp/ (so no symlink or earlier file can be in the way) and
   * renamed into place whole.
   */
  putBundle(entry: string, files: readonly BundleFile[], limits: FileNameLimits): { hash: string; files: { name: string; sha256: string; bytes: number }[] } {
    const listed = files.map((f) => ({ name: f.name, sha256: sha256(f.bytes), bytes: f.bytes.length }));
    const hash = manifestHash(entry, listed);
    const final = this.bundleDir(hash);
    if (existsSync(final)) return { hash, files: listed };
    const tmp = this.tmp();
    mkdirSync(tmp, { mode: 0o700 });
    try {
      for (const file of files) {
        const parts = checkRelativeName(file.name, limits);
        const path = join(tmp, ...parts);
        mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
        writeFileSync(path, file.bytes, { flag: 'wx', mode: 0o444 });
      }
      chmodSync(tmp, 0o555);
      mkdirSync(dirname(final), { recursive: true, mode: 0o700 });
      renameSync(tmp, final);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      if (existsSync(final)) return { hash, files: listed };
      throw err;
    }
    return { hash, files: listed };
  }

  readBundleFile(hash: string, name: string, limits: FileNameLimits): Buffer {
    return readFileSync(join(this.bundleDir(hash), ...checkRelativeName(name, limits)));
  }
}
