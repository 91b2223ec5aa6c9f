// What an artifact call costs: the latency of a whole invoke (resolve, access, args, escrow, a
// per-call channel, a fresh bwrap sandbox running the tool, the result read through SafeDir,
// output validation, settlement) for a trivial JavaScript and a trivial Python tool, beside a
// bare sandbox start of the same tool code on the same runner in the same run (interleaved, so
// drift cancels). Then calls per second with 8 concurrent callers. Target: invoke p50 at most
// 1.3 times the bare start.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { SYSTEM_MINT } from '../src/kernel/ledger/accounts.js';
import { startApi } from '../src/api/start.js';
import { openWorld } from '../src/orchestrator/open-world.js';
import { probeBwrap } from '../src/sandbox/bwrap.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { runLimits } from '../src/sandbox/runner.js';
import type { BenchRow } from './types.js';

const RUNS = 30;
const CONCURRENT = 8;
const CALLS_PER_CALLER = 5;
const TARGET_RATIO = 1.3;

const TOOLS = {
  javascript: {
    entry: 'index.js',
    code: "const fs = require('fs'); const r = JSON.parse(fs.readFileSync(process.env.AGORA_REQUEST_PATH, 'utf8')); fs.writeFileSync(process.env.AGORA_RESULT_PATH, JSON.stringify({ output: { y: r.args.x * 2 } }));",
    command: (dir: string) => ['node', `${dir}/index.js`],
  },
  python: {
    entry: 'main.py',
    code: "import json, os\nr = json.load(open(os.environ['AGORA_REQUEST_PATH']))\njson.dump({'output': {'y': r['args']['x'] * 2}}, open(os.environ['AGORA_RESULT_PATH'], 'w'))\n",
    command: (dir: string) => ['python3', `${dir}/main.py`],
  },
} as const;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export default async function bench(): Promise<BenchRow[]> {
  const config = parseConfig({ sandbox: { runner: 'bwrap' }, log: { level: 'warn' }, invocation: { calls_concurrent_max: 64 } });
  const probe = await probeBwrap(config);
  if (!probe.ok) return [{ name: 'invoke (skipped)', value: 0, unit: 'ms', note: probe.reason }];
  const dir = mkdtempSync(join(tmpdir(), 'agora-bench-invoke-'));
  const world = openWorld({ dir: join(dir, 'world'), config, seed: 1, log_to_file: false });
  const api = await startApi(world, { port: 0, host: '127.0.0.1' });
  const runner = await createRunner(config, world.log);
  world.invoker.attach(runner, api);
  const k = world.kernel;
  const callers = Array.from({ length: CONCURRENT }, (_, i) => `caller${i}`);
  k.core.command({ actor: 'bench' }, (tx) => {
    for (const id of ['maker', ...callers]) k.agents.create(tx, { agent_id: id, parent_id: null, workspace: `workspaces/${id}`, postings: [{ from: SYSTEM_MINT, to: id, amount_ucr: 1e12, kind: 'grant', memo: 'bench' }] });
  });
  const rows: BenchRow[] = [];
  const allowance = { cpu_ms: 2000, memory_mb: 128, wall_ms: 10_000 };
  let n = 0;
  try {
    for (const [language, tool] of Object.entries(TOOLS)) {
      const artifact_id = k.artifacts.publish(
        {
          owner_id: 'maker',
          kind: 'code',
          name: `double-${language}`,
          files: [{ name: tool.entry, bytes: Buffer.from(tool.code) }],
          entry: tool.entry,
          interface: { tools: [{ name: 'double', description: 'twice x', input_schema: { type: 'object' }, output_schema: { type: 'object' }, pricing: { kind: 'fixed', price_ucr: 1 } }] },
        },
        { actor: 'maker' },
      ).artifact_id;
      // The bare start: the same code on the same runner, a scratch dir holding the same request.
      const code_dir = join(dir, `code-${language}`);
      mkdirSync(code_dir, { mode: 0o755 });
      writeFileSync(join(code_dir, tool.entry), tool.code, { mode: 0o444 });
      chmodSync(code_dir, 0o555);
      const invokeOnce = async (caller: string) => {
        const started = performance.now();
        await world.invoker.invoke({ caller: { agent_id: caller, execution_id: 'bench' }, artifact_id, tool: 'double', args: { x: 21 }, max_price_ucr: 1, allowance }, { actor: caller });
        return performance.now() - started;
      };
      const bareOnce = async () => {
        const scratch = mkdtempSync(join(dir, 'scratch-'));
        writeFileSync(join(scratch, 'request.json'), JSON.stringify({ tool: 'double', args: { x: 21 }, call: {} }));
        const started = performance.now();
        const handle = await runner.start({
          execution_id: `bare-${++n}`,
          agent_id: 'bench',
          workspace_dir: scratch,
          code_dir,
          command: tool.command('/code'),
          env: { AGORA_REQUEST_PATH: '/workspace/request.json', AGORA_RESULT_PATH: '/workspace/result.json' },
          limits: runLimits(config, { memory_mb: allowance.memory_mb, wall_ms: allowance.wall_ms, cpu_ms_max: allowance.cpu_ms }),
          log_path: join(dir, 'bare.log'),
        });
        const result = await handle.done;
        const ms = performance.now() - started;
        rmSync(scratch, { recursive: true, force: true });
        if (result.reason !== 'exit') throw new Error(`bare ${language} run ended with ${result.reason}`);
        return ms;
      };
      const bare: number[] = [];
      const invoked: number[] = [];
      const load_before = loadavg()[0]!;
      for (let i = 0; i < RUNS + 3; i++) {
        const b = await bareOnce();
        const v = await invokeOnce('caller0');
        if (i < 3) continue; // warm-up
        bare.push(b);
        invoked.push(v);
      }
      const ratio = percentile(invoked, 50) / percentile(bare, 50);
      const load = `load average ${load_before.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`;
      rows.push(
        { name: `${language} tool: bare sandbox start, p50`, value: percentile(bare, 50), unit: 'ms', note: `${RUNS} runs: the same code on the same runner, no kernel, no channel` },
        { name: `${language} tool: invoke, p50`, value: percentile(invoked, 50), unit: 'ms', note: 'resolve, access, args, escrow, channel, sandbox, result, output, settle' },
        { name: `${language} tool: invoke, p99`, value: percentile(invoked, 99), unit: 'ms', note: load },
        { name: `${language} tool: invoke p50 / bare start p50`, value: ratio, unit: '×', target: `<= ${TARGET_RATIO}`, ok: ratio <= TARGET_RATIO },
      );
      if (language === 'javascript') {
        const started = performance.now();
        await Promise.all(callers.map(async (caller) => {
          for (let i = 0; i < CALLS_PER_CALLER; i++) await invokeOnce(caller);
        }));
        const seconds = (performance.now() - started) / 1000;
        rows.push({ name: `javascript tool: calls per second, ${CONCURRENT} concurrent callers`, value: (CONCURRENT * CALLS_PER_CALLER) / seconds, unit: 'calls/s', note: `${CONCURRENT * CALLS_PER_CALLER} calls; load average ${loadavg()[0]!.toFixed(1)}` });
      }
    }
    const c = k.ledger.conservation();
    if (!c.ok) throw new Error('conservation broken by the bench');
  } finally {
    await runner.close();
    await api.close();
    world.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
