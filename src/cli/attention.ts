// `agora prompts` and `agora reward`: the operator's attention queue without a browser.
// Listing reads the world directly; a reward goes through the running world's API when one
// runs (only that process writes a world), else it owns the world while it commands the kernel.
import type { Command } from 'commander';
import { SCORE_MAX } from '../kernel/attention/events.js';
import type { PromptStatus } from '../kernel/attention/commands.js';
import { AgoraError, errorCodes, type ErrorCode } from '../base/errors.js';
import { microToCredits } from '../kernel/ledger/money.js';
import { OPERATOR } from '../kernel/ledger/accounts.js';
import { positiveInt, statusFilter } from './options.js';
import { openCliWorld, writeWorld } from './world-access.js';
import { formatTable } from './table.js';
import { inert } from './inert.js';
import { printOutput, printText } from './output.js';

/** Scores arrive as positional arguments, checked in the action: an AgoraError, so one line, no trace. */
function score(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > SCORE_MAX) throw new AgoraError('INVALID_ARGS', `${name} must be a whole number from 0 to ${SCORE_MAX}, not ${value}`);
  return n;
}

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text).replace(/\s+/g, ' ');

interface RewardResult {
  prompt_id: string;
  agent_id: string;
  reward: number;
  balance: number;
  via: 'api' | 'world';
}

export function registerAttentionCommands(program: Command): void {
  program
    .command('prompts')
    .description('prompts agents have put to the operator (pending ones, oldest first, unless told otherwise)')
    .option('-s, --status <status>', 'pending, rewarded, expired or all', 'pending')
    .option('-n, --limit <n>', 'how many', positiveInt, 50)
    .option('--json', 'machine-readable output')
    .action(async (_opts, command: Command) => {
      const { world, options } = await openCliWorld(command);
      try {
        const status = statusFilter<PromptStatus>(options.status, ['pending', 'rewarded', 'expired']);
        const prompts = world.kernel.attention.list({ status, limit: options.limit as number });
        if (options.json === true) {
          printOutput(prompts, '', true);
          return;
        }
        const rows = prompts.map((p) => [
          p.prompt_id,
          p.agent_id,
          p.status,
          new Date(p.created_at_ms).toISOString(),
          microToCredits(p.price_paid_ucr),
          p.status === 'pending' ? new Date(p.expires_at_ms).toISOString() : p.reward_ucr === null ? '-' : microToCredits(p.reward_ucr),
          shorten(p.content + (p.options.length > 0 ? ` [${p.options.join(' | ')}]` : ''), 80),
        ]);
        const last = status === 'pending' ? 'expires' : 'reward';
        printText(formatTable(['prompt', 'agent', 'status', 'asked', 'paid', last, 'content'], rows));
        if (status === 'pending' && prompts.length > 0) printText(`\nanswer with: agora reward PROMPT INTERESTING USEFUL UNDERSTANDABLE [reply]   (scores 0-${SCORE_MAX})`);
      } finally {
        world.close();
      }
    });

  program
    .command('reward <prompt> <interesting> <useful> <understandable> [reply]')
    .description(`score a pending prompt (0-${SCORE_MAX} each) and optionally reply; the reward is minted to the agent, the reply goes to its inbox`)
    .option('--json', 'machine-readable output')
    .action(async (prompt_id: string, i: string, u: string, un: string, reply: string | undefined, _opts, command: Command) => {
      const scores = { interesting: score('interesting', i), useful: score('useful', u), understandable: score('understandable', un) };
      const body = { prompt_id, ...scores, ...(reply === undefined ? {} : { reply }) };
      const result = await writeWorld<RewardResult>(command, {
        api: (url, operator_token) => rewardThroughApi(url, operator_token, body),
        direct: (world) => {
          const rewarded = world.kernel.attention.reward({ prompt_id, scores, reply: reply ?? null }, { actor: OPERATOR });
          return {
            prompt_id,
            agent_id: rewarded.agent_id,
            reward: microToCredits(rewarded.reward_ucr ?? 0),
            balance: microToCredits(world.kernel.ledger.agentBalance(rewarded.agent_id)),
            via: 'world',
          };
        },
      });
      if (command.optsWithGlobals().json === true) printOutput(result, '', true);
      else {
        printText(
          `rewarded ${inert(result.agent_id)} with ${result.reward} credits for ${result.prompt_id}; its balance is ${result.balance}` +
            `${reply === undefined ? '' : '; the reply is in its inbox'} (${result.via === 'api' ? 'through the running world' : 'written to the world directly'})`,
        );
      }
    });
}

async function rewardThroughApi(url: string, operator_token: string, body: Record<string, unknown>): Promise<RewardResult> {
  const res = await fetch(`${url}/human/reward`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operator_token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { error?: { code: string; message: string }; prompt?: { agent_id: string }; reward?: number; balance?: number };
  if (!res.ok || answer.error !== undefined) {
    const code = (answer.error?.code ?? 'INTERNAL') as ErrorCode;
    throw new AgoraError(code in errorCodes ? code : 'INTERNAL', answer.error?.message ?? `the API answered ${res.status}`);
  }
  return { prompt_id: body.prompt_id as string, agent_id: answer.prompt!.agent_id, reward: answer.reward!, balance: answer.balance!, via: 'api' };
}
