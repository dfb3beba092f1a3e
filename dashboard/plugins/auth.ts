import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Logger } from '../../core/log.ts';
import { ROLES, type Role, type Session, type User, type UserStore } from '../auth/users.ts';

export const SESSION_COOKIE = 'purna_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in user, or null. */
    user: User | null;
  }
  interface FastifyContextConfig {
    /** Reachable without a login (login itself, one-time survey links, token-authenticated device provisioning). */
    public?: boolean;
    /** Roles allowed on this route; admin is always allowed. Absent: any logged-in user. */
    roles?: Role[];
  }
}

export interface AuthOptions {
  users: UserStore;
  log: Logger;
  sessionTtlMs: number;
  cookieSecure: 'auto' | 'true' | 'false';
  /** Failed logins allowed per client address per window before 429. */
  maxFailedLogins?: number;
  failedLoginWindowMs?: number;
}

export type Authorize = (roles: Role[]) => preHandlerAsyncHookHandler;

/**
 * Sessions and roles for the dashboard and the API. Default deny: every route needs a logged-in
 * user unless its route config says `public: true`; `config.roles` narrows it to roles.
 * `authorize(roles)` is the same check as a preHandler for plugins that prefer that.
 */
export async function registerAuth(app: FastifyInstance, opts: AuthOptions): Promise<{ authorize: Authorize }> {
  const { users } = opts;
  const maxFailed = opts.maxFailedLogins ?? 10;
  const windowMs = opts.failedLoginWindowMs ?? 5 * 60_000;
  const failures = new Map<string, { count: number; since: number }>();

  await app.register(fastifyCookie);
  app.decorateRequest('user', null);

  const deny = (reply: FastifyReply, status: 401 | 403, message: string) =>
    reply.code(status).send({ statusCode: status, error: status === 401 ? 'Unauthorized' : 'Forbidden', message });

  const check = (request: FastifyRequest, reply: FastifyReply, roles: readonly Role[] | undefined) => {
    if (!request.user) return deny(reply, 401, 'login required');
    if (roles && request.user.role !== 'admin' && !roles.includes(request.user.role)) {
      return deny(reply, 403, `this needs the role ${roles.join(' or ')}; you are ${request.user.role}`);
    }
    return undefined;
  };

  // Access is decided on the route the router matched, by its own config, never on the URL
  // string: find-my-way decodes percent-escapes (`/%61pi/users` is `/api/users`), so a prefix
  // test on `request.url` misses what the router then serves. Default deny: a route is open only
  // when its config says `public`, and a request that matches no route gets 401 without a
  // session (404 only with one), so probing tells a stranger nothing. onRequest runs before the
  // body is parsed or validated, so a stranger cannot make the server parse anything either.
  app.addHook('onRequest', async (request, reply) => {
    request.user = users.userForSession(request.cookies[SESSION_COOKIE]);
    if (request.is404) return request.user ? undefined : deny(reply, 401, 'login required');
    const config = request.routeOptions.config;
    if (config.public) return;
    return check(request, reply, config.roles);
  });

  const authorize: Authorize = (roles) => async (request, reply) => {
    return check(request, reply, roles);
  };

  app.post<{ Body: { email: string; password: string } }>(
    '/api/auth/login',
    {
      config: { public: true },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['email', 'password'],
          properties: { email: { type: 'string', minLength: 3, maxLength: 200 }, password: { type: 'string', minLength: 1, maxLength: 200 } },
        },
      },
    },
    async (request, reply) => {
      const now = Date.now();
      const key = request.ip;
      const f = failures.get(key);
      if (f && now - f.since < windowMs && f.count >= maxFailed) {
        return reply.code(429).send({ statusCode: 429, error: 'Too Many Requests', message: 'too many failed logins; try again later' });
      }
      const user = await users.authenticate(request.body.email, request.body.password);
      if (!user) {
        const entry = f && now - f.since < windowMs ? f : { count: 0, since: now };
        entry.count++;
        failures.set(key, entry);
        opts.log.warn({ email: request.body.email, ip: request.ip }, 'failed login');
        return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'wrong email or password' });
      }
      failures.delete(key);
      const token = users.createSession(user.id, opts.sessionTtlMs);
      const secure = opts.cookieSecure === 'true' || (opts.cookieSecure === 'auto' && request.protocol === 'https');
      reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: Math.floor(opts.sessionTtlMs / 1000) });
      opts.log.info({ user: user.id, role: user.role }, 'login');
      return { user };
    },
  );

  app.post('/api/auth/logout', { config: { public: true } }, async (request, reply) => {
    // Its onSessionEnded listeners close this session's live (socket.io) connections too.
    users.endSession(request.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/api/auth/me', async (request) => ({ user: request.user }));

  app.get('/api/users', { config: { roles: ['admin'] } }, async () => ({ users: users.list() }));

  app.post<{ Body: { email: string; name?: string; role: Role; password: string; technicianId?: string } }>(
    '/api/users',
    {
      config: { roles: ['admin'] },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['email', 'role', 'password'],
          properties: {
            email: { type: 'string', minLength: 3, maxLength: 200 },
            name: { type: 'string', maxLength: 200 },
            role: { type: 'string', enum: [...ROLES] },
            password: { type: 'string', minLength: 12, maxLength: 200 },
            technicianId: { type: 'string', maxLength: 64 },
          },
        },
      },
    },
    async (request, reply) => reply.code(201).send({ user: await users.create(request.body) }),
  );

  return { authorize };
}

/**
 * Registers `plugin` in a scope whose routes are public unless they say otherwise (the built UI,
 * the API docs, operators' endpoints): the scope marks each route's config as it is added, so
 * the default-deny hook still decides on route config alone.
 */
export function publicScope(plugin: (scope: FastifyInstance) => Promise<void>) {
  return async (scope: FastifyInstance) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: route.config?.public ?? true };
    });
    await plugin(scope);
  };
}

/** Reads the session from a raw Cookie header (for socket.io handshakes). */
export function sessionFromCookieHeader(users: UserStore, header: string | undefined): Session | null {
  if (!header) return null;
  const cookies = fastifyCookie.fastifyCookie.parse(header);
  return users.session(cookies[SESSION_COOKIE]);
}
