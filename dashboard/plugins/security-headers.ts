import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The Content-Security-Policy every response carries. Everything Purna serves is its own: the
 * Vite bundle (one module script, one stylesheet; uPlot's CSS is bundled, its inline sizes are
 * set through CSSOM, which style-src does not govern), socket.io to the same host (CSP 3's
 * 'self' covers ws: to it), Swagger UI at /docs (external scripts and styles, data: icons).
 * The one page with inline code, the customer's survey form, takes per-response nonces (its
 * route asks for them). frame-ancestors 'none': no page may frame the dashboard (clickjacking).
 */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  // Swagger UI's bundle (@fastify/swagger-ui 6.1) adds one constant <style> element; its hash
  // admits exactly that text and nothing else. A new Swagger UI changes it: the browser test
  // (test/browser/security-headers.test.ts) then names the new hash.
  styleSrc: ["'self'", "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** The same headers for what socket.io answers itself (its polling transport bypasses fastify). */
export const SOCKET_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * Security headers on every response, 401s and 404s included (@fastify/helmet, registered on
 * the root before any route): the CSP above, X-Frame-Options DENY, nosniff, Referrer-Policy
 * no-referrer (survey and session tokens are in URLs and bodies, never to leak to another site),
 * HSTS (browsers honour it over https only). No upgrade-insecure-requests: Purna is reached over
 * plain http on a LAN or behind a TLS proxy, and it would send the UI's own assets to https.
 */
export async function registerSecurityHeaders(app: FastifyInstance, opts: { mapTileUrl?: string } = {}): Promise<void> {
  const tiles = tileSource(opts.mapTileUrl);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      // The map's tiles are images from the tile source the operator configured, and only those.
      directives: tiles ? { ...CSP_DIRECTIVES, imgSrc: [...CSP_DIRECTIVES.imgSrc, tiles] } : CSP_DIRECTIVES,
    },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/** The CSP source of a tile URL template: its origin, with a {s} subdomain as a wildcard host. */
export function tileSource(template: string | undefined): string | null {
  if (!template) return null;
  const url = new URL(template.replace('{s}', 'wildcard-subdomain').replaceAll(/\{[a-z]+\}/g, '0'));
  return `${url.protocol}//${url.host.replace('wildcard-subdomain', '*')}`;
}
