// A hostile agent against the host's touches of its workspace, from inside a real bwrap
// sandbox: links, FIFOs and hard links planted at every name the host uses, swapped while the
// host works (races), a disk filled past its allowance, and a look at what the sandbox shows of
// the host. Canary files outside every workspace must never change (hashed before and after).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openExecutionChannel } from '../src/api/channel.js';
import { parseConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { writeEnvJson, type EnvJson } from '../src/orchestrator/env-json.js';
import { copyWorkspace } from '../src/orchestrator/workspace-copy.js';
import { resolveAgentCommand } from '../src/sandbox/command.js';
import { type RunResult, type Runner } from '../src/sandbox/runner.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { SafeDir, UnsafeEntryError } from '../src/workspace/safe-dir.js';
import { addAgent, makeWorld, serve, type TestApi, type TestWorld } from './support/world.js';
import { assertAuditPasses } from './support/assertions.js';
import { sandboxUnavailable, spec, type SpecOptions } from './support/sandbox.js';

const skip = sandboxUnavailable();
const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
const KIB = 1024;
const MIB = 1024 * KIB;

let world: TestWorld;
let api: TestApi;
let runner: Runner;
let config: Config;
let canary_dir: string;
const canaries = new Map<string, string>();
let counter = 0;
const live = new Set<string>();

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function assertCanariesUnchanged(): void {
  for (const [path, hash] of canaries) assert.equal(sha(path), hash, `canary ${path} is unchanged`);
  assert.deepEqual(readdirSync(canary_dir).sort(), ['dir', 'host-file', 'victim.db'], 'nothing was added beside the canaries');
  assert.deepEqual(readdirSync(join(canary_dir, 'dir')).sort(), ['HOST-SECRET'], 'nothing was added in the canary directory');
}

before(async () => {
  if (skip) return;
  // The canaries: a host file, a host "database" and a host directory, all outside every workspace.
  canary_dir = mkdtempSync(join(tmpdir(), 'agora-canary-'));
  mkdirSync(join(canary_dir, 'dir'));
  for (const [name, content] of [['host-file', 'HOST FILE'], ['victim.db', 'SQLite format 3\0 pretend'], ['dir/HOST-SECRET', 'HOST-SECRET-CONTENT']] as const) {
    writeFileSync(join(canary_dir, name), content);
    canaries.set(join(canary_dir, name), sha(join(canary_dir, name)));
  }
  world = makeWorld({ config: { workspace: { bytes_max: 16 * MIB, inodes_max: 256 } } });
  for (const id of ['img', 'plain', 'racer']) addAgent(world, id, 100);
  world.workspaces.create('img');
  api = await serve(world, { executionIsLive: (id) => live.has(id) });
  config = parseConfig({ sandbox: { runner: 'bwrap', meter_interval_ms: 50 }, workspace: { bytes_max: 16 * MIB, inodes_max: 256, disk_sample_interval_ms: 50 } });
  runner = await createRunner(config, world.log);
});

after(async () => {
  if (skip) return;
  await runner.close();
  await api.close();
  world.cleanup();
  rmSync(canary_dir, { recursive: true, force: true });
});

function dirOf(agent_id: string): string {
  const dir = world.workspaces.dir(`workspaces/${agent_id}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs a node script as the agent, in its workspace, inside the sandbox. */
async function runAgent(agent_id: string, script: string, options: Partial<SpecOptions> & { during?: () => Promise<void> } = {}): Promise<{ result: RunResult; log: string }> {
  const dir = dirOf(agent_id);
  writeFileSync(join(dir, 'main.js'), script);
  const execution_id = `w${++counter}`;
  const log_path = join(world.paths.executions, `${execution_id}.log`);
  const socket_dir = runner.channelDir() ?? mkdtempSync(join(tmpdir(), 'agora-sock-'));
  const socket_path = join(socket_dir, `${execution_id}.sock`);
  live.add(execution_id);
  const channel = await openExecutionChannel(api.app, api.ctx, { agent_id, execution_id }, socket_path);
  try {
    const handle = await runner.start(spec(config, { execution_id, agent_id, workspace_dir: dir, command: ['node', 'main.js'], log_path, api_socket_path: socket_path, ...options }));
    await options.during?.();
    const result = await handle.done;
    return { result, log: readFileSync(log_path, 'utf8') };
  } finally {
    live.delete(execution_id);
    channel.close();
  }
}

const SAMPLE_ENV = { agent_id: 'x' } as unknown as EnvJson;

describe('workspace attacks', { skip }, () => {
  test('links planted at env.json, at the old temp name and at logs, and a FIFO at agent.json, never make the host write or hang outside', async () => {
    const host_file = join(canary_dir, 'host-file');
    const { result } = await runAgent(
      'plain',
      `const fs = require('fs');
       for (const name of ['env.json', '.env.json.tmp']) { try { fs.unlinkSync(name); } catch {} fs.symlinkSync(${JSON.stringify(host_file)}, name); }
       try { fs.rmSync('logs', { recursive: true }); } catch {}
       fs.symlinkSync(${JSON.stringify(join(canary_dir, 'dir'))}, 'logs');
       fs.symlinkSync('/nowhere/at/all', 'dangling');
       require('child_process').execFileSync('mkfifo', ['agent.json']);`,
    );
    assert.equal(result.reason, 'exit', result.detail ?? '');
    const dir = dirOf('plain');
    // What the launcher does before every run, through the same primitives: no process of the
    // agent runs, so env.json is rewritten in place when it is the host's own file (here it is
    // the agent's link, so it must be replaced, never written through). The race test below
    // takes the other path, a new file renamed over env.json while the agent runs.
    writeEnvJson(dir, SAMPLE_ENV, null, { no_reader: true });
    assert.ok(lstatSync(join(dir, 'env.json')).isFile(), 'env.json is now a regular file of the workspace');
    const command = resolveAgentCommand(dir, config.sandbox.agent_json_bytes_max); // a FIFO would block a naive open for ever
    assert.equal(command.ok, false);
    assert.match(command.ok ? '' : command.why, /not a regular file/);
    const target = mkdtempSync(join(tmpdir(), 'agora-copy-'));
    try {
      const report = copyWorkspace(dir, target, { files_max: 100, bytes_max: MIB, file_bytes_max: MIB, entries_max: 1000, depth_max: 8 }, null, null);
      assert.ok(report.skipped.includes('logs') && report.skipped.includes('dangling') && report.skipped.includes('agent.json'), `links and FIFOs are skipped: ${report.skipped}`);
      assert.deepEqual(readdirSync(target).sort(), ['main.js'], 'only the regular file was copied');
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
    assertCanariesUnchanged();
    rmSync(join(dir, 'logs'));
    rmSync(join(dir, 'agent.json'));
  });

  test('races: env.json swapped for a link and a directory swapped for a link while the host writes and copies', async () => {
    const dir = dirOf('racer');
    mkdirSync(join(dir, 'd'), { recursive: true });
    writeFileSync(join(dir, 'd', 'own.txt'), 'OWN');
    let writes = 0;
    let copies = 0;
    const { result } = await runAgent(
      'racer',
      `const fs = require('fs');
       const end = Date.now() + 3000;
       let swaps = 0;
       while (Date.now() < end) {
         try { fs.symlinkSync(${JSON.stringify(join(canary_dir, 'host-file'))}, 'l.tmp'); fs.renameSync('l.tmp', 'env.json'); } catch {}
         try { fs.renameSync('d', 'd.real'); fs.symlinkSync(${JSON.stringify(join(canary_dir, 'dir'))}, 'd'); fs.unlinkSync('d'); fs.renameSync('d.real', 'd'); } catch {}
         swaps++;
       }
       console.log('swaps', swaps);`,
      {
        during: async () => {
          const target_root = mkdtempSync(join(tmpdir(), 'agora-race-'));
          try {
            const until = Date.now() + 2500;
            while (Date.now() < until) {
              writeEnvJson(dir, SAMPLE_ENV);
              writes++;
              const target = join(target_root, String(copies++));
              mkdirSync(target);
              copyWorkspace(dir, target, { files_max: 100, bytes_max: MIB, file_bytes_max: MIB, entries_max: 1000, depth_max: 8 }, null, null);
              // Whatever the copy saw, it never holds a host file.
              for (const name of readdirSync(target, { recursive: true }) as string[]) assert.doesNotMatch(name, /HOST-SECRET/);
              await new Promise((r) => setImmediate(r));
            }
          } finally {
            rmSync(target_root, { recursive: true, force: true });
          }
        },
      },
    );
    assert.equal(result.reason, 'exit', result.detail ?? '');
    assert.ok(writes > 10 && copies > 10, `the host raced the agent (${writes} writes, ${copies} copies)`);
    assertCanariesUnchanged();
  });

  test('a hard link to a file the agent does not own is never read, and a FIFO is never opened for reading', () => {
    const dir = dirOf('plain');
    linkSync(join(canary_dir, 'host-file'), join(dir, 'hard'));
    try {
      SafeDir.with(dir, (root) => {
        assert.throws(() => root.readFile('hard', MIB, { uid: 123_456, gid: 123_456 }), UnsafeEntryError);
        assert.throws(() => root.openDir('main.js'), UnsafeEntryError);
        assert.throws(() => root.readFile('../host-file', MIB), /not a single file name/);
      });
      const target = mkdtempSync(join(tmpdir(), 'agora-copy-'));
      try {
        const report = copyWorkspace(dir, target, { files_max: 100, bytes_max: MIB, file_bytes_max: MIB, entries_max: 1000, depth_max: 8 }, { uid: 123_456, gid: 123_456 }, null);
        assert.ok(report.skipped.includes('hard'), 'the hard link is skipped');
      } finally {
        rmSync(target, { recursive: true, force: true });
      }
    } finally {
      rmSync(join(dir, 'hard'));
    }
    assertCanariesUnchanged();
  });

  test('a workspace image holds the agent to its bytes: the run that fills it is killed_disk, the host disk untouched, and the next run may clean up', async () => {
    assert.equal(world.workspaces.backing, 'image', 'this host gives workspaces images (root, mkfs.ext4)');
    const before = world.workspaces.usage('workspaces/img');
    assert.equal(before.backing, 'image');
    assert.ok(before.bytes_max <= 16 * MIB && before.bytes_max > 12 * MIB, `the allowance is the image: ${before.bytes_max}`);
    const { result } = await runAgent(
      'img',
      `const fs = require('fs');
       const chunk = Buffer.alloc(1 << 20, 7);
       const fd = fs.openSync('big', 'w');
       let written = 0;
       try { for (let i = 0; i < 64; i++) { fs.writeSync(fd, chunk); written++; } } catch (e) { console.log('stopped by', e.code, 'after', written, 'MiB'); }
       setTimeout(() => {}, 20000);`,
    );
    assert.equal(result.reason, 'killed_disk', result.detail ?? '');
    assert.match(result.detail ?? '', /disk full/);
    const full = world.workspaces.usage('workspaces/img');
    assert.ok(full.bytes_used <= full.bytes_max && full.bytes_used > 12 * MIB, `the kernel held it to its size: ${full.bytes_used}`);
    const cleanup = await runAgent('img', `require('fs').unlinkSync('big');`);
    assert.equal(cleanup.result.reason, 'exit', 'a run that starts full is not killed for it, and may delete');
    assert.ok(world.workspaces.usage('workspaces/img').bytes_used < MIB);
    assertCanariesUnchanged();
  });

  test('an image also holds the agent to its inodes', async () => {
    const { result } = await runAgent('img', `const fs = require('fs'); fs.mkdirSync('many'); try { for (let i = 0; i < 5000; i++) fs.writeFileSync('many/' + i, ''); } catch (e) { console.log(e.code); } setTimeout(() => {}, 20000);`);
    assert.equal(result.reason, 'killed_disk', result.detail ?? '');
    assert.match(result.detail ?? '', /files and directories/);
    const cleanup = await runAgent('img', `require('fs').rmSync('many', { recursive: true });`);
    assert.equal(cleanup.result.reason, 'exit');
  });

  test('a plain-directory workspace is measured during the run: growing past its allowance is killed_disk', async () => {
    const { result } = await runAgent('plain', `require('fs').writeFileSync('big', Buffer.alloc(3 << 20)); setTimeout(() => {}, 20000);`, {
      limits: { disk_bytes_max: 2 * MIB },
    });
    assert.equal(result.reason, 'killed_disk', result.detail ?? '');
    rmSync(join(dirOf('plain'), 'big'));
  });

  test('the sandbox shows no host path: mountinfo and /proc/net/unix name neither the world, the repository nor the runner state', async () => {
    const { result, log } = await runAgent('img', `const fs = require('fs'); console.log(fs.readFileSync('/proc/self/mountinfo', 'utf8')); try { console.log(fs.readFileSync('/proc/net/unix', 'utf8')); } catch (e) { console.log('no /proc/net/unix', e.code); }`);
    assert.equal(result.reason, 'exit', result.detail ?? '');
    assert.match(log, / \/workspace /, 'the mount table was read');
    for (const host_path of [world.paths.dir, REPO, tmpdir() + '/agora-', canary_dir]) {
      assert.ok(!log.includes(host_path), `${host_path} does not show inside:\n${log.split('\n').filter((l) => l.includes(host_path)).join('\n')}`);
    }
  });

  test('after every attack above: the audit passes and no canary outside the workspaces changed', () => {
    assertAuditPasses(world);
    assertCanariesUnchanged();
  });
});
