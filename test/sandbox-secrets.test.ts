// A run's API token spends its agent's money, and any local user can read every process's
// command line (ps, /proc/PID/cmdline). While a real sandboxed agent holds its token and waits,
// no process on the host may show it on its command line: not Agora, not the launcher, not
// bwrap, not agora-init; on every launcher path (pre-started, started per run, portable). The
// runner's own log never carries it either, and no descriptor it travelled through is left
// open inside the sandbox.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import pino from 'pino';
import { parseConfig } from '../src/config/load.js';
import type { ConfigInput } from '../src/config/schema.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { makeWorld } from './support/world.js';
import { sandboxUnavailable, spec, workspace } from './support/sandbox.js';

const skip = sandboxUnavailable();

/** Every host process whose command line holds `secret`, as "pid: argv". */
function commandLinesHolding(secret: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    if (cmdline.includes(secret)) found.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`);
  }
  return found;
}

function readlinkOr(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/** Resolves once `path` exists: the agent writes it when it is up and holds its token. */
async function appears(path: string): Promise<void> {
  while (!existsSync(path)) await delay(20);
}

// A python agent: it keeps no descriptor of its own open, so its fds are what it was given.
const AGENT = `
import os, time
fds = []
for fd in os.listdir('/proc/self/fd'):
    try:
        fds.append(fd + '=' + os.readlink('/proc/self/fd/' + fd))
    except OSError:
        pass  # the directory listing's own fd, closed by now
with open('fds.txt', 'w') as f:
    f.write('\\n'.join(fds))
with open('token.txt.tmp', 'w') as f:
    f.write(os.environ['AGORA_TOKEN'])
os.rename('token.txt.tmp', 'token.txt')
# Held open until the host has looked at every process: wait for its 'go'.
while not os.path.exists('go'):
    time.sleep(0.02)
`;

async function tokenStaysOffCommandLines(t: import('node:test').TestContext, sandbox: ConfigInput['sandbox'], pooled: boolean): Promise<void> {
  const world = makeWorld();
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) } as unknown as pino.DestinationStream);
  const config = parseConfig({ sandbox: { runner: 'bwrap', ...sandbox } });
  const runner = await createRunner(config, log);
  t.after(async () => {
    await runner.close();
    world.cleanup();
  });
  const token = `agora-test-token-${randomBytes(24).toString('hex')}`;
  const dir = workspace(join(world.paths.workspaces, 'agent-a'), { 'main.py': AGENT });
  const log_path = join(world.paths.executions, 'k1.log');
  const handle = await runner.start(spec(config, { execution_id: 'k1', workspace_dir: dir, command: ['python3', 'main.py'], log_path, env: { AGORA_TOKEN: token } }));

  await appears(join(dir, 'token.txt'));
  assert.equal(readFileSync(join(dir, 'token.txt'), 'utf8'), token, 'the agent got its token');
  assert.deepEqual(commandLinesHolding(token), [], 'no process shows the token on its command line');
  // What it came through (bwrap's --args memfd or pipe, the filter's fd) was closed before
  // the agent ran: it holds stdin, stdout and stderr and nothing else. (Whatever the test
  // process itself inherited from its own parent is not the launch's doing: the portable
  // launcher passes such fds on; the native agora-init closes them.)
  const fds = readFileSync(join(dir, 'fds.txt'), 'utf8').trim().split('\n');
  const ours = new Set(readdirSync('/proc/self/fd').map((fd) => `${fd}=${readlinkOr(`/proc/self/fd/${fd}`)}`));
  assert.deepEqual(
    fds.filter((line) => Number(line.split('=')[0]) > 2 && !ours.has(line)),
    [],
    `the agent holds no descriptor from its launch: ${fds.join(', ')}`,
  );

  writeFileSync(join(dir, 'go'), '');
  const result = await handle.done;
  assert.equal(result.reason, 'exit', readFileSync(log_path, 'utf8'));
  assert.equal(lines.some((l) => l.includes('run started on a pooled launcher')), pooled, `the run ${pooled ? 'took' : 'did not take'} a pre-started launcher`);
  assert.ok(!lines.some((l) => l.includes(token)), "the runner's log does not carry the token");
  assert.ok(!readFileSync(log_path, 'utf8').includes(token), "the run's log does not carry the token");
}

test('the token is on no command line while its agent runs: pre-started launcher', { skip }, async (t) => {
  await tokenStaysOffCommandLines(t, { launchers_prestarted: 2 }, true);
});

test('the token is on no command line while its agent runs: launcher started for the run', { skip }, async (t) => {
  await tokenStaysOffCommandLines(t, { launchers_prestarted: 0 }, false);
});

test('the token is on no command line while its agent runs: portable launcher (no C compiler)', { skip }, async (t) => {
  await tokenStaysOffCommandLines(t, { native_helpers: 'off' }, false);
});
