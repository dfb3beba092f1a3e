import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerOpenApi } from '../../service/http/openapi.ts';
import { serviceRoutes, type RequestUser, type ServiceRoutesOptions } from '../../service/http/routes.ts';
import type { ServiceDomain } from '../../service/index.ts';
import { dispatchRequest, makeService, seedSmallNetwork } from './helpers.ts';

let app: FastifyInstance | null = null;
let service: ServiceDomain | null = null;
afterEach(async () => {
  await app?.close();
  service?.stop();
  app = null;
  service = null;
});

/** The app as the dashboard builds it: same ajv options, OpenAPI first, service routes under /api. */
async function build(extra: Partial<ServiceRoutesOptions> = {}) {
  const ctx = makeService();
  service = ctx.service;
  seedSmallNetwork(service);
  app = Fastify({ ajv: { customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false } } });
  await registerOpenApi(app);
  await app.register(async (api) => serviceRoutes(api, { service: ctx.service, ...extra }), { prefix: '/api' });
  await app.ready();
  return { ...ctx, app };
}

describe('service routes', () => {
  it('lists and filters work orders; bad query → 400 with a message', async () => {
    const { app, service } = await build();
    service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1'));
    service.workOrders.handleDispatch(dispatchRequest('pump-bdg-1', 'cooling_failure'));
    const all = await app.inject('/api/work-orders');
    expect(all.statusCode).toBe(200);
    expect(all.json().workOrders).toHaveLength(2);
    expect(
      (await app.inject('/api/work-orders?state=assigned,open&deviceId=pump-jkt-1')).json().workOrders,
    ).toHaveLength(1);
    expect((await app.inject('/api/work-orders?state=resolved')).json().workOrders).toHaveLength(0);
    for (const q of ['state=bogus', 'limit=0', 'from=yesterday', 'mode=Melting!', 'color=red']) {
      const r = await app.inject(`/api/work-orders?${q}`);
      expect(r.statusCode, q).toBe(400);
      expect(r.json().message, q).toMatch(/querystring/);
    }
  });

  it('moves a work order through its lifecycle; invalid step, stale version → 409; unknown → 404; bad body → 400', async () => {
    const { app, service } = await build();
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    const post = (id: string, payload: object) =>
      app.inject({ method: 'POST', url: `/api/work-orders/${id}/transitions`, payload });
    const skip = await post(wo.id, { to: 'on_site', version: wo.version });
    expect(skip.statusCode).toBe(409);
    expect(skip.json().message).toMatch(/cannot move a work order from assigned to on_site/);
    const ack = await post(wo.id, { to: 'acknowledged', version: wo.version });
    expect(ack.statusCode).toBe(200);
    expect(ack.json().workOrder).toMatchObject({ state: 'acknowledged', version: wo.version + 1 });
    const stale = await post(wo.id, { to: 'en_route', version: wo.version });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().message).toMatch(/version mismatch/);
    expect((await post('WO-999999', { to: 'en_route', version: 1 })).statusCode).toBe(404);
    expect((await post(wo.id, { to: 'teleported', version: 3 })).statusCode).toBe(400);
    expect((await post(wo.id, { to: 'en_route' })).json().message).toMatch(/version/);
    const detail = await app.inject(`/api/work-orders/${wo.id}`);
    expect(detail.json().history.map((h: { toState: string }) => h.toState)).toEqual([
      'open',
      'open',
      'assigned',
      'acknowledged',
    ]);
  });

  it('a cancellation needs a reason (400 naming note); falseAlarm records the dismissal and tells analytics', async () => {
    const { app, service, bus } = await build();
    const dismissals: unknown[] = [];
    bus.on('falseAlarm', (d) => dismissals.push(d));
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1', 'sensor_fault')).order;
    const post = (payload: object) =>
      app.inject({ method: 'POST', url: `/api/work-orders/${wo.id}/transitions`, payload });
    for (const payload of [
      { to: 'cancelled', version: wo.version },
      { to: 'cancelled', version: wo.version, note: '   ' },
    ]) {
      const r = await post(payload);
      expect(r.statusCode).toBe(400);
      expect(r.json().message).toMatch(/note is required to cancel/);
    }
    const wrongStep = await post({ to: 'acknowledged', version: wo.version, falseAlarm: true });
    expect(wrongStep.statusCode).toBe(400);
    expect(wrongStep.json().message).toMatch(/falseAlarm applies only to a cancellation/);
    expect(service.workOrders.getWorkOrder(wo.id)!.state).toBe('assigned');
    const ok = await post({
      to: 'cancelled',
      version: wo.version,
      note: 'duplicate of the bearing job: the sensor is fine',
      falseAlarm: true,
    });
    expect(ok.statusCode).toBe(200);
    expect(service.workOrders.workOrderHistory(wo.id).at(-1)).toMatchObject({
      toState: 'cancelled',
      note: 'dismissed as a false alarm: duplicate of the bearing job: the sensor is fine',
    });
    expect(dismissals).toEqual([
      { deviceId: 'pump-jkt-1', mode: 'sensor_fault', tsMs: expect.any(Number), workOrderId: wo.id, score: 35 },
    ]);
  });

  it('reassigns an assigned job (version-checked, both technicians told) and keeps notes without a version change', async () => {
    const { app, service } = await build();
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    const other = wo.technicianId === 'T-JKT-1' ? 'T-BDG-1' : 'T-JKT-1';
    const reassign = (payload: object) =>
      app.inject({ method: 'POST', url: `/api/work-orders/${wo.id}/reassign`, payload });
    const stale = await reassign({ technicianId: other, version: wo.version + 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().message).toMatch(/version mismatch/);
    expect((await reassign({ technicianId: 'T-NOBODY', version: wo.version })).statusCode).toBe(404);
    expect((await reassign({ version: wo.version })).json().message).toMatch(/technicianId/);
    const ok = await reassign({ technicianId: other, version: wo.version, note: 'Budi is off sick' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().workOrder).toMatchObject({ state: 'assigned', technicianId: other, version: wo.version + 1 });
    expect(service.workOrders.workOrderHistory(wo.id).at(-1)).toMatchObject({
      note: `reassigned from ${wo.technicianId} to ${other}: Budi is off sick`,
    });
    const note = await app.inject({
      method: 'POST',
      url: `/api/work-orders/${wo.id}/notes`,
      payload: { note: '  customer asks for a call before the visit ' },
    });
    expect(note.statusCode).toBe(201);
    expect(note.json().event).toMatchObject({
      fromState: 'assigned',
      toState: 'assigned',
      note: 'customer asks for a call before the visit',
    });
    expect(service.workOrders.getWorkOrder(wo.id)!.version).toBe(wo.version + 1);
    const blank = await app.inject({
      method: 'POST',
      url: `/api/work-orders/${wo.id}/notes`,
      payload: { note: '   ' },
    });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().message).toMatch(/note/);
    const acked = service.workOrders.transition(wo.id, {
      to: 'acknowledged',
      version: wo.version + 1,
      actor: 'technician',
    });
    const late = await reassign({ technicianId: wo.technicianId, version: acked.version });
    expect(late.statusCode).toBe(409);
    expect(late.json().message).toMatch(/only an assigned work order can be reassigned/);
  });

  it('opens a work order by hand and re-dispatches a declined one', async () => {
    const { app } = await build();
    const created = await app.inject({
      method: 'POST',
      url: '/api/work-orders',
      payload: { deviceId: 'pump-jkt-2', mode: 'sensor_fault', severity: 'low', note: 'customer reports odd readings' },
    });
    expect(created.statusCode).toBe(201);
    const wo = created.json().workOrder;
    expect(wo).toMatchObject({ state: 'assigned', source: 'planner', severity: 'low' });
    const declined = await app.inject({
      method: 'POST',
      url: `/api/work-orders/${wo.id}/transitions`,
      payload: { to: 'open', version: wo.version },
    });
    const again = await app.inject({
      method: 'POST',
      url: `/api/work-orders/${wo.id}/dispatch`,
      payload: { version: declined.json().workOrder.version },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().workOrder.state).toBe('assigned');
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/work-orders',
          payload: { deviceId: 'ghost', mode: 'bearing_wear' },
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/work-orders',
          payload: { deviceId: 'pump-jkt-2', mode: 'sensor_fault' },
        })
      ).statusCode,
    ).toBe(409);
  });

  it('imports CSV all or nothing, reporting each bad row by line number', async () => {
    const { app, service } = await build();
    const csv = (url: string, body: string) =>
      app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'text/csv' } });
    const bad = await csv(
      '/api/devices/import',
      [
        'deviceId,modelId,siteId,contractTier,warrantyEnd',
        'imp-1,pump-p200,S-JKT,premium,2028-01-31',
        'imp-2,pump-p999,S-JKT,standard,2028-01-31',
        '"imp-3",motor-m15,S-NOWHERE,standard,2028-01-31',
        'imp-4,motor-m15,S-BDG,gold,2028-01-31',
        'imp-5,motor-m15,S-BDG,basic,someday',
        'imp-1,pump-p200,S-JKT,premium,2028-01-31',
      ].join('\n'),
    );
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ committed: false, imported: 0, rows: 6 });
    expect(bad.json().errors.map((e: { line: number }) => e.line)).toEqual([3, 4, 5, 6, 7]);
    expect(bad.json().errors[0].message).toMatch(/unknown model 'pump-p999'/);
    expect(service.customers.getDevice('imp-1')).toBeUndefined();

    const good = await csv(
      '/api/devices/import',
      'deviceId,modelId,siteId,contractTier,warrantyEnd\r\nimp-1,pump-p200,S-JKT,premium,2028-01-31\r\nimp-2,motor-m15,S-BDG,basic,\r\n',
    );
    expect(good.statusCode).toBe(200);
    expect(good.json()).toMatchObject({ committed: true, imported: 2, errors: [] });
    expect(service.customers.getDevice('imp-1')).toMatchObject({
      contractTier: 'premium',
      warrantyEndMs: Date.parse('2028-01-31'),
      siteId: 'S-JKT',
    });

    const techs = await csv(
      '/api/technicians/import',
      [
        'id,name,homeLat,homeLon,depotId,shiftStart,shiftEnd,workDays,maxOpenJobs,skills',
        'T-NEW-1,"Rahmat, Jr.",-6.3,106.9,D-JKT,07:00,16:00,Mon-Fri,2,pump-p200:*;motor-m15:bearing_wear',
      ].join('\n'),
    );
    expect(techs.json()).toMatchObject({ committed: true, imported: 1 });
    expect(service.network.getTechnician('T-NEW-1')).toMatchObject({
      name: 'Rahmat, Jr.',
      shiftStartMin: 420,
      workDaysMask: 0b0111110,
      maxOpenJobs: 2,
    });

    const stock = await csv(
      '/api/inventory/import',
      'depotId,sku,onHand,reorderPoint,leadTimeHours\nD-JKT,M15-FAN-ASM,5,2,1.5\nD-SBY,M15-FAN-ASM,5,2,1\nD-JKT,M15-FAN-ASM,-1,2,1\n',
    );
    expect(stock.statusCode).toBe(422);
    expect(stock.json().errors).toEqual([
      { line: 3, message: "unknown depot 'D-SBY'" },
      { line: 4, message: "onHand must be an integer from 0 to 1000000000, got '-1'" },
    ]);
    expect((await csv('/api/inventory/import', 'depot,sku\nD-JKT,x\n')).json().errors[0]).toMatchObject({
      line: 1,
      message: expect.stringMatching(/missing column\(s\) depotId, onHand/),
    });
  });

  it('imports finished work orders as JSON, all or nothing', async () => {
    const { app, service, clock } = await build();
    const t = clock.nowMs() - 10 * 24 * 3600_000;
    const job = {
      deviceId: 'pump-jkt-1',
      mode: 'bearing_wear',
      severity: 'high',
      createdAtMs: t,
      technicianId: 'T-JKT-1',
      onSiteAtMs: t + 3600_000,
      resolvedAtMs: t + 2 * 3600_000,
      resolutionCode: 'fault_confirmed_part_replaced',
      partSku: 'P200-BRG-KIT',
    };
    const post = (workOrders: object[]) =>
      app.inject({ method: 'POST', url: '/api/work-orders/import', payload: { workOrders } });
    const bad = await post([job, { ...job, deviceId: 'pump-bdg-1', resolvedAtMs: t }]);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^history entry 1 \(pump-bdg-1\): time of 'resolved' is before/);
    expect(service.workOrders.listWorkOrders()).toHaveLength(0);
    expect((await post([{ ...job, state: 'resolved' }])).statusCode).toBe(400); // unknown field
    const ok = await post([job, { ...job, deviceId: 'pump-bdg-1', technicianId: 'T-BDG-1' }]);
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({
      imported: 2,
      ids: [expect.stringMatching(/^WO-/), expect.stringMatching(/^WO-/)],
    });
    expect(service.workOrders.listWorkOrders({ state: ['resolved'] })).toHaveLength(2);
  });

  it('serves KPI trends per week or day', async () => {
    const { app, service, clock } = await build();
    const now = clock.nowMs();
    const week = 7 * 24 * 3600_000;
    // One finished job in each of the last three weeks, none in the fourth.
    service.workOrders.importHistory(
      [3, 2, 1].map((weeksAgo, i) => ({
        deviceId: ['pump-jkt-1', 'pump-jkt-2', 'pump-bdg-1'][i],
        mode: 'bearing_wear' as const,
        severity: 'high' as const,
        createdAtMs: now - weeksAgo * week + 3600_000,
        technicianId: 'T-JKT-1',
        onSiteAtMs: now - weeksAgo * week + 3 * 3600_000,
        resolvedAtMs: now - weeksAgo * week + 4 * 3600_000,
        resolutionCode: 'fault_confirmed_no_part' as const,
      })),
    );
    const r = await app.inject(`/api/kpis/trend?from=${now - 4 * week}&to=${now}`);
    expect(r.statusCode).toBe(200);
    const { bucket, buckets } = r.json();
    expect(bucket).toBe('week');
    expect(buckets.map((b: { workOrders: { created: number } }) => b.workOrders.created)).toEqual([0, 1, 1, 1]);
    expect(buckets[1]).toMatchObject({
      fromMs: now - 3 * week,
      toMs: now - 2 * week,
      meanTimeToRespondMs: 2 * 3600_000,
    });
    expect(
      (await app.inject(`/api/kpis/trend?bucket=day&from=${now - 2 * week}&to=${now}`)).json().buckets,
    ).toHaveLength(14);
    expect((await app.inject('/api/kpis/trend?bucket=month')).statusCode).toBe(400);
    const tooMany = await app.inject(`/api/kpis/trend?bucket=day&from=${now - 400 * 24 * 3600_000}&to=${now}`);
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().message).toMatch(/at most 366 buckets/);
  });

  it("keeps a site's IANA time zone, refuses anything else naming timeZone, and shows it on the site's devices", async () => {
    const { app, service } = await build();
    const put = (body: Record<string, unknown>) =>
      app.inject({
        method: 'PUT',
        url: '/api/sites/S-MKS',
        payload: { customerId: 'C1', name: 'Plant Makassar', city: 'Makassar', lat: -5.1, lon: 119.49, ...body },
      });
    const created = await put({});
    expect(created.statusCode).toBe(200);
    expect(created.json().site.timeZone).toBe('Asia/Jakarta'); // the default for a new site
    expect((await put({ timeZone: 'Asia/Makassar' })).json().site.timeZone).toBe('Asia/Makassar');
    expect((await put({ name: 'Plant Makassar 2' })).json().site).toMatchObject({
      name: 'Plant Makassar 2',
      timeZone: 'Asia/Makassar',
    });
    for (const timeZone of ['+08:00', 'WITA', 'Asia/Atlantis', '']) {
      const bad = await put({ timeZone });
      expect(bad.statusCode, timeZone).toBe(400);
      expect(bad.json().message, timeZone).toMatch(/timeZone/);
    }
    expect(service.customers.listSites().find((s) => s.id === 'S-MKS')!.timeZone).toBe('Asia/Makassar');
    service.customers.registerDevices([{ deviceId: 'pump-mks-1', modelId: 'pump-p200', siteId: 'S-MKS' }]);
    expect(service.customers.getDevice('pump-mks-1')!.timeZone).toBe('Asia/Makassar');
    expect(service.customers.getDevice('pump-jkt-1')!.timeZone).toBe('Asia/Jakarta');
  });

  it('serves the one-time survey link over HTTP', async () => {
    const { app, service } = await build();
    let wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    for (const to of ['acknowledged', 'en_route', 'on_site'] as const)
      wo = service.workOrders.transition(wo.id, { to, version: wo.version, actor: 't' });
    service.workOrders.transition(wo.id, {
      to: 'resolved',
      resolutionCode: 'fault_confirmed_part_replaced',
      version: wo.version,
      actor: 't',
    });
    const issued = await app.inject({ method: 'POST', url: `/api/work-orders/${wo.id}/survey` });
    expect(issued.statusCode).toBe(201);
    const url = issued.json().url as string;
    expect((await app.inject(url)).json().workOrder.id).toBe(wo.id);
    const page = await app.inject({
      url,
      headers: { accept: 'text/html,application/xhtml+xml', 'accept-language': 'en-GB,en;q=0.9' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain(`Work order ${wo.id}`);
    expect(page.body).toContain('name="nps" value="10"');
    // A customer's language: Indonesian unless the browser or the page's switch says otherwise;
    // the visit's time in the site's zone (S-JKT: WIB).
    const html = (headers: Record<string, string>, query = '') =>
      app.inject({ url: `${url}${query}`, headers: { accept: 'text/html', ...headers } }).then((r) => r.body);
    const indonesian = await html({});
    expect(indonesian).toContain('<html lang="id">');
    expect(indonesian).toContain(`Perintah kerja ${wo.id}, perangkat pump-jkt-1, selesai `);
    expect(indonesian).toMatch(/selesai \d{1,2} \w{3} \d{4}, \d{2}\.\d{2} WIB\./);
    expect(indonesian).toContain('Seberapa puas Anda');
    expect(indonesian).toContain('<a href="?lang=en" hreflang="en" lang="en">English</a>');
    expect(await html({ 'accept-language': 'fr-FR, jv' })).toContain('<html lang="id">');
    expect(await html({ 'accept-language': 'id' }, '?lang=en')).toContain('<html lang="en">');
    expect(await html({ 'accept-language': 'en' }, '?lang=xx')).toContain('<html lang="en">');
    expect(page.body).toMatch(/completed \d{1,2} \w{3} \d{4}, \d{2}:\d{2} WIB\./);
    const json = (await app.inject({ url, headers: { 'accept-language': 'id-ID' } })).json();
    expect(json).toMatchObject({ language: 'id', questions: { csat: expect.stringContaining('Seberapa puas') } });
    expect((await app.inject({ method: 'POST', url, payload: { csat: 9, nps: 9 } })).statusCode).toBe(400);
    const answered = await app.inject({ method: 'POST', url, payload: { csat: 5, nps: 10, comment: 'Mantap' } });
    expect(answered.statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url, payload: { csat: 1, nps: 0 } })).statusCode).toBe(410);
    expect((await app.inject(url)).statusCode).toBe(410);
    const usedPage = await app.inject({ url, headers: { accept: 'text/html', 'accept-language': 'en' } });
    expect([usedPage.statusCode, usedPage.headers['content-type']]).toEqual([410, 'text/html; charset=utf-8']);
    expect(usedPage.body).toContain('already been answered');
    expect((await app.inject({ url, headers: { accept: 'text/html' } })).body).toContain('survei ini sudah dijawab');
    expect(
      (await app.inject({ url: '/api/surveys/unknown-token-0123456789', headers: { accept: 'text/html' } })).body,
    ).toContain('Tautan survei ini tidak valid.');
    expect((await app.inject(`/api/work-orders/${wo.id}/survey`)).json().survey).toMatchObject({ csat: 5, nps: 10 });
    const kpis = await app.inject('/api/kpis');
    expect(kpis.json().kpis).toMatchObject({
      csatAverage: 5,
      nps: 100,
      failuresPrevented: 0,
      workOrders: { resolved: 1 },
    });
    expect((await app.inject('/api/kpis?from=10&to=5')).statusCode).toBe(400);
  });

  it('manages webhooks without ever returning the secret', async () => {
    const { app } = await build();
    const short = await app.inject({
      method: 'POST',
      url: '/api/webhooks',
      payload: { url: 'http://127.0.0.1:9/crm', secret: 'short' },
    });
    expect(short.statusCode).toBe(400);
    const added = await app.inject({
      method: 'POST',
      url: '/api/webhooks',
      payload: { url: 'http://127.0.0.1:9/crm', secret: 'a-very-long-shared-secret', events: ['workOrder.resolved'] },
    });
    expect(added.statusCode).toBe(201);
    expect(JSON.stringify(added.json())).not.toContain('a-very-long-shared-secret');
    expect(JSON.stringify((await app.inject('/api/webhooks')).json())).not.toContain('a-very-long-shared-secret');
    expect((await app.inject({ method: 'DELETE', url: `/api/webhooks/${added.json().webhook.id}` })).statusCode).toBe(
      204,
    );
    expect((await app.inject({ method: 'DELETE', url: '/api/webhooks/nope' })).statusCode).toBe(404);
  });

  it('applies the injected role check and limits technicians to their own work orders', async () => {
    const authorize: ServiceRoutesOptions['authorize'] =
      (roles) => async (request: FastifyRequest, reply: FastifyReply) => {
        const header = request.headers['x-test-user'];
        if (!header) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'sign in' });
        const user = JSON.parse(String(header)) as RequestUser;
        (request as unknown as { user: RequestUser }).user = user;
        if (!roles.includes(user.role))
          return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: `needs ${roles.join(' or ')}` });
      };
    const { app, service } = await build({ authorize });
    const mine = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order; // → T-JKT-1
    const theirs = service.workOrders.handleDispatch(dispatchRequest('pump-bdg-1')).order; // → T-BDG-1
    const budi = { 'x-test-user': JSON.stringify({ id: 'u-budi', role: 'technician', technicianId: 'T-JKT-1' }) };
    const planner = { 'x-test-user': JSON.stringify({ id: 'u-ani', role: 'planner' }) };

    expect((await app.inject('/api/work-orders')).statusCode).toBe(401);
    const list = await app.inject({ url: '/api/work-orders', headers: budi });
    expect(list.json().workOrders.map((w: { id: string }) => w.id)).toEqual([mine.id]);
    expect((await app.inject({ url: `/api/work-orders/${theirs.id}`, headers: budi })).statusCode).toBe(403);
    const ack = await app.inject({
      method: 'POST',
      url: `/api/work-orders/${mine.id}/transitions`,
      headers: budi,
      payload: { to: 'acknowledged', version: mine.version },
    });
    expect(ack.statusCode).toBe(200);
    expect(service.workOrders.workOrderHistory(mine.id).at(-1)?.actor).toBe('technician:u-budi');
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/api/work-orders/${theirs.id}/transitions`,
          headers: budi,
          payload: { to: 'acknowledged', version: theirs.version },
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/api/work-orders/${mine.id}/transitions`,
          headers: budi,
          payload: { to: 'cancelled', version: mine.version + 1 },
        })
      ).statusCode,
    ).toBe(403);
    expect((await app.inject({ url: '/api/kpis', headers: budi })).statusCode).toBe(403);
    expect((await app.inject({ url: '/api/kpis', headers: planner })).statusCode).toBe(200);
    // The customer's survey link needs no account.
    expect((await app.inject('/api/surveys/unknown-token-0123456789')).statusCode).toBe(404);
  });

  it('publishes every route in the OpenAPI document at /docs/json', async () => {
    const { app } = await build();
    const doc = (await app.inject('/docs/json')).json();
    for (const path of [
      '/api/work-orders',
      '/api/work-orders/{id}/transitions',
      '/api/work-orders/import',
      '/api/technicians',
      '/api/inventory',
      '/api/devices/import',
      '/api/kpis',
      '/api/kpis/trend',
      '/api/surveys/{token}',
      '/api/webhooks',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect((await app.inject('/docs')).statusCode).toBeLessThan(400);
  });
});
