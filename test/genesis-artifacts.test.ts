// The genesis agent's tools (agents/genesis/src/toolcode.ts) and how it buys them
// (agents/genesis/src/artifacts.ts): the published program computes what the tested functions
// compute, a bid taken from an advisor stays within the plan's bounds, the most accurate tool is
// bought again, and children's genes make different tools.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { applyAdvice, chooseTool, judgePending, tendOwnTool, toolKindOf, type ToolMemory } from '../agents/genesis/src/artifacts.js';
import type { Client } from '../agents/genesis/src/client.js';
import type { Env } from '../agents/genesis/src/env.js';
import { planBid, type Prices } from '../agents/genesis/src/decide.js';
import { Rng } from '../agents/genesis/src/rng.js';
import { DEFAULT_STRATEGY, mutate } from '../agents/genesis/src/strategy.js';
import { adviseBid, forecastPrice, toolInterface, type toolSource } from '../agents/genesis/src/toolcode.js';

// The program an agent publishes is the built one's (dist/, compiled by tsc, as worlds copy it):
// source text taken from functions loaded through tsx would carry its helpers.
const built = (await import(join(process.cwd(), 'agents/genesis/dist/toolcode.js'))) as { toolSource: typeof toolSource };
import { validateAgainst } from '../src/kernel/artifacts/json-schema.js';

const history = { cpu: [0.3, 0.31, 0.29, 0.28, 0.3, 0.32], memory: [0.001, 0.0011, 0.0012, 0.0013, 0.0015, 0.0016], as_of_cycle: 6 };

function runTool(source: string, args: unknown): any {
  const dir = mkdtempSync(join(tmpdir(), 'genesis-tool-'));
  try {
    writeFileSync(join(dir, 'index.js'), source);
    writeFileSync(join(dir, 'request.json'), JSON.stringify({ tool: 'x', args, call: {} }));
    execFileSync(process.execPath, [join(dir, 'index.js')], { env: { AGORA_REQUEST_PATH: join(dir, 'request.json'), AGORA_RESULT_PATH: join(dir, 'result.json') } });
    return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the forecast follows a trend, holds a flat series, and never forecasts below half the last price', () => {
  assert.equal(forecastPrice([2, 2, 2, 2], 4, 3).price, 2);
  const rising = forecastPrice([1, 2, 3, 4, 5, 6], 4, 2);
  assert.ok(rising.price > 6 && rising.trend > 0, `a rising series forecasts higher: ${JSON.stringify(rising)}`);
  assert.ok(forecastPrice([10, 8, 6, 4, 2, 1], 2, 50).price >= 0.5);
  assert.equal(forecastPrice([], 4, 1).points, 0);
});

test("the published programs answer what the functions compute, in the shape their interface declares", () => {
  const params = { window: 4, markup: 0.2 };
  const forecast = runTool(built.toolSource('forecast', history, params), { for_cycle: 8 });
  assert.deepEqual(forecast.output.memory.price, forecastPrice(history.memory, 4, 2).price, 'for_cycle 8 is 2 cycles past the history');
  const advice = runTool(built.toolSource('advise_bid', history, params), { bundle: { cpu: 0.5, memory: 96 }, balance: 10, for_cycle: 7 });
  assert.equal(advice.output.amount, adviseBid(history, params, { cpu: 0.5, memory: 96 }, 10, 1).amount);
  for (const [kind, result] of [['forecast', forecast], ['advise_bid', advice]] as const) {
    const tool = toolInterface(kind, 0.01).tools[0] as { output_schema: object };
    const checked = validateAgainst(tool.output_schema, result.output);
    assert.ok(checked.ok, `${kind} output matches its output schema: ${JSON.stringify(checked)}`);
  }
});

test("an advisor's bid is taken only within the plan's bounds: at least the value, at most the balance, markup from beyond the reserve", () => {
  const prices = fc.record({ cpu: fc.double({ min: 0.001, max: 10, noNaN: true }), memory: fc.double({ min: 0.00001, max: 0.1, noNaN: true }), tokens: fc.constant(0.0001), attention: fc.constant(1) }) as fc.Arbitrary<Prices>;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), prices, fc.integer({ min: 0, max: 2_000_000_000 }), (balance_ucr, p, advised_ucr) => {
      const plan = applyAdvice(planBid({ balance_ucr, strategy: DEFAULT_STRATEGY, prices: p, busy: false, want_attention: false }), advised_ucr, balance_ucr, DEFAULT_STRATEGY);
      if (plan.kind !== 'bid') return;
      assert.ok(plan.amount_ucr <= balance_ucr);
      assert.ok(plan.amount_ucr >= plan.reserve_ucr);
      assert.ok(plan.amount_ucr - plan.reserve_ucr <= Math.max(0, balance_ucr - DEFAULT_STRATEGY.reserve_runs * plan.reserve_ucr));
    }),
    { numRuns: 300 },
  );
});

test('a bought forecast is judged against the price the market then set, and the most accurate tool is bought again', () => {
  const memory: ToolMemory = {
    agent_id: 'me',
    own: null,
    idle_runs: 0,
    scores: { good: { owner: 'a', tool: 'forecast', calls: 1, failures: 0, error: null }, bad: { owner: 'b', tool: 'forecast', calls: 1, failures: 0, error: 0.5 } },
    pending: { artifact_id: 'good', for_cycle: 5, cpu: 0.28, memory: 0.0015 },
  };
  // Cycle 5's clearing set 0.3 and 0.0015 (the 5th of 6 points): off by (0.02/0.3 + 0) / 2.
  const judged = judgePending(memory, history);
  assert.ok(judged !== null && memory.pending === null);
  assert.ok(Math.abs(memory.scores.good!.error! - 0.02 / 0.3 / 2) < 1e-9);
  const listed = (id: string, call_price: number) => ({ id, kind: 'code', owner_id: id, name: id, call_price, status: 'live' });
  // With nothing untried there is nothing to explore: always the most accurate.
  for (let i = 0; i < 20; i++) assert.equal(chooseTool([listed('bad', 0.001), listed('good', 0.01)], memory, new Rng(`r${i}`))!.artifact.id, 'good');
  // With an untried one listed, it is tried sometimes.
  const picks = new Set(Array.from({ length: 40 }, (_, i) => chooseTool([listed('bad', 0.001), listed('good', 0.01), listed('new', 0.01)], memory, new Rng(`s${i}`))!.artifact.id));
  assert.deepEqual([...picks].sort(), ['good', 'new']);
});

test('children mutate what they publish: both kinds of tool, and different prices and windows', () => {
  const children = Array.from({ length: 200 }, (_, i) => mutate(DEFAULT_STRATEGY, new Rng(`child-${i}`)));
  const kinds = new Set(children.map(toolKindOf));
  assert.deepEqual([...kinds].sort(), ['advise_bid', 'forecast']);
  assert.ok(new Set(children.map((c) => c.tool_price)).size > 100);
  assert.ok(new Set(children.map((c) => c.tool_window)).size > 3);
});

/** A client that records what the agent posts and answers as the host would. */
function recordingClient(): { api: Client; posts: { path: string; body: any }[] } {
  const posts: { path: string; body: any }[] = [];
  const api: Client = {
    get: async () => ({}) as never,
    post: async (path: string, body: unknown) => {
      posts.push({ path, body });
      return (path === '/artifacts' ? { artifact_id: 'art-new', version: 1, fee: 0.2 } : { version: 2 }) as never;
    },
    put: async () => ({}) as never,
    delete: async () => ({}) as never,
    close: () => {},
  };
  return { api, posts };
}

const env = (artifacts: Env['artifacts']): Env => ({
  agent_id: 'me', execution_id: 'ex', credits: 100, system_time: '', bundle: { cpu: 0.5, memory: 96, tokens: 0, attention: 0 },
  markets: { cpu: { price: 0.3, utilization: 0 }, memory: { price: 0.001, utilization: 0 }, tokens: { price: 0, utilization: 0 }, attention: { price: 1, utilization: 0 } },
  inbox: [], api: { url: '' }, lineage: [], generation: 0, artifacts,
});
const fresh = (): ToolMemory => ({ agent_id: 'me', own: null, idle_runs: 0, scores: {}, pending: null });

test('its own tool: published once, taken up again when its memory is lost, cheaper after runs without a sale', async () => {
  const spare_ucr = 50_000_000;
  const one = recordingClient();
  const memory = fresh();
  await tendOwnTool({ api: one.api, env: env({ owned: [], earned_since_last_run: { calls: 0, reads: 0, settled_calls: 0 } }), strategy: { ...DEFAULT_STRATEGY }, memory, history, run: 1, spare_ucr }, []);
  assert.deepEqual(one.posts.map((p) => p.path), ['/artifacts']);
  assert.equal(one.posts[0]!.body.interface.tools[0].name, 'forecast');
  assert.equal(memory.own?.id, 'art-new');

  // tools.json lost, the host says it owns a forecaster: a new version of it, not a second artifact.
  const two = recordingClient();
  const owned = [{ id: 'art-old', kind: 'code', name: 'price forecaster of me', latest_version: 3, call_price: 0.01, calls: 0, successes: 0, earned: 0 }];
  const lost = fresh();
  await tendOwnTool({ api: two.api, env: env({ owned, earned_since_last_run: { calls: 0, reads: 0, settled_calls: 0 } }), strategy: { ...DEFAULT_STRATEGY }, memory: lost, history, run: 9, spare_ucr }, []);
  assert.deepEqual(two.posts.map((p) => [p.path, p.body.replaces_version]), [['/artifacts/art-old/versions', 3]]);

  // Six runs without a sale: the price gene drops by a fifth and a new version carries it.
  const strategy = { ...DEFAULT_STRATEGY, tool_update_runs: 50 };
  const idle: ToolMemory = { ...fresh(), own: { id: 'art-old', kind: 'forecast', version: 3, updated_run: 1, price: strategy.tool_price, window: 8 }, idle_runs: 5 };
  const three = recordingClient();
  await tendOwnTool({ api: three.api, env: env({ owned, earned_since_last_run: { calls: 0, reads: 0, settled_calls: 0 } }), strategy, memory: idle, history, run: 2, spare_ucr }, []);
  assert.equal(strategy.tool_price, Number((DEFAULT_STRATEGY.tool_price * 0.8).toPrecision(4)));
  assert.equal(three.posts[0]!.body.interface.tools[0].pricing.price, strategy.tool_price.toFixed(6));
});
