// `agora artifacts` (the directory, filtered like GET /artifacts) and `agora artifact ID` (one
// artifact: metadata, interface, versions, usage; never its content). The operator's view:
// every artifact is listed. Names, descriptions and tags are agents' text: printed inert.
import type { Command } from 'commander';
import { AgoraError } from '../base/errors.js';
import { microToCredits } from '../kernel/ledger/money.js';
import { inert } from './inert.js';
import { positiveInt } from './options.js';
import { printOutput } from './output.js';
import { formatTable } from './table.js';
import { withWorld } from './world-access.js';
import { DIRECTORY_KINDS } from '../kernel/artifacts/events.js';

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

export function registerArtifactCommands(program: Command): void {
  program
    .command('artifacts')
    .description('the artifact directory: ranked by verified successes, then price, then recency')
    .option('--kind <kind>', 'data, code, contract or agent')
    .option('--tag <tag>', 'only artifacts with this tag')
    .option('--owner <agent>', 'only artifacts this agent owns')
    .option('--tool <name>', 'only code whose interface has this tool')
    .option('--q <text>', 'full text over name, description, tags and interface')
    .option('--deleted', 'include tombstones')
    .option('-n, --limit <n>', 'rows', positiveInt, 50)
    .option('--json', 'machine-readable output')
    .action((_opts, command: Command) =>
      withWorld(command, (world, options) => {
        const kind = options.kind as string | undefined;
        if (kind !== undefined && !(DIRECTORY_KINDS as readonly string[]).includes(kind)) throw new AgoraError('INVALID_ARGS', `--kind is ${DIRECTORY_KINDS.slice(0, -1).join(', ')} or ${DIRECTORY_KINDS.at(-1)}`);
        const page = world.kernel.artifacts.reads.search(
          {
            ...(kind === undefined ? {} : { kind: kind as 'data' }),
            ...(options.tag === undefined ? {} : { tag: options.tag as string }),
            ...(options.owner === undefined ? {} : { owner_id: options.owner as string }),
            ...(options.tool === undefined ? {} : { tool: options.tool as string }),
            ...(options.q === undefined ? {} : { q: options.q as string }),
            include_deleted: options.deleted === true,
            limit: options.limit as number,
          },
          null,
        );
        const rows = page.entries.map((e) =>
          e.kind === 'agent'
            ? { id: e.id, kind: 'agent', owner: e.id, name: '', status: e.status, version: null, call_price: null, successes: null, tags: [] as string[], description: e.description }
            : { id: e.id, kind: e.kind, owner: e.owner_id, name: e.name, status: e.status, version: e.latest_version, call_price: microToCredits(e.call_price_ucr), successes: e.successes, tags: e.tags, description: e.description },
        );
        const text = formatTable(
          ['id', 'kind', 'owner', 'name', 'status', 'v', 'call_price', 'successes', 'tags'],
          rows.map((r) => [r.id, r.kind, r.owner, r.name, r.status, r.version ?? '-', r.call_price ?? '-', r.successes ?? '-', r.tags.join(',')]),
        );
        printOutput({ items: rows, more: page.next_offset !== null }, rows.length === 0 ? 'no artifacts' : text, options.json);
      }),
    );

  program
    .command('artifact')
    .argument('<id>', 'artifact id')
    .description('one artifact: metadata, interface, versions and usage (never its content)')
    .option('--json', 'machine-readable output')
    .action((id: string, _opts, command: Command) =>
      withWorld(command, (world, options) => {
        const artifacts = world.kernel.artifacts;
        const a = artifacts.get(id);
        if (a === null) throw new AgoraError('NOT_FOUND', `no artifact ${id}`);
        const latest = artifacts.version(a.id, a.latest_version);
        const versions = artifacts.reads.versions(a.id, 20);
        const usage = artifacts.reads.usage(a.id);
        const tools = (latest?.interface?.tools ?? []).map((t) => ({
          name: t.name,
          description: t.description,
          pricing: t.pricing.kind === 'fixed' ? `fixed ${microToCredits(t.pricing.price_ucr)}` : `capped at ${microToCredits(t.pricing.cap_ucr)}`,
          input_schema: t.input_schema,
          output_schema: t.output_schema,
        }));
        const json = {
          artifact: { ...a, price_read: microToCredits(a.price_read_ucr), call_price: microToCredits(a.call_price_ucr) },
          tools,
          versions: versions.map((v) => ({ version: v.version, content_hash: v.content_hash, bytes: v.bytes, created_by: v.created_by, created_at: iso(v.created_at_ms) })),
          usage: { ...usage, earned: microToCredits(usage.earned_ucr) },
        };
        const text = [
          `${a.id}  ${a.kind}  ${a.status === 'deleted' ? `DELETED at ${iso(a.deleted_at_ms)} by ${a.deleted_by}` : 'live'}`,
          `name: ${inert(a.name)}`,
          `owner: ${a.owner_id} (created by ${a.created_by})`,
          `description: ${inert(a.description)}`,
          `tags: ${inert(a.tags.join(', '))}`,
          `access contract: ${inert(a.access_contract_id)}; read price ${microToCredits(a.price_read_ucr)}; holds ${a.bytes_held} bytes`,
          `usage: ${usage.calls} calls, ${usage.successes} ok, failures ${JSON.stringify(usage.failures)}, ${usage.distinct_callers} callers, earned ${microToCredits(usage.earned_ucr)}, median ${usage.median_duration_ms ?? '-'} ms`,
          '',
          tools.length === 0 ? 'no tools' : formatTable(['tool', 'pricing', 'description'], tools.map((t) => [t.name, t.pricing, t.description])),
          '',
          formatTable(['version', 'content_hash', 'bytes', 'by', 'at'], json.versions.map((v) => [v.version, v.content_hash, v.bytes, v.created_by, v.created_at])),
        ].join('\n');
        printOutput(json, text, options.json);
      }),
    );
}
