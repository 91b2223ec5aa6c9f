// Spawn: money moves atomically or not at all, the child's workspace is a confined, bounded
// copy of the parent's plus the given files, and lineage is recorded.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AgoraError } from '../src/base/errors.js';
import { assertAuditPasses, assertConserved, assertErrorShape } from './support/assertions.js';
import { credits } from './support/market.js';
import { workspaceEntries } from './support/social.js';
import { addAgent, agentToken, makeWorld, servedWorld, tempDir } from './support/world.js';

function setup(t: import('node:test').TestContext, config: Record<string, unknown> = {}) {
  return servedWorld(t, { social: { spawn_cost: 2, spawn_min_initial_credits: 5 }, ...config });
}

const lastSeq = (world: ReturnType<typeof makeWorld>) => (world.db.prepare('SELECT MAX(seq) AS s FROM events').get() as { s: number }).s;

/** A parent with a workspace on disk holding `files` (relative path -> content). */
function parentWithWorkspace(world: ReturnType<typeof makeWorld>, id: string, balance: number, files: Record<string, string> = {}): string {
  addAgent(world, id, balance);
  const dir = join(world.paths.dir, 'workspaces', id);
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

test('a spawn the parent cannot afford moves nothing: no event, no workspace, no temp dir', async (t) => {
  const { world, api } = await setup(t);
  parentWithWorkspace(world, 'mom', 6.999999, { 'main.js': 'x' });
  const before = { seq: lastSeq(world), entries: workspaceEntries(world), balance: world.kernel.ledger.agentBalance('mom') };
  const res = await api.request('POST', '/social/spawn', { token: agentToken(world, 'mom'), body: { initial_credits: 5, copy_self: true } });
  assert.equal(res.status, 402, JSON.stringify(res.body));
  assertErrorShape(res.body, 'INSUFFICIENT_FUNDS');
  assert.equal(lastSeq(world), before.seq, 'no event');
  assert.deepEqual(workspaceEntries(world), before.entries, 'no workspace dir and no temp dir');
  assert.equal(world.kernel.ledger.agentBalance('mom'), before.balance);
  assert.equal(world.kernel.agents.counts().alive, 2);
});

test('initial credits below the minimum, negative, non-numeric or over-precise are refused', async (t) => {
  const { world, api } = await setup(t);
  parentWithWorkspace(world, 'mom', 100);
  const mom = agentToken(world, 'mom');
  for (const initial_credits of [4.99, 0, -10, 'Infinity', 'NaN', '1e400', 5.0000001, '-5']) {
    const res = await api.request('POST', '/social/spawn', { token: mom, body: { initial_credits } });
    assert.equal(res.status, 400, `${initial_credits}: ${JSON.stringify(res.body)}`);
    assertErrorShape(res.body, 'INVALID_ARGS');
  }
  assert.equal(world.kernel.ledger.agentBalance('mom'), credits(100));
  assert.deepEqual(workspaceEntries(world), ['genesis', 'mom']);
});

test('a spawn burns the cost, funds the child, records lineage, and copies the workspace without env.json, logs or links', async (t) => {
  const { world, api } = await setup(t);
  const outside = tempDir('agora-outside-');
  t.after(() => rmSync(outside, { recursive: true, force: true }));
  writeFileSync(join(outside, 'secret.txt'), 'host secret');
  const mom = parentWithWorkspace(world, 'mom', 100, {
    'main.js': 'console.log(1)',
    'lib/util.js': 'export {}',
    'strategy.json': '{"risk":0.1}',
    'env.json': '{}',
    'trace.log': 'old trace',
    'logs/run.txt': 'old log',
  });
  symlinkSync(join(outside, 'secret.txt'), join(mom, 'leak.txt'));
  symlinkSync(outside, join(mom, 'leakdir'));
  const burned_before = world.kernel.ledger.conservation().burned_ucr;

  const res = await api.request('POST', '/social/spawn', {
    token: agentToken(world, 'mom'),
    body: { initial_credits: 10, copy_self: true, files: { 'strategy.json': '{"risk":0.2}', 'notes/hello.md': 'hi' }, note: 'first child' },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const child_id: string = res.body.agent_id;
  assert.equal(res.body.generation, 1);
  assert.deepEqual(res.body.lineage, ['mom']);
  assert.equal(res.body.balance, 88);
  assert.deepEqual(res.body.files, { copied: 3, given: 2, skipped: 5, bytes: res.body.files.bytes });
  assert.deepEqual([...res.body.skipped].sort(), ['env.json', 'leak.txt', 'leakdir', 'logs', 'trace.log']);

  assert.equal(world.kernel.ledger.agentBalance('mom'), credits(88));
  // The child is born with its first bid (social.child_first_bid), escrowed from its credits.
  const bid = world.kernel.market.bid(res.body.first_bid.bid_id)!;
  assert.equal(bid.status, 'open');
  assert.equal(bid.payer_id, child_id);
  assert.equal(world.kernel.ledger.agentBalance(child_id) + bid.amount_ucr, credits(10));
  assert.equal(world.kernel.ledger.balance(`escrow:${child_id}`), bid.amount_ucr);
  assert.equal(world.kernel.ledger.conservation().burned_ucr - burned_before, credits(2));
  const kinds = world.db.prepare('SELECT kind, from_id, to_id, amount_ucr FROM postings WHERE from_id = ? ORDER BY id').all('mom');
  assert.deepEqual(kinds, [
    { kind: 'spawn', from_id: 'mom', to_id: child_id, amount_ucr: credits(10) },
    { kind: 'fee', from_id: 'mom', to_id: 'system:burn', amount_ucr: credits(2) },
  ]);
  const child = world.kernel.agents.require(child_id);
  assert.equal(child.parent_id, 'mom');
  assert.equal(child.workspace, `workspaces/${child_id}`);

  const dir = join(world.paths.dir, child.workspace);
  const listing = (d: string, prefix = ''): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listing(join(d, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
  assert.deepEqual(listing(dir).sort(), ['lib/util.js', 'main.js', 'notes/hello.md', 'strategy.json']);
  assert.equal(readFileSync(join(dir, 'strategy.json'), 'utf8'), '{"risk":0.2}', 'given files win over copied ones');
  assert.deepEqual(workspaceEntries(world), ['genesis', child_id, 'mom'].sort(), 'no temp dir left');
  assertConserved(world);
  assertAuditPasses(world);

  // The child can spawn in turn: generation 2, lineage oldest first.
  const grand = await api.request('POST', '/social/spawn', { token: agentToken(world, child_id), body: { initial_credits: 5, copy_self: true } });
  assert.equal(grand.status, 201, JSON.stringify(grand.body));
  assert.equal(grand.body.generation, 2);
  assert.deepEqual(grand.body.lineage, ['mom', child_id]);
  assert.equal(world.kernel.ledger.agentBalance(child_id) + world.kernel.ledger.balance(`escrow:${child_id}`)!, credits(3));
});

test("a child's files cannot be written outside its workspace: absolute paths, .., and symlinked dirs of the parent", async (t) => {
  const { world, api } = await setup(t);
  const outside = tempDir('agora-outside-');
  t.after(() => rmSync(outside, { recursive: true, force: true }));
  const mom = parentWithWorkspace(world, 'mom', 100, { 'main.js': 'x' });
  symlinkSync(outside, join(mom, 'escape'));
  const token = agentToken(world, 'mom');
  const before = { seq: lastSeq(world), entries: workspaceEntries(world) };
  const bad = ['../evil.js', '/etc/evil', 'a/../../evil', 'a/./b', './x', 'a//b', '', 'a\\..\\b', 'nul\0byte', `${'x'.repeat(300)}`];
  for (const path of bad) {
    const res = await api.request('POST', '/social/spawn', { token, body: { initial_credits: 5, copy_self: true, files: { [path]: 'pwned' } } });
    assert.equal(res.status, 400, `${JSON.stringify(path)}: ${JSON.stringify(res.body)}`);
    assertErrorShape(res.body, 'INVALID_ARGS');
  }
  assert.equal(lastSeq(world), before.seq);
  assert.deepEqual(workspaceEntries(world), before.entries);

  // Through the parent's symlink: the link is not copied, so escape/ becomes a real directory of the child.
  const res = await api.request('POST', '/social/spawn', { token, body: { initial_credits: 5, copy_self: true, files: { 'escape/evil.js': 'pwned' } } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.deepEqual(readdirSync(outside), [], 'nothing was written outside');
  const child_dir = join(world.paths.dir, res.body.workspace);
  assert.equal(readFileSync(join(child_dir, 'escape', 'evil.js'), 'utf8'), 'pwned');
  assertAuditPasses(world);
});

test('given files that collide with copied ones in shape are refused, leaving nothing behind', async (t) => {
  const { world, api } = await setup(t);
  parentWithWorkspace(world, 'mom', 100, { 'main.js': 'x', 'lib/a.js': 'y' });
  const token = agentToken(world, 'mom');
  const before = { seq: lastSeq(world), entries: workspaceEntries(world) };
  for (const files of [{ 'main.js/inner': 'z' }, { lib: 'not a dir' }]) {
    const res = await api.request('POST', '/social/spawn', { token, body: { initial_credits: 5, copy_self: true, files } });
    assert.equal(res.status, 400, JSON.stringify(res.body));
  }
  assert.equal(lastSeq(world), before.seq);
  assert.deepEqual(workspaceEntries(world), before.entries);
});

test('copy_self and given files are bounded by config', async (t) => {
  const { world, api } = await setup(t, {
    social: { spawn_cost: 2, spawn_min_initial_credits: 5, spawn_copy_files_max: 3, spawn_copy_file_bytes_max: 100, spawn_files_max: 2, spawn_file_bytes_max: 10 },
  });
  const mom = parentWithWorkspace(world, 'mom', 100, { a: '1', b: '2', c: '3', big: 'x'.repeat(101) });
  const token = agentToken(world, 'mom');
  const skippedBig = await api.request('POST', '/social/spawn', { token, body: { initial_credits: 5, copy_self: true } });
  assert.equal(skippedBig.status, 201, 'a single oversized file is skipped, not refused');
  assert.ok(skippedBig.body.skipped.includes('big'));
  writeFileSync(join(mom, 'd'), '4');
  const before = { seq: lastSeq(world), entries: workspaceEntries(world) };
  const tooMany = await api.request('POST', '/social/spawn', { token, body: { initial_credits: 5, copy_self: true } });
  assert.equal(tooMany.status, 413, JSON.stringify(tooMany.body));
  const tooManyGiven = await api.request('POST', '/social/spawn', { token, body: { initial_credits: 5, files: { x: '1', y: '2', z: '3' } } });
  assert.equal(tooManyGiven.status, 400);
  const tooBigGiven = await api.request('POST', '/social/spawn', { token, body: { initial_credits: 5, files: { x: 'x'.repeat(11) } } });
  assert.equal(tooBigGiven.status, 413);
  assert.equal(lastSeq(world), before.seq);
  assert.deepEqual(workspaceEntries(world), before.entries);
});

test('population_max refuses spawns with UNAVAILABLE', async (t) => {
  const { world, api } = await setup(t, { social: { spawn_cost: 0, spawn_min_initial_credits: 1, population_max: 3 } });
  parentWithWorkspace(world, 'mom', 100);
  const token = agentToken(world, 'mom');
  assert.equal((await api.request('POST', '/social/spawn', { token, body: { initial_credits: 1 } })).status, 201);
  const full = await api.request('POST', '/social/spawn', { token, body: { initial_credits: 1 } });
  assert.equal(full.status, 503);
  assertErrorShape(full.body, 'UNAVAILABLE');
  assert.ok(full.body.error.retry_after > 0);
});

test('a spawn whose command fails after the workspace was built removes it and moves no money', async (t) => {
  const { world, api } = await setup(t);
  parentWithWorkspace(world, 'mom', 100, { 'main.js': 'x' });
  const before = { seq: lastSeq(world), entries: workspaceEntries(world) };
  const social = world.kernel.social;
  const original = social.spawn.bind(social);
  social.spawn = (input, meta) => {
    // The state moved while the files were being copied: someone drained the parent.
    assert.ok(existsSync(join(world.paths.dir, input.workspace)), 'the workspace is in place before the command');
    throw new AgoraError('INSUFFICIENT_FUNDS', 'drained meanwhile');
  };
  t.after(() => (social.spawn = original));
  const res = await api.request('POST', '/social/spawn', { token: agentToken(world, 'mom'), body: { initial_credits: 5, copy_self: true } });
  assert.equal(res.status, 402);
  assert.equal(lastSeq(world), before.seq);
  assert.deepEqual(workspaceEntries(world), before.entries);
  assert.equal(world.kernel.ledger.agentBalance('mom'), credits(100));
});

test("the child's first bid: explicit, or refused (with nothing moved) when it could not win or the child could not pay it", async (t) => {
  const { world, api } = await setup(t);
  parentWithWorkspace(world, 'mom', 100, { 'main.js': 'x' });
  const token = agentToken(world, 'mom');
  const lean = { cpu: 0.5, memory: 64, duration_s: 5 };
  const explicit = await api.request('POST', '/social/spawn', { token, body: { initial_credits: 5, first_bid: { amount: 1.5, bundle: lean } } });
  assert.equal(explicit.status, 201, JSON.stringify(explicit.body));
  assert.equal(explicit.body.first_bid.amount, 1.5);
  assert.deepEqual(explicit.body.first_bid.bundle, { ...lean, tokens: 0, attention: 0 });
  assert.equal(world.kernel.ledger.agentBalance(explicit.body.agent_id), credits(3.5));

  const before = { seq: lastSeq(world), entries: workspaceEntries(world), balance: world.kernel.ledger.agentBalance('mom') };
  const refusals: [unknown, number][] = [
    [{ initial_credits: 5, first_bid: { amount: 0.000001, bundle: lean } }, 402], // below the bundle's value: could never win
    [{ initial_credits: 5, first_bid: { amount: 6, bundle: lean } }, 402], // more than the child has
    [{ initial_credits: 5, first_bid: { bundle: { cpu: 0.5, memory: 64, duration_s: 100_000 } } }, 400], // out of the market's bounds: the whole spawn rolls back
  ];
  for (const [body, status] of refusals) {
    const res = await api.request('POST', '/social/spawn', { token, body });
    assert.equal(res.status, status, JSON.stringify(res.body));
  }
  assert.equal(lastSeq(world), before.seq, 'nothing was journaled');
  assert.deepEqual(workspaceEntries(world), before.entries, 'no workspace left behind');
  assert.equal(world.kernel.ledger.agentBalance('mom'), before.balance);
  assertConserved(world);
  assertAuditPasses(world);
});
