// One run of the genesis agent (and of every descendant: children are copies of it with
// mutated strategy.json). It knows the host only through env.json and the HTTP API.
//
// A run: read env.json and the market; answer messages; spawn a mutated child when rich;
// look after stalled children; keep one competitive bid for the next lease (keeping a
// reserve), planned with a forecast or a bid advice bought from another agent's tool; publish
// and refresh its own tool (artifacts.ts); give everything to kin when even a lean run is out of reach; talk to the human
// when it holds attention; leave a one-line trace and its state for the next run. When the
// host serves a real language model, runs with attention also buy a few LLM tokens: the model
// words the prompt to the human and adds a line of reasoning to the trace (llm.ts).
import { dirname, resolve } from 'node:path';
import { useArtifacts } from './artifacts.js';
import { careForChildren, placeBid, refreshOwnBids, type DirectoryEntry } from './bidding.js';
import { ApiError, createClient, type Client } from './client.js';
import { creditsText, planBid, planSpawn, reserveUcr, strategyBundle, toUcr, type Prices, type SpawnRules } from './decide.js';
import { readEnv, type Env } from './env.js';
import { realModel, reflect, THINKING_TOKENS, writePrompt } from './llm.js';
import { loadState, loadStrategy, saveState, saveStrategy, trace, type State } from './memory.js';
import { Rng } from './rng.js';
import { actOnReplies, chooseKind, composePrompt, learnFromAnswers, loadHuman, remember, saveHuman, type HumanMemory } from './human.js';
import { answerInbox, greetParent, lineageReport } from './social.js';
import { describeStrategy, mutate, type Strategy } from './strategy.js';
import { tradeTurn } from './trade.js';

interface MarketState {
  resources: Record<keyof Prices, { price: number; utilization: number }>;
}

const BUSY_UTILIZATION = 0.9;

async function run(): Promise<void> {
  const env_path = process.env.ENV_JSON_PATH ?? 'env.json';
  const env: Env = readEnv(env_path);
  const api = createClient(process.env.SYSTEM_SERVICE_URL ?? env.api.url, process.env.AGORA_TOKEN);
  try {
    await live(env, dirname(resolve(env_path)), api);
  } finally {
    api.close();
  }
}

async function live(env: Env, dir: string, api: Client): Promise<void> {
  const rng = new Rng(`${env.agent_id}/${env.execution_id}`);
  const strategy: Strategy = loadStrategy(dir);
  const state: State = loadState(dir, env.agent_id);
  state.runs++;
  const notes: string[] = [];
  const balance = () => api.get<{ balance: number }>(`/economic/balance/${env.agent_id}`).then((b) => toUcr(b.balance));

  const market = await api.get<MarketState>('/market/state').catch(() => null);
  const source = market?.resources ?? env.markets;
  const prices: Prices = { cpu: source.cpu.price, memory: source.memory.price, tokens: source.tokens.price, attention: source.attention.price };
  const utilization = Math.max(source.cpu.utilization, source.memory.utilization);
  const run_cost_ucr = reserveUcr(strategyBundle(strategy, false), prices);
  const directory = await api
    .get<{ items: DirectoryEntry[] }>('/social/directory?limit=500')
    .then((d) => new Map(d.items.map((a) => [a.agent_id, a])), () => new Map<string, DirectoryEntry>());
  // A real language model, if the host has one: asked only when it matters (this run bought
  // tokens, or the next one may want attention), so a run that will not think costs nothing more.
  let model: Promise<string | null> | null = null;
  const findModel = () => (model ??= realModel(api));
  const thinker = env.bundle.tokens > 0 ? await findModel() : null;

  // Say who we are in the directory, once per strategy.
  const profile = `genesis lineage, generation ${env.generation}: ${describeStrategy(strategy)}`;
  if (state.profile !== profile) {
    await api.put('/social/profile', { description: profile }).then(() => (state.profile = profile), (err) => notes.push(`profile: ${String(err)}`));
  }

  // The human loop first: what the operator thought of earlier prompts moves this agent's
  // ask_* genes before it spawns, so a child inherits what the operator rewarded.
  const human = loadHuman(dir, env.agent_id);
  const learned = await learnFromAnswers(api, human, strategy, notes);
  const acted = actOnReplies(env, dir, human);

  if (!state.greeted_parent && env.lineage.length > 0) state.greeted_parent = await greetParent(api, env, strategy, notes);
  const replies = await answerInbox(api, env, strategy, toUcr(env.credits) - strategy.reserve_runs * run_cost_ucr, notes);

  // Spawn a mutated child when rich enough; its first run is bought with its own genes.
  let balance_ucr = await balance().catch(() => toUcr(env.credits));
  let spawned = '-';
  const rules = await api.get<SpawnRules>('/social/rules').catch(() => null);
  const spawn = rules === null ? null : planSpawn({ balance_ucr, strategy, runs: state.runs, last_spawn_run: state.last_spawn_run, rules, run_cost_ucr });
  if (spawn !== null) {
    const genes = mutate(strategy, rng);
    // A generous first bid: the child cannot act until it runs, and prices may rise meanwhile.
    const first = planBid({ balance_ucr: Math.floor(spawn.initial_ucr / 3), strategy: { ...genes, bid_markup: genes.bid_markup + 1, reserve_runs: 0 }, prices, busy: false, want_attention: false });
    if (first.kind === 'bid') {
      try {
        const child = await api.post<{ agent_id: string; balance: number }>('/social/spawn', {
          initial_credits: creditsText(spawn.initial_ucr),
          copy_self: true,
          files: { 'strategy.json': JSON.stringify(genes, null, 2) + '\n' },
          first_bid: { amount: creditsText(first.amount_ucr), bundle: first.bundle },
          note: `child of ${env.agent_id} (generation ${env.generation}): ${describeStrategy(genes)}`,
        });
        spawned = child.agent_id;
        state.children.push(child.agent_id);
        state.last_spawn_run = state.runs;
        balance_ucr = toUcr(child.balance);
      } catch (err) {
        notes.push(`spawn: ${String(err)}`);
      }
    }
  }

  const spare_ucr = balance_ucr - strategy.reserve_runs * run_cost_ucr;
  const helped = spare_ucr > 0 ? await careForChildren(api, { state, directory, strategy, prices, spare_ucr }, notes) : null;
  // Trade (docs/trade.md): loans to children, rights bought and sold, as the genes say.
  const traded = await tradeTurn(
    api,
    { agent_id: env.agent_id, parent_id: env.lineage.at(-1) ?? null, children: state.children, alive: (id) => directory.get(id)?.status === 'alive', strategy, spare_ucr: Math.max(0, spare_ucr), run_cost_ucr, balance_ucr },
    notes,
  ).catch((err: unknown) => `failed: ${String(err)}`);

  // Another agent's tool's answer bought to plan the bid with; after the bid, its own tool tended (artifacts.ts).
  const tools = await useArtifacts({ api, env, dir, strategy, rng: new Rng(`${env.agent_id}/${env.execution_id}/tools`), prices, run: state.runs, spare_ucr }, notes);

  // One competitive bid for the next lease.
  const waiting = await refreshOwnBids(api, env.agent_id, notes);
  balance_ucr = await balance().catch(() => balance_ucr);
  const want_attention = toUcr(strategy.attention_threshold) <= balance_ucr && rng.next() < strategy.attention_rate;
  const thinking_tokens = want_attention && (await findModel()) !== null ? THINKING_TOKENS : 0;
  const plan = tools.advise(planBid({ balance_ucr, strategy, prices: tools.prices, busy: utilization >= BUSY_UTILIZATION, want_attention, thinking_tokens }), balance_ucr);
  let bid_text: string;
  if (waiting > 0) {
    bid_text = `waiting (${waiting} queued)`;
  } else if (plan.kind === 'bid') {
    bid_text = await placeBid(api, plan, strategy).then(
      () => `${creditsText(plan.amount_ucr)}${plan.bundle.attention > 0 ? '+attention' : ''} (${plan.why})`,
      (err) => `refused: ${String(err)}`,
    );
  } else {
    bid_text = `none: ${plan.why}; ${await bequeath(api, env, state, directory, notes)}`;
  }

  const tools_text = await tools.tend((await balance().catch(() => balance_ucr)) - strategy.reserve_runs * run_cost_ucr);

  const asked = env.bundle.attention >= 1 ? await askHuman(api, env, { directory: [...directory.values()], thinker, human, strategy, rng, run: state.runs }, notes) : '-';

  state.last_balance = balance_ucr / 1e6;
  saveHuman(dir, human);
  saveState(dir, state);
  saveStrategy(dir, strategy);
  const humanText = [asked === '-' ? '' : `asked ${asked}`, learned, ...acted].filter((x) => x !== '').join('; ');
  const summary = `run ${state.runs} gen ${env.generation} balance ${creditsText(balance_ucr)} run-cost ${creditsText(run_cost_ucr)} util ${utilization.toFixed(2)} bid ${bid_text} spawned ${spawned} helped ${helped ?? '-'} traded ${traded} replies ${replies} tools: ${tools_text}${humanText === '' ? '' : ` human: ${humanText}`}`;
  const thought = thinker === null ? null : await reflect(api, thinker, summary, notes);
  const line = `${env.system_time} ${summary}${thought === null ? '' : ` thought: ${thought}`}${notes.length ? ' notes: ' + notes.join('; ') : ''}`;
  // The reasoning goes to stdout too: the operator reads it in the run's log on the dashboard.
  process.stdout.write(`${line}\n`);
  trace(dir, line);
}

/** Out of money for even a lean run: give what is left to the nearest living kin. */
async function bequeath(api: Client, env: Env, state: State, directory: ReadonlyMap<string, DirectoryEntry>, notes: string[]): Promise<string> {
  const balance = await api.get<{ balance: number }>(`/economic/balance/${env.agent_id}`).then((b) => toUcr(b.balance), () => 0);
  if (balance <= 0) return 'nothing left';
  const kin = [...env.lineage].reverse().concat(state.children).find((id) => id !== env.agent_id && directory.get(id)?.status === 'alive');
  if (kin === undefined) return 'no living kin to give to';
  try {
    await api.post('/economic/transfer', { to_id: kin, amount: creditsText(balance), memo: `bequest of ${env.agent_id}` });
    return `gave ${creditsText(balance)} to ${kin}`;
  } catch (err) {
    notes.push(`bequest: ${String(err)}`);
    return 'bequest failed';
  }
}

/**
 * Holding the human's attention: one prompt of a kind drawn from the ask_* genes (a report, a
 * question, an offer or a plan; worded by the model when there is one), remembered so that a
 * later run learns what it earned. Returns what was asked, for the trace.
 */
async function askHuman(
  api: Client,
  env: Env,
  ctx: { directory: DirectoryEntry[]; thinker: string | null; human: HumanMemory; strategy: Strategy; rng: Rng; run: number },
  notes: string[],
): Promise<string> {
  const kind = chooseKind(ctx.strategy, ctx.rng);
  const composed = composePrompt(kind, env, lineageReport(env, ctx.directory), ctx.human, ctx.rng);
  const worded = ctx.thinker === null ? null : await writePrompt(api, ctx.thinker, composed.content, notes);
  // The model may reword the body, never the tag: the kind is what the agent learns about.
  const content = worded === null ? composed.content : `[${kind}] ${worded.replace(/^\[\w+\]\s*/, '')}`;
  try {
    const prompt = await api.post<{ prompt_id: string }>('/human/prompt', { content, options: composed.options });
    remember(ctx.human, prompt.prompt_id, kind, ctx.run);
    return `${kind} (${prompt.prompt_id})`;
  } catch (err) {
    // The prompt route may not exist in this world yet; a refusal costs nothing.
    if (!(err instanceof ApiError && err.status === 404)) notes.push(`prompt: ${String(err)}`);
    return `${kind} (refused)`;
  }
}

run().catch((err: unknown) => {
  process.stderr.write(`genesis run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
