// Which SQL statements a cycle of bench/scale runs, how often, for how long, and their query
// plans (for finding N+1 reads and scans; docs/scale.md). Not a bench row: a tool.
//   node --import tsx bench/scale-queries.ts [agents]     (default 100; SCALE_CYCLES cycles)
import Database from 'better-sqlite3';

const stats = new Map<string, { n: number; ms: number }>();
const plans = new Map<string, string>();
const proto = Database.prototype as unknown as { prepare: (sql: string) => Record<string, (...args: unknown[]) => unknown> };
const prepare = proto.prepare;
proto.prepare = function (this: unknown, sql: string) {
  const stmt = prepare.call(this, sql);
  if (!plans.has(sql) && /^\s*(SELECT|UPDATE|DELETE|WITH)/i.test(sql)) {
    const params = new Array((sql.match(/\?/g) ?? []).length).fill(null);
    try {
      plans.set(sql, (prepare.call(this, `EXPLAIN QUERY PLAN ${sql}`).all!(...params) as { detail: string }[]).map((r) => r.detail).join(' | '));
    } catch (err) {
      plans.set(sql, `(no plan: ${(err as Error).message})`);
    }
  }
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const f = stmt[method]!;
    stmt[method] = (...args: unknown[]) => {
      const started = performance.now();
      try {
        return f.apply(stmt, args);
      } finally {
        const s = stats.get(sql) ?? { n: 0, ms: 0 };
        s.n++;
        s.ms += performance.now() - started;
        stats.set(sql, s);
      }
    };
  }
  return stmt;
};

const { measure } = await import('./scale.bench.js');
const m = await measure(Number(process.argv[2] ?? 100));
process.stdout.write(`host ms per cycle: ${m.cycles.map((c) => Math.round(c.host_total)).join(', ')}\n\ncalls    ms  statement\n`);
const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();
for (const [sql, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40)) {
  process.stdout.write(`${String(s.n).padStart(6)} ${s.ms.toFixed(0).padStart(5)}  ${oneLine(sql).slice(0, 160)}\n`);
}
process.stdout.write('\nplans with a scan or a sort (statements run at least once per agent):\n');
for (const [sql, s] of stats) {
  const p = plans.get(sql) ?? '';
  if (s.n >= Number(process.argv[2] ?? 100) && /SCAN|TEMP B-TREE/.test(p)) process.stdout.write(`${String(s.n).padStart(6)}  ${p}\n        ${oneLine(sql).slice(0, 200)}\n`);
}
