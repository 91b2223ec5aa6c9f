// POST /mcp: Agora as an MCP server over Streamable HTTP, on the official SDK, stateless (a
// fresh transport per request, JSON answers, no session to lose). The caller is
// whoever the API's auth made of this request: an execution's channel, a bearer token, or no
// one. A tool call is its HTTP twin injected as that caller (tool-bridge.ts). The Host/Origin
// check (host-check.ts) has already run: it is the API's first hook. docs/mcp.md.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
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

/**
 * An SDK server with its handlers registered, used by one request at a time: the SDK's Protocol
 * holds one transport and keys in-flight requests by JSON-RPC id (every stateless client sends
 * id 1), so concurrent requests need servers of their own. Building one per request cost most
 * of MCP's added latency (each built its own Ajv, ~2 ms of CPU), so they are pooled and reused:
 * per request only the transport is new. `caller` is set for the request it is serving.
 */
interface PooledServer {
  server: Server;
  caller: Caller | null;
}

/** Servers kept for reuse; more are built under a burst of concurrent calls, and dropped after. */
const POOL_KEPT = 8;

class ServerPool {
  private readonly free: PooledServer[] = [];
  // One validator for every server: it is stateless, and the costly part to build.
  private readonly validator = new AjvJsonSchemaValidator();

  constructor(private readonly bridge: () => ToolBridge) {}

  take(): PooledServer {
    return this.free.pop() ?? this.build();
  }

  give(pooled: PooledServer): void {
    pooled.caller = null;
    if (this.free.length < POOL_KEPT) this.free.push(pooled);
  }

  private build(): PooledServer {
    const server = new Server({ name: 'agora', version: AGORA_VERSION }, { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS, jsonSchemaValidator: this.validator });
    const pooled: PooledServer = { server, caller: null };
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: this.bridge().list() }));
    server.setRequestHandler(CallToolRequestSchema, async (request) => {
      const { name, arguments: args } = request.params;
      const bridge = this.bridge();
      if (!bridge.has(name)) throw new McpError(ErrorCode.InvalidParams, `no tool ${name}`);
      return bridge.call(name, (args ?? {}) as Record<string, unknown>, pooled.caller);
    });
    return pooled;
  }
}

export async function mcpRoutes(app: FastifyInstance, catalog: RouteCatalog, root: FastifyInstance): Promise<void> {
  let bridge: ToolBridge | null = null;
  // Built on first use: every route is registered by then.
  const tools = () => (bridge ??= new ToolBridge(root, catalog, AGENT_TOOLS));

  const pool = new ServerPool(tools);
  // Every route is registered once the server is ready: derive the tools' JSON Schemas then,
  // once, rather than on the first call.
  app.addHook('onReady', async () => void tools());

  app.post('/mcp', { config: { auth: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const pooled = pool.take();
    pooled.caller = request.caller;
    // The web-standard transport: Fastify has parsed the body, and answering with its Response
    // ourselves skips a Node-to-web conversion of the request per call (bench/mcp.bench.ts).
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    let reusable = false;
    try {
      await pooled.server.connect(transport);
      const headers = new Headers();
      for (const [k, v] of Object.entries(request.headers)) if (typeof v === 'string') headers.set(k, v);
      const web = new Request(`http://${request.headers.host ?? 'localhost'}/mcp`, { method: 'POST', headers });
      const response = await transport.handleRequest(web, { parsedBody: request.body });
      const body = response.body === null ? '' : Buffer.from(await response.arrayBuffer());
      reusable = true;
      reply.code(response.status);
      response.headers.forEach((value, key) => void reply.header(key, value));
      return reply.send(body);
    } finally {
      // Closing the transport detaches it from the server (the SDK's onclose), so the server
      // can take the next request's. One whose request failed midway is not reused.
      await transport.close().catch(() => undefined);
      if (reusable) pool.give(pooled);
      else void pooled.server.close().catch(() => undefined);
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
