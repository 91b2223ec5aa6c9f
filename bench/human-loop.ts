// The human loop, measured (docs/society.md, "Learning from the operator"): the default world
// with the offline model, run for N simulated cycles, with a scripted operator who answers every
// prompt after each cycle: prompts of one kind (the target) are scored 9/9/9, all others 1/1/1.
// Genesis's lineage should come to ask the target kind more often. Reports the share of target
// prompts in the first and last third of the run, and the lineage's ask_* weights at the end.
//   node --import tsx bench/human-loop.ts [cycles=60] [target=question]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualClock } from '../src/kernel/engine/clock.js';
import { WorldLoop } from '../src/orchestrator/world-loop.js';
import { createRunner } from '../src/sandbox/create-runner.js';
import { serve, makeWorld } from '../test/support/world.js';

export const KINDS = ['report', 'question', 'offer', 'plan'] as const;
export type Kind = (typeof KINDS)[number];
const kindOf = (content: string): Kind | null => (/^\[(report|question|offer|plan)\]/.exec(content)?.[1] as Kind | undefined) ?? null;

export interface HumanLoopResult {
  cycles: number;
  target: Kind;
  prompts: { cycle: number; agent_id: string; kind: Kind | null }[];
  /** Share of prompts of the target kind in the first and the last third of the cycles. */
  first_third: { prompts: number; target: number; share: number };
  last_third: { prompts: number; target: number; share: number };
  /** Per living agent that asked or inherited: its target weight's share of its ask_* weights. */
  weights: { agent_id: string; generation: number; target_share: number }[];
  agents: number;
  rewarded_credits: number;
}

export async function runHumanLoop(options: { cycles: number; target: Kind; seed?: number; population_max?: number }): Promise<HumanLoopResult> {
  const clock = new VirtualClock();
  // The default world; only the runner is the process one (no sandbox), for speed: the agents
  // and what they are told are the same.
  const world = makeWorld({ clock, seed: options.seed ?? 1, config: { sandbox: { runner: 'process' }, agents: { genesis_first_bid: { credits: 2 } }, ...(options.population_max === undefined ? {} : { social: { population_max: options.population_max } }) } }); // the test helper's default turns genesis's first bid off; this is the world's own default
  const api = await serve(world);
  const runner = await createRunner(world.config, world.log);
  const k = world.kernel;
  const prompts: HumanLoopResult['prompts'] = [];
  let cycle = 0;
  const operator = () => {
    cycle++;
    for (const p of k.attention.list({ status: 'pending', limit: 1000 })) {
      const kind = kindOf(p.content);
      prompts.push({ cycle, agent_id: p.agent_id, kind });
      const s = kind === options.target ? 9 : 1;
      k.attention.reward({ prompt_id: p.prompt_id, scores: { interesting: s, useful: s, understandable: s }, reply: null }, { actor: 'operator' });
    }
  };
  try {
    const loop = new WorldLoop(world, api, runner, { cycles: options.cycles, virtual_clock: clock, onCycle: operator });
    await loop.run();
    await loop.stop();
    operator();
    const third = (from: number, to: number) => {
      const inside = prompts.filter((p) => p.cycle > from && p.cycle <= to);
      const target = inside.filter((p) => p.kind === options.target).length;
      return { prompts: inside.length, target, share: inside.length === 0 ? 0 : target / inside.length };
    };
    const n = options.cycles;
    const agents = k.agents.list({ limit: 10_000 });
    const weights = agents
      .filter((a) => a.status !== 'dead')
      .map((a) => {
        const genes = JSON.parse(readFileSync(join(world.paths.dir, a.workspace, 'strategy.json'), 'utf8')) as Record<string, number>;
        const total = KINDS.reduce((sum, kind) => sum + (genes[`ask_${kind}`] ?? 1), 0);
        return { agent_id: a.id, generation: a.generation, target_share: (genes[`ask_${options.target}`] ?? 1) / total };
      });
    return {
      cycles: n,
      target: options.target,
      prompts,
      first_third: third(0, Math.floor(n / 3)),
      last_third: third(n - Math.floor(n / 3), n + 1),
      weights,
      agents: agents.length,
      rewarded_credits: k.operator.summary().rewarded_ucr / 1e6,
    };
  } finally {
    await runner.close();
    await api.close();
    world.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cycles = Number(process.argv[2] ?? 60);
  const target = (process.argv[3] ?? 'question') as Kind;
  const r = await runHumanLoop({ cycles, target });
  const byKind = Object.fromEntries(KINDS.map((kind) => [kind, r.prompts.filter((p) => p.kind === kind).length]));
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  process.stdout.write(
    [
      `${r.cycles} cycles, target ${r.target}: ${r.prompts.length} prompts (${KINDS.map((kind) => `${kind} ${byKind[kind]}`).join(', ')}), ${r.agents} agents, ${r.rewarded_credits} credits rewarded`,
      `first third: ${r.first_third.target}/${r.first_third.prompts} target (${pct(r.first_third.share)}); last third: ${r.last_third.target}/${r.last_third.prompts} (${pct(r.last_third.share)})`,
      `target weight share (chance of asking it) per living agent: ${r.weights.map((w) => `${w.agent_id} g${w.generation} ${pct(w.target_share)}`).join(', ')}`,
      '',
    ].join('\n'),
  );
}
