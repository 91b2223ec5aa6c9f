// `agora requests`, `agora approve`, `agora deny`: capability requests without a browser.
// Listing reads the world directly; an answer goes through the running world's API when one
// runs (only that process writes a world), else it owns the world while it commands the kernel.
import type { Command } from 'commander';
import { AgoraError, errorCodes, type ErrorCode } from '../base/errors.js';
import type { CapabilityRequestView, RequestStatus } from '../kernel/capabilities/commands.js';
import { microToCredits } from '../kernel/ledger/money.js';
import { OPERATOR } from '../kernel/ledger/accounts.js';
import { nonNegativeInt, positiveInt, statusFilter } from './options.js';
import { openCliWorld, writeWorld } from './world-access.js';
import { formatTable } from './table.js';
import { printOutput, printText } from './output.js';

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text).replace(/\s+/g, ' ');
const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

interface Answered {
  request_id: string;
  agent_id: string;
  status: string;
  capability: string;
  via: 'api' | 'world';
}

async function throughApi(url: string, operator_token: string, path: string, body: Record<string, unknown>): Promise<Answered> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operator_token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { error?: { code: string; message: string }; request_id?: string; agent_id?: string; status?: string; capability?: string };
  if (!res.ok || answer.error !== undefined) {
    const code = (answer.error?.code ?? 'INTERNAL') as ErrorCode;
    throw new AgoraError(code in errorCodes ? code : 'INTERNAL', answer.error?.message ?? `the API answered ${res.status}`);
  }
  return { request_id: answer.request_id!, agent_id: answer.agent_id!, status: answer.status!, capability: answer.capability!, via: 'api' };
}

const answered = (r: CapabilityRequestView): Answered => ({ request_id: r.request_id, agent_id: r.agent_id, status: r.status, capability: r.capability, via: 'world' });

function report(command: Command, result: Answered): void {
  if (command.optsWithGlobals().json === true) printOutput(result, '', true);
  else printText(`${result.status} ${result.request_id} (${result.capability} for ${result.agent_id}); the agent hears it in its inbox and next env.json (${result.via === 'api' ? 'through the running world' : 'written to the world directly'})`);
}

export function registerCapabilityCommands(program: Command): void {
  program
    .command('requests')
    .description('capability requests agents have put to the operator (pending ones, oldest first, unless told otherwise)')
    .option('-s, --status <status>', 'pending, approved, denied or all', 'pending')
    .option('-n, --limit <n>', 'how many', positiveInt, 50)
    .option('--json', 'machine-readable output')
    .action(async (_opts, command: Command) => {
      const { world, options } = await openCliWorld(command);
      try {
        const status = statusFilter<RequestStatus>(options.status, ['pending', 'approved', 'denied']);
        const items = world.kernel.capabilities.list({ status, limit: options.limit as number });
        if (options.json === true) return printOutput(items, '', true);
        const rows = items.map((r) => [r.request_id, r.agent_id, r.status, r.capability, microToCredits(r.max_price_ucr), iso(r.requested_at_ms), r.status === 'approved' ? `${r.scope} until ${iso(r.expires_at_ms)}` : '-', shorten(r.status === 'pending' ? r.reason : (r.answer ?? ''), 60)]);
        printText(formatTable(['request', 'agent', 'status', 'capability', 'max price', 'asked', 'grant', status === 'pending' ? 'reason' : 'answer'], rows));
        if (status === 'pending' && items.length > 0) printText('\nanswer with: agora approve REQUEST [--scope S] [--budget N] [--expires-in-s S] [--note T]   or   agora deny REQUEST REASON');
      } finally {
        world.close();
      }
    });

  program
    .command('approve <request>')
    .description('grant a pending capability request: the scope defaults to the name in the capability (a model id, an MB cap)')
    .option('--scope <scope>', 'llm_model: the model id; memory_mb: the MB cap; other kinds: free text')
    .option('--budget <n>', 'llm_model: tokens through the model the grant covers (default: unbounded until expiry)', nonNegativeInt)
    .option('--expires-in-s <s>', 'world seconds until the grant ends (default capabilities.expiry_s_default)', positiveInt)
    .option('--note <text>', 'sent with the answer to the agent')
    .option('--json', 'machine-readable output')
    .action(async (request_id: string, opts: { scope?: string; budget?: number; expiresInS?: number; note?: string }, command: Command) => {
      const input = { request_id, scope: opts.scope, budget: opts.budget ?? null, expires_in_s: opts.expiresInS, note: opts.note };
      const body = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
      const result = await writeWorld<Answered>(command, {
        api: (url, token) => throughApi(url, token, '/capabilities/approve', body),
        direct: (world) => answered(world.kernel.capabilities.approve(input, { actor: OPERATOR })),
      });
      report(command, result);
    });

  program
    .command('deny <request> <reason>')
    .description('refuse a pending capability request with a reason the agent hears')
    .option('--json', 'machine-readable output')
    .action(async (request_id: string, reason: string, _opts, command: Command) => {
      const result = await writeWorld<Answered>(command, {
        api: (url, token) => throughApi(url, token, '/capabilities/deny', { request_id, reason }),
        direct: (world) => answered(world.kernel.capabilities.deny({ request_id, reason }, { actor: OPERATOR })),
      });
      report(command, result);
    });
}
