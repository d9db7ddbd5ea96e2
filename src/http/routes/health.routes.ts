// Probes and metrics for whoever runs hubsync: GET /api/health/live (the process answers; it
// checks nothing else, so a database outage never gets the process restarted),
// GET /api/health/ready (the database and the job backend answer, each within READY_TIMEOUT_MS,
// so a hung database fails the probe instead of hanging it) and GET /metrics (Prometheus text,
// only with HUBSYNC_METRICS=on, behind HUBSYNC_METRICS_TOKEN when set). GET /api/health stays
// as it was (the database answers).
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { AppError, withDeadline } from '../../lib/index.js';
import { metricsTokenMatches } from '../../metrics/index.js';
import type { AppContext } from '../context.js';

/** How long readiness waits for each dependency. */
export const READY_TIMEOUT_MS = 2_000;

type Check = { ok: true } | { ok: false; error: string };

async function check(work: () => Promise<unknown>, what: string): Promise<Check> {
  try {
    await withDeadline(work(), READY_TIMEOUT_MS, what);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

export function healthRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/api/health', { config: { caller: 'optional' }, schema: { tags: ['health'], summary: 'The service and its database answer' } }, async () => {
      await ctx.db.selectFrom('workspaces').select('id').limit(1).execute();
      return { status: 'ok', database: ctx.config.database.kind };
    });

    app.get('/api/health/live', { config: { caller: 'none' }, schema: { tags: ['health'], summary: 'Liveness: the process answers (no dependency is checked)' } }, async () => ({ status: 'ok' }));

    app.get(
      '/api/health/ready',
      { config: { caller: 'none' }, schema: { tags: ['health'], summary: 'Readiness: the database and the job backend answer (503 naming what failed otherwise)' } },
      async () => {
        const [database, jobs] = await Promise.all([check(() => sql`select 1`.execute(ctx.db), 'the database'), check(() => ctx.jobs.counts(), `the job backend (${ctx.jobs.backend})`)]);
        const checks = { database, jobs };
        const failed = Object.entries(checks).filter(([, c]) => !c.ok).map(([name]) => name);
        if (failed.length > 0) {
          throw new AppError('NOT_READY', `Not ready: ${failed.join(' and ')} did not answer.`, { failed, checks });
        }
        return { status: 'ready', database: ctx.config.database.kind, jobs: ctx.jobs.backend, checks };
      },
    );

    app.get('/metrics', { config: { caller: 'none' }, schema: { hide: true } }, async (request, reply) => {
      const metrics = ctx.metrics;
      // Off (the default): as if the route did not exist, not even for the web UI's fallback.
      if (!metrics) throw new AppError('ROUTE_NOT_FOUND', 'No route GET /metrics.');
      const token = ctx.config.metrics.token;
      if (token !== undefined) {
        if (!metricsTokenMatches(request.headers.authorization, token)) {
          reply.header('www-authenticate', 'Bearer realm="metrics"');
          throw new AppError('UNAUTHENTICATED', 'GET /metrics needs Authorization: Bearer <HUBSYNC_METRICS_TOKEN>.');
        }
      }
      reply.header('cache-control', 'no-store');
      reply.type(metrics.contentType);
      return metrics.render();
    });
  };
}
