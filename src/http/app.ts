// Builds the HTTP application: schema validation and OpenAPI from zod, cookies, the request
// guard (caller, media type, size and timeout decided before a body is read), the single error
// handler (framework and connection-level errors included), security headers, and every route group.
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { fastifyTrustProxy } from '../config/index.js';
import type { AppContext } from './context.js';
import { handleClientError, renderError, renderFrameworkError } from './errors.js';
import { parseJsonBody } from './json-body.js';
import { registerRequestGuard } from './request-guard.js';
import { activityRoutes } from './routes/activity.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { customFieldRoutes } from './routes/custom-field.routes.js';
import { customerRoutes } from './routes/customer.routes.js';
import { duplicatesRoutes } from './routes/duplicates.routes.js';
import { organizationRoutes } from './routes/organization.routes.js';
import { mergeRoutes } from './routes/merge.routes.js';
import { dealRoutes } from './routes/deal.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { hubspotRoutes } from './routes/hubspot.routes.js';
import { hubspotWebhookRoutes } from './routes/hubspot-webhooks.routes.js';
import { ownerRoutes } from './routes/owners.routes.js';
import { dealStageRoutes } from './routes/deal-stages.routes.js';
import { syncRoutes } from './routes/sync.routes.js';
import { tagRoutes } from './routes/tag.routes.js';
import { workspaceRoutes } from './routes/workspace.routes.js';
import { webhookEndpointRoutes } from './routes/webhook-endpoints.routes.js';
import { registerSecurityHeaders } from './security-headers.js';

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
    // Request bodies are timed by the request guard (src/http/request-guard.ts), per route: a
    // server-wide requestTimeout would also cut a long CSV upload. Headers must arrive in time.
    http: {
      headersTimeout: ctx.config.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(ctx.config.requestTimeoutMs / 4))),
      // Node would answer a missing Host with a bare 400; the request guard answers in the envelope.
      requireHostHeader: false,
    },
    clientErrorHandler: handleClientError,
    frameworkErrors: renderFrameworkError,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON is parsed by our parser (UTF-8 only, prototype keys named); text/plain is not JSON.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  // CSV uploads are streamed to the importer, never buffered whole.
  app.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));
  app.setErrorHandler((error, request, reply) => reply.send(renderError(error instanceof Error ? error : new Error(String(error)), request, reply)));
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}.` } });
  });

  await app.register(cookie);
  // Before any route group or plugin, so every route inherits the hooks.
  app.decorateRequest('caller', null);
  registerRequestGuard(app, ctx);
  registerSecurityHeaders(app);
  await app.register(swagger, {
    openapi: {
      info: { title: 'hubsync API', version: '0.1.0', description: 'Customers, organizations, HubSpot connection, field mapping and sync.' },
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

  await app.register(healthRoutes(ctx));
  await app.register(authRoutes(ctx));
  await app.register(workspaceRoutes(ctx));
  await app.register(customFieldRoutes(ctx));
  await app.register(customerRoutes(ctx));
  await app.register(duplicatesRoutes(ctx));
  await app.register(organizationRoutes(ctx));
  await app.register(mergeRoutes(ctx));
  await app.register(dealRoutes(ctx));
  await app.register(activityRoutes(ctx));
  await app.register(hubspotRoutes(ctx));
  await app.register(hubspotWebhookRoutes(ctx));
  await app.register(ownerRoutes(ctx));
  await app.register(dealStageRoutes(ctx));
  await app.register(syncRoutes(ctx));
  await app.register(tagRoutes(ctx));
  await app.register(webhookEndpointRoutes(ctx));
  for (const group of options.routes ?? []) await app.register(group);

  return app;
}
