// Builds the HTTP application: schema validation and OpenAPI from zod, cookies, caller
// identification, the single error handler, and every route group.
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { fastifyTrustProxy } from '../config/index.js';
import { identifyCaller } from './caller.js';
import type { AppContext } from './context.js';
import { renderError } from './errors.js';
import { authRoutes } from './routes/auth.routes.js';
import { customFieldRoutes } from './routes/custom-field.routes.js';
import { customerRoutes } from './routes/customer.routes.js';
import { hubspotRoutes } from './routes/hubspot.routes.js';
import { syncRoutes } from './routes/sync.routes.js';
import { workspaceRoutes } from './routes/workspace.routes.js';

export type RouteGroup = (app: FastifyInstance) => Promise<void>;

export interface BuildAppOptions {
  /** Extra route groups from other modules (the HubSpot integration, sync, web UI). */
  routes?: RouteGroup[];
  logger?: boolean | { level: string };
  logStream?: NodeJS.WritableStream;
}

export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : {
            level: typeof options.logger === 'object' ? options.logger.level : ctx.config.logLevel,
            // Credentials must never reach a log line.
            redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' },
            ...(options.logStream ? { stream: options.logStream } : {}),
          },
    bodyLimit: ctx.config.bodyLimitBytes,
    trustProxy: fastifyTrustProxy(ctx.config.trustProxy),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // CSV uploads are streamed to the importer, never buffered whole.
  app.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));
  app.setErrorHandler((error, request, reply) => reply.send(renderError(error instanceof Error ? error : new Error(String(error)), request, reply)));
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}.` } });
  });

  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      info: { title: 'hubsync API', version: '0.1.0', description: 'Customers, HubSpot connection, field mapping and sync.' },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Workspace API key (hsk_…)' },
          session: { type: 'apiKey', in: 'cookie', name: 'hubsync_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/') || request.url.startsWith('/api/docs')) return;
    await identifyCaller(ctx, request);
  });

  app.get('/api/health', { schema: { tags: ['health'], summary: 'Liveness: the service and its database answer' } }, async () => {
    await ctx.db.selectFrom('workspaces').select('id').limit(1).execute();
    return { status: 'ok', database: ctx.config.database.kind };
  });

  await app.register(authRoutes(ctx));
  await app.register(workspaceRoutes(ctx));
  await app.register(customFieldRoutes(ctx));
  await app.register(customerRoutes(ctx));
  await app.register(hubspotRoutes(ctx));
  await app.register(syncRoutes(ctx));
  for (const group of options.routes ?? []) await app.register(group);

  return app;
}
