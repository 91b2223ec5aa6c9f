// Genesis MCP servers (docs/mcp.md, "Genesis MCP servers"): config mcp.servers becomes
// mcp_server artifacts agora-mcp:NAME owned by system:agora, listed in a real bwrap sandbox
// when the runner is attached, and each call is paid at the configured price, receipted and
// sandboxed like any mcp_server call. The filesystem server sees only the call's scratch
// directory; an operator's own server runs from its read-only directory with no network.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../src/config/load.js';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { SYSTEM_BURN } from '../src/kernel/ledger/accounts.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { startRun } from './support/attention.js';
import { receipts } from './support/invoke.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { addAgent, agentToken, runnerWorld, type TestApi, type TestWorld } from './support/world.js';
import { rawMcpServer } from './support/mcp-servers.js';

const skip = sandboxUnavailable();

/** The operator's own stdio server: one tool that tries the network and its read-only directory. */
const PROBE_SERVER = rawMcpServer(
  [{ name: 'probe', description: 'tries', inputSchema: { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer' } } } }],
  `const found = { mode: process.argv[2] };
      found.api = await tryConnect(params.arguments.host, params.arguments.port);
      found.outside = await tryConnect('1.1.1.1', 53);
      try { fs.writeFileSync(new URL('./pwned', import.meta.url), 'x'); found.code = 'WROTE'; } catch (e) { found.code = 'ERR ' + e.code; }
      reply({ content: [{ type: 'text', text: JSON.stringify(found) }] });`,
  "const tryConnect = (host, port) => new Promise((res) => { const s = net.connect({ host, port }); s.setTimeout(500); s.on('connect', () => { s.destroy(); res('CONNECTED'); }); s.on('timeout', () => { s.destroy(); res('TIMEOUT'); }); s.on('error', (e) => res('ERR ' + e.code)); });",
  'probe',
);

let world: TestWorld;
let api: TestApi;
let user_execution: string;
let probe_dir: string;
const cleanups: (() => unknown)[] = [];

function invoke(id: string, tool: string, args: unknown) {
  return api.request('POST', `/artifacts/${id}/invoke`, { token: agentToken(world, 'user', user_execution), body: { tool, args, max_price: 1 } });
}

describe('genesis MCP servers in a real sandbox', { skip }, () => {
  before(async () => {
    probe_dir = mkdtempSync(join(tmpdir(), 'agora-probe-'));
    writeFileSync(join(probe_dir, 'probe.mjs'), PROBE_SERVER);
    // The operator's server directory must be readable by the sandbox's user (docs/mcp.md).
    chmodSync(probe_dir, 0o755);
    const t = { after: (fn: () => unknown) => cleanups.push(fn) };
    const defaults = parseConfig({}).mcp.servers;
    let runner;
    ({ world, api, runner } = await runnerWorld(t, {
      clock: new VirtualClock(),
      config: {
        sandbox: { runner: 'bwrap' },
        mcp: {
          servers: [
            ...defaults,
            { name: 'probe', command: join(probe_dir, 'probe.mjs'), args: ['{scratch}'], price_ucr: 1_000 },
            { name: 'ghost', package: '@modelcontextprotocol/server-not-installed' },
            { name: 'off', package: '@modelcontextprotocol/server-memory', enabled: false },
          ],
        },
      },
    }));
    world.invoker.attach(runner, api);
    await world.invoker.genesisMcp;
    addAgent(world, 'user', 100);
    user_execution = startRun(world, 'user').id;
  });
  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  test('a new world lists the configured servers in GET /artifacts, owned by system:agora, priced from config; a missing or disabled one is skipped', async () => {
    const res = await api.request('GET', '/artifacts?kind=mcp_server&limit=50', { token: agentToken(world, 'user', user_execution) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const items = res.body.items as { id: string; owner_id: string; kind: string }[];
    const ids = items.map((i) => i.id).sort();
    assert.deepEqual(ids, ['agora-mcp:filesystem', 'agora-mcp:memory', 'agora-mcp:probe', 'agora-mcp:sequential-thinking']);
    for (const item of items) assert.equal(item.owner_id, 'system:agora');
    const memory = world.kernel.artifacts.resolveForCall({ artifact_id: 'agora-mcp:memory' });
    const tools = memory.version.interface!.tools;
    assert.ok(tools.some((t) => t.name === 'create_entities'), 'the interface is the server\'s own tools/list');
    for (const t of tools) assert.deepEqual(t.pricing, { kind: 'fixed', price_ucr: 5_000 });
  });

  test('an agent calls the memory and sequential-thinking servers: charged the configured price, receipted, the price burned', async () => {
    const before_ucr = world.kernel.ledger.balance('user')!;
    const burned_before = world.kernel.ledger.balance(SYSTEM_BURN) ?? 0;
    const call = await invoke('agora-mcp:memory', 'create_entities', { entities: [{ name: 'agora', entityType: 'world', observations: ['runs agents'] }] });
    assert.equal(call.status, 200, JSON.stringify(call.body));
    assert.equal(call.body.output.isError, false);
    assert.match(JSON.stringify(call.body.output.content), /agora/);
    const receipt = receipts(world).filter((r) => r.data.call_id === call.body.call_id).pop()!;
    assert.equal(receipt.type, 'artifact_call_settled');
    assert.equal(receipt.data.price_ucr, 5_000);
    assert.equal(world.kernel.ledger.balance('user'), before_ucr - 5_000 - receipt.data.resources_ucr!);
    assert.equal((world.kernel.ledger.balance(SYSTEM_BURN) ?? 0) - burned_before, 5_000 + receipt.data.resources_ucr!);

    const think = await invoke('agora-mcp:sequential-thinking', 'sequentialthinking', { thought: 'one step', thoughtNumber: 1, totalThoughts: 1, nextThoughtNeeded: false });
    assert.equal(think.status, 200, JSON.stringify(think.body));
    assert.equal(think.body.price, 0.002, JSON.stringify(think.body));
    assertConserved(world);
    assertAuditPasses(world);
  });

  test('the filesystem server works in its scratch directory and cannot read /etc/passwd, the world or write the runtime', async () => {
    const allowed = await invoke('agora-mcp:filesystem', 'list_allowed_directories', {});
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
    assert.match(JSON.stringify(allowed.body.output.content), /\/workspace/);
    assert.doesNotMatch(JSON.stringify(allowed.body.output.content), /\/etc|\/opt/);
    const own = await invoke('agora-mcp:filesystem', 'write_file', { path: '/workspace/note.txt', content: 'mine' });
    assert.equal(own.status, 200, JSON.stringify(own.body));
    // One call reads every target (the server answers each path on its own line).
    const targets = ['/etc/passwd', '/workspace/../etc/passwd', join(world.paths.dir, 'world.db'), join(world.paths.workspaces, 'user', 'x')];
    const reads = await invoke('agora-mcp:filesystem', 'read_multiple_files', { paths: targets });
    assert.equal(reads.status, 200, JSON.stringify(reads.body));
    const text = (reads.body.output.content as { text: string }[]).map((c) => c.text).join('\n');
    assert.doesNotMatch(text, /root:x:0|SQLite format/);
    for (const target of targets) assert.match(text, new RegExp(`${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: Error - Access denied`), text);
    const write = await invoke('agora-mcp:filesystem', 'write_file', { path: '/opt/agora/runtime/pwned.txt', content: 'x' });
    assert.equal(write.body.error?.code, 'EXECUTION_ERROR', JSON.stringify(write.body));
    assert.match(write.body.error.message, /access denied/i);
    assertConserved(world);
  });

  test("an operator's server from config runs from its read-only directory, with {scratch} filled in and no network", async () => {
    const port = Number(new URL(api.url).port);
    const res = await invoke('agora-mcp:probe', 'probe', { host: '127.0.0.1', port });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.price, 0.001, JSON.stringify(res.body));
    const found = JSON.parse(res.body.output.content[0].text) as Record<string, string>;
    assert.equal(found.mode, '/workspace');
    assert.match(found.api!, /^ERR/);
    assert.match(found.outside!, /^ERR/);
    assert.match(found.code!, /^ERR E(ROFS|ACCES|PERM)/);
  });
});

describe('genesis MCP server config', () => {
  test("an operator's command must be an absolute path to an existing file", () => {
    assert.throws(() => parseConfig({ mcp: { servers: [{ name: 'x', command: 'relative/server.mjs' }] } }), /absolute/);
    assert.throws(() => parseConfig({ mcp: { servers: [{ name: 'x', command: '/nonexistent/server.mjs' }] } }), /existing file/);
    assert.throws(() => parseConfig({ mcp: { servers: [{ name: 'x', package: '@modelcontextprotocol/server-memory', command: '/bin/sh' }] } }), /exactly one/);
    assert.throws(() => parseConfig({ mcp: { servers: [{ name: 'x', package: 'a' }, { name: 'x', package: 'b' }] } }), /unique/);
  });
});
