// The researcher's commands on a world (docs/research.md): `agora add` (the operator's own
// agents), `agora pause|resume|kill AGENT`, `agora report` (the auditor's reports) and
// `agora kpis`. A command that writes goes through the running world's API when it runs, else
// owns the world while it commands the kernel, like `agora reward`.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { AgoraError, errorCodes, type ErrorCode } from '../base/errors.js';
import { OPERATOR } from '../kernel/ledger/accounts.js';
import { microToCredits } from '../kernel/ledger/money.js';
import type { AgentView } from '../kernel/agents/commands.js';
import type { World } from '../orchestrator/open-world.js';
import { positiveInt } from './options.js';
import { openCliWorld, writeWorld } from './world-access.js';
import { formatTable } from './table.js';
import { printOutput } from './output.js';
import { registerExperimentCommand } from './experiment.js';

interface AgentState {
  agent_id: string;
  status: string;
  paused: boolean;
  balance: number;
  generation: number;
}

/** POST to the running world's operator API; its error shape becomes an AgoraError. */
export async function operatorPost<T>(url: string, operator_token: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operator_token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  const answer = (await res.json()) as { error?: { code: string; message: string } } & T;
  if (!res.ok || answer.error !== undefined) {
    const code = (answer.error?.code ?? 'INTERNAL') as ErrorCode;
    throw new AgoraError(code in errorCodes ? code : 'INTERNAL', answer.error?.message ?? `the API answered ${res.status}`);
  }
  return answer;
}

function stateOf(world: World, a: AgentView): AgentState {
  return { agent_id: a.id, status: a.status, paused: world.kernel.operatorAgents.isPaused(a.id), balance: microToCredits(a.balance_ucr), generation: a.generation };
}

function credits(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new AgoraError('INVALID_ARGS', `--credits must be a positive number, not ${value}`);
  return n;
}

export function registerResearchCommands(program: Command): void {
  registerExperimentCommand(program);
  program
    .command('add <dir>')
    .description("add agents of your own from a project directory (main.py, main.js or agent.json): generation 0, funded by an operator grant, with a first bid so they run")
    .option('--credits <n>', 'credits granted to each (default operator_agents.credits_default)', credits)
    .option('--name <name>', 'agent id (with --count K: NAME-1 ... NAME-K); default: the directory name and a random suffix')
    .option('--count <k>', 'how many agents to add', positiveInt, 1)
    .option('--json', 'machine-readable output')
    .action(async (dir: string, _opts, command: Command) => {
      const o = command.opts<{ credits?: number; name?: string; count: number; json?: boolean }>();
      // The API runs in another process, maybe another working directory: send an absolute path.
      const request = { dir: resolve(dir), ...(o.credits === undefined ? {} : { credits: o.credits }), ...(o.name === undefined ? {} : { name: o.name }), count: o.count };
      const result = await writeWorld<{ agents: (AgentState & { first_bid_id: string })[]; via: 'api' | 'world' }>(command, {
        api: async (url, token) => ({ ...(await operatorPost<{ agents: (AgentState & { first_bid_id: string })[] }>(url, token, '/operator/agents/add', request)), via: 'api' }),
        direct: async (world) => {
          const added = await world.addAgents(request, { actor: OPERATOR });
          return { agents: added.map((a) => ({ ...stateOf(world, a.agent), first_bid_id: a.first_bid.bid_id })), via: 'world' };
        },
      });
      printOutput(result, formatTable(['agent', 'status', 'balance', 'generation', 'first bid'], result.agents.map((a) => [a.agent_id, a.status, String(a.balance), String(a.generation), a.first_bid_id])) + `\n(${result.via === 'api' ? 'through the running world' : 'into the stopped world; it runs when the world starts'})`, o.json);
    });

  for (const action of ['pause', 'resume', 'kill'] as const) {
    const what = {
      pause: 'pause an agent: its bids are withdrawn and refunded, nothing runs it, the lifecycle leaves it alone until resumed',
      resume: 'resume a paused agent (with a bid for its next run when it can pay one)',
      kill: 'kill an agent: its bids are withdrawn and refunded, what it holds is burned, it is dead',
    }[action];
    program
      .command(`${action} <agent>`)
      .description(what)
      .option('--json', 'machine-readable output')
      .action(async (agent_id: string, _opts, command: Command) => {
        const state = await writeWorld<AgentState>(command, {
          api: (url, token) => operatorPost<AgentState>(url, token, `/operator/agents/${encodeURIComponent(agent_id)}/${action}`, {}),
          direct: (world) => {
            const ops = world.kernel.operatorAgents;
            const meta = { actor: OPERATOR };
            const agent = action === 'pause' ? ops.pause(agent_id, meta) : action === 'resume' ? ops.resume(agent_id, meta).agent : ops.kill(agent_id, meta);
            return stateOf(world, agent);
          },
        });
        printOutput(state, `${state.agent_id}: ${state.status}${state.paused ? ', paused' : ''}, balance ${state.balance}`, command.opts().json);
      });
  }

  program
    .command('report')
    .description("the auditor's reports (every auditor.every_cycles cycles), newest first")
    .option('-n, --limit <n>', 'how many', positiveInt, 1)
    .option('--json', 'machine-readable output')
    .action(async (_opts, command: Command) => {
      const { world, options } = await openCliWorld(command);
      try {
        const reports = world.kernel.kpis.reports(options.limit as number);
        const text = reports.length === 0 ? `no report yet (the auditor writes one every ${world.config.auditor.every_cycles} cycles; auditor.every_cycles)` : reports.map((r) => `${'='.repeat(8)} cycle ${r.cycle} (${r.author}) ${'='.repeat(8)}\n${r.text}`).join('\n\n');
        printOutput(reports, text, options.json);
      } finally {
        world.close();
      }
    });

  program
    .command('kpis')
    .description('the ecosystem KPIs of the last cycles (docs/kpis.md)')
    .option('-n, --cycles <n>', 'how many cycles', positiveInt, 10)
    .option('--json', 'machine-readable output')
    .action(async (_opts, command: Command) => {
      const { world, options } = await openCliWorld(command);
      try {
        const rows = world.kernel.kpis.series(options.cycles as number);
        const names = world.kernel.kpis.definitions.map((d) => d.name);
        const f = (v: number | null | undefined) => (v === null || v === undefined ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(3));
        printOutput(rows, formatTable(['kpi', ...rows.map((r) => `c${r.cycle}`)], names.map((n) => [n, ...rows.map((r) => f(r.values[n]))])), options.json);
      } finally {
        world.close();
      }
    });
}
