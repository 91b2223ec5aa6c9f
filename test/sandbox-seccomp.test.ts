// The system call filter, from inside real bwrap sandboxes: every denied family is refused
// (EPERM; clone3 ENOSYS so libc falls back to clone), while node, python and a shell still do
// ordinary work (threads, child processes, async file I/O with libuv's io_uring asked for).
// The probe passes arguments the kernel alone would answer otherwise (bad pointers, bad flags,
// or success), so these tests fail when the filter is not there.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { AgoraError } from '../src/base/errors.js';
import { resolveSeccomp } from '../src/sandbox/helpers.js';
import { type RunResult, type Runner } from '../src/sandbox/runner.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import pino from 'pino';
import { makeWorld, type TestWorld } from './support/world.js';
import { sandboxUnavailable, spec, workspace } from './support/sandbox.js';

const skip = sandboxUnavailable();
const EPERM = 1;
const ENOSYS = 38;
const PROBE = readFileSync(join(import.meta.dirname, 'fixtures', 'syscall-probe.py'), 'utf8');

let world: TestWorld;
let runner: Runner;
let config: Config;
let counter = 0;
let probed: Record<string, number>;

async function run(files: Record<string, string>, command: string[], env: Record<string, string> = {}): Promise<{ result: RunResult; log: string }> {
  const execution_id = `s${++counter}`;
  const dir = workspace(join(world.paths.workspaces, 'agent-a'), files);
  const log_path = join(world.paths.executions, `${execution_id}.log`);
  const handle = await runner.start(spec(config, { execution_id, workspace_dir: dir, command, log_path, env }));
  const result = await handle.done;
  return { result, log: readFileSync(log_path, 'utf8') };
}

before(async () => {
  if (skip) return;
  world = makeWorld();
  config = parseConfig({ sandbox: { runner: 'bwrap', seccomp: 'required' } });
  runner = await createRunner(config, world.log);
  const { result, log } = await run({ 'probe.py': PROBE }, ['python3', 'probe.py']);
  assert.equal(result.reason, 'exit', log);
  probed = JSON.parse(log.trim().split('\n').at(-1)!) as Record<string, number>;
});

after(async () => {
  if (skip) return;
  await runner.close();
  world.cleanup();
});

function refused(names: string[], errno = EPERM): void {
  for (const name of names) assert.equal(probed[name], errno, `${name} answered errno ${probed[name]}, not ${errno}: ${JSON.stringify(probed)}`);
}

describe('seccomp filter', { skip }, () => {
  test('io_uring is refused: io_uring_setup, io_uring_enter, io_uring_register', () => {
    refused(['io_uring_setup', 'io_uring_enter', 'io_uring_register']);
  });

  test('kernel keyrings are refused: keyctl, add_key, request_key', () => {
    refused(['keyctl', 'add_key', 'request_key']);
  });

  test('bpf and perf_event_open are refused', () => {
    refused(['bpf', 'perf_event_open']);
  });

  test('userfaultfd is refused, even the user-mode-only kind', () => {
    refused(['userfaultfd']);
  });

  test('tracing and other processes\' memory are refused: ptrace, process_vm_readv, process_vm_writev', () => {
    refused(['ptrace', 'process_vm_readv', 'process_vm_writev']);
  });

  test('mounts are refused: mount, umount2, pivot_root, fsopen, fsmount, open_tree, move_mount', () => {
    refused(['mount', 'umount2', 'pivot_root', 'fsopen', 'fsmount', 'open_tree', 'move_mount']);
  });

  test('new namespaces are refused: unshare, setns, clone with namespace flags; clone3 is ENOSYS', () => {
    refused(['unshare', 'setns', 'clone_newuser', 'clone_newnet']);
    refused(['clone3'], ENOSYS);
  });

  test('files by handle are refused: name_to_handle_at, open_by_handle_at', () => {
    refused(['name_to_handle_at', 'open_by_handle_at']);
  });

  test('personality is only the default: ADDR_NO_RANDOMIZE is refused, the query still answers', () => {
    refused(['personality_no_aslr']);
    assert.equal(probed.personality_query, 0);
  });

  test('host-wide calls are refused: kexec, modules, swap, reboot, acct, quotactl, lookup_dcookie', () => {
    refused(['kexec_load', 'kexec_file_load', 'init_module', 'finit_module', 'delete_module', 'swapon', 'reboot', 'acct', 'quotactl', 'lookup_dcookie']);
  });

  test('node still works under the filter: worker threads, child processes, async fs with io_uring asked for', async () => {
    const { result, log } = await run(
      {
        'main.js': `
const { Worker } = require('node:worker_threads');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs/promises');
(async () => {
  await fs.writeFile('out.txt', 'x'.repeat(1 << 20));
  const back = await fs.readFile('out.txt', 'utf8');
  const seccomp = (await fs.readFile('/proc/self/status', 'utf8')).match(/^Seccomp:\\s*(\\d)/m)[1];
  const worker = await new Promise((resolve, reject) => {
    const w = new Worker('require("node:worker_threads").parentPort.postMessage(6 * 7)', { eval: true });
    w.once('message', resolve);
    w.once('error', reject);
  });
  const child = execFileSync('/bin/sh', ['-c', 'echo from-sh']).toString().trim();
  console.log(JSON.stringify({ bytes: back.length, seccomp, worker, child }));
})();
`,
      },
      ['node', 'main.js'],
      { UV_USE_IO_URING: '1' },
    );
    assert.equal(result.reason, 'exit', log);
    assert.deepEqual(JSON.parse(log.trim().split('\n').at(-1)!), { bytes: 1 << 20, seccomp: '2', worker: 42, child: 'from-sh' });
  });

  test('python and a shell still work under the filter: threads, subprocesses, fork', async () => {
    const { result, log } = await run(
      {
        'main.py': `
import json, os, subprocess, threading
box = []
t = threading.Thread(target=lambda: box.append(6 * 7)); t.start(); t.join()
pid = os.fork()
if pid == 0:
    os._exit(3)
_, status = os.waitpid(pid, 0)
sh = subprocess.run(['/bin/sh', '-c', 'echo $((20 + 22)) | cat'], capture_output=True, text=True).stdout.strip()
print(json.dumps({'thread': box[0], 'child_exit': os.waitstatus_to_exitcode(status), 'sh': sh}))
`,
      },
      ['python3', 'main.py'],
    );
    assert.equal(result.reason, 'exit', log);
    assert.deepEqual(JSON.parse(log.trim().split('\n').at(-1)!), { thread: 42, child_exit: 3, sh: '42' });
  });
});

describe('without libseccomp at build time', () => {
  const noLibseccomp = () => Promise.reject(new Error('cc: cannot find -lseccomp'));

  test('sandbox.seccomp required refuses to go on, naming what to install', async () => {
    const config = parseConfig({ sandbox: { seccomp: 'required' } });
    await assert.rejects(resolveSeccomp(config, pino({ level: 'silent' }), noLibseccomp), (err: unknown) => {
      assert.ok(err instanceof AgoraError);
      assert.equal(err.code, 'UNAVAILABLE');
      assert.match(err.message, /libseccomp-dev/);
      return true;
    });
  });

  test('sandbox.seccomp auto goes on without the filter and says so loudly', async (t) => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) } as unknown as pino.DestinationStream);
    const stderr = t.mock.method(process.stderr, 'write', () => true);
    const filter = await resolveSeccomp(parseConfig({ sandbox: { seccomp: 'auto' } }), log, noLibseccomp);
    assert.equal(filter, null);
    assert.ok(lines.some((l) => l.includes('"level":50') && l.includes('SANDBOX SYSCALL FILTER NOT ENFORCED')), 'an error line in the log');
    assert.ok(stderr.mock.calls.some((c) => String(c.arguments[0]).includes('SANDBOX SYSCALL FILTER NOT ENFORCED')), 'and on stderr');
  });
});
