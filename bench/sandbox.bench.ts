// What the sandbox costs at start: the median start-to-exit time of a trivial agent under
// the real bwrap path (cgroups, launcher, namespaces, agora-init with its API listener bound,
// the log file, teardown and metering) minus the same command spawned bare. Runs alternate
// sandboxed and bare so that drift on the machine cancels out. The same runs are made a second
// time with the seccomp filter off, interleaved, so the filter's own cost shows beside the rest
// in one run.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig } from '../src/config/load.js';
import { probeBwrap } from '../src/sandbox/bwrap.js';
import { runLimits, type Runner } from '../src/sandbox/runner.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { writeEnvJson, type EnvJson } from '../src/orchestrator/env-json.js';
import type { BenchRow } from './types.js';

const TARGET_ADDED_MS = 15;

function cpuCount(): number {
  return cpus().length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function bare(command: string[], env: Record<string, string>, log_path: string, cwd: string): Promise<number> {
  const fd = openSync(log_path, 'w');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', fd, fd], env, cwd });
    closeSync(fd);
    child.once('error', reject);
    child.once('exit', () => resolve(performance.now() - started));
  });
}

const ENV_WRITES = 500;

/** One env.json delivery through SafeDir beside the same write by path, interleaved. */
function envDeliveryCost(workspace: string): { safe_ms: number; plain_ms: number } {
  const env = { agent_id: 'bench', inbox: Array.from({ length: 20 }, (_, i) => ({ id: `m${i}`, from: 'genesis', content: 'x'.repeat(200), timestamp: new Date(0).toISOString() })) } as unknown as EnvJson;
  const safe: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < ENV_WRITES; i++) {
    let t = performance.now();
    writeEnvJson(workspace, env);
    safe.push(performance.now() - t);
    t = performance.now();
    writeFileSync(join(workspace, '.env.json.tmp'), JSON.stringify(env, null, 2) + '\n');
    renameSync(join(workspace, '.env.json.tmp'), join(workspace, 'env.json'));
    plain.push(performance.now() - t);
  }
  return { safe_ms: median(safe), plain_ms: median(plain) };
}

export default async function bench(): Promise<BenchRow[]> {
  const config = parseConfig({ sandbox: { runner: 'bwrap', seccomp: 'required' } });
  const unfiltered_config = parseConfig({ sandbox: { runner: 'bwrap', seccomp: 'off' } });
  const probe = await probeBwrap(config);
  if (!probe.ok) return [{ name: 'sandbox start (skipped)', value: 0, unit: 'ms', note: probe.reason }];

  const dir = mkdtempSync(join(tmpdir(), 'agora-bench-sandbox-'));
  const ws = join(dir, 'workspace');
  mkdirSync(ws);
  const socket_path = join(dir, 'api.sock');
  const api = net.createServer((s) => s.end());
  await new Promise<void>((resolve) => api.listen(socket_path, resolve));
  // The runner's own "run ended" lines carry when the agent started (agora-init's `ready`).
  const ready_ms: number[] = [];
  const log = pino({ level: 'info' }, {
    write(line: string) {
      const entry = JSON.parse(line) as { msg?: string; timing_ms?: { ready: number } };
      if (entry.msg === 'run ended' && entry.timing_ms !== undefined) ready_ms.push(entry.timing_ms.ready);
    },
  } as unknown as pino.DestinationStream);
  const runner: Runner = await createRunner(config, log);
  const unfiltered: Runner = await createRunner(unfiltered_config, pino({ level: 'silent' }));
  // The bare spawn gets the environment the sandbox gives, so only the sandbox differs.
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: ws, LANG: 'C.UTF-8', TMPDIR: '/tmp' };
  const rows: BenchRow[] = [];
  let n = 0;
  try {
    for (const [label, command, runs] of [
      ['/bin/true', ['/bin/true'], 100],
      ['node -e 0', ['node', '-e', '0'], 30],
    ] as const) {
      ready_ms.length = 0;
      const load_before = loadavg()[0]!;
      const sandboxed: number[] = [];
      const plain: number[] = [];
      const paired: number[] = [];
      const paired_unfiltered: number[] = [];
      const filter_cost: number[] = [];
      const sandboxedOnce = async (with_runner: Runner, log_path: string): Promise<number> => {
        const started = performance.now();
        const handle = await with_runner.start({
          execution_id: `bench-${++n}`,
          agent_id: 'bench',
          workspace_dir: ws,
          command: [...command],
          env: {},
          limits: runLimits(config, { memory_mb: 256, wall_ms: 30_000, cpu_ms_max: null }),
          api_socket_path: socket_path,
          log_path,
        });
        const result = await handle.done;
        if (result.reason !== 'exit') throw new Error(`sandboxed ${label} ended with ${result.reason}: ${result.detail}`);
        return performance.now() - started;
      };
      for (let i = 0; i < runs + 3; i++) {
        const log_path = join(dir, `run.log`);
        const b = await bare([...command], env, log_path, ws);
        // Which of the two goes first alternates: the second of a pair starts while the first
        // one's teardown and launcher refill still run, and must not always be the same one.
        let s: number;
        let u: number;
        if (i % 2 === 0) {
          s = await sandboxedOnce(runner, log_path);
          u = await sandboxedOnce(unfiltered, log_path);
        } else {
          u = await sandboxedOnce(unfiltered, log_path);
          s = await sandboxedOnce(runner, log_path);
        }
        if (i < 3) continue; // warm-up
        plain.push(b);
        sandboxed.push(s);
        paired.push(s - b);
        paired_unfiltered.push(u - b);
        filter_cost.push(s - u);
      }
      const added = median(paired);
      const env_cost = envDeliveryCost(ws);
      const load = `load average ${load_before.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} on ${cpuCount()} cores`;
      rows.push(
        { name: `${label}: bare spawn, median`, value: median(plain), unit: 'ms', note: `${runs} runs` },
        { name: `${label}: in the bwrap sandbox, median`, value: median(sandboxed), unit: 'ms', note: 'start() to done: cgroups, launcher, namespaces, forwarder, metering' },
        { name: `${label}: sandbox spawn to agent exec, median`, value: median(ready_ms.slice(3)), unit: 'ms', note: 'launcher + bwrap + agora-init until the agent runs' },
        {
          name: `${label}: added by the sandbox (median of paired differences)`,
          value: added,
          unit: 'ms',
          note: load,
          ...(label === '/bin/true' ? { target: `<= ${TARGET_ADDED_MS}`, ok: added <= TARGET_ADDED_MS } : {}),
        },
        { name: `${label}: added by the sandbox without the seccomp filter (median of paired differences)`, value: median(paired_unfiltered), unit: 'ms', note: 'sandbox.seccomp off, interleaved with the runs above' },
        { name: `${label}: added by the seccomp filter (median of paired differences)`, value: median(filter_cost), unit: 'ms', note: 'filtered minus unfiltered start, same iteration' },
        { name: `${label}: env.json written through SafeDir, median`, value: env_cost.safe_ms, unit: 'ms', note: `${ENV_WRITES} writes interleaved with the plain write below` },
        { name: `${label}: env.json written by path (the unsafe old way), median`, value: env_cost.plain_ms, unit: 'ms', note: 'writeFileSync + renameSync' },
        {
          name: `${label}: added by the sandbox with the filter and the safe env.json delivery`,
          value: added + env_cost.safe_ms,
          unit: 'ms',
          note: 'the paired sandbox figure plus one safe env.json write',
          ...(label === '/bin/true' ? { target: `<= ${TARGET_ADDED_MS}`, ok: added + env_cost.safe_ms <= TARGET_ADDED_MS } : {}),
        },
      );
    }
  } finally {
    await runner.close();
    await unfiltered.close();
    api.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
