import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import ipaddr from 'ipaddr.js';
import type { PurnaMetrics } from '../../core/metrics.ts';
import type { ReadinessCheck } from '../../core/readiness.ts';

/** Who may read /metrics: the bearer token when one is set, else these client addresses. */
export interface MetricsAccess {
  /** PURNA_METRICS_TOKEN; empty: no token, the address decides. */
  token: string;
  /** PURNA_METRICS_ALLOW_FROM: addresses and CIDR ranges (default loopback). */
  allowFrom: readonly string[];
}

/**
 * Operator endpoints, outside /api and without a login (as orchestrators and Prometheus expect):
 * /healthz (the process answers), /readyz (every dependency ready: 503 names what is not),
 * /metrics (Prometheus text format). They reveal counts, never telemetry or customer data; still,
 * /metrics (traffic, clients, work orders, process internals) is for Prometheus only (issue 18):
 * with a token set, `Authorization: Bearer <token>` from anywhere (401 otherwise); without one,
 * loopback only (PURNA_METRICS_ALLOW_FROM; 403 otherwise).
 */
export async function opsRoutes(
  app: FastifyInstance,
  opts: { metrics: PurnaMetrics; readiness: ReadinessCheck[]; metricsAccess: MetricsAccess },
): Promise<void> {
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

  app.get('/metrics', { onRequest: metricsGuard(opts.metricsAccess) }, async (_request, reply) => {
    reply.header('content-type', opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
}

function metricsGuard(access: MetricsAccess): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  // Compared as SHA-256 digests: equal length, so timingSafeEqual tells nothing about the token's length.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = access.token ? digest(access.token) : null;
  const ranges = access.allowFrom.map((e) => {
    if (ipaddr.isValidCIDR(e)) return ipaddr.parseCIDR(e);
    const ip = ipaddr.process(e);
    return [ip, ip.kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number];
  });
  const allowedAddress = (address: string) => {
    if (!ipaddr.isValid(address)) return false;
    // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d.
    const ip = ipaddr.process(address);
    return ranges.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits));
  };
  return async (request, reply) => {
    if (expected) {
      const [scheme, presented] = (request.headers.authorization ?? '').split(' ');
      if (scheme?.toLowerCase() === 'bearer' && presented && timingSafeEqual(digest(presented), expected)) return;
      reply.header('www-authenticate', 'Bearer realm="purna-metrics"');
      return reply.code(401).send({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'metrics need Authorization: Bearer <PURNA_METRICS_TOKEN>',
      });
    }
    // The client's address: the socket's, or behind a proxy listed in PURNA_TRUST_PROXY the one it
    // forwards (else a proxy on loopback would open /metrics to everyone behind it). fastify believes
    // X-Forwarded-For only from those proxies, so a client cannot name its own address.
    if (allowedAddress(request.ip)) return;
    return reply.code(403).send({
      statusCode: 403,
      error: 'Forbidden',
      message: `metrics are served to ${access.allowFrom.join(', ') || 'nobody'} without a token; set PURNA_METRICS_TOKEN to scrape from elsewhere`,
    });
  };
}
