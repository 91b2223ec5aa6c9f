// The `agora` command as a user runs it: a real process, real files, real HTTP.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startAgora } from './support/agora-process.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { addAgent, cliEnv, makeWorld, tempDir, withStore } from './support/world.js';

function agora(args: string[], env: Record<string, string> = {}) {
  // The world's store (its database on PostgreSQL), as an operator's --config names it.
  const world = args.indexOf('--world');
  const store = world === -1 ? {} : cliEnv(args[world + 1]!);
  const res = spawnSync(process.execPath, ['bin/agora.js', ...args], { encoding: 'utf8', env: { ...process.env, ...store, ...env }, timeout: 30_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

test('agora start creates a world, prints the URL and operator token, and serves /health and /openapi.json', async (t) => {
  const dir = tempDir();
  const agora_process = await startAgora([], { env: { AGORA_WORLD: dir } });
  t.after(() => agora_process.stop('SIGKILL'));
  const url = agora_process.url;
  const health = await (await fetch(`${url}/health`)).json();
  assert.equal(health.status, 'ok');
  const spec = await (await fetch(`${url}/openapi.json`)).json();
  assert.equal(spec.info.title, 'Agora API');
  assert.equal(await agora_process.stop('SIGTERM'), 0, 'SIGTERM stops the world cleanly');
  const status = agora(['status', '--json', '--world', dir]);
  assert.equal(status.code, 0, status.stderr);
  assert.ok(JSON.parse(status.stdout).agents.alive >= 1, 'genesis is alive (and may already have children)');
});

test('a bad config value stops start-up with a message naming the key', () => {
  const dir = tempDir();
  const config = join(dir, 'agora.yaml');
  writeFileSync(config, 'server:\n  port: "eighty"\nagents:\n  genesis_credit: 5\n');
  const res = agora(['start', '--config', config, '--world', join(dir, 'w')]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /server\.port/);
  assert.match(res.stderr, /agents\.genesis_credit: unknown key/);
  assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
});

test('status, agents, history, token and audit work on a world, and audit fails on tampering', () => {
  const dir = tempDir();
  const world = makeWorld({ dir });
  addAgent(world, 'alice', 5);
  world.kernel.ledger.transfer({ from_id: 'genesis', to_id: 'alice', amount_ucr: 2_500_000, memo: 'hello' }, { actor: 'genesis' });
  world.cleanup();
  const agents = agora(['agents', '--table', '--world', dir]);
  assert.equal(agents.code, 0);
  assert.match(agents.stdout, /alice\s+alive\s+0\s+-\s+7\.5/);
  const history = agora(['history', 'alice', '--world', dir]);
  assert.match(history.stdout, /transfer\s+genesis\s+alice\s+2\.5\s+hello/);
  const token = agora(['token', 'alice', '--world', dir]);
  assert.match(token.stdout.trim(), /^agt\.[\w-]+\.[\w-]+$/);
  assert.equal(agora(['token', 'nobody', '--world', dir]).code, 1);
  const ok = agora(['audit', '--world', dir]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /audit ok/);

  withStore(dir, (db) => db.prepare("UPDATE accounts SET balance_ucr = balance_ucr + 1000000 WHERE id = 'alice'").run());
  const bad = agora(['audit', '--world', dir]);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /accounts\s+\d+ rows, 1 differences/);
  assert.match(bad.stdout, /AUDIT FAILED/);
});

test('opening a world written by a newer Agora fails clearly; a missing world is named', () => {
  const dir = tempDir();
  makeWorld({ dir }).cleanup();
  withStore(dir, (db) => db.pragma('user_version = 999'));
  const res = agora(['status', '--world', dir]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /newer Agora \(schema version 999/);
  const missing = agora(['status', '--world', join(dir, 'nothing-here')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no world at/);
});

test('the command list (cli/commands.ts) is what the modules register, and --help from it reads as the whole program', async () => {
  const { buildProgram } = await import('../src/cli/main.js');
  const { helpProgram } = await import('../src/cli/entry.js');
  const { commandModules } = await import('../src/cli/commands.js');
  const { baseProgram } = await import('../src/cli/program.js');
  for (const m of commandModules) {
    // Each module registers exactly its listed commands, with the listed arguments and summary,
    // so the lazy loader finds every command and the short --help says what the command says.
    const program = baseProgram();
    (await m.load())(program);
    const registered = program.commands.map((c) => ({
      name: c.name(),
      args: c.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' '),
      options: c.options.length > 0,
      summary: c.description(),
    }));
    assert.deepEqual(registered, m.commands);
  }
  assert.equal(helpProgram().helpInformation(), (await buildProgram()).helpInformation());
  // And the real process prints it (exit 0) without loading the commands' modules.
  const res = agora(['--help']);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, (await buildProgram()).helpInformation());
});
