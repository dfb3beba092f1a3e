// One error shape for the whole API (core/http-errors.ts): the dashboard's own routes, the
// service domain's rooms, schema validation and rules the domain enforces all answer a client
// error as exactly { statusCode, error: the status's reason phrase, message }.
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { UserStore } from '../../dashboard/auth/users.ts';
import { FleetView } from '../../dashboard/fleet-view.ts';
import { buildDashboard } from '../../dashboard/server.ts';
import { serviceRoutes } from '../../service/http/routes.ts';
import { SqliteTelemetryStore } from '../../store/sqlite-store.ts';
import { dispatchRequest, makeService, MONDAY_9_WIB, seedSmallNetwork, silentLog } from './helpers.ts';

const PASSWORD = 'correct-horse-battery-staple';
let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

async function build() {
  const { service, bus } = makeService();
  seedSmallNetwork(service);
  const users = new UserStore(':memory:', new ManualClock(MONDAY_9_WIB));
  await users.create({ email: 'ani@example.com', role: 'planner', password: PASSWORD });
  await users.create({ email: 'budi@example.com', role: 'technician', technicianId: 'T-JKT-1', password: PASSWORD });
  const store = new SqliteTelemetryStore(':memory:');
  await store.start();
  const app: FastifyInstance = await buildDashboard({
    log: silentLog,
    fleet: new FleetView(bus),
    store,
    nowMs: () => service.nowMs(),
    listWorkOrders: () => service.workOrders.listWorkOrders(),
    users,
    sessionTtlMs: 3600_000,
    cookieSecure: 'false',
    technicianSeesDevice: (technicianId, deviceId) =>
      service.workOrders.listWorkOrders({ deviceId }).some((o) => o.technicianId === technicianId),
    apiPlugins: [(api, { authorize }) => serviceRoutes(api, { service, authorize })],
  });
  await app.ready();
  cleanup = async () => {
    await app.close();
    await store.close();
    users.close();
    service.stop();
  };
  const login = async (email: string) => {
    const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: PASSWORD } });
    return { cookie: r.cookies.map((c) => `${c.name}=${c.value}`).join('; ') };
  };
  return { app, service, planner: await login('ani@example.com'), budi: await login('budi@example.com') };
}

describe('API errors', () => {
  it('answer every client error in one shape, from every part, naming the field', async () => {
    const { app, service, planner, budi } = await build();
    const theirs = service.workOrders.handleDispatch(dispatchRequest('pump-bdg-1')).order; // → T-BDG-1, not budi
    const cases = [
      {
        what: 'dashboard route, schema',
        status: 400,
        req: { url: '/api/devices/pump-jkt-1/telemetry?limit=0', headers: planner },
        message: /querystring\/limit/,
      },
      {
        what: 'dashboard route, rule',
        status: 400,
        req: { url: '/api/devices/pump-jkt-1/telemetry?from=20&to=10', headers: planner },
        message: /from must not be after to/,
      },
      {
        what: 'dashboard route, not yours',
        status: 403,
        req: { url: '/api/devices/pump-bdg-1/telemetry', headers: budi },
        message: /not a device of your work orders/,
      },
      {
        what: 'work orders, schema',
        status: 400,
        req: {
          method: 'POST' as const,
          url: `/api/work-orders/${theirs.id}/transitions`,
          headers: planner,
          payload: { to: 'teleported', version: 1 },
        },
        message: /body\/to/,
      },
      {
        what: 'work orders, unknown',
        status: 404,
        req: { url: '/api/work-orders/WO-999999', headers: planner },
        message: /work order 'WO-999999' not found/,
      },
      {
        what: 'work orders, not yours',
        status: 403,
        req: { url: `/api/work-orders/${theirs.id}`, headers: budi },
        message: /not assigned to you/,
      },
      {
        what: 'work orders, lifecycle',
        status: 409,
        req: {
          method: 'POST' as const,
          url: `/api/work-orders/${theirs.id}/transitions`,
          headers: planner,
          payload: { to: 'on_site', version: theirs.version },
        },
        message: /cannot move a work order from assigned to on_site/,
      },
      {
        what: 'devices, not yours',
        status: 403,
        req: { url: '/api/devices/pump-bdg-1/service', headers: budi },
        message: /not a device of your active work orders/,
      },
      {
        what: 'network, schema',
        status: 400,
        req: {
          method: 'PUT' as const,
          url: '/api/depots/D-NEW',
          headers: planner,
          payload: { name: 'New', lat: 91, lon: 0 },
        },
        message: /body\/lat/,
      },
      {
        what: 'kpis, rule',
        status: 400,
        req: { url: '/api/kpis?from=10&to=5', headers: planner },
        message: /from must be before to/,
      },
      {
        what: 'surveys, unknown link',
        status: 404,
        req: { url: '/api/surveys/unknown-token-0123456789' },
        message: /unknown survey link/,
      },
    ];
    for (const c of cases) {
      const r = await app.inject(c.req);
      expect(r.statusCode, c.what).toBe(c.status);
      const body = r.json();
      expect(Object.keys(body).sort(), c.what).toEqual(['error', 'message', 'statusCode']);
      expect(body, c.what).toMatchObject({ statusCode: c.status, error: STATUS_CODES[c.status] });
      expect(body.message, c.what).toMatch(c.message);
    }
  });
});
