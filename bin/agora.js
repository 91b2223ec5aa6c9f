#!/usr/bin/env node
// Entry point of the `agora` command. It runs the CLI bundled at install (build/cli/, by
// src/cli/bundle.ts) while that is newer than src/, and src/ through tsx otherwise, so there
// is no build step between a change to src/ and running it (only a slower start until
// `npm run build:cli`). The freshness check is a walk of src/'s mtimes, a few milliseconds.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const entry = join(root, 'build', 'cli', 'entry.js');

/** Whether anything under `dir` was modified after `built_ms` (stops at the first that was). */
function changedSince(dir, built_ms) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() ? changedSince(path, built_ms) : statSync(path).mtimeMs > built_ms) return true;
  }
  return statSync(dir).mtimeMs > built_ms;
}

function bundleIsFresh() {
  if (process.env.AGORA_CLI_FROM_SOURCE === '1') return false;
  try {
    return !changedSince(join(root, 'src'), statSync(entry).mtimeMs);
  } catch {
    return false;
  }
}

let run;
if (bundleIsFresh()) {
  ({ run } = await import(pathToFileURL(entry).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ run } = await import('../src/cli/entry.ts'));
}
await run(process.argv);
// A command is over when run() returns (`agora start` has closed its world by then): nothing
// left behind, such as a half-opened server after a failed start, may keep the process alive.
process.exit();
