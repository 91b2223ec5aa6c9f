// The human loop: genesis learns from the operator. Each prompt is of one kind (a status report,
// a question, an offer, a plan); which kind it asks is drawn from heritable weights (the genes
// ask_*), and each answer moves the weight of its kind: a well-scored kind is asked more, a
// poorly scored or ignored one less (multiplicative weights). The record of which prompts earned
// what is kept in human.json; the weights live in strategy.json, so children inherit what worked.
// The operator's replies are read and acted on: a reply naming a tool to build gets one built.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, type Client } from './client.js';
import type { Env } from './env.js';
import type { Rng } from './rng.js';
import { GENES, type GeneName, type Strategy } from './strategy.js';

export const PROMPT_KINDS = ['report', 'question', 'offer', 'plan'] as const;
export type PromptKind = (typeof PROMPT_KINDS)[number];
export const weightGene = (kind: PromptKind): GeneName => `ask_${kind}` as GeneName;

/** How far one answer moves its kind's weight: a 10/10/10 answer multiplies it by 1 + LEARNING_RATE, a 0/0/0 by 1 - LEARNING_RATE. */
export const LEARNING_RATE = 0.5;
/** An answer never came (the prompt expired): a mild push away from that kind. */
const EXPIRED_FACTOR = 0.9;
const ASKED_KEPT_MAX = 200;

export interface KindRecord {
  asked: number;
  answered: number;
  reward_total: number;
  score_total: number;
}

export interface HumanMemory {
  agent_id: string;
  /** Prompts put and not yet seen answered. */
  waiting: { prompt_id: string; kind: PromptKind; run: number }[];
  /** Per kind: how often asked, answered, and what the answers earned (credits, score points). */
  record: Record<PromptKind, KindRecord>;
  /** Tools built because the operator asked for them, and the replies already acted on. */
  built: string[];
  replies_seen: string[];
}

const emptyRecord = (): Record<PromptKind, KindRecord> =>
  Object.fromEntries(PROMPT_KINDS.map((k) => [k, { asked: 0, answered: 0, reward_total: 0, score_total: 0 }])) as Record<PromptKind, KindRecord>;

export function loadHuman(dir: string, agent_id: string): HumanMemory {
  const fresh: HumanMemory = { agent_id, waiting: [], record: emptyRecord(), built: [], replies_seen: [] };
  try {
    const raw = JSON.parse(readFileSync(join(dir, 'human.json'), 'utf8')) as Partial<HumanMemory>;
    // A parent's record (copied with its workspace) is its own: a child keeps what it built and
    // starts its own record; what worked reaches it through the inherited ask_* genes.
    if (raw.agent_id !== agent_id) return { ...fresh, built: Array.isArray(raw.built) ? raw.built.map(String) : [] };
    return { ...fresh, ...raw, record: { ...emptyRecord(), ...raw.record } };
  } catch {
    return fresh;
  }
}

export function saveHuman(dir: string, memory: HumanMemory): void {
  const path = join(dir, 'human.json');
  writeFileSync(path + '.tmp', JSON.stringify(memory, null, 2) + '\n');
  renameSync(path + '.tmp', path);
}

/** Draws the kind of the next prompt in proportion to the ask_* weights. */
export function chooseKind(strategy: Strategy, rng: Rng): PromptKind {
  const weights = PROMPT_KINDS.map((k) => strategy[weightGene(k)]);
  let x = rng.next() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < PROMPT_KINDS.length; i++) {
    x -= weights[i]!;
    if (x <= 0) return PROMPT_KINDS[i]!;
  }
  return PROMPT_KINDS[PROMPT_KINDS.length - 1]!;
}

function setWeight(strategy: Strategy, kind: PromptKind, value: number): void {
  const gene = GENES[weightGene(kind)];
  strategy[weightGene(kind)] = Number(Math.min(gene.max, Math.max(gene.min, value)).toPrecision(4));
}

interface PromptSeen {
  status: 'pending' | 'rewarded' | 'expired';
  reward: number | null;
  scores: { interesting: number; useful: number; understandable: number } | null;
}

/**
 * Looks up the prompts still waiting; for each answered one, records what it earned and moves
 * its kind's weight by how it was scored. Returns one line for the trace.
 */
export async function learnFromAnswers(api: Client, memory: HumanMemory, strategy: Strategy, notes: string[]): Promise<string> {
  const learned: string[] = [];
  const still: HumanMemory['waiting'] = [];
  for (const asked of memory.waiting) {
    let seen: PromptSeen;
    try {
      seen = await api.get<PromptSeen>(`/human/prompt/${encodeURIComponent(asked.prompt_id)}`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) still.push(asked);
      else notes.push(`prompt ${asked.prompt_id}: gone`);
      continue;
    }
    if (seen.status === 'pending') {
      still.push(asked);
      continue;
    }
    const weight = strategy[weightGene(asked.kind)];
    if (seen.status === 'expired' || seen.scores === null) {
      setWeight(strategy, asked.kind, weight * EXPIRED_FACTOR);
      learned.push(`${asked.kind} expired`);
      continue;
    }
    const mean = (seen.scores.interesting + seen.scores.useful + seen.scores.understandable) / 3;
    const record = memory.record[asked.kind];
    record.answered++;
    record.reward_total += seen.reward ?? 0;
    record.score_total += mean;
    // Above the middle of the 0-10 scale the kind is asked more, below it less.
    setWeight(strategy, asked.kind, weight * (1 + LEARNING_RATE * (mean / 5 - 1)));
    learned.push(`${asked.kind} scored ${mean.toFixed(1)} (${seen.reward ?? 0} credits)`);
  }
  memory.waiting = still;
  return learned.length === 0 ? '' : `learned: ${learned.join(', ')}; weights ${weightsText(strategy)}`;
}

export function weightsText(strategy: Strategy): string {
  return PROMPT_KINDS.map((k) => `${k} ${strategy[weightGene(k)]}`).join(', ');
}

export function remember(memory: HumanMemory, prompt_id: string, kind: PromptKind, run: number): void {
  memory.waiting.push({ prompt_id, kind, run });
  memory.record[kind].asked++;
  if (memory.waiting.length > ASKED_KEPT_MAX) memory.waiting.splice(0, memory.waiting.length - ASKED_KEPT_MAX);
}

/** The tool a reply asks for: "build a price index", "make a tool called summariser", "tool: X". */
export function toolAskedFor(reply: string): string | null {
  const m = /\b(?:build|make|write|create)\s+(?:me\s+)?(?:a|an|the)?\s*(?:tool|script|service)?\s*(?:called|named|for|that)?\s*["'`]?([A-Za-z][\w -]{1,40}?)["'`]?(?:[.!,;]|$)/i.exec(reply) ?? /\btool:\s*([A-Za-z][\w -]{1,40})/i.exec(reply);
  if (m === null) return null;
  const name = m[1]!.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return name === '' ? null : name.slice(0, 40);
}

/**
 * Acts on the operator's replies in this run's inbox: a reply naming a tool gets it built in
 * tools/ (a first version: a script that reads env.json and reports on the market, which later
 * runs and children can improve). Returns what it did, for the trace and the next report.
 */
export function actOnReplies(env: Env, dir: string, memory: HumanMemory): string[] {
  const done: string[] = [];
  for (const message of env.inbox) {
    if (message.from !== 'operator' || memory.replies_seen.includes(message.id)) continue;
    memory.replies_seen.push(message.id);
    const tool = toolAskedFor(message.content);
    if (tool === null || memory.built.includes(tool)) continue;
    mkdirSync(join(dir, 'tools'), { recursive: true });
    const path = join(dir, 'tools', `${tool}.js`);
    if (!existsSync(path)) {
      writeFileSync(
        path,
        [
          `// ${tool}: built by ${env.agent_id} because the operator asked ("${message.content.slice(0, 120).replace(/[\r\n]/g, ' ')}").`,
          '// A first version: it reads env.json and prints what it sees of the market.',
          "const env = JSON.parse(require('node:fs').readFileSync(process.env.ENV_JSON_PATH ?? 'env.json', 'utf8'));",
          "for (const [r, m] of Object.entries(env.markets)) console.log(`${r}: price ${m.price}, utilization ${m.utilization}`);",
          '',
        ].join('\n'),
      );
    }
    memory.built.push(tool);
    done.push(`built tools/${tool}.js as the operator asked`);
  }
  if (memory.replies_seen.length > ASKED_KEPT_MAX) memory.replies_seen.splice(0, memory.replies_seen.length - ASKED_KEPT_MAX);
  return done;
}

const QUESTIONS = [
  'What tool would you pay for? Name one and I will build it (reply "build X").',
  'Which of my habits wastes the most credits: bidding high, spawning often, or asking you?',
  'Should my lineage specialise (one skill each) or stay generalists?',
  'What would make you read my next prompt first?',
];
const OFFERS = [
  'I can watch the market for you and report each cycle where prices jump.',
  'I can build a small tool for you in my workspace: name it and I will.',
  'I can keep my children quiet (fewer prompts) or louder (more reports), as you prefer.',
  'I can write you a one-line digest of every agent in the world each run.',
];
const PLANS = [
  'spend less on markups and more on children',
  'buy fewer but longer runs',
  'save until I can afford a real model, then think harder',
  'build the tools you ask for before anything else',
];

/** The prompt of a kind: its text (tagged with its kind, so the operator sees what it is) and the answers it suggests. */
export function composePrompt(kind: PromptKind, env: Env, report: string, memory: HumanMemory, rng: Rng): { content: string; options: string[] } {
  const pick = (list: readonly string[]) => list[Math.floor(rng.next() * list.length)]!;
  const built = memory.built.length === 0 ? '' : ` Built for you so far: ${memory.built.join(', ')}.`;
  switch (kind) {
    case 'report':
      return { content: `[report] ${report}${built}`, options: ['keep reporting', 'less often'] };
    case 'question':
      return { content: `[question] ${env.agent_id} asks: ${pick(QUESTIONS)}`, options: ['build a price index', 'specialise', 'stay generalists'] };
    case 'offer':
      return { content: `[offer] ${env.agent_id} offers: ${pick(OFFERS)}${built}`, options: ['yes', 'no'] };
    case 'plan':
      return { content: `[plan] ${env.agent_id} (generation ${env.generation}) plans to ${pick(PLANS)}. Go on?`, options: ['go on', 'change course'] };
  }
}

/** The kind a prompt was, from its tag (the scripted operator of the society measurement reads it the same way). */
export function kindOfPrompt(content: string): PromptKind | null {
  const m = /^\[(report|question|offer|plan)\]/.exec(content);
  return m === null ? null : (m[1] as PromptKind);
}
