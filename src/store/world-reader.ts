// Another world's database opened to read only (the dashboard's fork view reads a fork or the
// parent beside the world it serves). The directory is operator data (a fork listing, or the
// parent recorded in this world's journal), never a request's, and is still checked: an
// absolute path, a real directory (not a link), holding world.db as a regular file. The file is
// opened read-only with query_only on, so no statement can write it, and no migration runs.
import { lstatSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { AgoraError } from '../base/errors.js';
import { openDatabase, type Db } from './database.js';
import { worldPaths } from './world-dir.js';

export function openWorldReadOnly(dir: string): Db {
  if (!isAbsolute(dir)) throw new AgoraError('NOT_FOUND', 'the other world\'s directory is not an absolute path');
  const paths = worldPaths(dir);
  const kind = (path: string) => {
    try {
      const st = lstatSync(path);
      return st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
    } catch {
      return 'missing';
    }
  };
  if (kind(paths.dir) !== 'dir') throw new AgoraError('NOT_FOUND', `no world directory at ${paths.dir}`);
  if (kind(paths.database) !== 'file') throw new AgoraError('NOT_FOUND', `no world database in ${paths.dir}`);
  try {
    const db = openDatabase(paths.database, { readonly: true });
    db.pragma('query_only = ON');
    return db;
  } catch (err) {
    throw new AgoraError('UNAVAILABLE', `the world in ${paths.dir} cannot be read: ${(err as Error).message}`);
  }
}
