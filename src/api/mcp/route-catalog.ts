// Every route the API registers, with its zod schemas, as Fastify announces them (onRoute).
// The MCP tools are read from here, so a tool's input schema is its HTTP route's own schema:
// one source, no restating (docs/mcp.md, "Tools").
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { ZodType } from 'zod';

export interface CatalogRoute {
  method: string;
  url: string;
  summary: string;
  description: string | undefined;
  params: ZodType | undefined;
  querystring: ZodType | undefined;
  body: ZodType | undefined;
}

export class RouteCatalog {
  private readonly routes = new Map<string, CatalogRoute>();

  /** Call before any route plugin registers: hooks added later miss the routes added earlier. */
  static collect(app: FastifyInstance): RouteCatalog {
    const catalog = new RouteCatalog();
    app.addHook('onRoute', (route) => catalog.add(route));
    return catalog;
  }

  private add(route: RouteOptions): void {
    const schema = (route.schema ?? {}) as { summary?: string; description?: string; params?: ZodType; querystring?: ZodType; body?: ZodType };
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      this.routes.set(`${method} ${route.url}`, {
        method,
        url: route.url,
        summary: schema.summary ?? '',
        description: schema.description,
        params: schema.params,
        querystring: schema.querystring,
        body: schema.body,
      });
    }
  }

  /** `key` is `METHOD /url` as registered, e.g. `GET /economic/balance/:agent_id`. */
  get(key: string): CatalogRoute | undefined {
    return this.routes.get(key);
  }
}
