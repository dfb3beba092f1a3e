// The service routes inside the real dashboard server, behind its real session auth
// (default deny on /api, roles from route config): what the app serves, not a test double.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { UserStore } from '../../dashboard/auth/users.ts';
import { FleetView } from '../../dashboard/fleet-view.ts';
import { buildDashboard } from '../../dashboard/server.ts';
import { serviceRoutes } from '../../service/http/routes.ts';
import type { ServiceDomain } from '../../service/index.ts';
import { SqliteTelemetryStore } from '../../store/sqlite-store.ts';
import { dispatchRequest, makeService, MONDAY_9_WIB, seedSmallNetwork, silentLog } from './helpers.ts';

const PASSWORD = 'correct-horse-battery-staple';
let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

async function build(): Promise<{ app: FastifyInstance; service: ServiceDomain }> {
  const { service, bus } = makeService();
  seedSmallNetwork(service);
  const users = new UserStore(':memory:', new ManualClock(MONDAY_9_WIB));
  await users.create({ email: 'ani@example.com', role: 'planner', password: PASSWORD });
  await users.create({ email: 'budi@example.com', role: 'technician', technicianId: 'T-JKT-1', password: PASSWORD });
  const store = new SqliteTelemetryStore(':memory:');
  await store.start();
  const fleet = new FleetView(bus);
  const app = await buildDashboard({
    log: silentLog,
    fleet,
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
  return { app, service };
}

async function login(app: FastifyInstance, email: string): Promise<Record<string, string>> {
  const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: PASSWORD } });
  expect(r.statusCode).toBe(200);
  const cookie = r.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  return { cookie };
}

describe('service routes in the dashboard server', () => {
  it('enforce login, roles and technician ownership; survey links stay public', async () => {
    const { app, service } = await build();
    const mine = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    const theirs = service.workOrders.handleDispatch(dispatchRequest('pump-bdg-1')).order;
    expect(mine.technicianId).toBe('T-JKT-1');

    expect((await app.inject('/api/work-orders')).statusCode).toBe(401);
    const planner = await login(app, 'ani@example.com');
    const budi = await login(app, 'budi@example.com');

    expect((await app.inject({ url: '/api/work-orders', headers: planner })).json().workOrders).toHaveLength(2);
    expect(
      (await app.inject({ url: '/api/work-orders', headers: budi })).json().workOrders.map((w: { id: string }) => w.id),
    ).toEqual([mine.id]);
    expect((await app.inject({ url: `/api/work-orders/${theirs.id}`, headers: budi })).statusCode).toBe(403);
    expect((await app.inject({ url: '/api/kpis', headers: budi })).statusCode).toBe(403);
    expect((await app.inject({ url: '/api/kpis', headers: planner })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/webhooks', headers: planner })).statusCode).toBe(403); // admin only

    let wo = mine;
    for (const to of ['acknowledged', 'en_route', 'on_site'] as const) {
      const r = await app.inject({
        method: 'POST',
        url: `/api/work-orders/${wo.id}/transitions`,
        headers: budi,
        payload: { to, version: wo.version },
      });
      expect(r.statusCode, to).toBe(200);
      wo = r.json().workOrder;
    }
    const bad = await app.inject({
      method: 'POST',
      url: `/api/work-orders/${wo.id}/transitions`,
      headers: budi,
      payload: { to: 'cancelled', version: wo.version },
    });
    expect(bad.statusCode).toBe(403);
    const invalid = await app.inject({
      method: 'POST',
      url: `/api/work-orders/${wo.id}/transitions`,
      headers: planner,
      payload: { to: 'cancelled', version: wo.version },
    });
    expect(invalid.statusCode).toBe(409);
    expect(invalid.json().message).toMatch(/on site/);
    const done = await app.inject({
      method: 'POST',
      url: `/api/work-orders/${wo.id}/transitions`,
      headers: budi,
      payload: { to: 'resolved', version: wo.version, resolutionCode: 'fault_confirmed_part_replaced' },
    });
    expect(done.statusCode).toBe(200);
    expect(service.workOrders.workOrderHistory(wo.id).at(-1)).toMatchObject({
      toState: 'resolved',
      actor: expect.stringMatching(/^technician:/),
    });

    const { url } = service.customers.issueSurvey(wo.id);
    expect((await app.inject(url)).statusCode).toBe(200); // no login
    expect((await app.inject({ method: 'POST', url, payload: { csat: 5, nps: 10 } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url, payload: { csat: 5, nps: 10 } })).statusCode).toBe(410);
  });

  it("a technician's device service record lists only their own work orders, not other technicians' past ones", async () => {
    const { app, service } = await build();
    const t0 = service.nowMs() - 10 * 86_400_000;
    const [past] = service.workOrders.importHistory([
      {
        deviceId: 'pump-jkt-1',
        mode: 'bearing_wear',
        severity: 'high',
        createdAtMs: t0,
        technicianId: 'T-BDG-1',
        onSiteAtMs: t0 + 3600_000,
        resolvedAtMs: t0 + 7200_000,
        resolutionCode: 'fault_confirmed_part_replaced',
      },
    ]);
    const mine = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    expect(mine.technicianId).toBe('T-JKT-1');
    const planner = await login(app, 'ani@example.com');
    const budi = await login(app, 'budi@example.com');
    const ids = async (headers: Record<string, string>) => {
      const r = await app.inject({ url: '/api/devices/pump-jkt-1/service', headers });
      expect(r.statusCode).toBe(200);
      return r
        .json()
        .workOrders.map((w: { id: string }) => w.id)
        .sort();
    };
    expect(await ids(planner)).toEqual([past, mine.id].sort());
    expect(await ids(budi)).toEqual([mine.id]);
  });
});
