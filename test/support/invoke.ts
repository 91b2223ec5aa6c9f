// Invoke tests: tools published as their owner would, and one caller agent that runs in its real
// sandbox, makes the calls of a plan through its own API channel and writes what it got back.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pricing } from '../../src/kernel/artifacts/events.js';
import type { VirtualClock } from '../../src/kernel/engine/clock.js';
import { WorldLoop } from '../../src/orchestrator/world-loop.js';
import type { Runner } from '../../src/sandbox/runner.js';
import { bundle, credits } from './market.js';
import type { TestApi, TestWorld } from './world.js';

export interface ToolOptions {
  tool?: string;
  pricing?: Pricing;
  input_schema?: object;
  output_schema?: object;
  access_contract_id?: string;
  entry?: string;
}

const ANY_OBJECT = { type: 'object' };

/** Publishes a code artifact with one tool whose code is `code` (JavaScript unless entry says .py). */
export function publishCode(world: TestWorld, owner_id: string, code: string, o: ToolOptions = {}): string {
  const entry = o.entry ?? 'index.js';
  return world.kernel.artifacts.publish(
    {
      owner_id,
      kind: 'code',
      name: o.tool ?? 'tool',
      description: `test tool ${o.tool ?? 'tool'}`,
      tags: ['test'],
      files: [{ name: entry, bytes: Buffer.from(code) }],
      entry,
      interface: {
        tools: [
          {
            name: o.tool ?? 'run',
            description: 'a test tool',
            input_schema: o.input_schema ?? ANY_OBJECT,
            output_schema: o.output_schema ?? ANY_OBJECT,
            pricing: o.pricing ?? { kind: 'fixed', price_ucr: 0 },
          },
        ],
      },
      ...(o.access_contract_id !== undefined ? { access_contract_id: o.access_contract_id } : {}),
    },
    { actor: owner_id },
  ).artifact_id;
}

/** An executable access contract: `check` answered by `code` (JavaScript). */
export function publishContract(world: TestWorld, owner_id: string, code: string): string {
  return world.kernel.artifacts.publish({ owner_id, kind: 'contract', name: 'contract', files: [{ name: 'check.js', bytes: Buffer.from(code) }], entry: 'check.js' }, { actor: owner_id }).artifact_id;
}

/** JavaScript that answers the tool protocol with `body` (an async function body given `req`, returning the result object). */
export function jsTool(body: string): string {
  return `const fs = require('fs');
const req = JSON.parse(fs.readFileSync(process.env.AGORA_REQUEST_PATH, 'utf8'));
const api = async (method, path, body) => {
  const res = await fetch(process.env.SYSTEM_SERVICE_URL + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json().catch(() => null) };
};
(async () => {
  const result = await (async () => { ${body} })();
  if (result !== undefined) fs.writeFileSync(process.env.AGORA_RESULT_PATH, JSON.stringify(result));
})();
`;
}

export interface Step {
  label: string;
  method?: string;
  path: string;
  body?: unknown;
  /** A directory query whose first item is the artifact to invoke (path is then ignored). */
  search?: string;
}

export interface Seen {
  label: string;
  status: number;
  body: any;
}

const CALLER = `const fs = require('fs');
const plan = JSON.parse(fs.readFileSync('plan.json', 'utf8'));
(async () => {
  const out = [];
  for (const step of plan) {
    let path = step.path;
    if (step.search) {
      // Find the artifact by search, then call what was found.
      const found = await (await fetch(process.env.SYSTEM_SERVICE_URL + step.search)).json();
      path = '/artifacts/' + found.items[0].id + '/invoke';
      out.push({ label: step.label + ' (search)', status: 200, body: found });
    }
    const res = await fetch(process.env.SYSTEM_SERVICE_URL + path, { method: step.method || 'POST', headers: step.body ? { 'content-type': 'application/json' } : {}, body: step.body ? JSON.stringify(step.body) : undefined });
    out.push({ label: step.label, status: res.status, body: await res.json().catch(() => null) });
  }
  fs.writeFileSync('results.json', JSON.stringify(out));
})();
`;

export function invokeStep(label: string, artifact_id: string, body: { tool?: string; args?: unknown; max_price: number | string; allowance?: object; version?: number; [k: string]: unknown }): Step {
  return { label, path: `/artifacts/${artifact_id}/invoke`, body: { tool: 'run', args: {}, ...body } };
}

/**
 * Runs `agent_id` once in its sandbox (it bids, wins, runs the plan) and returns what each
 * step answered, keyed by label, and the price its own run paid at clearing (µcr).
 */
export async function runCaller(ctx: { world: TestWorld; api: TestApi; runner: Runner; clock: VirtualClock }, agent_id: string, plan: Step[]): Promise<{ seen: Map<string, Seen>; run_price_ucr: number }> {
  const { world, api, runner, clock } = ctx;
  const dir = join(world.paths.workspaces, agent_id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.js'), CALLER);
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
  const bid = world.kernel.market.placeBid({ payer_id: agent_id, amount_ucr: credits(5), bundle: bundle({ cpu_s: 8, memory_mb: 128, duration_s: 120 }) }, { actor: agent_id });
  const loop = new WorldLoop(world, api, runner, { cycles: 1, virtual_clock: clock });
  await loop.run();
  await loop.stop();
  const execution = world.kernel.executions.listForAgent(agent_id, { limit: 1 })[0]!;
  const log = readFileSync(join(world.paths.executions, `${execution.id}.log`), 'utf8');
  assert.equal(execution.reason, 'exit', log);
  const seen = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Seen[];
  return { seen: new Map(seen.map((s) => [s.label, s])), run_price_ucr: world.kernel.market.bid(bid.bid_id)!.price_paid_ucr ?? 0 };
}

export interface Receipt {
  type: 'artifact_call_started' | 'artifact_call_settled' | 'artifact_call_failed';
  data: { call_id: string; payer_id: string; artifact_id: string; depth: number; price_ucr?: number; resources_ucr?: number; refund_ucr?: number; error_code?: string; escrow_ucr?: number; parent_call_id?: string | null };
}

export function receipts(world: TestWorld): Receipt[] {
  const rows = world.db.prepare("SELECT type, data FROM events WHERE type IN ('artifact_call_started', 'artifact_call_settled', 'artifact_call_failed') ORDER BY seq").all() as { type: Receipt['type']; data: string }[];
  return rows.map((r) => ({ type: r.type, data: JSON.parse(r.data) as Receipt['data'] }));
}
