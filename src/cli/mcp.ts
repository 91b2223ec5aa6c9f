// `agora mcp`: an MCP server on stdio for the operator's own LLM client (desktop assistants,
// IDEs). Each tool is one operator route of the running world's API, called with the operator
// token; its input schema is that route's, read from the running API's /openapi.json (which
// the routes' zod schemas generate), so nothing is restated here. docs/mcp.md, "agora mcp".
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Command } from 'commander';
import { AgoraError } from '../base/errors.js';
import { AGORA_VERSION } from '../kernel/kernel.js';
import { openWorld } from '../orchestrator/open-world.js';
import { loadCliConfig } from './options.js';
import { runningApiUrl } from './running-world.js';
import type { CommandOptions } from './world-access.js';

/** The operator's tools: name, route as the API registers it (`:param` in the path). */
export const OPERATOR_TOOLS: readonly { name: string; method: 'GET' | 'POST'; path: string }[] = [
  { name: 'status', method: 'GET', path: '/operator/summary' },
  { name: 'agents', method: 'GET', path: '/operator/agents' },
  { name: 'agent', method: 'GET', path: '/operator/agents/:agent_id' },
  { name: 'markets', method: 'GET', path: '/market/state' },
  { name: 'order_book', method: 'GET', path: '/market/bids' },
  { name: 'artifacts', method: 'GET', path: '/artifacts' },
  { name: 'prompts', method: 'GET', path: '/human/prompts' },
  { name: 'reward', method: 'POST', path: '/human/reward' },
  { name: 'events', method: 'GET', path: '/operator/events' },
  { name: 'kpis', method: 'GET', path: '/operator/kpis' },
  { name: 'capability_requests', method: 'GET', path: '/capabilities/requests' },
];

interface OpenApiOperation {
  summary?: string;
  description?: string;
  parameters?: { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema?: unknown; description?: string }[];
  requestBody?: { content?: { 'application/json'?: { schema?: { properties?: Record<string, unknown>; required?: string[] } } } };
}

interface OperatorTool {
  name: string;
  method: string;
  path: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[] };
  in: Record<string, 'path' | 'query' | 'body'>;
}

/** The operator tools with the input schemas of their routes as the running API documents them. */
export function operatorTools(openapi: { paths: Record<string, Record<string, OpenApiOperation>> }): OperatorTool[] {
  return OPERATOR_TOOLS.map((t) => {
    const op = openapi.paths[t.path.replace(/:([A-Za-z_]+)/g, '{$1}')]?.[t.method.toLowerCase()];
    if (op === undefined) throw new AgoraError('INTERNAL', `the running API has no ${t.method} ${t.path} (an older Agora?)`);
    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    const where: OperatorTool['in'] = {};
    for (const p of op.parameters ?? []) {
      if (p.in === 'header') continue;
      properties[p.name] = { ...(p.schema as object), ...(p.description !== undefined ? { description: p.description } : {}) };
      if (p.required === true) required.push(p.name);
      where[p.name] = p.in;
    }
    const body = op.requestBody?.content?.['application/json']?.schema;
    for (const [k, v] of Object.entries(body?.properties ?? {})) {
      properties[k] = v;
      where[k] = 'body';
    }
    required.push(...(body?.required ?? []));
    const description = [op.summary, op.description].filter((s) => s !== undefined && s !== '').join('. ');
    return { name: t.name, method: t.method, path: t.path, description, inputSchema: { type: 'object', properties, ...(required.length > 0 ? { required } : {}) }, in: where };
  });
}

async function callTool(url: string, token: string, tool: OperatorTool, args: Record<string, unknown>) {
  let path = tool.path;
  const query = new URLSearchParams();
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    const where = tool.in[k];
    if (where === 'path') path = path.replace(`:${k}`, encodeURIComponent(String(v)));
    else if (where === 'query') query.append(k, String(v));
    else if (where === 'body') body[k] = v;
    else throw new McpError(ErrorCode.InvalidParams, `${tool.name} takes no argument ${k}`);
  }
  if (/:[A-Za-z_]+/.test(path)) throw new McpError(ErrorCode.InvalidParams, `${tool.name} needs ${/:([A-Za-z_]+)/.exec(path)![1]}`);
  const qs = query.toString();
  const res = await fetch(`${url}${path}${qs === '' ? '' : `?${qs}`}`, {
    method: tool.method,
    headers: { authorization: `Bearer ${token}`, ...(tool.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(tool.method === 'POST' ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let structured: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) structured = parsed as Record<string, unknown>;
  } catch {
    /* not JSON: text only */
  }
  return { content: [{ type: 'text' as const, text }], ...(structured !== undefined ? { structuredContent: structured } : {}), isError: !res.ok };
}

export async function serveOperatorMcp(url: string, token: string): Promise<void> {
  const openapi = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, Record<string, OpenApiOperation>> };
  const tools = operatorTools(openapi);
  const server = new Server({ name: 'agora-operator', version: AGORA_VERSION }, { capabilities: { tools: {} }, instructions: "The operator's view of a running Agora world: status, agents, markets, artifacts, prompts waiting (answer them with reward), events and KPIs." });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema })) }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const tool = tools.find((t) => t.name === request.params.name);
    if (tool === undefined) throw new McpError(ErrorCode.InvalidParams, `no tool ${request.params.name}`);
    return callTool(url, token, tool, (request.params.arguments ?? {}) as Record<string, unknown>);
  });
  const transport = new StdioServerTransport();
  await server.connect(transport);
  await new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once('end', resolve);
  });
}

export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description("an MCP server on stdio with the operator's tools, for an LLM client; it talks to the running world (agora start) with the operator token")
    .action(async (_opts, command: Command) => {
      const options = command.optsWithGlobals<CommandOptions>();
      const config = loadCliConfig(options);
      const reader = openWorld({ dir: options.world, config, create: false, log_to_file: false });
      let url: string | null;
      const token = reader.operator_token;
      try {
        url = await runningApiUrl(reader.paths.dir, reader.kernel.worldId(), config.server.health_timeout_ms);
      } finally {
        reader.close();
      }
      if (url === null) throw new AgoraError('UNAVAILABLE', `no running world answers at ${options.world}: start it with agora start, then run agora mcp`);
      await serveOperatorMcp(url, token);
    });
}
