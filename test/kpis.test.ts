// The ecosystem KPIs (docs/kpis.md), each on a hand-built journal whose answer is worked out
// by hand in the comments; every KPI of the registry is defined in docs/kpis.md.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { computeKpis, kpiDefinitions } from '../src/kernel/kpis/definitions.js';
import { EconomyFold, type FoldEvent } from '../src/kernel/kpis/fold.js';

const CR = 1_000_000;
const ev = (type: string, actor: string, data: Record<string, unknown>): FoldEvent => ({ type, actor, at_ms: 0, data });
const posting = (from: string, to: string, credits: number, kind: string) => ({ from, to, amount_ucr: credits * CR, kind });

/**
 * Cycle 1: A is granted 100; A spawns B with 30; B spawns C with 10; A's bid escrows 20 and the
 * clearing burns it; A pays C 10. Holdings A 40, B 20, C 20 (80); agents spent 30 + 10 + 20 + 10
 * = 70, of which 50 went to other agents.
 * Cycle 2: C goes dormant broke, B by omission, B is woken.
 * Cycle 3: C dies (its 20 burned, not spending), the operator kills B (its 20 burned).
 */
function cycles(): { 1: FoldEvent[]; 2: FoldEvent[]; 3: FoldEvent[] } {
  return {
    1: [
      ev('market_cleared', 'system:loop', { cycle: 1, postings: [] }),
      ev('agent_created', 'system:init', { agent_id: 'a', parent_id: null, lineage: [], generation: 0, postings: [posting('system:mint', 'a', 100, 'grant')] }),
      ev('agent_created', 'a', { agent_id: 'b', parent_id: 'a', lineage: ['a'], generation: 1, postings: [posting('a', 'b', 30, 'spawn')] }),
      ev('agent_created', 'b', { agent_id: 'c', parent_id: 'b', lineage: ['a', 'b'], generation: 2, postings: [posting('b', 'c', 10, 'spawn')] }),
      ev('bid_placed', 'a', { bid_id: 'bid1', postings: [posting('a', 'escrow:a', 20, 'escrow')] }),
      ev('bid_won', 'system:loop', { bid_id: 'bid1', postings: [posting('escrow:a', 'system:burn', 20, 'burn')] }),
      ev('credits_transferred', 'a', { from_id: 'a', to_id: 'c', postings: [posting('a', 'c', 10, 'transfer')] }),
    ],
    2: [
      ev('market_cleared', 'system:loop', { cycle: 2, postings: [] }),
      ev('agent_dormant', 'system:lifecycle', { agent_id: 'c', cycle: 2, reason: 'broke' }),
      ev('agent_dormant', 'system:lifecycle', { agent_id: 'b', cycle: 2, reason: 'omission' }),
      ev('agent_woken', 'system:lifecycle', { agent_id: 'b', cycle: 2, by: 'bid' }),
    ],
    3: [
      ev('market_cleared', 'system:loop', { cycle: 3, postings: [] }),
      ev('agent_died', 'system:lifecycle', { agent_id: 'c', cycle: 3, postings: [posting('c', 'system:burn', 20, 'burn')] }),
      ev('agent_killed', 'operator', { agent_id: 'b', cycle: 3, postings: [posting('b', 'system:burn', 20, 'burn')] }),
    ],
  };
}

function kpisPerCycle(): Record<number, Record<string, number | null>> {
  const fold = new EconomyFold(20);
  const out: Record<number, Record<string, number | null>> = {};
  for (const [cycle, events] of Object.entries(cycles())) {
    for (const e of events) fold.apply(e);
    out[Number(cycle)] = computeKpis(fold);
    fold.closeCycle();
  }
  return out;
}

const k = kpisPerCycle();
const close = (actual: number | null | undefined, expected: number) => {
  assert.ok(actual !== null && actual !== undefined, `expected ${expected}, got ${actual}`);
  assert.ok(Math.abs(actual - expected) < 1e-9, `expected ${expected}, got ${actual}`);
};

test('gini: holdings 20, 20, 40 give 1/6; one agent alone gives 0', () => {
  // Σ (2i − n − 1) x_i / (n Σx) = (−2·20 + 0·20 + 2·40) / (3 · 80) = 40 / 240.
  close(k[1]!.gini, 1 / 6);
  close(k[3]!.gini, 0);
});

test('credit velocity: 70 spent over 80 held; nothing spent gives 0, and burns at death are not spending', () => {
  close(k[1]!.credit_velocity, 70 / 80);
  close(k[2]!.credit_velocity, 0);
  close(k[3]!.credit_velocity, 0);
});

test('credits moved between agents and their share of spending: 50 of 70; undefined when nothing was spent', () => {
  close(k[1]!.agent_transfer_credits, 50);
  close(k[1]!.agent_transfer_share, 50 / 70);
  assert.equal(k[2]!.agent_transfer_share, null);
});

test('recovery rate: one of two dormant agents woken; undefined before anyone slept', () => {
  assert.equal(k[1]!.recovery_rate, null);
  close(k[2]!.recovery_rate, 0.5);
  close(k[3]!.recovery_rate, 0.5);
});

test('specialization index: A did three kinds of thing, B one, C nothing: total variation 2/3', () => {
  // A: agent_created, bid_placed, credits_transferred (1/3 each); B: agent_created (1).
  // TV = ½ (|1/3 − 1| + 1/3 + 1/3) = 2/3; C has no action and is left out.
  close(k[1]!.specialization_index, 2 / 3);
});

test('births, deaths and their causes', () => {
  assert.equal(k[1]!.births, 3);
  assert.equal(k[1]!.deaths, 0);
  assert.equal(k[3]!.deaths, 2);
  assert.equal(k[3]!.deaths_broke, 1, 'C had gone dormant broke');
  assert.equal(k[3]!.deaths_omission, 0, 'B went dormant by omission but was woken, then killed');
  assert.equal(k[3]!.deaths_killed, 1);
  assert.equal(k[3]!.population_living, 1);
});

test("lineage diversity: branches a, b, b give 1 / (1/9 + 4/9) = 1.8", () => {
  close(k[1]!.lineage_diversity, 1.8);
  close(k[3]!.lineage_diversity, 1);
});

test('median lifespan: both dead agents lived from cycle 1 to cycle 3; undefined while no one has died', () => {
  assert.equal(k[1]!.median_lifespan_cycles, null);
  close(k[3]!.median_lifespan_cycles, 2);
});

test('every KPI of the registry has its one-line definition in docs/kpis.md', () => {
  const doc = readFileSync('docs/kpis.md', 'utf8');
  for (const d of kpiDefinitions) {
    assert.ok(doc.includes(`| \`${d.name}\` | ${d.definition} |`), `docs/kpis.md defines ${d.name} as the registry does`);
  }
  assert.deepEqual(Object.keys(k[1]!).sort(), kpiDefinitions.map((d) => d.name).sort());
});

/**
 * Artifact reuse on its own journal. Cycle 1: X publishes tools t1, t2 (code) and a data
 * artifact d; Y calls t1 twice, Z calls t1 once, X calls its own t1 (not reuse), Y's call of t2
 * fails (no receipt of success). Cycle 2: X publishes t3..t10 (10 code artifacts in all);
 * Z calls t2 once.
 * Cycle 1: 3 reuse calls, 2 code artifacts: 1.5 per artifact; top 10% = 1 artifact (t1) holds 3
 * of 3. Cycle 2: 1 call; 4 calls over 10 artifacts = 0.4; the top 1 (t1) holds 3 of 4 = 0.75.
 */
test('artifact reuse: calls by non-owners per code artifact, and the share of the most-called 10%', () => {
  const published = (id: string, kind = 'code') => ev('artifact_published', 'x', { artifact_id: id, owner_id: 'x', kind, postings: [] });
  const settled = (id: string, caller: string) => ev('artifact_call_settled', caller, { artifact_id: id, owner_id: 'x', caller_id: caller, payer_id: caller, postings: [posting(`escrow:${caller}`, 'x', 1, 'transfer')] });
  const journal: FoldEvent[][] = [
    [
      ev('market_cleared', 'system:loop', { cycle: 1, postings: [] }),
      ...['x', 'y', 'z'].map((id) => ev('agent_created', 'system:init', { agent_id: id, parent_id: null, lineage: [], postings: [posting('system:mint', id, 10, 'grant')] })),
      published('t1'),
      published('t2'),
      published('d', 'data'),
      settled('t1', 'y'),
      settled('t1', 'y'),
      settled('t1', 'z'),
      settled('t1', 'x'),
      ev('artifact_call_failed', 'y', { artifact_id: 't2', owner_id: 'x', caller_id: 'y', payer_id: 'y', postings: [] }),
    ],
    [ev('market_cleared', 'system:loop', { cycle: 2, postings: [] }), ...[3, 4, 5, 6, 7, 8, 9, 10].map((n) => published(`t${n}`)), settled('t2', 'z')],
  ];
  const fold = new EconomyFold(20);
  const out = journal.map((events) => {
    for (const e of events) fold.apply(e);
    const values = computeKpis(fold);
    fold.closeCycle();
    return values;
  });
  assert.equal(out[0]!.artifact_calls, 3);
  close(out[0]!.artifact_calls_per_artifact, 1.5);
  close(out[0]!.artifact_top10_call_share, 1);
  assert.equal(out[1]!.artifact_calls, 1);
  close(out[1]!.artifact_calls_per_artifact, 0.4);
  close(out[1]!.artifact_top10_call_share, 0.75);
  // Paid calls are credits between agents: Y's and Z's three prices (X's own call only moves its escrow back to itself).
  close(out[0]!.agent_transfer_credits, 3);
  // Before any artifact: undefined.
  assert.equal(k[1]!.artifact_calls_per_artifact, null);
  assert.equal(k[1]!.artifact_top10_call_share, null);
});
