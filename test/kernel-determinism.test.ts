// The kernel reads no wall clock and no ambient randomness (docs/replay.md): every time it
// knows comes from its Clock and every random draw from its seeded Rng, so a journal replays
// and a simulated world repeats. This scans src/kernel for the ways in; the two files that
// are those ways (the SystemClock, the Rng's seed from the OS) are the only ones allowed.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const ALLOWED = new Set(['src/kernel/engine/clock.ts', 'src/kernel/engine/rng.ts']);

const FORBIDDEN: [RegExp, string][] = [
  [/\bDate\.now\s*\(/, 'Date.now()'],
  [/\bnew\s+Date\s*\(/, 'new Date()'],
  [/\bDate\s*\(\s*\)/, 'Date()'],
  [/\bperformance\s*\.\s*now\b/, 'performance.now'],
  [/\bprocess\s*\.\s*hrtime\b/, 'process.hrtime'],
  [/\bprocess\s*\.\s*uptime\b/, 'process.uptime'],
  [/\bMath\s*\.\s*random\b/, 'Math.random'],
  [/\bcrypto\s*\.\s*random\w*/, 'crypto.random*'],
  [/\bgetRandomValues\b/, 'getRandomValues'],
  [/\brandom(Bytes|UUID|Int|Fill|FillSync)\b/, 'node:crypto random*'],
  [/from\s+['"](node:)?perf_hooks['"]/, 'perf_hooks'],
  [/\bsetTimeout\s*\(|\bsetInterval\s*\(/, 'timers'],
];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Source without comments: a comment may name what the code must not do. */
function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

export function ambientReads(root = 'src/kernel'): string[] {
  const found: string[] = [];
  for (const file of files(root)) {
    const name = relative('.', file);
    if (ALLOWED.has(name)) continue;
    const lines = code(readFileSync(file, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      for (const [pattern, what] of FORBIDDEN) if (pattern.test(line)) found.push(`${name}:${i + 1}: ${what}`);
    });
  }
  return found;
}

test('src/kernel reads no wall clock and draws no ambient randomness outside SystemClock and Rng', () => {
  assert.deepEqual(ambientReads(), []);
});

test('the scan finds each forbidden read (it would catch one added)', () => {
  const probes = ['Date.now()', 'new Date()', 'performance.now()', 'process.hrtime.bigint()', 'Math.random()', 'crypto.randomUUID()', 'randomBytes(4)'];
  for (const probe of probes) {
    const hit = FORBIDDEN.some(([pattern]) => pattern.test(code(`const x = ${probe};`)));
    assert.ok(hit, `${probe} is caught`);
  }
  assert.equal(FORBIDDEN.some(([pattern]) => pattern.test(code('// Date.now() is never called here'))), false, 'a comment is not code');
});
