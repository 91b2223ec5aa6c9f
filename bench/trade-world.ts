// Trade in the default world, measured (docs/trade.md, "Measured"): the default world with the
// offline model and genesis's trade turn, run for N simulated cycles. Reports, from the
// journal: loans proposed / accepted / paid / defaulted, offers accepted between agents by
// kind, rights moved, credits moved by trade, and the audit. Too long for the suite (issue 15's
// 60-cycle world), so it lives here; its numbers are in docs/trade.md.
//   node --import tsx bench/trade-world.ts [cycles=60] [seed=1] [--bwrap] [--keep=DIR]
// --keep=DIR runs the world in DIR (a new or empty directory) and leaves it there, to inspect.
// The runner is the process one unless --bwrap (speed: the agents and what they are told are
// the same; the sandbox is not what is measured).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { replayAudit } from '../src/kernel/engine/audit.js';
import { kernelRegistry } from '../src/kernel/kernel.js';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { serve, makeWorld } from '../test/support/world.js';

export interface TradeFigures {
  cycles: number;
  agents: number;
  loans_proposed: number;
  loans_accepted: number;
  loans_paid: number;
  loans_defaulted: number;
  loans_outstanding: number;
  repaid_ucr: number;
  defaulted_ucr: number;
  /** Offers accepted whose buyer is not their seller (always, by the kernel's rule), by kind. */
  offers_accepted: Record<string, number>;
  offers_posted: number;
  /** Units of rights moved between agents: transfers plus right offers accepted. */
  right_transfers: number;
  right_units_moved: Record<string, number>;
  /** µcr moved by trade: prices of accepted offers, principals lent, repayments collected. */
  credits_moved_ucr: { offers: number; principals: number; repayments: number };
  licence_calls: number;
  audit_ok: boolean;
  /** Invariants failed, tables that differ on replay, journal problems. */
  audit_failures: string[];
  invariants: string[];
}

export function tradeFigures(db: Database.Database): TradeFigures {
  const rows = (type: string) => (db.prepare('SELECT data FROM events WHERE type = ? ORDER BY seq').all(type) as { data: string }[]).map((r) => JSON.parse(r.data) as Record<string, any>);
  const sum = (xs: Record<string, any>[], key: string) => xs.reduce((s, x) => s + Number(x[key] ?? 0), 0);
  const accepted = rows('offer_accepted');
  const offers_accepted: Record<string, number> = {};
  for (const a of accepted) offers_accepted[String(a.kind)] = (offers_accepted[String(a.kind)] ?? 0) + 1;
  const posted = new Map(rows('offer_posted').map((p) => [String(p.offer_id), p]));
  const right_units_moved: Record<string, number> = {};
  const move = (right: string, units: number) => (right_units_moved[right] = (right_units_moved[right] ?? 0) + units);
  const transfers = rows('right_transferred');
  for (const t of transfers) move(String(t.right), Number(t.units));
  for (const a of accepted.filter((x) => x.kind === 'right')) {
    const p = posted.get(String(a.offer_id));
    if (p !== undefined) move(String(p.right), Number(p.units));
  }
  const loans = db.prepare('SELECT status, COUNT(*) AS n FROM trade_loans GROUP BY status').all() as { status: string; n: number }[];
  const byStatus = (s: string) => loans.find((l) => l.status === s)?.n ?? 0;
  const collected = rows('loan_collected');
  const loan_accepted = rows('loan_accepted');
  const principal = new Map(rows('loan_proposed').map((p) => [String(p.loan_id), Number(p.principal_ucr)]));
  const report = replayAudit(db, kernelRegistry);
  return {
    cycles: (db.prepare('SELECT COALESCE(MAX(cycle), 0) AS n FROM market_state').get() as { n: number }).n,
    agents: (db.prepare('SELECT COUNT(*) AS n FROM agents').get() as { n: number }).n,
    loans_proposed: principal.size,
    loans_accepted: loan_accepted.length,
    loans_paid: byStatus('paid'),
    loans_defaulted: byStatus('defaulted'),
    loans_outstanding: byStatus('outstanding'),
    repaid_ucr: sum(collected, 'paid_ucr'),
    defaulted_ucr: sum(collected, 'defaulted_ucr'),
    offers_accepted,
    offers_posted: posted.size,
    right_transfers: transfers.length + (offers_accepted.right ?? 0),
    right_units_moved,
    credits_moved_ucr: {
      offers: sum(accepted, 'price_ucr'),
      principals: loan_accepted.reduce((s, a) => s + (principal.get(String(a.loan_id)) ?? 0), 0),
      repayments: sum(collected, 'paid_ucr'),
    },
    licence_calls: rows('licence_used').length,
    audit_ok: report.ok,
    invariants: Object.keys(report.invariants),
    audit_failures: [
      ...Object.entries(report.invariants).filter(([, i]) => !i.live.ok || !i.replayed.ok).map(([name]) => name),
      ...report.tables.filter((t) => t.differences > 0).map((t) => `table ${t.table}`),
      ...report.journal_problems,
    ],
  };
}

export async function runTradeWorld(options: { cycles: number; seed: number; bwrap: boolean; keep_dir?: string }): Promise<TradeFigures & { wall_s: number }> {
  const started = performance.now();
  const clock = new VirtualClock();
  // The default world: genesis's own first bid on (the test helper turns it off).
  const world = makeWorld({ clock, seed: options.seed, ...(options.keep_dir === undefined ? {} : { dir: options.keep_dir }), config: { ...(options.bwrap ? {} : { sandbox: { runner: 'process' } }), agents: { genesis_first_bid: { credits: 2 } } } });
  const api = await serve(world);
  const runner = await createRunner(world.config, world.log);
  let cycle = 0;
  try {
    const loop = new WorldLoop(world, api, runner, {
      cycles: options.cycles,
      virtual_clock: clock,
      onCycle: () => {
        cycle++;
        process.stderr.write(`cycle ${cycle}: ${Math.round((performance.now() - started) / 1000)} s\n`);
      },
    });
    await loop.run();
    await loop.stop();
    const db = new Database(join(world.paths.dir, 'world.db'), { readonly: true });
    try {
      return { ...tradeFigures(db), wall_s: Math.round((performance.now() - started) / 1000) };
    } finally {
      db.close();
    }
  } finally {
    await runner.close();
    await api.close();
    world.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const keep = () => {
    const dir = process.argv.find((a) => a.startsWith('--keep='))?.slice('--keep='.length);
    return dir === undefined ? {} : { keep_dir: dir };
  };
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const r = await runTradeWorld({ cycles: Number(args[0] ?? 60), seed: Number(args[1] ?? 1), bwrap: process.argv.includes('--bwrap'), ...keep() });
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
}
