// A host process that starts one real bwrap run and then only waits, so a test can kill it
// (SIGKILL: no clean-up code of ours runs) and watch what happens to the sandbox.
// Usage: node --import tsx test/support/hold-run.ts <workspace_dir> <log_path>
// Prints one JSON line {"pid": <the run's outermost host pid>} once the run has started.
import pino from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { createRunner } from '../../src/sandbox/create-runner.js';
import { spec } from './sandbox.js';

const [workspace_dir, log_path] = process.argv.slice(2) as [string, string];
const config = parseConfig({ sandbox: { runner: 'bwrap' } });
const runner = await createRunner(config, pino({ level: 'silent' }));
const handle = await runner.start(
  spec(config, { execution_id: 'held', workspace_dir, command: ['python3', 'hold.py'], log_path, limits: { wall_ms: 600_000 } }),
);
process.stdout.write(JSON.stringify({ pid: handle.pid }) + '\n');
setInterval(() => {}, 1 << 30);
