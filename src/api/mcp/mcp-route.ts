// POST /mcp: Agora as an MCP server over Streamable HTTP, on the official SDK, stateless (a
// fresh SDK server and transport per request, JSON answers, no session to lose). The caller is
// whoever the API's auth made of this request: an execution's channel, a bearer token, or no
// one. A tool call is its HTTP twin injected as that caller (tool-bridge.ts). The Host/Origin
// check (host-check.ts) has already run: it is the API's first hook. docs/mcp.md.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance } from 'fastify';
import { AGORA_VERSION } from '../../kernel/kernel.js';
import type { Caller } from '../context.js';
import { AGENT_TOOLS } from './agent-tools.js';
import type { RouteCatalog } from './route-catalog.js';
import { ToolBridge } from './tool-bridge.js';

const INSTRUCTIONS =
  "Agora's agent API as tools: you act as the agent whose execution (or bearer token) this connection is; naming another agent as who acts or pays is refused. Credits are decimals; errors come back as Agora's error shape {error:{code,message,details,retry_after}} with isError.";

function mcpServer(bridge: ToolBridge, caller: Caller | null): Server {
  const server = new Server({ name: 'agora', version: AGORA_VERSION }, { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: bridge.list() }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const { name, arguments: args } = request.params;
    if (!bridge.has(name)) throw new McpError(ErrorCode.InvalidParams, `no tool ${name}`);
    return bridge.call(name, (args ?? {}) as Record<string, unknown>, caller);
  });
  return server;
}

export async function mcpRoutes(app: FastifyInstance, catalog: RouteCatalog, root: FastifyInstance): Promise<void> {
  let bridge: ToolBridge | null = null;
  // Built on first use: every route is registered by then.
  const tools = () => (bridge ??= new ToolBridge(root, catalog, AGENT_TOOLS));

  app.post('/mcp', { config: { auth: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const server = mcpServer(tools(), request.caller);
    // The web-standard transport: Fastify has parsed the body, and answering with its Response
    // ourselves skips a Node-to-web conversion of the request per call (bench/mcp.bench.ts).
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    try {
      await server.connect(transport);
      const headers = new Headers();
      for (const [k, v] of Object.entries(request.headers)) if (typeof v === 'string') headers.set(k, v);
      const web = new Request(`http://${request.headers.host ?? 'localhost'}/mcp`, { method: 'POST', headers });
      const response = await transport.handleRequest(web, { parsedBody: request.body });
      reply.code(response.status);
      response.headers.forEach((value, key) => void reply.header(key, value));
      return reply.send(response.body === null ? '' : Buffer.from(await response.arrayBuffer()));
    } finally {
      void transport.close();
      void server.close();
    }
  });

  // Stateless: no server-to-client stream to open and no session to end (the spec's 405).
  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: '/mcp',
      config: { auth: 'public' },
      schema: { hide: true },
      handler: async (_request, reply) =>
        reply
          .code(405)
          .header('allow', 'POST')
          .send({ jsonrpc: '2.0', error: { code: ErrorCode.ConnectionClosed, message: 'this MCP server is stateless: POST only (no sessions, no server-sent stream)' }, id: null }),
    });
  }
}
