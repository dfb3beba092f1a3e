import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Media types this route takes as a request body. Absent: application/json only. */
    accepts?: string[];
  }
}

export interface CsrfOptions {
  /** Origins besides the request's own that may send state-changing requests (PURNA_PUBLIC_URL's, behind a proxy). */
  trustedOrigins?: string[];
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const DEFAULT_ACCEPTS = ['application/json'];

/**
 * Cross-site request forgery: a page elsewhere that makes the browser send a request with the
 * session cookie. SameSite=Lax stops other sites but not a sibling on the same site (another
 * port or subdomain of the host), and an HTML form can post `text/plain` without a CORS
 * preflight; that is how a form once provisioned a device. Two checks on every state-changing
 * request, on the matched route:
 *  - where it comes from: `Sec-Fetch-Site` (every current browser sends it) must be same-origin
 *    (or none: typed by the user); without it, `Origin` must be this server's. A request with
 *    neither is not from a browser. A request that carries `Authorization` is not checked: the
 *    auth hook then ignores the cookie, and a browser never adds that header by itself.
 *  - what it carries: a body of a type its route declares (`config.accepts`, default JSON), so
 *    no form encoding reaches a handler (415).
 */
export async function registerCsrfGuard(app: FastifyInstance, opts: CsrfOptions = {}): Promise<void> {
  const trusted = new Set(opts.trustedOrigins ?? []);
  const refuse = (reply: FastifyReply, status: 403 | 415, message: string) =>
    reply
      .code(status)
      .send({ statusCode: status, error: status === 403 ? 'Forbidden' : 'Unsupported Media Type', message });

  const crossSiteReason = (request: FastifyRequest): string | null => {
    if (request.headers.authorization !== undefined) return null;
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined)
      return site === 'same-origin' || site === 'none'
        ? null
        : `a ${site} request (Sec-Fetch-Site: ${site}) may not change anything here`;
    const origin = request.headers.origin;
    if (origin === undefined) return null;
    if (origin === `${request.protocol}://${request.host}` || trusted.has(origin)) return null;
    return `a request from origin ${origin} may not change anything here`;
  };

  app.addHook('onRequest', async (request, reply) => {
    if (request.is404 || !STATE_CHANGING.has(request.method)) return;
    const reason = crossSiteReason(request);
    if (reason) {
      request.log.warn(
        {
          method: request.method,
          url: request.url,
          origin: request.headers.origin,
          site: request.headers['sec-fetch-site'],
        },
        'cross-site request refused',
      );
      return refuse(reply, 403, `cross-site request refused: ${reason}`);
    }
    const hasBody =
      Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return;
    const accepts = request.routeOptions.config.accepts ?? DEFAULT_ACCEPTS;
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!accepts.includes(type))
      return refuse(
        reply,
        415,
        `this route takes a body of type ${accepts.join(' or ')}, not ${type || 'one without a Content-Type'}`,
      );
  });
}
