// `agora inbox AGENT`: an agent's latest messages, oldest of them first, with read marks.
// Read-only: the operator looking does not mark anything read.
import type { Command } from 'commander';
import { positiveInt } from './options.js';
import { formatTable } from './table.js';
import { inert } from './inert.js';
import { printOutput } from './output.js';
import { withWorld } from './world-access.js';

export function registerInboxCommand(program: Command): void {
  program
    .command('inbox <agent>')
    .description("an agent's inbox: its latest messages and what it has read")
    .option('-n, --limit <n>', 'how many of the latest messages', positiveInt, 20)
    .option('--unread', 'only unread messages')
    .option('--json', 'machine-readable output')
    .action((agent: string, _opts, command: Command) =>
      withWorld(command, (world, options) => {
        world.kernel.agents.require(agent);
        const reads = world.kernel.social.reads;
        const messages = reads.latest(agent, { limit: options.limit as number, unread_only: options.unread === true });
        const summary = reads.summary(agent);
        const rows = messages.map((m) => [new Date(m.sent_at_ms).toISOString(), m.from_id, m.read ? '' : 'unread', m.broadcast ? 'all' : '', m.content.replace(/\s+/g, ' ').slice(0, 100)]);
        const text = [
          `${inert(agent)}: ${summary.messages} messages held, ${summary.unread} unread, ${summary.dropped} dropped (inbox full), ${summary.sent} sent`,
          formatTable(['at', 'from', 'read', 'to', 'content'], rows),
        ].join('\n');
        printOutput({ agent_id: agent, ...summary, items: messages }, text, options.json);
      }),
    );
}
