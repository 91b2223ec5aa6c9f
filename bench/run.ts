// `npm run bench`: runs every bench/*.bench.ts in turn (or those named on the command line),
// writes bench/results.json and bench/RESULTS.md, and prints the table.
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchRow } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)))
  .sort();

const results: { file: string; rows: BenchRow[]; error?: string }[] = [];
for (const file of files) {
  process.stdout.write(`running ${file} ...\n`);
  try {
    const mod = (await import(join(here, file))) as { default: Bench };
    results.push({ file, rows: await mod.default() });
  } catch (err) {
    process.stdout.write(`  failed: ${(err as Error).stack}\n`);
    results.push({ file, rows: [], error: (err as Error).message });
  }
}

const machine = { node: process.version, cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30) };
const lines = [
  `# Benchmark results`,
  '',
  `${new Date().toISOString()} — Node ${machine.node}, ${machine.cpus} × ${machine.cpu_model}, ${machine.memory_gb} GiB`,
  '',
  '| bench | measure | value | unit | target | ok | note |',
  '|---|---|---:|---|---|---|---|',
  ...results.flatMap((r) =>
    r.error !== undefined
      ? [`| ${r.file} | (failed) | | | | no | ${r.error.replace(/\|/g, '/')} |`]
      : r.rows.map((row) => `| ${r.file.replace('.bench.ts', '')} | ${row.name} | ${formatValue(row.value)} | ${row.unit} | ${row.target ?? ''} | ${row.ok === undefined ? '' : row.ok ? 'yes' : 'NO'} | ${row.note ?? ''} |`),
  ),
];

function formatValue(value: number): string {
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

const table = lines.join('\n') + '\n';
if (only.length === 0) {
  writeFileSync(join(here, 'results.json'), JSON.stringify({ at: new Date().toISOString(), machine, results }, null, 2) + '\n');
  writeFileSync(join(here, 'RESULTS.md'), table);
}
process.stdout.write('\n' + table);
if (results.some((r) => r.error !== undefined || r.rows.some((row) => row.ok === false))) process.exitCode = 1;
