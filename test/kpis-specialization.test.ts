// The specialization index is computed per event type (n log n) so that a thousand agents are
// not half a million pairs each cycle (docs/scale.md); it must still be the KPI's definition:
// the mean, over pairs of agents that acted, of the total variation distance of their mixes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { specialization } from '../src/kernel/kpis/definitions.js';

function pairwise(mixes: Map<string, number>[]): number | null {
  const dists = mixes
    .filter((m) => [...m.values()].some((n) => n > 0))
    .map((m) => {
      const total = [...m.values()].reduce((s, n) => s + n, 0);
      return new Map([...m].map(([k, n]) => [k, n / total]));
    });
  if (dists.length < 2) return null;
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < dists.length; i++) {
    for (let j = i + 1; j < dists.length; j++) {
      let tv = 0;
      for (const k of new Set([...dists[i]!.keys(), ...dists[j]!.keys()])) tv += Math.abs((dists[i]!.get(k) ?? 0) - (dists[j]!.get(k) ?? 0));
      sum += tv / 2;
      pairs++;
    }
  }
  return sum / pairs;
}

test('specialization index equals the mean pairwise total variation distance (random mixes, idle agents, ties)', () => {
  let seed = 18;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let trial = 0; trial < 200; trial++) {
    const agents = Math.floor(random() * 40);
    const mixes = Array.from({ length: agents }, () => {
      const mix = new Map<string, number>();
      const kinds = Math.floor(random() * 5); // some agents did nothing; some counts are 0
      for (let i = 0; i < kinds; i++) mix.set(`type${Math.floor(random() * 6)}`, Math.floor(random() * 4));
      return mix;
    });
    const expected = pairwise(mixes);
    const got = specialization(mixes);
    if (expected === null) assert.equal(got, null, `trial ${trial}`);
    else assert.ok(got !== null && Math.abs(got - expected) < 1e-12, `trial ${trial}: ${got} vs ${expected}`);
  }
});
