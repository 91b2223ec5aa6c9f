// The artifact ecology of a world, read from its journal: which artifacts other agents paid to
// call, how many credits moved between agents for them, what failed. Used by the ecosystem test
// and by bench/ecology.ts (the figures in docs/society.md).
import type { Db } from '../../src/store/store.js';

export interface EcologyFigures {
  cycles: number;
  agents: number;
  code_artifacts_published: number;
  /** Agents that published at least one code artifact. */
  publishers: number;
  /** Code artifacts of each tool kind published (by their first tool's name). */
  published_by_tool: Record<string, number>;
  /** Settled calls whose caller is not the artifact's owner. */
  calls_by_others: number;
  /** Distinct artifacts with at least one such call. */
  artifacts_called_by_others: number;
  /** Distinct payers and distinct owners paid. */
  paying_agents: number;
  paid_owners: number;
  /** µcr paid to owners by other agents for those calls. */
  paid_between_agents_ucr: number;
  /** µcr of metered resources those calls burned. */
  resources_burned_ucr: number;
  failed_calls: Record<string, number>;
  /** The first cycle in which credits moved between agents because of an artifact call. */
  first_paid_cycle: number | null;
  /** Versions published after the first (tools refreshed by their owners). */
  updates: number;
}

interface Receipt {
  caller_id: string;
  owner_id: string;
  payer_id: string;
  artifact_id: string;
  tool: string;
  price_ucr: number;
  resources_ucr: number;
  cycle?: number;
}

export function ecologyFigures(db: Db): EcologyFigures {
  const rows = (type: string) => (db.prepare('SELECT data FROM events WHERE type = ? ORDER BY seq').all(type) as { data: string }[]).map((r) => JSON.parse(r.data) as Record<string, any>);
  const published = rows('artifact_published').filter((d) => d.kind === 'code');
  const published_by_tool: Record<string, number> = {};
  for (const p of published) {
    const tool = String(p.first?.interface?.tools?.[0]?.name ?? '?');
    published_by_tool[tool] = (published_by_tool[tool] ?? 0) + 1;
  }
  // A settled call's cycle is its start's (artifact_call_started carries it).
  const started_cycle = new Map(rows('artifact_call_started').map((d) => [String(d.call_id), Number(d.cycle)]));
  const settled = (rows('artifact_call_settled') as (Receipt & { call_id: string })[]).filter((r) => r.caller_id !== r.owner_id);
  const failed: Record<string, number> = {};
  for (const f of rows('artifact_call_failed')) failed[String(f.error_code)] = (failed[String(f.error_code)] ?? 0) + 1;
  const paid = settled.filter((r) => r.price_ucr > 0);
  const cycles = (db.prepare('SELECT COALESCE(MAX(cycle), 0) AS n FROM market_state').get() as { n: number }).n;
  return {
    cycles,
    agents: (db.prepare('SELECT COUNT(*) AS n FROM agents').get() as { n: number }).n,
    code_artifacts_published: published.length,
    publishers: new Set(published.map((p) => p.owner_id)).size,
    published_by_tool,
    calls_by_others: settled.length,
    artifacts_called_by_others: new Set(settled.map((r) => r.artifact_id)).size,
    paying_agents: new Set(paid.map((r) => r.payer_id)).size,
    paid_owners: new Set(paid.map((r) => r.owner_id)).size,
    paid_between_agents_ucr: paid.reduce((s, r) => s + r.price_ucr, 0),
    resources_burned_ucr: settled.reduce((s, r) => s + r.resources_ucr, 0),
    failed_calls: failed,
    first_paid_cycle: paid.length === 0 ? null : Math.min(...paid.map((r) => started_cycle.get(r.call_id) ?? Number.POSITIVE_INFINITY)),
    updates: rows('artifact_updated').length,
  };
}
