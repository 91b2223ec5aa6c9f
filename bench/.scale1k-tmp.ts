import { measure } from './scale.bench.ts';
const m = await measure(Number(process.env.N ?? 1000));
for (const c of m.cycles) console.log(JSON.stringify(Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Math.round(v)]))));
