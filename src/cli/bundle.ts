// Builds the CLI once (at install, `npm run build:cli`) into build/cli/: the TypeScript of src/
// bundled by esbuild, split so that each command loads only its own modules (entry.ts), with
// the pure-JS packages it uses. bin/agora.js runs the bundle while it is newer than the files
// of src/ it holds (listed in build/cli/sources.json), and src/ through tsx otherwise, so a
// change to src/ still needs no build step to run.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { Plugin } from 'esbuild';
import { parseConfig } from '../config/load.js';

/** The installation's root (this file is src/cli/bundle.ts). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_BUILD_DIR = join(ROOT, 'build', 'cli');
export const CLI_ENTRY = join(CLI_BUILD_DIR, 'entry.js');
const CLI_SOURCES = join(CLI_BUILD_DIR, 'sources.json');

/** True when build/cli/entry.js is missing or older than a file of src/ it was built from (as bin/agora.js decides). */
export function cliBundleIsStale(): boolean {
  try {
    const built_ms = statSync(CLI_ENTRY).mtimeMs;
    const sources = JSON.parse(readFileSync(CLI_SOURCES, 'utf8')) as string[];
    return sources.some((file) => statSync(join(ROOT, file)).mtimeMs > built_ms);
  } catch {
    return true;
  }
}

/**
 * zod's `locales` namespace (its messages in 50 languages, 300 KB, half the zod the CLI loads)
 * reduced to English, the only one Agora sets: esbuild cannot drop the others because `z`
 * (which re-exports the namespace) is used as an object. Nothing reads `z.locales` in the CLI.
 */
const englishOnlyZod: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    // zod's ES modules import ../locales/index.js; its CommonJS files (zod.cjs below) require .cjs.
    build.onResolve({ filter: /^\.\.\/locales\/index\.c?js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: join(dirname(args.importer), '..', 'locales', args.path.endsWith('.cjs') ? 'en.cjs' : 'en.js'), namespace: 'zod-locales' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: args.path.endsWith('.cjs') ? `exports.en = require(${JSON.stringify(args.path)});` : `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/** zod itself, built apart (build/cli/zod.cjs, CommonJS) so that it can be loaded on demand. */
const ZOD_FILE = 'zod.cjs';

/**
 * Agora's own `import { z } from 'zod'` made lazy: in the bundle it is a stand-in whose first
 * property read loads zod (build/cli/zod.cjs, synchronously). Every schema of src/ is built on
 * first use (base/lazy.ts), so a command that parses nothing with zod (`agora status` reads
 * rows) never compiles or initialises it: 290 KB and about 70 ms of CPU at each start. The
 * packages bundled with zod inside (the MCP SDK, fastify's type provider) keep their own copy;
 * zod keeps its registry (descriptions) and config on globalThis, so the copies share them, and
 * its instanceof checks are structural.
 */
const lazyZod: Plugin = {
  name: 'zod-on-demand',
  setup(build) {
    const src = join(ROOT, 'src') + sep;
    build.onResolve({ filter: /^zod$/ }, (args) => (args.importer.startsWith(src) ? { path: 'zod', namespace: 'zod-on-demand' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'zod-on-demand' }, () => ({
      contents: [
        "import { createRequire } from 'node:module';",
        'let zod;',
        'const pending = [];',
        'function load() {',
        `  if (zod === undefined) { zod = createRequire(import.meta.url)(${JSON.stringify(`./${ZOD_FILE}`)}); for (const c of pending) zod.config(c); }`,
        '  return zod;',
        '}',
        'export const z = new Proxy({}, { get: (_, key) => load().z[key], has: (_, key) => key in load().z });',
        '/** zod.config before zod is loaded is applied when it is. */',
        'export function config(options) { if (zod === undefined) pending.push(options); else zod.config(options); }',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

const EXTERNAL_PACKAGES = ['better-sqlite3', 'pino', 'thread-stream', 'dockerode', 'esbuild', 'tsx', 'playwright-core', '@fastify/swagger-ui', '@fastify/static', 'pg', 'synckit'];

/**
 * The defaults of the config, as JSON, for config/load.ts's AGORA_BUILT_CONFIG_DEFAULTS: the
 * bundle is built from the same schema, so they cannot differ. Only if JSON keeps them intact.
 */
function configDefaultsJson(): string | undefined {
  const defaults = parseConfig({});
  const json = JSON.stringify(defaults);
  return isDeepStrictEqual(JSON.parse(json), defaults) ? json : undefined;
}

export async function buildCli(): Promise<{ files: number; bytes: number; ms: number }> {
  const started = Date.now();
  const esbuild = await import('esbuild');
  const defaults = configDefaultsJson();
  const define: Record<string, string> = defaults === undefined ? {} : { AGORA_BUILT_CONFIG_DEFAULTS: JSON.stringify(defaults) };
  const result = await esbuild.build({
    entryPoints: { entry: join(ROOT, 'src', 'cli', 'entry.ts') },
    absWorkingDir: ROOT,
    bundle: true,
    splitting: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Pure-JS packages are bundled too: loading one file beats resolving zod's hundreds of
    // modules at every start. Left in node_modules: native addons, packages that spawn workers
    // or read their own files at run time, and the build tools themselves.
    external: EXTERNAL_PACKAGES,
    define,
    plugins: [englishOnlyZod, lazyZod],
    metafile: true,
    // Bundled CommonJS packages call require() for Node's own modules; ESM has none, so give it one.
    banner: { js: "import { createRequire as __agoraCreateRequire } from 'node:module'; const require = __agoraCreateRequire(import.meta.url);" },
    outdir: CLI_BUILD_DIR,
    // Chunks are named by content: a rebuild of the same sources writes the same files, so a CLI
    // call running while another process rebuilds never loads a chunk of another build.
    chunkNames: 'chunk-[hash]',
    // Less to parse at every start; names are kept, so a trace (a bug) still reads.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  });
  // zod for the stand-in above: one CommonJS file, English messages only, written before the
  // chunks that load it.
  const zod = await esbuild.build({
    stdin: { contents: "module.exports = require('zod');", resolveDir: ROOT, loader: 'js' },
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    plugins: [englishOnlyZod],
    outfile: join(CLI_BUILD_DIR, ZOD_FILE),
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  });
  mkdirSync(CLI_BUILD_DIR, { recursive: true });
  // The files of src/ the bundle holds: bin/agora.js compares their mtimes with the entry's, a
  // stat each, rather than walking the whole of src/ at every start.
  const sources = Object.keys(result.metafile.inputs).filter((input) => input.startsWith('src/')).sort();
  writeFileSync(`${CLI_SOURCES}.${process.pid}.tmp`, `${JSON.stringify(sources)}\n`);
  renameSync(`${CLI_SOURCES}.${process.pid}.tmp`, CLI_SOURCES);
  // The entry last: until it is renamed in, bin/agora.js sees the old build (or none) as stale.
  const files = [...zod.outputFiles, ...result.outputFiles].sort((a, b) => Number(a.path === CLI_ENTRY) - Number(b.path === CLI_ENTRY));
  let bytes = 0;
  for (const file of files) {
    const temp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
    bytes += file.contents.byteLength;
  }
  return { files: files.length, bytes, ms: Date.now() - started };
}
