// The test files for `npm test`, the slowest first: the runner takes files in the order given,
// two at a time, so a long file started last would run on alone while the other lane idles.
// The list is the files over ~20 s in a CI run (simulated worlds, browsers, property tests);
// every other file follows in name order. A file missing here only costs time, never a test.
import { readdirSync } from 'node:fs';

const SLOWEST_FIRST = [
  'replay', 'genesis-human-loop', 'society-e2e', 'experiment', 'ecology-e2e', 'market', 'research-dashboard',
  'benchmark', 'invoke-e2e', 'history-store', 'dashboard', 'dashboard-operator', 'dashboard-fork', 'sandbox-bwrap',
].map((name) => `test/${name}.test.ts`);

const all = readdirSync(new URL('..', import.meta.url)).filter((f) => f.endsWith('.test.ts')).map((f) => `test/${f}`).sort();
const first = SLOWEST_FIRST.filter((f) => all.includes(f));
process.stdout.write([...first, ...all.filter((f) => !first.includes(f))].join('\n') + '\n');
