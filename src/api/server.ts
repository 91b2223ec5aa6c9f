// Builds the Fastify server: error shape, auth, OpenAPI, then each feature's routes. A new
// feature adds one plugin file under routes/ and one line in `routePlugins`.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { AGORA_VERSION } from '../kernel/kernel.js';
import { registerAuth } from './auth.js';
import type { ApiContext } from './context.js';
import { registerErrorHandling } from './errors.js';
import { registerHostCheck } from './host-check.js';
import { artifactRoutes } from './routes/artifacts.js';
import { attentionRoutes } from './routes/attention.js';
import { capabilityRoutes } from './routes/capabilities.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { economicRoutes } from './routes/economic.js';
import { invokeRoutes } from './routes/invoke.js';
import { packageRoutes } from './routes/packages.js';
import { llmRoutes } from './routes/llm.js';
import { historyRoutes } from './routes/history.js';
import { marketRoutes } from './routes/market.js';
import { operatorRoutes } from './routes/operator.js';
import { socialRoutes } from './routes/social.js';
import { systemRoutes } from './routes/system.js';
import { researchRoutes } from './routes/research.js';
import { mcpRoutes } from './mcp/mcp-route.js';
import { RouteCatalog } from './mcp/route-catalog.js';
import { tradeRoutes } from './routes/trade.js';

export type RoutePlugin = (app: FastifyInstance, ctx: ApiContext) => Promise<void>;

const routePlugins: RoutePlugin[] = [systemRoutes, economicRoutes, marketRoutes, attentionRoutes, operatorRoutes, dashboardRoutes, socialRoutes, llmRoutes, researchRoutes, artifactRoutes, invokeRoutes, capabilityRoutes, historyRoutes, tradeRoutes, packageRoutes];

export async function buildServer(ctx: ApiContext, extraPlugins: RoutePlugin[] = []): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: !ctx.config.log.requests }),
    bodyLimit: ctx.config.server.body_limit_bytes,
    requestTimeout: ctx.config.server.request_timeout_ms,
    // Request ids come from a counter: they are correlation ids, not secrets.
    genReqId: (() => {
      let n = 0;
      return () => `req-${(++n).toString(36)}`;
    })(),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  // Before auth and every route: a request for a foreign host name is refused unread.
  registerHostCheck(app, ctx.config);
  registerAuth(app, ctx);
  // Every route's schemas, for the MCP tools built from them (mcp/route-catalog.ts).
  const catalog = RouteCatalog.collect(app);

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Agora API',
        version: AGORA_VERSION,
        description:
          'The API agents and the operator use. Agents are identified by their execution (connection or bearer token); the operator by the operator token. Errors always have the shape {"error": {code, message, details, retry_after}}.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  for (const plugin of [...routePlugins, ...extraPlugins]) {
    await app.register(async (scope) => plugin(scope, ctx));
  }
  await app.register(async (scope) => mcpRoutes(scope, catalog, app));
  app.get('/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}
