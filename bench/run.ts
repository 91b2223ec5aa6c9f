// `npm run bench`: runs every bench/*.bench.ts in turn, writes bench/results.json and
// bench/RESULTS.md, and prints the table. `npm run bench -- --only history[,ledger]` (or the
// names alone) runs the files whose names start so, and merges their rows into the results
// files: the other files' rows stay as they were, each with the time it was measured.
// `--render` rewrites RESULTS.md from results.json alone.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchRow } from './types.js';

interface FileResult {
  file: string;
  /** When this file's rows were measured (a merged run keeps the others' times). */
  at?: string;
  rows: BenchRow[];
  error?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const only = args.flatMap((a, i) => (a === '--only' ? [] : args[i - 1] === '--only' || !a.startsWith('--') ? a.split(',') : [])).filter((a) => a !== '');
// `--render` runs nothing: it rewrites RESULTS.md from results.json (after results merged by hand).
const render_only = args.includes('--render');
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter(() => !render_only)
  .filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)))
  .sort();
if (files.length === 0 && !render_only) {
  process.stderr.write(`no bench/*.bench.ts matches ${only.join(', ')}\n`);
  process.exit(2);
}

const ran: FileResult[] = [];
for (const file of files) {
  process.stdout.write(`running ${file} ...\n`);
  const at = new Date().toISOString();
  try {
    const mod = (await import(join(here, file))) as { default: Bench };
    ran.push({ file, at, rows: await mod.default() });
  } catch (err) {
    process.stdout.write(`  failed: ${(err as Error).stack}\n`);
    ran.push({ file, at, rows: [], error: (err as Error).message });
  }
}

const machine = { node: process.version, cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30) };
const now = new Date().toISOString();
const resultsFile = join(here, 'results.json');
const previous = (only.length > 0 || render_only) && existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as { at: string; results: FileResult[] }) : null;
// A partial run replaces its own files' entries and keeps every other file's (with its old time).
const results: FileResult[] =
  previous === null
    ? ran
    : [...previous.results.filter((r) => !ran.some((n) => n.file === r.file)).map((r) => ({ ...r, at: r.at ?? previous.at })), ...ran].sort((a, b) => a.file.localeCompare(b.file));

const lines = [
  `# Benchmark results`,
  '',
  `${previous === null ? now : ran.length === 0 ? `${previous.at} (full run), files re-run since at their own times` : `${previous.at} (full run); ${ran.map((r) => r.file.replace('.bench.ts', '')).join(', ')} re-run ${now}`} — Node ${machine.node}, ${machine.cpus} × ${machine.cpu_model}, ${machine.memory_gb} GiB`,
  '',
  '| bench | measure | value | unit | target | ok | note |',
  '|---|---|---:|---|---|---|---|',
  ...results.flatMap((r) =>
    r.error !== undefined
      ? [`| ${r.file.replace('.bench.ts', '')} | (failed) | | | | no | ${r.error.replace(/\|/g, '/')} |`]
      : r.rows.map((row) => `| ${r.file.replace('.bench.ts', '')} | ${row.name} | ${formatValue(row.value)} | ${row.unit} | ${row.target ?? ''} | ${row.ok === undefined ? '' : row.ok ? 'yes' : 'NO'} | ${(row.note ?? '').replace(/\|/g, '/')} |`),
  ),
];

function formatValue(value: number): string {
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

const table = lines.join('\n') + '\n';
writeFileSync(resultsFile, JSON.stringify({ at: previous?.at ?? now, machine, results }, null, 2) + '\n');
writeFileSync(join(here, 'RESULTS.md'), table);
process.stdout.write('\n' + table);
if (ran.some((r) => r.error !== undefined || r.rows.some((row) => row.ok === false))) process.exitCode = 1;
