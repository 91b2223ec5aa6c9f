// An agent's LLM speaking MCP to Agora from inside a real bwrap sandbox: the official SDK client
// (from the agent runtime, /opt/agora/runtime) over the execution's own API channel. It lists
// the tools, reads its balance, bids and invokes an artifact, each the same command as over
// HTTP; naming another agent as who acts is refused.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import type { Runner } from '../src/sandbox/runner.js';
import { assertConserved } from './support/assertions.js';
import { jsTool, publishCode, receipts } from './support/invoke.js';
import { bundle, credits } from './support/market.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { addAgent, runnerWorld, type TestApi, type TestWorld } from './support/world.js';

const skip = sandboxUnavailable();

// The agent: each step's tool result (or thrown error) into results.json.
const AGENT = `const fs = require('fs');
(async () => {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const plan = JSON.parse(fs.readFileSync('plan.json', 'utf8'));
  const client = new Client({ name: 'agent-llm', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(process.env.SYSTEM_SERVICE_URL + '/mcp')));
  const out = { tools: (await client.listTools()).tools.map((t) => t.name), steps: {} };
  // The HTTP twin of the first step, just before it (nothing moves the balance in between).
  out.http_balance = await (await fetch(process.env.SYSTEM_SERVICE_URL + '/economic/balance/' + process.env.AGENT_ID)).json();
  for (const [label, name, args] of plan) {
    const r = await client.callTool({ name, arguments: args });
    out.steps[label] = { isError: r.isError, body: JSON.parse(r.content[0].text) };
  }
  fs.writeFileSync('results.json', JSON.stringify(out));
  await client.close();
})().catch((e) => { console.error(e); process.exit(1); });
`;

let world: TestWorld;
let out: { tools: string[]; steps: Record<string, { isError: boolean; body: any }>; http_balance: any };
let tool_id: string;
let run_bid_id: string;
const cleanups: (() => unknown)[] = [];

describe('MCP from inside a real sandbox', { skip }, () => {
  before(async () => {
    const clock = new VirtualClock();
    let api: TestApi;
    let runner: Runner;
    ({ world, api, runner } = await runnerWorld({ after: (fn) => cleanups.push(fn) }, { clock, config: { sandbox: { runner: 'bwrap' } } }));
    addAgent(world, 'maker', 100);
    addAgent(world, 'user', 100);
    addAgent(world, 'other', 100);
    tool_id = publishCode(world, 'maker', jsTool('return { output: { y: req.args.x * 2 } };'), { pricing: { kind: 'fixed', price_ucr: 100_000 } });
    const dir = join(world.paths.workspaces, 'user');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.js'), AGENT);
    const allowance = { cpu_ms: 2000, memory_mb: 64, wall_ms: 10_000 };
    writeFileSync(
      join(dir, 'plan.json'),
      JSON.stringify([
        ['balance', 'balance', { agent_id: 'user' }],
        ['bid', 'bid', { amount: 2, bundle: { cpu: 1, memory: 64, duration_s: 30 } }],
        ['invoke', 'artifact_invoke', { id: tool_id, tool: 'run', args: { x: 21 }, max_price: 0.1, allowance }],
        ['as other', 'transfer', { to_id: 'user', amount: 5, from_id: 'other' }],
        ['bid as other', 'bid', { amount: 2, bundle: { cpu: 1, memory: 64, duration_s: 30 }, agent_id: 'other' }],
      ]),
    );
    run_bid_id = world.kernel.market.placeBid({ payer_id: 'user', amount_ucr: credits(5), bundle: bundle({ cpu_s: 8, memory_mb: 128, duration_s: 120 }) }, { actor: 'user' }).bid_id;
    const loop = new WorldLoop(world, api, runner, { cycles: 1, virtual_clock: clock });
    await loop.run();
    await loop.stop();
    const execution = world.kernel.executions.listForAgent('user', { limit: 1 })[0]!;
    const log = readFileSync(join(world.paths.executions, `${execution.id}.log`), 'utf8');
    assert.equal(execution.reason, 'exit', log);
    out = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  });
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  test('the client lists the agent tools and reads its own balance, the same answer as the HTTP route', () => {
    for (const n of ['balance', 'bid', 'artifact_invoke', 'transfer']) assert.ok(out.tools.includes(n), n);
    assert.equal(out.steps.balance!.isError, false, JSON.stringify(out.steps.balance));
    assert.equal(out.steps.balance!.body.agent_id, 'user');
    assert.notEqual(out.steps.balance!.body.escrow, null, 'its own escrow: the channel made it the user');
    assert.deepEqual(out.steps.balance!.body, out.http_balance);
  });

  test('a bid over MCP is the market command: the agent is payer, its amount escrowed', () => {
    assert.equal(out.steps.bid!.isError, false, JSON.stringify(out.steps.bid));
    const placed = (world.db.prepare("SELECT data FROM events WHERE type = 'bid_placed'").all() as { data: string }[]).map((r) => JSON.parse(r.data)).find((d) => d.bid_id === out.steps.bid!.body.bid_id);
    assert.equal(placed.payer_id, 'user');
    assert.equal(placed.amount_ucr, credits(2));
    assert.equal(world.kernel.market.bid(out.steps.bid!.body.bid_id)!.status, 'open');
  });

  test('an invocation over MCP is paid, metered and receipted as over HTTP; balances conserve', () => {
    assert.equal(out.steps.invoke!.isError, false, JSON.stringify(out.steps.invoke));
    assert.deepEqual(out.steps.invoke!.body.output, { y: 42 });
    const settled = receipts(world).filter((r) => r.type === 'artifact_call_settled' && r.data.artifact_id === tool_id);
    assert.equal(settled.length, 1);
    assert.equal(settled[0]!.data.payer_id, 'user');
    assert.equal(settled[0]!.data.price_ucr, 100_000);
    const run_price = world.kernel.market.bid(run_bid_id)!.price_paid_ucr ?? 0;
    const spent = 100_000_000 - world.kernel.ledger.agentBalance('user') - world.kernel.ledger.balance('escrow:user')!;
    assert.equal(spent, run_price + settled[0]!.data.price_ucr! + settled[0]!.data.resources_ucr!, 'its run, the price and the metered resources: nothing else');
    assertConserved(world);
  });

  test("a call naming another agent as who acts is refused, and the other's credits do not move", () => {
    assert.equal(out.steps['as other']!.isError, true);
    assert.equal(out.steps['as other']!.body.error.code, 'ACCESS_DENIED');
    assert.equal(out.steps['bid as other']!.body.error.code, 'ACCESS_DENIED');
    assert.equal(world.kernel.ledger.agentBalance('other'), 100_000_000);
  });
});
