// The auditor: a read-only observer (no account, no costs) that writes a report every
// auditor.every_cycles cycles naming the KPIs that moved; templated without a real model,
// written by the model when auditor.model names one (here a fake OpenAI-compatible provider
// behind the LLM proxy's providers), templated again if that model is offline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { ConfigInput } from '../src/config/schema.js';
import { Auditor } from '../src/orchestrator/auditor.js';
import { assertAuditPasses, assertConserved } from './support/assertions.js';
import { startFakeOpenAi } from './support/fake-llm.js';
import { credits } from './support/market.js';
import { addAgent, makeWorld } from './support/world.js';

const KEY_ENV = 'AGORA_TEST_AUDITOR_KEY';

async function worldWithCycles(t: { after(fn: () => unknown): void }, auditor: NonNullable<ConfigInput['auditor']>) {
  const fake = await startFakeOpenAi();
  process.env[KEY_ENV] = 'sk-test';
  const world = makeWorld({
    config: {
      auditor: { every_cycles: 2, ...auditor },
      llm: {
        providers: { up: { kind: 'openai', base_url: fake.base_url, api_key_env: KEY_ENV }, offline: { kind: 'offline' } },
        models: { 'fake-gpt': { provider: 'up', upstream_model: 'fake-model' }, 'offline-echo': { provider: 'offline' } },
      },
    },
  });
  t.after(async () => {
    world.cleanup();
    await fake.close();
  });
  fake.behaviour.reply = 'The economy grew: credits moved between agents.';
  const k = world.kernel;
  addAgent(world, 'payer', 100);
  const observer = new Auditor(k, pino({ level: 'silent' }));
  const written: number[] = [];
  for (let i = 1; i <= 4; i++) {
    const { cycle } = k.market.clear({ actor: 'system:loop' });
    // Cycle 2 moves credits between agents; cycles 1, 3, 4 move none.
    if (cycle === 2) k.ledger.transfer({ from_id: 'payer', to_id: 'genesis', amount_ucr: credits(10), memo: 'x' }, { actor: 'payer' });
    k.kpis.record(cycle);
    if (await observer.maybeReport(cycle)) written.push(cycle);
  }
  return { world, fake, written };
}

test('templated without a model: a report every N cycles naming the KPIs that moved, at no cost to anyone', async (t) => {
  const { world, written } = await worldWithCycles(t, { model: '' });
  assert.deepEqual(written, [2, 4]);
  const [latest, first] = world.kernel.kpis.reports(10);
  assert.equal(first!.author, 'template');
  assert.ok(first!.moved.some((m) => m.name === 'agent_transfer_credits' && m.from === 0 && m.to === 10), 'cycle 1 to 2: credits moved between agents');
  assert.match(first!.text, /- agent_transfer_credits: 0 -> 10/);
  assert.ok(latest!.moved.some((m) => m.name === 'agent_transfer_credits' && m.from === 10 && m.to === 0), 'compared with the last report');
  const events = world.db.prepare("SELECT actor, data FROM events WHERE type = 'auditor_report_written'").all() as { actor: string; data: string }[];
  assert.ok(events.every((e) => e.actor === 'system:auditor' && !('postings' in JSON.parse(e.data))), 'no account, no costs');
  assertConserved(world);
  assertAuditPasses(world);
});

test('written by the model when auditor.model names a real one, from the same figures', async (t) => {
  const { world, fake } = await worldWithCycles(t, { model: 'fake-gpt' });
  const [, first] = world.kernel.kpis.reports(10);
  assert.equal(first!.author, 'fake-gpt');
  assert.equal(first!.text, 'The economy grew: credits moved between agents.');
  assert.ok(first!.moved.some((m) => m.name === 'agent_transfer_credits'), 'the moved KPIs are the figures, whoever writes');
  assert.match(fake.requests[0]!.body.messages[1].content as string, /- agent_transfer_credits: 0 -> 10/, 'the model was given the figures');
});

test('templated when the model is offline, or when it fails', async (t) => {
  const offline = await worldWithCycles(t, { model: 'offline-echo' });
  assert.equal(offline.world.kernel.kpis.reports(1)[0]!.author, 'template');
  assert.equal(offline.fake.requests.length, 0);
});
