// Writes a code bundle's files into an agent's workspace (POST /agents/{id}/code): through
// SafeDir only, so no link the agent planted is followed. Every directory on a file's path is
// opened with O_NOFOLLOW (a link there refuses the whole update); each file is written to a new
// temp name and renamed over its name, which replaces a planted link itself, never its target.
// All paths are checked before the first byte is written, so a refusal leaves the workspace as
// it was (an agent racing the host can still make a later write fail, never escape).
import { SafeDir, UnsafeEntryError, type Owner } from './safe-dir.js';

export interface FileToInstall {
  name: string;
  bytes: Buffer;
}

const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

export function installFiles(workspace_dir: string, files: readonly FileToInstall[], owner: Owner | null): void {
  SafeDir.with(workspace_dir, (root) => {
    for (const file of files) check(root, file.name.split('/'));
    for (const file of files) write(root, file.name.split('/'), file.bytes, owner);
  });
}

/** Every directory on the way is a directory or absent; the file is a file, a link (replaced) or absent. */
function check(dir: SafeDir, parts: string[]): void {
  const [name, ...rest] = parts;
  const st = dir.lstat(name!);
  if (rest.length === 0) {
    if (st !== null && st.isDirectory()) throw new UnsafeEntryError(name!, 'is a directory; the host will not replace it');
    return;
  }
  if (st === null) return;
  const sub = dir.openDir(name!); // a link or a file here: UnsafeEntryError
  try {
    check(sub, rest);
  } finally {
    sub.close();
  }
}

function write(dir: SafeDir, parts: string[], bytes: Buffer, owner: Owner | null): void {
  const [name, ...rest] = parts;
  if (rest.length === 0) return dir.writeFileAtomic(name!, bytes, { mode: FILE_MODE, owner });
  const sub = dir.ensureDir(name!, DIR_MODE, owner);
  try {
    write(sub, rest, bytes, owner);
  } finally {
    sub.close();
  }
}
