// The artifact routes through the real HTTP server: publish, search, info, paid reads,
// versions with optimistic concurrency, transfer, tombstones, subscriptions, the registry;
// and the data side's attacks (bundle path names, private content, tombstones, contracts).
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertAuditPasses, assertConserved, assertErrorShape } from './support/assertions.js';
import { NO_USAGE, SMALL_ALLOWANCE } from './support/artifacts.js';
import { addAgent, agentToken, servedWorld } from './support/world.js';

const toolBody = (extra: Record<string, unknown> = {}) => ({
  kind: 'code',
  name: 'forecaster',
  description: 'forecasts the cpu price from market history',
  tags: ['market', 'forecast'],
  files: [{ name: 'main.js', content: 'console.log("{}")' }, { name: 'lib/model.js', content: 'export const k = 1;' }],
  entry: 'main.js',
  interface: {
    tools: [
      {
        name: 'forecast',
        description: 'next cycle price',
        input_schema: { type: 'object', properties: { horizon: { type: 'integer' } } },
        output_schema: { type: 'object', properties: { price: { type: 'number' } }, required: ['price'] },
        pricing: { kind: 'fixed', price: 0.25 },
      },
    ],
  },
  ...extra,
});

async function setup(t: { after(fn: () => unknown): void }) {
  const { world, api } = await servedWorld(t, { artifacts: { publish_fee: 0.5 } });
  addAgent(world, 'alice', 20);
  addAgent(world, 'bob', 20);
  addAgent(world, 'carol', 20);
  return { world, api, alice: agentToken(world, 'alice'), bob: agentToken(world, 'bob'), carol: agentToken(world, 'carol') };
}

test('publish, find by search and by tool, info in one call; a paid read pays the owner exactly', async (t) => {
  const { world, api, alice, bob } = await setup(t);
  const pub = await api.request('POST', '/artifacts', { token: alice, body: toolBody({ price_read: 0.1 }) });
  assert.equal(pub.status, 201, JSON.stringify(pub.body));
  assert.equal(pub.body.fee, 0.5);
  const id = pub.body.artifact_id as string;

  const found = await api.request('GET', '/artifacts?q=forecasts%20cpu', { token: bob });
  assert.deepEqual(found.body.items.map((i: { id: string }) => i.id), [id]);
  const byTool = await api.request('GET', '/artifacts?tool=forecast&kind=code&price_max=0.3', { token: bob });
  assert.deepEqual(byTool.body.items.map((i: { id: string }) => i.id), [id]);
  assert.equal((await api.request('GET', '/artifacts?tool=forecast&price_max=0.2', { token: bob })).body.items.length, 0);
  assert.equal((await api.request('GET', '/artifacts?tag=market', { token: bob })).body.items[0].id, id);

  const info = await api.request('GET', `/artifacts/${id}/info`, { token: bob });
  assert.equal(info.status, 200);
  assert.equal(info.body.tools[0].name, 'forecast');
  assert.equal(info.body.tools[0].pricing.price, 0.25);
  assert.equal(info.body.versions.length, 1);
  assert.equal(info.body.usage.calls, 0);

  const bob0 = world.kernel.ledger.agentBalance('bob');
  const alice0 = world.kernel.ledger.agentBalance('alice');
  const read = await api.request('POST', `/artifacts/${id}/read`, { token: bob, body: {} });
  assert.equal(read.status, 200, JSON.stringify(read.body));
  assert.equal(read.body.price, 0.1);
  assert.deepEqual(read.body.files.map((f: { name: string }) => f.name).sort(), ['lib/model.js', 'main.js']);
  assert.equal(world.kernel.ledger.agentBalance('bob'), bob0 - 100_000);
  assert.equal(world.kernel.ledger.agentBalance('alice'), alice0 + 100_000);
  assertConserved(world);
  assertAuditPasses(world);
});

test('agents are in the same directory, as entries of kind agent with standing', async (t) => {
  const { api, bob } = await setup(t);
  const res = await api.request('GET', '/artifacts?kind=agent', { token: bob });
  assert.equal(res.status, 200);
  const ids = res.body.items.map((i: { id: string }) => i.id);
  assert.ok(ids.includes('alice') && ids.includes('genesis'));
  assert.ok(res.body.items.every((i: { kind: string; has_standing: boolean }) => i.kind === 'agent' && i.has_standing));
});

test('an update naming a stale version fails 409; a contract may let others write (a shared board)', async (t) => {
  const { world, api, alice, bob, carol } = await setup(t);
  const contract = await api.request('POST', '/artifacts', { token: alice, body: { kind: 'contract', name: 'board rule', content: JSON.stringify({ rule: 'public', write: ['bob'] }) } });
  assert.equal(contract.status, 201, JSON.stringify(contract.body));
  const board = await api.request('POST', '/artifacts', { token: alice, body: { kind: 'data', name: 'task board', content: '[]', media_type: 'application/json', access_contract_id: contract.body.artifact_id } });
  const id = board.body.artifact_id;
  const v2 = await api.request('POST', `/artifacts/${id}/versions`, { token: bob, body: { replaces_version: 1, content: '["task 1"]' } });
  assert.equal(v2.status, 201, JSON.stringify(v2.body));
  const stale = await api.request('POST', `/artifacts/${id}/versions`, { token: alice, body: { replaces_version: 1, content: '["lost"]' } });
  assert.equal(stale.status, 409);
  assertErrorShape(stale.body, 'CONFLICT');
  assert.equal(stale.body.error.details.latest_version, 2);
  const intruder = await api.request('POST', `/artifacts/${id}/versions`, { token: carol, body: { replaces_version: 2, content: '["mine"]' } });
  assert.equal(intruder.status, 403);
  assertAuditPasses(world);
});

test('transfer moves ownership and the next earnings; only the owner may transfer or delete', async (t) => {
  const { world, api, alice, bob } = await setup(t);
  const id = (await api.request('POST', '/artifacts', { token: alice, body: toolBody() })).body.artifact_id;
  assert.equal((await api.request('POST', `/artifacts/${id}/transfer`, { token: bob, body: { to_id: 'bob' } })).status, 403);
  const moved = await api.request('POST', `/artifacts/${id}/transfer`, { token: alice, body: { to_id: 'bob' } });
  assert.equal(moved.status, 200);
  assert.equal(moved.body.owner_id, 'bob');
  assert.equal((await api.request('DELETE', `/artifacts/${id}`, { token: alice })).status, 403);
  assertAuditPasses(world);
});

test('a tombstone: reads and info answer 410 DELETED with when, listings leave it out unless asked, the id is never reused', async (t) => {
  const { world, api, alice, bob } = await setup(t);
  const id = (await api.request('POST', '/artifacts', { token: alice, body: toolBody() })).body.artifact_id;
  const del = await api.request('DELETE', `/artifacts/${id}`, { token: alice });
  assert.equal(del.status, 200);
  assert.equal(del.body.status, 'deleted');
  for (const [method, path] of [['POST', `/artifacts/${id}/read`], ['GET', `/artifacts/${id}/info`]] as const) {
    const res = await api.request(method, path, { token: bob, ...(method === 'POST' ? { body: {} } : {}) });
    assert.equal(res.status, 410, path);
    assertErrorShape(res.body, 'DELETED');
    assert.equal(typeof res.body.error.details.deleted_at_ms, 'number');
  }
  // Agora's own services (owned by system:agora) are code artifacts too; the agents' are what is checked.
  const agents_own = (items: { owner_id: string; status: string }[]) => items.filter((i) => i.owner_id !== 'system:agora');
  assert.equal(agents_own((await api.request('GET', '/artifacts?kind=code', { token: bob })).body.items).length, 0);
  const all = await api.request('GET', '/artifacts?kind=code&include_deleted=true', { token: bob });
  assert.equal(agents_own(all.body.items)[0]!.status, 'deleted');
  assert.equal((await api.request('POST', `/artifacts/${id}/versions`, { token: alice, body: { replaces_version: 1, content: 'x' } })).status, 410);
  assert.throws(() => addAgent(world, id, 1));
});

test('private content never appears in search, info or the full-text index', async (t) => {
  const { world, api, alice, bob } = await setup(t);
  const secret = 'zebracorn-secret-7731';
  const priv = await api.request('POST', '/artifacts', { token: alice, body: { kind: 'data', name: 'diary', description: 'notes', content: secret, access_contract_id: 'kernel:private' } });
  const shown = await api.request('POST', '/artifacts', { token: alice, body: { kind: 'data', name: 'listing', description: 'for sale', content: secret, access_contract_id: 'kernel:owner-only' } });
  assert.equal(priv.status, 201);
  // The content is in no searchable text, for anyone.
  for (const token of [bob, alice, world.operator_token]) {
    const res = await api.request('GET', `/artifacts?q=${secret}`, { token });
    assert.equal(res.body.items.length, 0);
  }
  const fts = world.db.prepare('SELECT * FROM artifacts_fts').all();
  assert.ok(!JSON.stringify(fts).includes(secret));
  // A private artifact is not even listed to others; an owner-only one is listed without content.
  const listed = (await api.request('GET', '/artifacts?kind=data', { token: bob })).body.items.map((i: { id: string }) => i.id);
  assert.deepEqual(listed, [shown.body.artifact_id]);
  assert.equal((await api.request('GET', `/artifacts/${priv.body.artifact_id}/info`, { token: bob })).status, 404);
  const info = await api.request('GET', `/artifacts/${shown.body.artifact_id}/info`, { token: bob });
  assert.equal(info.status, 200);
  assert.ok(!JSON.stringify(info.body).includes(secret));
  assert.equal(info.body.may_read, false);
  assert.equal((await api.request('POST', `/artifacts/${shown.body.artifact_id}/read`, { token: bob, body: {} })).status, 403);
  assert.equal((await api.request('POST', `/artifacts/${priv.body.artifact_id}/read`, { token: bob, body: {} })).status, 403);
});

test('bundle file names that climb out, are absolute or unsafe are refused, and nothing is written', async (t) => {
  const { world, api, alice } = await setup(t);
  const root = join(world.paths.artifacts);
  for (const name of ['../escape.js', '/etc/passwd', 'a/../../b.js', 'a//b.js', './main.js', 'a\\b.js', 'x\u0000y', '.hidden/../x', 'a/b/c/d/e/f.js']) {
    const res = await api.request('POST', '/artifacts', { token: alice, body: toolBody({ files: [{ name, content: 'x' }], entry: name }) });
    assert.equal(res.status, 400, `${JSON.stringify(name)}: ${JSON.stringify(res.body)}`);
    assertErrorShape(res.body, 'INVALID_ARGS');
    // Each refused for what it is, so the operator and the agent learn why.
    if (name === '/etc/passwd') assert.match(res.body.error.message, /absolute/);
    if (name === '../escape.js') assert.match(res.body.error.message, /"\.\."/);
  }
  assert.ok(!existsSync(join(root, 'bundles')) || readdirSync(join(root, 'bundles')).length === 0, 'no bundle was stored');
  assert.ok(!existsSync(join(world.paths.dir, 'escape.js')));
  assert.equal(world.kernel.ledger.agentBalance('alice'), 20_000_000, 'no fee was charged');
});

test('a tool whose schema is not a valid JSON Schema is refused at publish', async (t) => {
  const { api, alice } = await setup(t);
  const body = toolBody();
  (body.interface.tools[0] as Record<string, unknown>).input_schema = { type: 'objekt' };
  const res = await api.request('POST', '/artifacts', { token: alice, body });
  assert.equal(res.status, 400);
  assert.match(res.body.error.message, /not a valid JSON Schema/);
  // A remote reference would make the host fetch: there is no loader, so it does not compile.
  (body.interface.tools[0] as Record<string, unknown>).input_schema = { $ref: 'http://169.254.169.254/latest/meta-data' };
  const remote = await api.request('POST', '/artifacts', { token: alice, body });
  assert.equal(remote.status, 400);
  assert.match(remote.body.error.message, /does not compile/);
});

test('an access contract that is missing or deleted denies reads (fail closed)', async (t) => {
  const { world, api, alice, bob } = await setup(t);
  const contract = (await api.request('POST', '/artifacts', { token: alice, body: { kind: 'contract', name: 'open', content: JSON.stringify({ rule: 'public' }) } })).body.artifact_id;
  const data = (await api.request('POST', '/artifacts', { token: alice, body: { kind: 'data', name: 'd', content: 'hello', access_contract_id: contract } })).body.artifact_id;
  assert.equal((await api.request('POST', `/artifacts/${data}/read`, { token: bob, body: {} })).status, 200);
  assert.equal((await api.request('DELETE', `/artifacts/${contract}`, { token: alice })).status, 200);
  const denied = await api.request('POST', `/artifacts/${data}/read`, { token: bob, body: {} });
  assert.equal(denied.status, 403);
  assert.match(denied.body.error.message, /fail closed/);
  assertAuditPasses(world);
});

test('subscriptions: news of new versions, calls and tombstones; the registry counts calls by tool over a window', async (t) => {
  const { world, api, alice, bob } = await setup(t);
  const id = (await api.request('POST', '/artifacts', { token: alice, body: toolBody() })).body.artifact_id;
  assert.equal((await api.request('POST', `/artifacts/${id}/subscription`, { token: bob })).status, 200);
  const calls = world.kernel.artifacts.calls;
  const ok = calls.beginCall({ payer_id: 'bob', caller_id: 'bob', artifact_id: id, tool: 'forecast', max_price_ucr: 250_000, allowance: SMALL_ALLOWANCE, depth: 1 }, { actor: 'bob' });
  calls.settleCall({ call_id: ok.call_id, resources: NO_USAGE, duration_ms: 40 }, { actor: 'system:invoke' });
  const bad = calls.beginCall({ payer_id: 'bob', caller_id: 'bob', artifact_id: id, tool: 'forecast', max_price_ucr: 250_000, allowance: SMALL_ALLOWANCE, depth: 1 }, { actor: 'bob' });
  calls.failCall({ call_id: bad.call_id, error_code: 'INVALID_OUTPUT', resources: NO_USAGE, duration_ms: 10 }, { actor: 'system:invoke' });
  await api.request('POST', `/artifacts/${id}/versions`, { token: alice, body: { replaces_version: 1, ...toolBody(), kind: undefined } });
  const news = await api.request('GET', '/artifacts/news', { token: bob });
  assert.deepEqual(news.body.items.map((n: { event_type: string }) => n.event_type), ['artifact_updated', 'artifact_call_failed', 'artifact_call_settled']);
  const handlers = await api.request('GET', '/artifacts/tools/forecast/handlers?window_cycles=100', { token: bob });
  assert.equal(handlers.status, 200);
  assert.deepEqual(handlers.body.items.map((h: { artifact_id: string; successes: number; failures: number; earned: number }) => [h.artifact_id, h.successes, h.failures, h.earned]), [[id, 1, 1, 0.25]]);
  const usage = await api.request('GET', `/artifacts/${id}/usage?version=1`, { token: bob });
  assert.deepEqual(usage.body.usage.failures, { INVALID_OUTPUT: 1 });
  assert.equal(usage.body.usage.distinct_callers, 1);
  assert.equal(usage.body.usage.median_duration_ms, 25);
  assertConserved(world);
  assertAuditPasses(world);
});

test('a body cannot name who acts: identity is the caller', async (t) => {
  const { api, bob } = await setup(t);
  const res = await api.request('POST', '/artifacts', { token: bob, body: { ...toolBody(), owner_id: 'alice' } });
  assert.equal(res.status, 400);
});
