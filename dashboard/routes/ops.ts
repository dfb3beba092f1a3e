import type { FastifyInstance } from 'fastify';
import type { PurnaMetrics } from '../../core/metrics.ts';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<{ ok: boolean; detail?: string }>;
}

/**
 * Operator endpoints, outside /api and without a login (as orchestrators and Prometheus expect):
 * /healthz (the process answers), /readyz (every dependency ready: 503 names what is not),
 * /metrics (Prometheus text format). They reveal counts, never telemetry or customer data.
 */
export async function opsRoutes(app: FastifyInstance, opts: { metrics: PurnaMetrics; readiness: ReadinessCheck[] }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const results = await Promise.all(
      opts.readiness.map(async (r) => {
        try {
          return { name: r.name, ...(await r.check()) };
        } catch (err) {
          return { name: r.name, ok: false, detail: (err as Error).message };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
}
