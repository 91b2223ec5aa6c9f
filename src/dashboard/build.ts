// Builds the operator's dashboard (web/src, TypeScript + Preact + uPlot) into web/dist with
// esbuild: one JS and one CSS bundle and an index.html, no CDN. Runs at `npm install`
// (postinstall) and, when web/dist is missing or older than its sources, when the API starts.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** web/ of this installation. */
export const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

export interface DashboardPaths {
  root: string;
  src: string;
  html: string;
  dist: string;
  assets: string;
}

export function dashboardPaths(root = WEB_ROOT): DashboardPaths {
  const dist = join(root, 'dist');
  return { root, src: join(root, 'src'), html: join(root, 'index.html'), dist, assets: join(dist, 'assets') };
}

function newestMtimeMs(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtimeMs(join(path, name))), stat.mtimeMs);
}

/** True when there are sources and web/dist is missing or older than any of them. */
export function dashboardIsStale(paths = dashboardPaths()): boolean {
  if (!existsSync(paths.src)) return false;
  const built = join(paths.dist, 'index.html');
  if (!existsSync(built)) return true;
  return Math.max(newestMtimeMs(paths.src), newestMtimeMs(paths.html)) > statSync(built).mtimeMs;
}

/** Written whole or not at all: a server reading web/dist never sees half a file. */
function writeAtomically(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content);
  renameSync(temp, path);
}

export async function buildDashboard(paths = dashboardPaths(), options: { minify?: boolean } = {}): Promise<{ files: string[]; bytes: number; ms: number }> {
  const started = Date.now();
  // Imported here, not at the top: a server that never builds never loads esbuild.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { app: join(paths.src, 'main.tsx') },
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: options.minify ?? true,
    legalComments: 'none',
    outdir: paths.assets,
    logLevel: 'silent',
  });
  const files: string[] = [];
  let bytes = 0;
  const hash = createHash('sha256');
  for (const file of result.outputFiles) {
    writeAtomically(file.path, file.contents);
    hash.update(file.contents);
    files.push(file.path);
    bytes += file.contents.length;
  }
  // The version query makes a browser fetch new bundles after a rebuild, never a stale mix.
  const version = hash.digest('hex').slice(0, 12);
  const html = readFileSync(paths.html, 'utf8').replaceAll('__VERSION__', version);
  const index = join(paths.dist, 'index.html');
  writeAtomically(index, html);
  files.push(index);
  return { files, bytes: bytes + html.length, ms: Date.now() - started };
}

/** Builds when stale; a failure leaves the old build (if any) in place and is reported. */
export async function ensureDashboard(paths = dashboardPaths()): Promise<{ built: boolean; error: string | null }> {
  if (!dashboardIsStale(paths)) return { built: false, error: null };
  try {
    await buildDashboard(paths);
    return { built: true, error: null };
  } catch (err) {
    return { built: false, error: (err as Error).message };
  }
}
