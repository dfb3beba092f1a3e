import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

/** The folder of the UI build that holds Vite's hashed bundles (vite.config.ts: `assets/[name]-[hash].js`). */
export const HASHED_ASSETS_DIR = 'assets';

/**
 * A name as Vite writes one: `index-CJQS-m9z.js`, `board-map-vh-t_kPv.css`, with its `.map`; the
 * hash is 8 characters of base64url. Nothing else under /assets/ is served.
 */
const HASHED_NAME =
  /^[A-Za-z0-9_.-]+-[A-Za-z0-9_-]{8}\.(?:js|css)(?:\.map)?$|^[A-Za-z0-9_.-]+-[A-Za-z0-9_-]{8}\.(?:png|svg|jpg|webp|woff2?)$/;

/**
 * GET /assets/:file, public, for the hashed bundles of the UI build in `uiDist`: decided on each
 * request by the name's shape and the file being there, not by a list of the files present at
 * start — rebuilding the UI while Purna runs wrote new names that answered 401 until a restart.
 * A name of another shape, or one not built, answers as an unmatched path does (401 without a
 * session, 404 with one: plugins/auth.ts), so probing tells a stranger nothing. One path segment
 * (the router matches no '/' in :file; send refuses dot segments), a file in the folder only.
 */
export function hashedAssetsRoute(ui: FastifyInstance, uiDist: string): void {
  const dir = join(uiDist, HASHED_ASSETS_DIR);
  ui.get<{ Params: { file: string } }>(`/${HASHED_ASSETS_DIR}/:file`, { schema: { hide: true } }, (request, reply) => {
    const { file } = request.params;
    if (HASHED_NAME.test(file) && existsSync(join(dir, file)))
      // Content-addressed: a name never changes its bytes, so browsers may keep it for good.
      return reply.sendFile(file, dir, { maxAge: '365d', immutable: true });
    return request.user
      ? reply
          .code(404)
          .send({ statusCode: 404, error: 'Not Found', message: `no route GET ${request.url.split('?')[0]}` })
      : reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'login required' });
  });
}
