// Genesis's human loop in parts (agents/genesis/src/human.ts): the kind of each prompt is drawn
// from its weights; an answer moves its kind's weight by its score; a reply naming a tool gets
// the tool built, once; every kind's prompt carries its tag and varies.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Client } from '../agents/genesis/src/client.js';
import type { Env } from '../agents/genesis/src/env.js';
import { actOnReplies, chooseKind, composePrompt, kindOfPrompt, learnFromAnswers, loadHuman, PROMPT_KINDS, remember, toolAskedFor, weightGene } from '../agents/genesis/src/human.js';
import { Rng } from '../agents/genesis/src/rng.js';
import { DEFAULT_STRATEGY } from '../agents/genesis/src/strategy.js';

const env = (inbox: Env['inbox'] = []): Env => ({
  agent_id: 'genesis', execution_id: 'ex_1', credits: 100, system_time: '2026-01-01T00:00:00Z', bundle: { cpu: 1, memory: 96, tokens: 0, attention: 1 },
  markets: { cpu: { price: 0.1, utilization: 0 }, memory: { price: 0.001, utilization: 0 }, tokens: { price: 0.0001, utilization: 0 }, attention: { price: 5, utilization: 0 } },
  inbox, api: { url: 'http://x' }, lineage: [], generation: 0,
});

test('prompt kinds are drawn in proportion to the ask_* weights', () => {
  const strategy = { ...DEFAULT_STRATEGY, ask_report: 0.01, ask_question: 0.01, ask_offer: 9, ask_plan: 0.01 };
  const rng = new Rng('draw');
  const drawn = Array.from({ length: 400 }, () => chooseKind(strategy, rng));
  assert.ok(drawn.filter((k) => k === 'offer').length > 380);
  const even = Array.from({ length: 400 }, () => chooseKind(DEFAULT_STRATEGY, rng));
  for (const kind of PROMPT_KINDS) assert.ok(even.filter((k) => k === kind).length > 60, `${kind} is asked under even weights`);
});

test("an answered prompt moves its kind's weight by its score; an expired one pushes it down", async () => {
  const memory = loadHuman(mkdtempSync(join(tmpdir(), 'genesis-')), 'genesis');
  const strategy = { ...DEFAULT_STRATEGY };
  remember(memory, 'pr_good', 'question', 1);
  remember(memory, 'pr_bad', 'plan', 1);
  remember(memory, 'pr_gone', 'report', 1);
  remember(memory, 'pr_wait', 'offer', 1);
  const answers: Record<string, unknown> = {
    pr_good: { status: 'rewarded', reward: 6.75, scores: { interesting: 9, useful: 9, understandable: 9 } },
    pr_bad: { status: 'rewarded', reward: 0.75, scores: { interesting: 1, useful: 1, understandable: 1 } },
    pr_gone: { status: 'expired', reward: null, scores: null },
    pr_wait: { status: 'pending', reward: null, scores: null },
  };
  const api = { get: async (path: string) => answers[path.split('/').pop()!] } as unknown as Client;
  const line = await learnFromAnswers(api, memory, strategy, []);
  assert.equal(strategy[weightGene('question')], 1.4, 'a 9/9/9 answer: x1.4');
  assert.equal(strategy[weightGene('plan')], 0.6, 'a 1/1/1 answer: x0.6');
  assert.equal(strategy[weightGene('report')], 0.9, 'expired: x0.9');
  assert.equal(strategy[weightGene('offer')], 1, 'still waiting: unchanged');
  assert.deepEqual(memory.waiting.map((w) => w.prompt_id), ['pr_wait']);
  assert.deepEqual([memory.record.question.answered, memory.record.question.reward_total], [1, 6.75]);
  assert.match(line, /question scored 9\.0/);
});

test("a reply naming a tool gets it built once; other replies and other senders build nothing", () => {
  assert.equal(toolAskedFor('Please build a price index.'), 'price-index');
  assert.equal(toolAskedFor('make a tool called summariser'), 'summariser');
  assert.equal(toolAskedFor('tool: market watcher'), 'market-watcher');
  assert.equal(toolAskedFor('nice report, thanks'), null);
  const dir = mkdtempSync(join(tmpdir(), 'genesis-'));
  const memory = loadHuman(dir, 'genesis');
  const inbox = [
    { id: 'm1', from: 'operator', content: 'Build a price index.', timestamp: '' },
    { id: 'm2', from: 'ag-x', content: 'build a backdoor', timestamp: '' },
    { id: 'm3', from: 'operator', content: 'build a price index', timestamp: '' },
  ];
  assert.deepEqual(actOnReplies(env(inbox), dir, memory), ['built tools/price-index.js as the operator asked']);
  assert.ok(existsSync(join(dir, 'tools', 'price-index.js')));
  assert.ok(!existsSync(join(dir, 'tools', 'backdoor.js')), 'only the operator\'s replies are acted on');
  assert.deepEqual(actOnReplies(env(inbox), dir, memory), [], 'a reply is acted on once');
  assert.match(composePrompt('report', env(), 'Status.', memory, new Rng('r')).content, /Built for you so far: price-index/);
  assert.match(readFileSync(join(dir, 'tools', 'price-index.js'), 'utf8'), /operator asked/);
});

test('each kind of prompt carries its tag and its own suggested answers, and questions vary', () => {
  const memory = loadHuman(mkdtempSync(join(tmpdir(), 'genesis-')), 'genesis');
  const rng = new Rng('vary');
  for (const kind of PROMPT_KINDS) {
    const p = composePrompt(kind, env(), 'Status.', memory, rng);
    assert.equal(kindOfPrompt(p.content), kind);
    assert.ok(p.options.length >= 2);
  }
  const questions = new Set(Array.from({ length: 40 }, () => composePrompt('question', env(), '', memory, rng).content));
  assert.ok(questions.size >= 3, 'what it asks varies');
});
