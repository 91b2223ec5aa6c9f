// The code right enforced (docs/trade.md, "Rights"; docs/security.md, "Code updates"): POST
// /agents/{id}/code, called from inside real bwrap sandboxes. Without code:<agent> it is 403
// (the agent itself too, once it sold the right); with it, the bundle lands in the target's
// workspace and the target's next run runs it; links planted in the workspace (by the target,
// or by an agent updating itself) are never followed: canaries outside never change.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openExecutionChannel } from '../src/api/channel.js';
import { parseConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import type { PublishInput } from '../src/kernel/artifacts/commands.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import type { RunResult, Runner } from '../src/sandbox/runner.js';
import { assertAuditPasses } from './support/assertions.js';
import { toolInput } from './support/artifacts.js';
import { sandboxUnavailable, spec } from './support/sandbox.js';
import { addAgent, makeWorld, serve, type TestApi, type TestWorld } from './support/world.js';

const skip = sandboxUnavailable();
let world: TestWorld;
let api: TestApi;
let runner: Runner;
let config: Config;
let canary_dir: string;
let bundle_id: string;
let nested_id: string;
const canaries = new Map<string, string>();
const live = new Set<string>();
let counter = 0;

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const V2 = "require('fs').writeFileSync('ran.txt', 'version 2');";

function assertCanariesUnchanged(): void {
  for (const [path, hash] of canaries) assert.equal(sha(path), hash, `canary ${path} is unchanged`);
  assert.deepEqual(readdirSync(canary_dir).sort(), ['dir', 'host-file']);
  assert.deepEqual(readdirSync(join(canary_dir, 'dir')), ['HOST-SECRET'], 'nothing was written in the canary directory');
}

function dirOf(agent_id: string): string {
  const dir = world.workspaces.dir(`workspaces/${agent_id}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs the agent's workspace as it is (node main.js), inside the sandbox, with its API channel. */
async function run(agent_id: string, script?: string): Promise<{ result: RunResult; log: string }> {
  const dir = dirOf(agent_id);
  if (script !== undefined) writeFileSync(join(dir, 'main.js'), script);
  const execution_id = `c${++counter}`;
  const log_path = join(world.paths.executions, `${execution_id}.log`);
  const socket_dir = runner.channelDir() ?? mkdtempSync(join(tmpdir(), 'agora-sock-'));
  const socket_path = join(socket_dir, `${execution_id}.sock`);
  live.add(execution_id);
  const channel = await openExecutionChannel(api.app, api.ctx, { agent_id, execution_id }, socket_path);
  try {
    const handle = await runner.start(spec(config, { execution_id, agent_id, workspace_dir: dir, command: ['node', 'main.js'], log_path, api_socket_path: socket_path }));
    const result = await handle.done;
    return { result, log: readFileSync(log_path, 'utf8') };
  } finally {
    live.delete(execution_id);
    channel.close();
  }
}

/** A script that plants what `plant` says, then asks for the update and saves the answer. */
function updater(target: string, artifact_id: string, plant = ''): string {
  return `const fs = require('fs');
${plant}
fetch(process.env.SYSTEM_SERVICE_URL + '/agents/${target}/code', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ artifact_id: '${artifact_id}' }) })
  .then(async (r) => fs.writeFileSync('answer.json', JSON.stringify({ status: r.status, body: await r.json() })))
  .catch((e) => { console.error(e); process.exit(1); });`;
}

function answer(agent_id: string): { status: number; body: any } {
  return JSON.parse(readFileSync(join(dirOf(agent_id), 'answer.json'), 'utf8'));
}

const updates = () => world.db.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'agent_code_updated'").get() as { n: number };

before(async () => {
  if (skip) return;
  canary_dir = mkdtempSync(join(tmpdir(), 'agora-canary-'));
  mkdirSync(join(canary_dir, 'dir'));
  for (const [name, content] of [['host-file', 'HOST FILE'], ['dir/HOST-SECRET', 'HOST-SECRET-CONTENT']] as const) {
    writeFileSync(join(canary_dir, name), content);
    canaries.set(join(canary_dir, name), sha(join(canary_dir, name)));
  }
  world = makeWorld({ config: { artifacts: { publish_fee: 0 } } });
  for (const id of ['author', 'holder', 'target', 'outsider', 'selfish']) addAgent(world, id, 100);
  api = await serve(world, { executionIsLive: (id) => live.has(id) });
  config = parseConfig({ sandbox: { runner: 'bwrap' } });
  runner = await createRunner(config, world.log);
  const code = (files: { name: string; text: string }[]): PublishInput => ({
    ...toolInput('author', { name: 'agent v2' }),
    price_read_ucr: 0,
    files: files.map((f) => ({ name: f.name, bytes: Buffer.from(f.text) })),
    entry: 'main.js',
  });
  bundle_id = world.kernel.artifacts.publish(code([{ name: 'agent.json', text: '{"command":["node","main.js"]}' }, { name: 'main.js', text: V2 }]), { actor: 'author' }).artifact_id;
  nested_id = world.kernel.artifacts.publish(code([{ name: 'main.js', text: V2 }, { name: 'lib/util.js', text: 'module.exports = 2;' }]), { actor: 'author' }).artifact_id;
  // The target sells (here: gives) the right to update its code to the holder.
  world.kernel.trade.rights.transfer({ from_id: 'target', to_id: 'holder', right: 'code:target', units: 1 }, { actor: 'target' });
  writeFileSync(join(dirOf('target'), 'main.js'), "require('fs').writeFileSync('ran.txt', 'version 1');");
});

after(async () => {
  if (skip) return;
  await runner.close();
  await api.close();
  world.cleanup();
  rmSync(canary_dir, { recursive: true, force: true });
});

describe('code updates from inside the sandbox', { skip }, () => {
  test('without code:<agent> the update is refused with 403, the agent itself too once it sold the right; nothing is written or journaled', async () => {
    const before_main = readFileSync(join(dirOf('target'), 'main.js'), 'utf8');
    for (const who of ['outsider', 'target']) {
      // The target's own run would overwrite its main.js with the script: keep the script elsewhere for it.
      const { result, log } = await run(who, updater('target', bundle_id));
      assert.equal(result.reason, 'exit', log);
      const a = answer(who);
      assert.equal(a.status, 403, JSON.stringify(a.body));
      assert.equal(a.body.error.code, 'ACCESS_DENIED');
      assert.match(a.body.error.message, /code:target/);
      assert.ok('details' in a.body.error && 'retry_after' in a.body.error);
      if (who === 'target') writeFileSync(join(dirOf('target'), 'main.js'), before_main);
    }
    assert.equal(readFileSync(join(dirOf('target'), 'main.js'), 'utf8'), before_main);
    assert.equal(updates().n, 0, 'nothing journaled');
  });

  test("the holder's update lands in the target's workspace, is journaled, and the target's next run runs it", async () => {
    const { result, log } = await run('holder', updater('target', bundle_id));
    assert.equal(result.reason, 'exit', log);
    const a = answer('holder');
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.deepEqual(a.body.files.sort(), ['agent.json', 'main.js']);
    assert.equal(updates().n, 1);
    const next = await run('target');
    assert.equal(next.result.reason, 'exit', next.log);
    assert.equal(readFileSync(join(dirOf('target'), 'ran.txt'), 'utf8'), 'version 2');
    assertAuditPasses(world);
  });

  test("links the target planted in its workspace are never followed: a linked directory refuses the update whole, a linked file is replaced, not written through", async () => {
    const host_file = join(canary_dir, 'host-file');
    // The target plants, from its own sandbox: main.js a link to a host file, lib a link to a host directory.
    const plant = await run('target', `const fs = require('fs');
      fs.rmSync('main.js', { force: true }); fs.symlinkSync(${JSON.stringify(host_file)}, 'main.js');
      fs.rmSync('lib', { force: true, recursive: true }); fs.symlinkSync(${JSON.stringify(join(canary_dir, 'dir'))}, 'lib');`);
    assert.equal(plant.result.reason, 'exit', plant.log);
    // main.js is now the link itself (the run wrote it then replaced it); the holder updates.
    const refused = await run('holder', updater('target', nested_id));
    assert.equal(refused.result.reason, 'exit', refused.log);
    const a = answer('holder');
    assert.equal(a.status, 409, JSON.stringify(a.body));
    assert.equal(a.body.error.code, 'CONFLICT');
    assert.ok(lstatSync(join(dirOf('target'), 'main.js')).isSymbolicLink(), 'refused whole: not even main.js was written');
    assertCanariesUnchanged();
    // Without the directory link, the file link is replaced by the bundle's file; the host file is untouched.
    rmSync(join(dirOf('target'), 'lib'));
    await run('holder', updater('target', nested_id));
    assert.equal(answer('holder').status, 200, JSON.stringify(answer('holder').body));
    assert.ok(lstatSync(join(dirOf('target'), 'main.js')).isFile());
    assert.equal(readFileSync(join(dirOf('target'), 'lib', 'util.js'), 'utf8'), 'module.exports = 2;');
    assertCanariesUnchanged();
    assertAuditPasses(world);
  });

  test('an agent holding its own code right plants a link in its workspace and updates itself to escape: refused, nothing written outside', async () => {
    const { result, log } = await run('selfish', updater('selfish', nested_id, `fs.rmSync('lib', { force: true, recursive: true }); fs.symlinkSync(${JSON.stringify(join(canary_dir, 'dir'))}, 'lib');`));
    assert.equal(result.reason, 'exit', log);
    const a = answer('selfish');
    assert.equal(a.status, 409, JSON.stringify(a.body));
    assert.match(a.body.error.message, /lib/);
    assertCanariesUnchanged();
    assertAuditPasses(world);
  });
});
