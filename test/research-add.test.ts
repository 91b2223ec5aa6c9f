// `agora add`: the operator's own agents into a running default world whose population is at
// its cap (social.population_max = 1, genesis holds it). A Python and a JavaScript agent go in
// through the running world's API, each runs in its bwrap sandbox within two cycles of being
// added, and the operator's agents table lists them; the same through the operator route,
// which an agent's token is refused (403); the reserve of places holds; pause, resume and kill
// work on the running world; the journal audits clean after.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../src/config/load.js';
import { openWorld } from '../src/orchestrator/open-world.js';
import { journalWithCycles } from '../src/research/run-results.js';
import { runAgora, startAgora } from './support/agora-process.js';
import { sandboxUnavailable } from './support/sandbox.js';
import { tempDir } from './support/world.js';

const skip = sandboxUnavailable();

async function until<T>(what: string, probe: () => Promise<T | null>, timeout_ms = 60_000): Promise<T> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('agora add puts a Python and a JavaScript agent into a running world at its population cap; both run within two cycles', { skip, timeout: 240_000 }, async (t) => {
  const dir = join(tempDir('agora-add-'), 'world');
  const config_file = join(tempDir('agora-add-cfg-'), 'agora.yaml');
  // Nobody dies of dormancy here: the reserve's count stays put while the test looks at it.
  writeFileSync(config_file, 'market:\n  clearing_interval_s: 1\nsocial:\n  population_max: 1\noperator_agents:\n  places_max: 3\nlifecycle:\n  death_after_cycles: 100000\n');
  const agora = await startAgora(['-w', dir, '-c', config_file]);
  t.after(() => agora.stop());
  const operator_token = readFileSync(join(dir, 'operator.token'), 'utf8').trim();
  const get = async (path: string, token = operator_token) => {
    const res = await fetch(`${agora.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const cli = (...args: string[]) => runAgora(['-w', dir, '-c', config_file, ...args], { signal: t.signal });

  // The world is at its cap: genesis could not spawn now.
  const rules = (await get('/social/rules')).body as { living: number; population_max: number };
  assert.equal(rules.living, rules.population_max, 'genesis holds every place of social.population_max');

  const py = await cli('add', resolve('test/fixtures/agents/py-hello'), '--name', 'py-agent', '--credits', '20', '--json');
  assert.equal(py.code, 0, py.stderr);
  const py_added = JSON.parse(py.stdout) as { via: string; agents: { agent_id: string; generation: number; first_bid_id: string }[] };
  assert.equal(py_added.via, 'api', 'a running world is written through its API');
  assert.deepEqual(py_added.agents.map((a) => [a.agent_id, a.generation]), [['py-agent', 0]]);
  const js = await cli('add', resolve('test/fixtures/agents/js-hello'), '--name', 'js-agent', '--json');
  assert.equal(js.code, 0, js.stderr);

  // The operator route does the same; an agent's token is refused.
  const genesis_token = (await cli('token', 'genesis')).stdout.trim();
  const post = (token: string, body: unknown) => fetch(`${agora.url}/operator/agents/add`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const refused = await post(genesis_token, { dir: resolve('test/fixtures/agents/js-hello'), name: 'intruder' });
  assert.equal(refused.status, 403);
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'ACCESS_DENIED');
  const routed = await post(operator_token, { dir: resolve('test/fixtures/agents/js-hello'), name: 'js-route', credits: 20 });
  assert.equal(routed.status, 201, await routed.clone().text());
  // The reserve holds three; a fourth is refused for that reason, naming the setting.
  const full = await post(operator_token, { dir: resolve('test/fixtures/agents/js-hello'), name: 'js-four' });
  assert.equal(full.status, 503);
  assert.match(((await full.json()) as { error: { message: string } }).error.message, /operator_agents\.places_max/);

  // Each runs (its sandboxed process exits 0), and the operator's agents table lists it.
  for (const id of ['py-agent', 'js-agent', 'js-route']) {
    const ended = await until(`a finished run of ${id}`, async () => {
      const { body } = await get(`/operator/agents/${id}`);
      const runs = (body.executions as { status: string; exit_code: number | null }[]) ?? [];
      return runs.find((r) => r.status === 'ended') ?? null;
    });
    assert.equal(ended.exit_code, 0, `${id}'s run exited cleanly`);
  }
  const table = (await get('/operator/agents?limit=50')).body as { items: { agent_id: string; generation: number; parent_id: string | null }[] };
  for (const id of ['py-agent', 'js-agent', 'js-route']) {
    const row = table.items.find((a) => a.agent_id === id);
    assert.ok(row !== undefined && row.generation === 0 && row.parent_id === null, `${id} is listed, generation 0, no parent`);
  }

  // Pause, resume and kill through the running world.
  const paused = await cli('pause', 'py-agent', '--json');
  assert.equal(paused.code, 0, paused.stderr);
  assert.equal((JSON.parse(paused.stdout) as { paused: boolean }).paused, true);
  const bidding = await fetch(`${agora.url}/market/bid`, { method: 'POST', headers: { authorization: `Bearer ${(await cli('token', 'py-agent')).stdout.trim()}`, 'content-type': 'application/json' }, body: JSON.stringify({ amount: 1, bundle: { cpu: 0.5, memory: 64, duration_s: 5 } }) });
  assert.equal(bidding.status, 409, 'a paused agent gets no bid');
  assert.equal((await cli('resume', 'py-agent')).code, 0);
  const killed = await cli('kill', 'js-agent', '--json');
  assert.equal(killed.code, 0, killed.stderr);
  assert.deepEqual(JSON.parse(killed.stdout), { agent_id: 'js-agent', status: 'dead', paused: false, balance: 0, generation: 0 });

  assert.equal(await agora.stop(), 0);
  const audit = await cli('audit');
  assert.equal(audit.code, 0, audit.stdout + audit.stderr);

  // Within two cycles: each agent's first run started at most two cycles after it was added.
  const world = openWorld({ dir, config: loadConfig(config_file).config, create: false, log_to_file: false });
  try {
    const events = journalWithCycles(world.kernel);
    for (const id of ['py-agent', 'js-agent', 'js-route']) {
      const added = events.find((e) => e.type === 'operator_agent_added' && e.data.agent_id === id)!;
      const started = events.find((e) => e.type === 'execution_started' && e.data.agent_id === id)!;
      assert.ok(started.cycle - added.cycle <= 2, `${id}: added in cycle ${added.cycle}, first run in cycle ${started.cycle}`);
      const grant = events.find((e) => e.type === 'agent_created' && e.data.agent_id === id)!;
      assert.deepEqual((grant.data.postings as { from: string; kind: string }[]).map((p) => [p.from, p.kind]), [['system:mint', 'grant']], 'funded by a grant minted from system:mint');
    }
  } finally {
    world.close();
  }
});
