#!/usr/bin/env node
// Entry point of the `agora` command. It runs the CLI bundled at install (build/cli/, by
// src/cli/bundle.ts) while that is newer than the files of src/ it was built from, and src/
// through tsx otherwise, so there is no build step between a change to src/ and running it
// (only a slower start until `npm run build:cli`). The freshness check is a stat of each of
// those files (build/cli/sources.json), a few milliseconds.
import { readFileSync, statSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const entry = `${root}build/cli/entry.js`;

/** Whether the bundle is newer than every file of src/ it was built from (the build lists them). */
function bundleIsFresh() {
  if (process.env.AGORA_CLI_FROM_SOURCE === '1') return false;
  try {
    const built_ms = statSync(entry).mtimeMs;
    // A listed file gone (renamed, deleted) throws: stale too, so src/ runs.
    return JSON.parse(readFileSync(`${root}build/cli/sources.json`, 'utf8')).every((file) => statSync(root + file).mtimeMs <= built_ms);
  } catch {
    return false;
  }
}

// From Node 22.1, V8's compiled code of the bundle is kept on disk (the OS temp directory) and
// reused by the next call instead of compiling again; Node 20 has no such cache (a no-op here).
nodeModule.enableCompileCache?.();

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
