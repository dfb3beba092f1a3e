import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Logger } from '../../core/log.ts';
import { HashBusyError } from '../auth/hash-slots.ts';
import { LoginLimiter } from '../auth/login-limiter.ts';
import { ROLES, type Role, type Session, type User, type UserStore } from '../auth/users.ts';

export const SESSION_COOKIE = 'purna_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in user, or null. */
    user: User | null;
  }
  interface FastifyContextConfig {
    /** Reachable without a login (login itself, one-time survey links, the UI, docs and operator endpoints). */
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
  loginLimits?: Partial<LoginLimits>;
  nowMs?: () => number;
}

/** How many login attempts are let through to the password hash. */
export interface LoginLimits {
  /** Attempts per client address per window, every one counted on arrival (@fastify/rate-limit). */
  perSource: number;
  sourceWindowMs: number;
  /** Attempts that fail, per account (email) per window; a success clears only its own account. */
  perAccount: number;
  accountWindowMs: number;
}

// A person mistypes a few times; 20 a minute from one address and 10 failures per account per
// quarter hour let them, and cap a guesser at 960 guesses a day on any one account.
export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perSource: 20,
  sourceWindowMs: 60_000,
  perAccount: 10,
  accountWindowMs: 15 * 60_000,
};

export type Authorize = (roles: Role[]) => preHandlerAsyncHookHandler;

/**
 * Sessions and roles for the dashboard and the API. Default deny: every route needs a logged-in
 * user unless its route config says `public: true`; `config.roles` narrows it to roles.
 * `authorize(roles)` is the same check as a preHandler for plugins that prefer that.
 */
export async function registerAuth(app: FastifyInstance, opts: AuthOptions): Promise<{ authorize: Authorize }> {
  const { users } = opts;
  const limits = { ...DEFAULT_LOGIN_LIMITS, ...opts.loginLimits };
  const accounts = new LoginLimiter({
    maxFailures: limits.perAccount,
    windowMs: limits.accountWindowMs,
    nowMs: opts.nowMs ?? Date.now,
  });

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
    request.user = users.userForSession(sessionToken(request));
    if (request.is404) return request.user ? undefined : deny(reply, 401, 'login required');
    const config = request.routeOptions.config;
    if (config.public) return;
    return check(request, reply, config.roles);
  });

  const authorize: Authorize = (roles) => async (request, reply) => {
    return check(request, reply, roles);
  };

  const tooMany = (message: string) =>
    Object.assign(new Error(message), { statusCode: 429, code: 'Too Many Requests' });

  // Its own scope: the rate limiter is registered for this route alone and clashes with no other.
  await app.register(async (scope) => {
    await scope.register(fastifyRateLimit, {
      global: false,
      errorResponseBuilder: (_request, ctx) =>
        tooMany(`too many login attempts from this address; try again in ${ctx.after}`),
    });
    scope.post<{ Body: { email: string; password: string } }>(
      '/api/auth/login',
      {
        // Counted in onRequest, before the body is even parsed, so a burst cannot outrun it.
        config: { public: true, rateLimit: { max: limits.perSource, timeWindow: limits.sourceWindowMs } },
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['email', 'password'],
            properties: {
              email: { type: 'string', minLength: 3, maxLength: 200 },
              password: { type: 'string', minLength: 1, maxLength: 200 },
            },
          },
        },
      },
      async (request, reply) => {
        const { email, password } = request.body;
        const lockedForMs = accounts.begin(email);
        if (lockedForMs !== null) {
          const seconds = Math.ceil(lockedForMs / 1000);
          opts.log.warn({ email, ip: request.ip }, 'login refused: too many failures for this account');
          reply.header('retry-after', seconds);
          throw tooMany(`too many failed logins for this account; try again in ${seconds} s`);
        }
        let user: User | null;
        try {
          user = await users.authenticate(email, password);
        } catch (err) {
          if (!(err instanceof HashBusyError)) throw err;
          accounts.refund(email);
          opts.log.warn({ email, ip: request.ip }, 'login refused: password hashing saturated');
          return reply
            .code(503)
            .header('retry-after', 1)
            .send({ statusCode: 503, error: 'Service Unavailable', message: err.message });
        }
        if (!user) {
          opts.log.warn({ email, ip: request.ip }, 'failed login');
          return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'wrong email or password' });
        }
        accounts.succeeded(email);
        const token = users.createSession(user.id, opts.sessionTtlMs);
        const secure = opts.cookieSecure === 'true' || (opts.cookieSecure === 'auto' && request.protocol === 'https');
        reply.setCookie(SESSION_COOKIE, token, {
          httpOnly: true,
          sameSite: 'lax',
          secure,
          path: '/',
          maxAge: Math.floor(opts.sessionTtlMs / 1000),
        });
        opts.log.info({ user: user.id, role: user.role }, 'login');
        return { user };
      },
    );
  });

  app.post('/api/auth/logout', { config: { public: true } }, async (request, reply) => {
    // Its onSessionEnded listeners close this session's live (socket.io) connections too.
    users.endSession(sessionToken(request));
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
 * The session token of a request: from `Authorization: Bearer <token>` when that header is
 * there (tools; the cookie is then ignored, so a forged request cannot carry both), else from
 * the session cookie (browsers).
 */
function sessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return request.cookies[SESSION_COOKIE];
  return /^Bearer ([A-Za-z0-9_-]{1,100})$/i.exec(header)?.[1];
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
