// `agora agents` as a lineage tree: each agent under its parent, oldest child first, with
// status, generation, balance and runs. Agents whose parent is unknown are roots.
import type { AgentView } from '../kernel/agents/commands.js';
import { microToCredits } from '../kernel/ledger/money.js';
import { inert } from './inert.js';

const DESCRIPTION_SHOWN_CHARS = 60;

function label(a: AgentView): string {
  // The description is the agent's own words: inert, so it cannot act on the terminal or break the tree.
  const description = a.description === '' ? '' : `  "${inert(a.description.length > DESCRIPTION_SHOWN_CHARS ? a.description.slice(0, DESCRIPTION_SHOWN_CHARS - 1) + '…' : a.description)}"`;
  const escrow = a.escrow_ucr > 0 ? ` (+${microToCredits(a.escrow_ucr)} in bids)` : '';
  return `${inert(a.id)}  ${a.status}  gen ${a.generation}  ${microToCredits(a.balance_ucr)} cr${escrow}  ${a.executions} runs${description}`;
}

export function lineageTree(agents: readonly AgentView[]): string {
  const known = new Set(agents.map((a) => a.id));
  const children = new Map<string | null, AgentView[]>();
  for (const a of agents) {
    const parent = a.parent_id !== null && known.has(a.parent_id) ? a.parent_id : null;
    const list = children.get(parent) ?? [];
    list.push(a);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((x, y) => x.created_at_ms - y.created_at_ms || (x.id < y.id ? -1 : 1));
  const lines: string[] = [];
  // Iterative depth-first walk: lineages can be deeper than a comfortable recursion.
  const stack: { agent: AgentView; prefix: string; last: boolean; root: boolean }[] = [];
  const roots = children.get(null) ?? [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ agent: roots[i]!, prefix: '', last: i === roots.length - 1, root: true });
  while (stack.length > 0) {
    const { agent, prefix, last, root } = stack.pop()!;
    lines.push(root ? label(agent) : `${prefix}${last ? '└─ ' : '├─ '}${label(agent)}`);
    const kids = children.get(agent.id) ?? [];
    const next = root ? '' : prefix + (last ? '   ' : '│  ');
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ agent: kids[i]!, prefix: next, last: i === kids.length - 1, root: false });
  }
  const counts = { alive: 0, dormant: 0, dead: 0 };
  for (const a of agents) counts[a.status]++;
  lines.push('', `${agents.length} agents: ${counts.alive} alive, ${counts.dormant} dormant, ${counts.dead} dead; ${new Set(agents.map((a) => a.generation)).size} generations`);
  return lines.join('\n');
}
