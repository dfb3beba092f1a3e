import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { EventBus } from '../core/event-bus.ts';
import { apiErrorHandler } from '../core/http-errors.ts';
import type { Logger } from '../core/log.ts';
import type { WorkOrder } from '../core/types.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import type { AlertBook } from './alerts/alert-book.ts';
import { attachClusterAdapter } from './cluster-adapter.ts';
import { startFleetSync } from './fleet-sync.ts';
import type { FleetView } from './fleet-view.ts';
import type { HealthHistory } from './history/health-history.ts';
import type { UserStore } from './auth/users.ts';
import {
  publicScope,
  registerAuth,
  sessionFromCookieHeader,
  type Authorize,
  type LoginLimits,
} from './plugins/auth.ts';
import { registerCsrfGuard } from './plugins/csrf.ts';
import { registerSecurityHeaders, SOCKET_HEADERS } from './plugins/security-headers.ts';
import { HASHED_ASSETS_DIR, hashedAssetsRoute } from './plugins/hashed-assets.ts';
import { attachLiveUpdates } from './plugins/live-updates.ts';
import { alertRoutes } from './routes/api/alerts.ts';
import { deviceRoutes } from './routes/api/devices.ts';
import { meRoutes } from './routes/api/me.ts';
import { peopleRoutes } from './routes/api/people.ts';

export interface DashboardOptions {
  log: Logger;
  fleet: FleetView;
  store: TelemetryStore;
  /** The stored health reports and device events (the device page's history and annotations); absent: no such routes. */
  history?: HealthHistory;
  /** The planners' alert list; absent: no alert routes (a dashboard built to test other parts). */
  alerts?: AlertBook;
  nowMs: () => number;
  listWorkOrders: () => WorkOrder[];
  users: UserStore;
  sessionTtlMs: number;
  cookieSecure: 'auto' | 'true' | 'false';
  /** Origins besides the request's own that may send state-changing requests (the public URL's, behind a proxy). */
  trustedOrigins?: string[];
  /**
   * Reverse proxies (addresses, CIDR ranges) whose X-Forwarded-For is believed. Empty or absent: the header is
   * ignored, so a client cannot pick its own source address to dodge the per-source login limit.
   */
  trustProxy?: readonly string[];
  /** Login attempts let through per source address and per account (defaults in plugins/auth.ts). */
  loginLimits?: Partial<LoginLimits>;
  /** Whether a technician may see a device (one of their work orders is on it). */
  technicianSeesDevice: (technicianId: string, deviceId: string) => boolean;
  /** The board's map: a tile URL template the operator configured (none: a list) and its attribution. */
  map?: { tileUrl: string; attribution: string };
  /** Runs on the root instance before any route (e.g. the OpenAPI collector, which sees routes added after it). */
  beforeRoutes?: (app: FastifyInstance) => Promise<void>;
  /** Routes outside /api, public unless their config says `public: false` (health, readiness, metrics). */
  rootPlugins?: ((app: FastifyInstance) => Promise<void>)[];
  /**
   * Several workers (DATABASE_URL): live updates over socket.io's PostgreSQL adapter, and this
   * worker's verdicts shared with the others' read models (fleet-sync.ts). Absent: one process.
   */
  cluster?: { databaseUrl: string; bus: EventBus; workerId: string };
  /** Further /api route plugins (the service domain's, ingest's provisioning). */
  apiPlugins?: ((api: FastifyInstance, ctx: { authorize: Authorize }) => Promise<void>)[];
}

/** Between workers: a session ended on one of them (its id). */
const SESSION_ENDED_EVENT = 'purna:session-ended';

const UI_DIST = fileURLToPath(new URL('./ui/dist/', import.meta.url));

/** Builds the fastify app: REST under /api, socket.io live updates, the built UI. Does not listen. */
export async function buildDashboard(opts: DashboardOptions): Promise<FastifyInstance> {
  const app = Fastify({
    trustProxy: opts.trustProxy?.length ? [...opts.trustProxy] : false,
    loggerInstance: opts.log as FastifyBaseLogger,
    ajv: { customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false } },
  });

  // One error handler for every route (core/http-errors.ts): 4xx keep their message, anything else is a logged 500.
  app.setErrorHandler(apiErrorHandler);
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      statusCode: 404,
      error: 'Not Found',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
    });
  });

  // First, so every response (errors and 404s included) carries the headers.
  await registerSecurityHeaders(app, { mapTileUrl: opts.map?.tileUrl });
  if (opts.beforeRoutes) await opts.beforeRoutes(app);
  const { authorize } = await registerAuth(app, {
    users: opts.users,
    log: opts.log.child({ part: 'auth' }),
    sessionTtlMs: opts.sessionTtlMs,
    cookieSecure: opts.cookieSecure,
    loginLimits: opts.loginLimits,
    nowMs: opts.nowMs,
  });
  await registerCsrfGuard(app, { trustedOrigins: opts.trustedOrigins });

  await app.register(
    async (api) => {
      await deviceRoutes(api, {
        fleet: opts.fleet,
        store: opts.store,
        history: opts.history,
        nowMs: opts.nowMs,
        technicianSeesDevice: opts.technicianSeesDevice,
      });
      if (opts.alerts)
        await alertRoutes(api, {
          alerts: opts.alerts,
          assignees: () => opts.users.list().filter((u) => u.role === 'planner' || u.role === 'admin'),
        });
      await meRoutes(api, { users: opts.users });
      await peopleRoutes(api, { users: opts.users });
      const map = { tileUrl: opts.map?.tileUrl || null, attribution: opts.map?.attribution ?? '' };
      api.get(
        '/map',
        {
          // The board's map source: null tileUrl = no map, a list (no network is assumed).
          config: { roles: ['planner'] },
          schema: { tags: ['work-orders'], summary: "The work-order board's map tiles (null: none configured)" },
        },
        async () => map,
      );
      for (const plugin of opts.apiPlugins ?? []) await plugin(api, { authorize });
    },
    { prefix: '/api' },
  );

  for (const plugin of opts.rootPlugins ?? []) await app.register(publicScope(plugin));

  if (existsSync(UI_DIST)) {
    // One route per built file (wildcard: false), not a catch-all: a path that names no file is
    // unmatched and so denied without a session, whatever spelling of /api it hides. The hashed
    // bundles under assets/ are the exception (hashed-assets.ts): a rebuild while Purna runs
    // writes new names, which a list made at start would not have.
    await app.register(
      publicScope(async (ui) => {
        await ui.register(fastifyStatic, {
          root: UI_DIST,
          prefix: '/',
          wildcard: false,
          globIgnore: [`${HASHED_ASSETS_DIR}/**`],
        });
        hashedAssetsRoute(ui, UI_DIST);
      }),
    );
  } else {
    opts.log.warn({ dir: UI_DIST }, 'dashboard UI not built: run `npm run build:ui`');
  }

  // A session ended here (logout) ends its live connections on this worker and, with several
  // workers sharing the sessions (DATABASE_URL), on every other one: told through the adapter.
  const sessionEndListeners = new Set<(sessionId: string) => void>();
  const endSession = (sessionId: string) => {
    for (const l of sessionEndListeners) l(sessionId);
  };
  const offSessionEnded = opts.users.onSessionEnded((sessionId) => {
    endSession(sessionId);
    if (opts.cluster) live.serverSideEmit(SESSION_ENDED_EVENT, sessionId);
  });
  app.addHook('onClose', async () => offSessionEnded());
  const live = attachLiveUpdates(app, {
    fleet: opts.fleet,
    log: opts.log,
    listWorkOrders: opts.listWorkOrders,
    authenticate: (cookie) => sessionFromCookieHeader(opts.users, cookie),
    onSessionEnded: (listener) => {
      sessionEndListeners.add(listener);
      return () => sessionEndListeners.delete(listener);
    },
    nowMs: opts.nowMs,
    alerts: opts.alerts,
  });
  live.engine.on('initial_headers', (headers: Record<string, string>) => Object.assign(headers, SOCKET_HEADERS));
  live.engine.on('headers', (headers: Record<string, string>) => Object.assign(headers, SOCKET_HEADERS));
  if (opts.cluster) {
    const adapter = await attachClusterAdapter(live, { databaseUrl: opts.cluster.databaseUrl, log: opts.log });
    live.on(SESSION_ENDED_EVENT, (sessionId: unknown) => {
      if (typeof sessionId === 'string') endSession(sessionId);
    });
    const sync = startFleetSync({
      io: live,
      bus: opts.cluster.bus,
      fleet: opts.fleet,
      workerId: opts.cluster.workerId,
      log: opts.log,
    });
    app.addHook('onClose', async () => {
      sync.stop();
      await adapter.close();
    });
  }
  return app;
}
