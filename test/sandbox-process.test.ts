// The unsafe process runner: no isolation, but the same contract for time, output, metering
// and results, the API reached over TCP with the execution's token, and a clean environment.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { parseConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { type Runner } from '../src/sandbox/runner.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { addAgent, agentToken, makeWorld, serve, type TestApi, type TestWorld } from './support/world.js';
import { spec, workspace, type SpecOptions } from './support/sandbox.js';

let world: TestWorld;
let api: TestApi;
let runner: Runner;
let config: Config;
const warnings: string[] = [];
let n = 0;

before(async () => {
  world = makeWorld();
  addAgent(world, 'agent-a', 100);
  api = await serve(world, { executionIsLive: () => true });
  config = parseConfig({ sandbox: { runner: 'process', meter_interval_ms: 20 } });
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) } as unknown as pino.DestinationStream);
  process.env.AGORA_TEST_HOST_SECRET = 'must-not-leak';
  runner = await createRunner(config, log);
});

after(async () => {
  delete process.env.AGORA_TEST_HOST_SECRET;
  await runner.close();
  await api.close();
  world.cleanup();
});

async function run(files: Record<string, string>, command: string[], options: Partial<SpecOptions> = {}) {
  const execution_id = `p${++n}`;
  const dir = workspace(join(world.paths.workspaces, 'agent-a'), files);
  const log_path = join(world.paths.executions, `${execution_id}.log`);
  const handle = await runner.start(spec(config, { execution_id, workspace_dir: dir, command, log_path, api_url: api.url, ...options }));
  const result = await handle.done;
  return { result, log: readFileSync(log_path, 'utf8'), dir };
}

describe('process runner', () => {
  test('says loudly that there is no isolation', () => {
    assert.equal(runner.kind, 'process');
    assert.equal(runner.isolation, 'none');
    assert.ok(warnings.some((w) => /NO ISOLATION/.test(w)));
  });

  test('an agent runs in its workspace with a clean environment and reaches the API with its token', async () => {
    const token = agentToken(world, 'agent-a', 'p-token');
    const { result, log, dir } = await run(
      {
        'main.js': `
fetch(process.env.SYSTEM_SERVICE_URL + '/economic/history', { headers: { authorization: 'Bearer ' + process.env.AGORA_TOKEN } })
  .then((r) => r.json())
  .then((body) => console.log(JSON.stringify({ who: body.agent_id, cwd: process.cwd(), home: process.env.HOME, leaked: process.env.AGORA_TEST_HOST_SECRET ?? null, url: process.env.SYSTEM_SERVICE_URL })));
`,
      },
      ['node', 'main.js'],
      { env: { AGORA_TOKEN: token } },
    );
    assert.equal(result.reason, 'exit', log);
    const r = JSON.parse(log.trim());
    assert.equal(r.who, 'agent-a');
    assert.equal(r.cwd, dir);
    assert.equal(r.home, dir);
    assert.equal(r.leaked, null, "the Agora process's environment does not leak into the agent");
    assert.equal(r.url, api.url);
    assert.ok(['rusage', 'proc_sampling'].includes(result.metering));
  });

  test('wall deadline, log cap, CPU metering and a crash hold here too', async () => {
    const timeout = await run({}, ['/bin/sh', '-c', 'sleep 30'], { limits: { wall_ms: 300, grace_ms: 100 } });
    assert.equal(timeout.result.reason, 'killed_timeout');
    const flood = await run({}, ['/bin/sh', '-c', 'head -c 50000000 /dev/zero'], { limits: { log_bytes_max: 1000 } });
    assert.equal(flood.result.reason, 'exit');
    assert.equal(flood.result.log_bytes, 1000);
    assert.equal(flood.result.log_truncated, true);
    const busy = await run({ 'main.js': '// CPU time, not wall time: the machine may be busy\nwhile (process.cpuUsage().user < 400_000) for (let i = 0; i < 1e6; i++);' }, ['node', 'main.js']);
    assert.ok(busy.result.cpu_ms >= 250 && busy.result.cpu_ms < 1500, `cpu ${busy.result.cpu_ms} ms`);
    const crash = await run({}, ['/bin/sh', '-c', 'exit 7']);
    assert.equal(crash.result.reason, 'crashed');
    assert.equal(crash.result.exit_code, 7);
  });

  test('nothing the agent started outlives its run, daemons included, and their CPU is counted', async () => {
    const marker = `agora-orphan-${process.pid}-${Date.now()}`;
    const spin = "import time\nwhile time.process_time() < 0.3: pass\nopen('spun', 'w').close()";
    const { result, dir } = await run({ 'spin.py': spin }, ['/bin/sh', '-c', `rm -f spun; (setsid sh -c 'sleep 300; echo ${marker}' &); (python3 spin.py &); while [ ! -e spun ]; do sleep 0.05; done`]);
    assert.equal(result.reason, 'exit');
    assert.ok(existsSync(join(dir, 'spun')));
    assert.ok(result.cpu_ms >= 280, `the orphan spinner's CPU was counted: ${result.cpu_ms} ms`);
    const survivors = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
        } catch {
          return false;
        }
      });
    assert.deepEqual(survivors, [], 'the daemonized child was killed');
  });

  test('memory over the limit is caught by sampling (best effort) and killed_memory', async () => {
    const { result } = await run({ 'main.js': 'const keep = []; for (let i = 0; i < 200; i++) { keep.push(Buffer.alloc(4 << 20, 1)); } setTimeout(() => {}, 5000);' }, ['node', 'main.js'], {
      limits: { memory_mb: 64 },
    });
    assert.equal(result.reason, 'killed_memory');
  });

  test('a run without api_url is refused: the process runner has no socket to give', async () => {
    const dir = workspace(join(world.paths.workspaces, 'agent-a'), {});
    await assert.rejects(runner.start(spec(config, { execution_id: 'no-url', workspace_dir: dir, command: ['true'], log_path: join(world.paths.executions, 'no-url.log') })), /api_url/);
  });
});
