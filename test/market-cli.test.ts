// `agora markets` as a user runs it: a real process reading a real world.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { VirtualClock } from '../src/kernel/engine/clock.js';
import { bundle, credits } from './support/market.js';
import { addAgent, makeWorld } from './support/world.js';

function agora(args: string[]) {
  const res = spawnSync(process.execPath, ['bin/agora.js', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

test('agora markets prints prices, utilisation, the order book and recent clearings', (t) => {
  const world = makeWorld({ config: { market: { resources: { cpu: { supply_per_cycle: 2 } } } } });
  t.after(() => world.cleanup());
  for (const id of ['alice', 'bob', 'carol']) addAgent(world, id, 50);
  const m = world.kernel.market;
  m.placeBid({ payer_id: 'alice', amount_ucr: credits(3), bundle: bundle({ cpu_s: 2 }) }, { actor: 'alice' });
  m.placeBid({ payer_id: 'bob', amount_ucr: credits(2), bundle: bundle({ cpu_s: 2 }) }, { actor: 'bob' });
  (world.clock as VirtualClock).advance(10_000);
  m.clear({ actor: 'system:market' });
  m.placeBid({ payer_id: 'carol', amount_ucr: credits(4), bundle: bundle({ cpu_s: 1, attention: 1 }) }, { actor: 'carol' });

  const config = ['--world', world.paths.dir];
  const text = agora(['markets', ...config]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /market cycle 1/);
  assert.match(text.stdout, /cpu\s+0\.11\s+CPU-second\s+2\s+4\s+2\s+0\s+100\.0%/, 'cpu rose 10% after demand of twice the supply');
  const open = m.state().open_bids;
  assert.match(text.stdout, new RegExp(`order book \\(first ${open} of ${open}`));
  assert.match(text.stdout, /\n0 +bid_\w+ +bob +bob +2 /, "bob's losing bid is still queued, first in line");
  assert.match(text.stdout, /carol +carol +4 .* sealed /);

  const json = agora(['markets', '--json', '--limit', '1', ...config]);
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.cycle, 1);
  assert.equal(parsed.open_bids, open);
  assert.equal(parsed.order_book.length, 1);
  assert.equal(parsed.clearings[0].won, parsed.clearings[0].open_bids - 1, 'all but bob won');
});
