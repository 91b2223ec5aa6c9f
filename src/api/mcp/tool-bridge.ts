// Turns routes into MCP tools and tool calls into their routes' requests. A tool's arguments
// are the route's path parameters, query and body fields side by side in one object (what an
// LLM fills in best); a call splits them back by the schema each name belongs to and injects
// the request into Fastify as the MCP caller (delegation.ts). The route validates it with its
// own schema, so an MCP call is checked, journaled, charged and limited exactly as over HTTP.
import type { FastifyInstance } from 'fastify';
import { z, type ZodType } from 'zod';
import type { Caller } from '../context.js';
import { DELEGATION_HEADER, delegate } from './delegation.js';
import type { CatalogRoute, RouteCatalog } from './route-catalog.js';
import type { ToolRoute } from './agent-tools.js';

type JsonSchema = { type?: string; properties?: Record<string, unknown>; required?: string[]; [k: string]: unknown };

export interface McpToolDef {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[]; [k: string]: unknown };
}

export interface McpToolResult {
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError: boolean;
  [k: string]: unknown;
}

/** The object a body schema accepts: a union's first object member (the current form of the route's body). */
function objectOf(schema: ZodType | undefined): z.ZodObject | undefined {
  if (schema === undefined) return undefined;
  if (schema instanceof z.ZodObject) return schema;
  if (schema instanceof z.ZodUnion) {
    for (const option of schema.options) if (option instanceof z.ZodObject) return option;
  }
  return undefined;
}

function jsonSchema(schema: ZodType): JsonSchema {
  // Input side: coercions and defaults as a caller sends them.
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
}

interface BoundTool {
  def: McpToolDef;
  route: CatalogRoute;
  paramKeys: Set<string>;
  queryKeys: Set<string>;
  /** Body fields go in a `body` argument when the body is not an object. */
  bodyAsArgument: boolean;
}

export class ToolBridge {
  private readonly tools = new Map<string, BoundTool>();

  constructor(
    private readonly app: FastifyInstance,
    catalog: RouteCatalog,
    tools: readonly ToolRoute[],
  ) {
    for (const t of tools) {
      const route = catalog.get(t.route);
      if (route === undefined) throw new Error(`MCP tool ${t.name} names route ${t.route}, which is not registered`);
      this.tools.set(t.name, bind(t.name, route));
    }
  }

  list(): McpToolDef[] {
    return [...this.tools.values()].map((t) => t.def);
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  /** The route's answer as a tool result: its JSON as text (and structured), an error shape as isError. */
  async call(name: string, args: Record<string, unknown>, caller: Caller | null): Promise<McpToolResult> {
    const tool = this.tools.get(name)!;
    const request = requestOf(tool, args);
    if ('error' in request) return refusal(request.error);
    const { url, body } = request;
    const grant = delegate(caller);
    try {
      const response = await this.app.inject({
        method: tool.route.method as 'GET',
        url,
        headers: { [DELEGATION_HEADER]: grant.key, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
      const text = response.payload;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const structured = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
      return { content: [{ type: 'text', text }], ...(structured !== undefined ? { structuredContent: structured } : {}), isError: response.statusCode >= 400 };
    } finally {
      grant.release();
    }
  }
}

function bind(name: string, route: CatalogRoute): BoundTool {
  const properties: Record<string, unknown> = {};
  const required = new Set<string>();
  const keysOf = (schema: ZodType | undefined): Set<string> => {
    const obj = objectOf(schema);
    if (obj === undefined) return new Set();
    const js = jsonSchema(obj);
    Object.assign(properties, js.properties ?? {});
    for (const r of js.required ?? []) required.add(r);
    return new Set(Object.keys(obj.shape));
  };
  const paramKeys = keysOf(route.params);
  const queryKeys = keysOf(route.querystring);
  let bodyAsArgument = false;
  if (route.body !== undefined) {
    if (objectOf(route.body) !== undefined) keysOf(route.body);
    else {
      bodyAsArgument = true;
      properties.body = jsonSchema(route.body);
      required.add('body');
    }
  }
  const description = [route.summary, route.description].filter((s) => s !== undefined && s !== '').join('. ') + ` (HTTP: ${route.method} ${route.url})`;
  return {
    def: { name, description, inputSchema: { type: 'object', properties, ...(required.size > 0 ? { required: [...required] } : {}) } },
    route,
    paramKeys,
    queryKeys,
    bodyAsArgument,
  };
}

/** Agora's one error shape, as the route would have answered it. */
function refusal(message: string): McpToolResult {
  const text = JSON.stringify({ error: { code: 'INVALID_ARGS', message, details: null, retry_after: null } });
  return { content: [{ type: 'text', text }], structuredContent: JSON.parse(text) as Record<string, unknown>, isError: true };
}

function requestOf(tool: BoundTool, args: Record<string, unknown>): { url: string; body: unknown } | { error: string } {
  let url = tool.route.url;
  const query = new URLSearchParams();
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (tool.paramKeys.has(key)) url = url.replace(`:${key}`, encodeURIComponent(String(value)));
    else if (tool.queryKeys.has(key)) query.append(key, typeof value === 'string' ? value : JSON.stringify(value));
    else body[key] = value;
  }
  const missing = /:([A-Za-z_]+)/.exec(url);
  if (missing !== null) return { error: `${missing[1]} is required` };
  const qs = query.toString();
  const hasBody = tool.route.body !== undefined;
  const extra = Object.keys(body);
  if (!hasBody && extra.length > 0) return { error: `unknown argument ${extra.join(', ')}: this tool takes ${[...tool.paramKeys, ...tool.queryKeys].join(', ') || 'none'}` };
  return { url: qs === '' ? url : `${url}?${qs}`, body: !hasBody ? undefined : tool.bodyAsArgument ? body.body : body };
}
