// One tool call in a real bwrap sandbox, below the kernel: the tool protocol in JavaScript and
// Python, the bundle read-only, the per-call channel as the call's only identity.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import type { CallClaims } from '../src/identity/call-tokens.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import type { Runner } from '../src/sandbox/runner.js';
import { runTool, type ToolRunContext } from '../src/orchestrator/invoke/tool-run.js';
import { addAgent, makeWorld, serve, type TestApi, type TestWorld } from './support/world.js';
import { sandboxUnavailable, workspace } from './support/sandbox.js';

const skip = sandboxUnavailable();
let world: TestWorld;
let api: TestApi;
let runner: Runner;
let config: Config;
let ctx: ToolRunContext;
const live = new Set<string>();
let n = 0;

before(async () => {
  if (skip) return;
  world = makeWorld();
  addAgent(world, 'payer', 100);
  (world as { calls?: unknown }).calls = { isLive: (id: string) => live.has(id) };
  api = await serve(world);
  config = parseConfig({ sandbox: { runner: 'bwrap' } });
  runner = await createRunner(config, world.log);
  const dir = mkdtempSync(join(tmpdir(), 'agora-inv-'));
  ctx = { config, runner, api, log: world.log, socket_dir: dir, scratch_parent: dir, log_dir: dir, calls: world.signer.calls, now_world_ms: () => world.clock.now_ms() };
});

after(async () => {
  if (skip) return;
  await runner.close();
  await api.close();
  world.cleanup();
});

function claims(): CallClaims {
  return { call_id: `c${++n}`, payer_id: 'payer', depth: 1, budget_ucr: 0, artifact_id: 'art_1', version: 1 };
}

const allowance = { cpu_ms: 5000, memory_mb: 128, wall_ms: 15_000 };

/** A bundle as the artifact store keeps one: readable by all (the sandbox's uid among them), writable by none but the host. */
function bundleOf(files: Record<string, string>): string {
  const dir = workspace(mkdtempSync(join(tmpdir(), 'agora-bundle-')), files);
  chmodSync(dir, 0o755);
  return dir;
}

test('a JavaScript tool reads its request and answers through the result file', { skip }, async () => {
  const bundle = bundleOf({
    'index.js': `const fs = require('fs'); const r = JSON.parse(fs.readFileSync(process.env.AGORA_REQUEST_PATH, 'utf8'));
      fs.writeFileSync(process.env.AGORA_RESULT_PATH, JSON.stringify({ output: { doubled: r.args.x * 2, tool: r.tool, payer: r.call.payer_id } }));`,
  });
  const c = claims();
  live.add(c.call_id);
  const out = await runTool(ctx, { claims: c, bundle: { dir: bundle, entry: 'index.js' }, tool: 'double', args: { x: 21 }, allowance });
  assert.ok(out.ok, JSON.stringify(out));
  assert.deepEqual(out.result.output, { doubled: 42, tool: 'double', payer: 'payer' });
  rmSync(bundle, { recursive: true, force: true });
});

test('a Python tool answers, and its bundle is read-only', { skip }, async () => {
  const bundle = bundleOf({
    'main.py': `import json, os
r = json.load(open(os.environ['AGORA_REQUEST_PATH']))
try:
    open(os.environ['AGORA_CODE_DIR'] + '/main.py', 'a').write('# tampered')
    wrote = True
except OSError:
    wrote = False
json.dump({'output': {'sum': sum(r['args']['xs']), 'wrote_code': wrote}}, open(os.environ['AGORA_RESULT_PATH'], 'w'))
`,
  });
  const c = claims();
  live.add(c.call_id);
  const out = await runTool(ctx, { claims: c, bundle: { dir: bundle, entry: 'main.py' }, tool: 'sum', args: { xs: [1, 2, 3] }, allowance });
  assert.ok(out.ok, JSON.stringify(out));
  assert.deepEqual(out.result.output, { sum: 6, wrote_code: false });
  rmSync(bundle, { recursive: true, force: true });
});
