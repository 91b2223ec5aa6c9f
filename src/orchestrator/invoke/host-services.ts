// Agora's own services as artifacts (gap 15): the ledger, discovery, escrow and the event log,
// each with an interface like any tool's (JSON Schemas for input and output), called through the
// same route and the same invoker as any artifact: POST /artifacts/agora:ledger/invoke {tool, args}.
// They exist in every world from its creation (they are Agora's code, not rows an owner could
// transfer or delete), and are served by the host, in-process, not by a sandbox: they only read
// the kernel, each for the call's payer alone (what the payer may read), never for whoever the
// args name. They are in the directory as genesis artifacts owned by system:agora
// (serviceArtifacts, registered through the artifacts domain), and each call leaves the same
// receipts as any call (started, settled or failed) at price 0: nothing is held, nothing moves.
import type { CallClaims } from '../../identity/call-tokens.js';
import { DIRECTORY_KINDS, type ArtifactInterface } from '../../kernel/artifacts/events.js';
import type { Kernel } from '../../kernel/kernel.js';
import { escrowAccount } from '../../kernel/ledger/accounts.js';

export const HOST_SERVICE_PREFIX = 'agora:';

interface ServiceTool {
  name: string;
  description: string;
  input_schema: object;
  output_schema: object;
  handle(kernel: Kernel, args: Record<string, unknown>, payer_id: string, claims: CallClaims | null): unknown;
}

export interface HostService {
  id: string;
  name: string;
  description: string;
  tools: ServiceTool[];
}

const limit = (max: number) => ({ type: 'integer', minimum: 1, maximum: max });
const LIST_MAX = 100;

export const HOST_SERVICES: readonly HostService[] = [
  {
    id: 'agora:ledger',
    name: 'ledger',
    description: "The payer's balance and ledger history (µcr).",
    tools: [
      {
        name: 'balance',
        description: "The payer's spendable balance and escrow, µcr",
        input_schema: { type: 'object', additionalProperties: false },
        output_schema: { type: 'object', properties: { agent_id: { type: 'string' }, balance_ucr: { type: 'integer' }, escrow_ucr: { type: 'integer' } }, required: ['agent_id', 'balance_ucr', 'escrow_ucr'] },
        handle: (k, _args, payer) => ({ agent_id: payer, balance_ucr: k.ledger.agentBalance(payer), escrow_ucr: k.ledger.balance(escrowAccount(payer)) ?? 0 }),
      },
      {
        name: 'history',
        description: "The payer's latest postings, newest first",
        input_schema: { type: 'object', properties: { limit: limit(LIST_MAX) }, additionalProperties: false },
        output_schema: { type: 'object', properties: { items: { type: 'array' } }, required: ['items'] },
        handle: (k, args, payer) => ({ items: k.ledger.history([payer, escrowAccount(payer)], { limit: (args.limit as number | undefined) ?? 20 }) }),
      },
    ],
  },
  {
    id: 'agora:discovery',
    name: 'discovery',
    description: 'Search the directory and read an artifact\'s metadata and interface, as the payer may see them.',
    tools: [
      {
        name: 'search',
        description: 'Artifacts matching the filters, ranked as GET /artifacts ranks them',
        input_schema: {
          type: 'object',
          properties: { q: { type: 'string', maxLength: 500 }, kind: { enum: [...DIRECTORY_KINDS] }, tag: { type: 'string', maxLength: 100 }, tool: { type: 'string', maxLength: 64 }, limit: limit(LIST_MAX) },
          additionalProperties: false,
        },
        output_schema: { type: 'object', properties: { items: { type: 'array' } }, required: ['items'] },
        handle: (k, args, payer) => {
          const page = k.artifacts.reads.search(
            {
              ...(typeof args.q === 'string' ? { q: args.q } : {}),
              ...(typeof args.kind === 'string' ? { kind: args.kind as 'code' } : {}),
              ...(typeof args.tag === 'string' ? { tag: args.tag } : {}),
              ...(typeof args.tool === 'string' ? { tool: args.tool } : {}),
              limit: (args.limit as number | undefined) ?? 20,
            },
            payer,
          );
          return { items: page.entries };
        },
      },
      {
        name: 'info',
        description: "An artifact's metadata and its latest interface (never content or code)",
        input_schema: { type: 'object', properties: { artifact_id: { type: 'string', maxLength: 128 } }, required: ['artifact_id'], additionalProperties: false },
        output_schema: { type: 'object', properties: { artifact: { type: 'object' }, interface: {} }, required: ['artifact'] },
        handle: (k, args, payer) => {
          const artifact = k.artifacts.requireLive(String(args.artifact_id));
          if (!k.artifacts.reads.visible(artifact, payer)) return { artifact: { id: artifact.id, visible: false }, interface: null };
          return { artifact, interface: k.artifacts.version(artifact.id, artifact.latest_version)?.interface ?? null };
        },
      },
    ],
  },
  {
    id: 'agora:escrow',
    name: 'escrow',
    description: 'What the payer has held in escrow, and what the calling call may still spend on nested calls.',
    tools: [
      {
        name: 'held',
        description: "The payer's escrow and the call's remaining budget, µcr",
        input_schema: { type: 'object', additionalProperties: false },
        output_schema: { type: 'object', properties: { escrow_ucr: { type: 'integer' }, call_budget_ucr: { type: ['integer', 'null'] } }, required: ['escrow_ucr', 'call_budget_ucr'] },
        handle: (k, _args, payer, claims) => {
          const call = claims === null ? null : k.artifacts.calls.get(claims.call_id);
          return { escrow_ucr: k.ledger.balance(escrowAccount(payer)) ?? 0, call_budget_ucr: call === null ? null : Math.max(0, call.held_ucr - call.quoted_ucr) };
        },
      },
    ],
  },
  {
    id: 'agora:events',
    name: 'event log',
    description: 'The latest journal events the payer acted in or is named in, newest first.',
    tools: [
      {
        name: 'recent',
        description: 'Events about the payer, newest first',
        input_schema: { type: 'object', properties: { types: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 32 }, limit: limit(LIST_MAX) }, additionalProperties: false },
        output_schema: { type: 'object', properties: { items: { type: 'array' } }, required: ['items'] },
        handle: (k, args, payer) => {
          const want = (args.limit as number | undefined) ?? 20;
          const items: { seq: number; type: string; at_ms: number; data: unknown }[] = [];
          for (const row of k.journal.scanBackwards({ types: (args.types as string[] | undefined) ?? null, mentioning: payer })) {
            const data = JSON.parse(row.data) as Record<string, unknown>;
            // The scan is a superset (any mention as a string): keep what is the payer's own.
            const own = row.actor === payer || ['agent_id', 'payer_id', 'from_id', 'to_id', 'owner_id', 'caller_id'].some((f) => data[f] === payer);
            if (!own) continue;
            items.push({ seq: row.seq, type: row.type, at_ms: row.at_ms, data });
            if (items.length >= want) break;
          }
          return { items };
        },
      },
    ],
  },
];

/** The services as the directory lists them: genesis artifacts with interfaces, every tool free. */
export function serviceArtifacts(): { artifact_id: string; name: string; description: string; tags: string[]; interface: ArtifactInterface }[] {
  return HOST_SERVICES.map((s) => ({
    artifact_id: s.id,
    name: `agora ${s.name}`,
    description: s.description,
    tags: ['agora', 'service', s.name.replace(/\s+/g, '-')],
    interface: {
      tools: s.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.input_schema as Record<string, unknown>, output_schema: t.output_schema as Record<string, unknown>, pricing: { kind: 'fixed' as const, price_ucr: 0 } })),
    },
  }));
}

export function hostService(artifact_id: string): HostService | null {
  return HOST_SERVICES.find((s) => s.id === artifact_id) ?? null;
}
