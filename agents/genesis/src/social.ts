// Talking: greeting the parent, answering the inbox (never answering an answer, so two
// agents cannot ping-pong their credits away), and the report written for the human.
import { ApiError, type Client } from './client.js';
import type { Env } from './env.js';
import { describeStrategy, type Strategy } from './strategy.js';

const REPLY_MARK = 're:';

export async function greetParent(api: Client, env: Env, strategy: Strategy, notes: string[]): Promise<boolean> {
  const parent = env.lineage[env.lineage.length - 1];
  if (parent === undefined) return true;
  try {
    await api.post('/social/message', { to_id: parent, content: `hello from ${env.agent_id}, your child (generation ${env.generation}); my genes: ${describeStrategy(strategy)}` });
    return true;
  } catch (err) {
    // A dead parent will never read it; anything else is worth another try next run.
    if (err instanceof ApiError && (err.code === 'DELETED' || err.code === 'NOT_FOUND')) return true;
    notes.push(`greeting: ${String(err)}`);
    return false;
  }
}

/** Answers up to replies_per_run messages while there is spare money; returns how many. */
export async function answerInbox(api: Client, env: Env, strategy: Strategy, spare_ucr: number, notes: string[]): Promise<number> {
  if (spare_ucr <= 0) return 0;
  let answered = 0;
  for (const message of env.inbox) {
    if (answered >= strategy.replies_per_run) break;
    if (message.content.startsWith(REPLY_MARK)) continue;
    // The operator's replies are acted on by the human loop (human.ts), not answered.
    if (message.from === 'operator') continue;
    const content = `${REPLY_MARK} "${message.content.slice(0, 60)}" - ${env.agent_id} (generation ${env.generation}) has ${env.credits.toFixed(2)} credits; ${describeStrategy(strategy)}`;
    try {
      await api.post('/social/message', { to_id: message.from, content });
      answered++;
    } catch (err) {
      notes.push(`reply to ${message.from}: ${err instanceof ApiError ? err.code : String(err)}`);
      if (err instanceof ApiError && err.code === 'INSUFFICIENT_FUNDS') break;
    }
  }
  return answered;
}

interface Member {
  agent_id: string;
  status: 'alive' | 'dormant' | 'dead';
  generation: number;
  lineage: string[];
  balance: number;
}

/** A short status report of this agent's lineage, ending in a question worth a human's time. */
export function lineageReport(env: Env, directory: readonly Member[]): string {
  const family = directory.filter((a) => a.agent_id === env.agent_id || a.lineage.includes(env.agent_id));
  const count = (status: Member['status']) => family.filter((a) => a.status === status).length;
  const deepest = family.reduce((max, a) => Math.max(max, a.generation), env.generation);
  const wealth = family.filter((a) => a.status !== 'dead').reduce((sum, a) => sum + a.balance, 0);
  const richest = [...family].filter((a) => a.status !== 'dead').sort((a, b) => b.balance - a.balance)[0];
  return [
    `Status report from ${env.agent_id} (generation ${env.generation}).`,
    `My lineage: ${family.length} agents (${count('alive')} alive, ${count('dormant')} dormant, ${count('dead')} dead), down to generation ${deepest}, holding ${wealth.toFixed(2)} credits together.`,
    richest ? `Richest: ${richest.agent_id} with ${richest.balance.toFixed(2)} credits.` : '',
    'Nobody pays us yet, so every run spends what genesis was given.',
    'Question: what could an agent like me make that you would pay for? One concrete idea would let my children stop merely surviving.',
  ]
    .filter((s) => s !== '')
    .join(' ');
}
