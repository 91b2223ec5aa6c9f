import { runSimulated } from './support/simulated.js';
const CONFIG: any = { market: { clearing_interval_s: 10 }, llm: { mode: 'replay' }, sandbox: { runner: 'process' }, agents: { genesis_first_bid: { credits: 0 } } };
const n = Number(process.argv[2] ?? 10);
const t0 = Date.now();
const w = await runSimulated({ cycles: n, seed: 7, config: CONFIG });
console.log('cycles', n, 'ms', Date.now() - t0, 'per', (Date.now() - t0) / n);
console.log(w.paths.dir);
import { readdirSync, readFileSync } from 'node:fs';
for (const f of readdirSync(w.paths.executions).slice(0, 4)) console.log(f, readFileSync(`${w.paths.executions}/${f}`, 'utf8'));
