// The human loop matters: the real genesis agent, run by the world loop in simulation with the
// offline model, facing a scripted operator who scores one kind of prompt (offers) 9/9/9 and
// every other 1/1/1, comes to ask that kind more often. A smaller run than docs/society.md's
// 60-cycle measurement (bench/human-loop.ts). Decisions are deterministic under the seed, but a
// run's measured CPU is quantized, not fixed, so a slower machine can cross a quantum and take
// another path: the test asks for a clear rise from the starting 25%, not for a given number.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runHumanLoop } from '../bench/human-loop.js';

test("genesis's lineage asks more often the kind of prompt the operator rewards", { timeout: 600_000 }, async (t) => {
  const r = await runHumanLoop({ cycles: 40, target: 'offer', population_max: 6 });
  const half = (first: boolean) => {
    const inside = r.prompts.filter((p) => (first ? p.cycle <= 15 : p.cycle > 15));
    return { n: inside.length, share: inside.length === 0 ? 0 : inside.filter((p) => p.kind === 'offer').length / inside.length };
  };
  const [early, late] = [half(true), half(false)];
  t.diagnostic(`${r.prompts.length} prompts; offers ${(100 * early.share).toFixed(0)}% of ${early.n} early, ${(100 * late.share).toFixed(0)}% of ${late.n} late`);
  assert.ok(r.prompts.every((p) => p.kind !== null), 'every prompt says its kind');
  assert.ok(early.n + late.n >= 4, `enough prompts for the operator to reward: ${early.n} early, ${late.n} late`);
  // What genesis learned is its chance of asking each kind (its weights), and that is what the
  // test checks. The realized share of offers among a handful of prompts (7 to 11 in 40
  // cycles) is noise either way; it is reported above, and measured over 60 cycles and a whole
  // lineage in docs/society.md (bench/human-loop.ts).
  const genesis = r.weights.find((w) => w.agent_id === 'genesis')!;
  assert.ok(genesis.target_share >= 0.35, `genesis's chance of offering rose from 25% to ${(100 * genesis.target_share).toFixed(0)}%`);
  assert.ok(r.weights.some((w) => w.generation >= 1 && w.target_share > 0.25), 'a child inherited the raised weight');
});
