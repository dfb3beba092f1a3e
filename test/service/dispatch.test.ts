import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceDomain } from '../../service/index.ts';
import { msUntilOnShift, rankTechnicians } from '../../service/planning/planner.ts';
import type { Technician } from '../../service/types.ts';
import { dispatchRequest, HOUR, makeService, MONDAY_9_WIB, seedSmallNetwork } from './helpers.ts';
import { serviceLocation } from '../support/service-db.ts';

let current: ServiceDomain | null = null;
afterEach(() => {
  current?.stop();
  current = null;
});

function setup(opts: Parameters<typeof seedSmallNetwork>[1] = {}) {
  const ctx = makeService();
  current = ctx.service;
  seedSmallNetwork(ctx.service, opts);
  return ctx;
}

const kit = (service: ServiceDomain, depotId: string) =>
  service.network.listInventory({ depotId, sku: 'P200-BRG-KIT' })[0];

describe('dispatch planning', () => {
  it('assigns the skilled technician nearest the site and reserves the part at the nearest depot', () => {
    const { service } = setup();
    const { order } = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1'));
    expect(order.state).toBe('assigned');
    expect(order.technicianId).toBe('T-JKT-1');
    expect(order.partSku).toBe('P200-BRG-KIT');
    expect(order.partStatus).toBe('reserved');
    expect(order.partDepotId).toBe('D-JKT');
    expect(order.plan?.technician?.onShift).toBe(true);
    expect(order.plan?.depots.map((d) => d.depotId)).toEqual(['D-JKT', 'D-BDG']);
    // 2 h depot handling + ~4 km of city road
    expect(order.partLeadTimeMs).toBeGreaterThan(2 * HOUR);
    expect(order.partLeadTimeMs).toBeLessThan(2.5 * HOUR);
    expect(kit(service, 'D-JKT')).toMatchObject({ onHand: 1, reserved: 1, available: 0 });
  });

  it('falls back to the next depot with its longer lead time stated, then flags a backorder', () => {
    const { service } = setup({ jakartaBearingKits: 1, bandungBearingKits: 1 });
    const first = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    const second = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-2')).order;
    expect(second.partDepotId).toBe('D-BDG');
    expect(second.partLeadTimeMs!).toBeGreaterThan(first.partLeadTimeMs! + 3 * HOUR); // ~120 km Bandung → Jakarta
    expect(second.plan?.notes.join(' ')).toMatch(/nearest depot D-JKT has no P200-BRG-KIT free: reserved at D-BDG/);
    service.customers.registerDevices([{ deviceId: 'pump-jkt-3', modelId: 'pump-p200', siteId: 'S-JKT' }]);
    const third = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-3')).order;
    expect(third.partStatus).toBe('backorder');
    expect(third.plannedLeadTimeMs).toBeNull();
    expect(third.plan?.backorder).toBe(true);
    expect(service.kpis.kpis(0, Date.now() * 2).partsStockOuts).toBe(1);
  });

  it('tells the ERP when a reservation reaches the reorder point, and about a stock-out, once each', async () => {
    const { service } = setup({ jakartaBearingKits: 1, bandungBearingKits: 3 }); // reorder point 1 at both
    const received: { event: string; data: Record<string, unknown> }[] = [];
    const erp = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => erp.listen(0, '127.0.0.1', resolve));
    try {
      service.stores.notifier.addWebhook({
        url: `http://127.0.0.1:${(erp.address() as AddressInfo).port}/erp`,
        secret: 'erp-secret-0123456789',
        events: ['inventory.reorder', 'inventory.stockout'],
      });
      const erpEvents = () =>
        service.stores.notifier
          .listDeliveries()
          .reverse()
          .map((d) => d.event);
      service.workOrders.handleDispatch(dispatchRequest('pump-bdg-1')); // Bandung 3 → 2 free: above the point
      expect(erpEvents()).toEqual([]);
      service.customers.registerDevices([
        { deviceId: 'pump-bdg-2', modelId: 'pump-p200', siteId: 'S-BDG' },
        { deviceId: 'pump-bdg-3', modelId: 'pump-p200', siteId: 'S-BDG' },
      ]);
      service.workOrders.handleDispatch(dispatchRequest('pump-bdg-2')); // 2 → 1: reaches the point
      expect(erpEvents()).toEqual(['inventory.reorder']);
      service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')); // Jakarta 1 → 0: was already at the point
      service.workOrders.handleDispatch(dispatchRequest('pump-bdg-3')); // Bandung 1 → 0: already announced
      expect(erpEvents()).toEqual(['inventory.reorder']);
      const backordered = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-2')).order;
      expect(backordered.partStatus).toBe('backorder');
      service.workOrders.sweepBacklog(); // still nothing in stock: no second stock-out for the same job
      expect(erpEvents()).toEqual(['inventory.reorder', 'inventory.stockout']);

      await service.stores.notifier.processDue();
      expect(received).toMatchObject([
        {
          event: 'inventory.reorder',
          data: {
            depotId: 'D-BDG',
            sku: 'P200-BRG-KIT',
            onHand: 3,
            reserved: 2,
            available: 1,
            reorderPoint: 1,
            suggestedQuantity: 1,
          },
        },
        {
          event: 'inventory.stockout',
          data: { sku: 'P200-BRG-KIT', workOrderId: backordered.id, deviceId: 'pump-jkt-2' },
        },
      ]);
    } finally {
      await new Promise<void>((resolve) => erp.close(() => resolve()));
    }
  });

  it('releases the reserved part on cancellation and consumes it when replaced', () => {
    const { service } = setup();
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    service.workOrders.transition(wo.id, { to: 'cancelled', version: wo.version, actor: 'planner:ani' });
    expect(kit(service, 'D-JKT')).toMatchObject({ onHand: 1, reserved: 0 });
    let wo2 = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    expect(wo2.partDepotId).toBe('D-JKT');
    for (const to of ['acknowledged', 'en_route', 'on_site'] as const)
      wo2 = service.workOrders.transition(wo2.id, { to, version: wo2.version, actor: 't' });
    wo2 = service.workOrders.transition(wo2.id, {
      to: 'resolved',
      resolutionCode: 'fault_confirmed_part_replaced',
      version: wo2.version,
      actor: 't',
    });
    expect(wo2.partStatus).toBe('consumed');
    expect(kit(service, 'D-JKT')).toMatchObject({ onHand: 0, reserved: 0 });
  });

  it('marks warranty coverage from the device warranty end', () => {
    const { service, clock } = setup();
    service.customers.registerDevices([
      {
        deviceId: 'old-pump',
        modelId: 'pump-p200',
        siteId: 'S-JKT',
        installDateMs: clock.nowMs() - 5 * 365 * 24 * HOUR,
        warrantyEndMs: clock.nowMs() - 24 * HOUR,
      } as never,
    ]);
    expect(service.workOrders.handleDispatch(dispatchRequest('old-pump')).order.warrantyCovered).toBe(false);
    expect(service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order.warrantyCovered).toBe(true);
  });

  it('computes SLA deadlines from severity and contract tier', () => {
    const { service, clock } = setup();
    service.customers.registerDevices([
      { deviceId: 'vip-pump', modelId: 'pump-p200', siteId: 'S-JKT', contractTier: 'premium' } as never,
    ]);
    const now = clock.nowMs();
    // failure forecast in 10 h → critical; premium → 4 h on site, 12 h resolved
    const wo = service.workOrders.handleDispatch(dispatchRequest('vip-pump', 'bearing_wear', now + 10 * HOUR)).order;
    expect(wo.severity).toBe('critical');
    expect([wo.slaRespondByMs, wo.slaResolveByMs]).toEqual([now + 4 * HOUR, now + 12 * HOUR]);
  });

  it('leaves the job open, with the reason, when no skilled technician has capacity', () => {
    const { service } = setup();
    service.customers.registerDevices([{ deviceId: 'comp-1', modelId: 'compressor-c75', siteId: 'S-JKT' }]);
    service.stores.network.upsertTechnician({
      id: 'T-BDG-1',
      name: 'Siti Rahayu',
      homeLat: -6.9,
      homeLon: 107.62,
      maxOpenJobs: 0,
      skills: [{ modelId: '*', mode: '*' }],
    });
    const wo = service.workOrders.handleDispatch(dispatchRequest('comp-1')).order;
    expect(wo.state).toBe('open');
    expect(wo.technicianId).toBeNull();
    expect(wo.plan?.notes.join(' ')).toMatch(/no active technician with capacity is skilled/);
  });

  it('feeds the lead time back: planned until visits are on record, then the p90 of actual response', () => {
    const { service, clock } = setup({ jakartaBearingKits: 10 });
    expect(service.workOrders.currentLeadTimeMs()).toBe(24 * HOUR); // nothing on record yet
    const planned = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-2')).order;
    expect(planned.plannedLeadTimeMs).toBe(Math.max(planned.technicianEtaMs!, planned.partLeadTimeMs!));
    expect(service.workOrders.currentLeadTimeMs()).toBe(planned.plannedLeadTimeMs);
    for (let i = 0; i < 5; i++) {
      service.customers.registerDevices([{ deviceId: `p-${i}`, modelId: 'pump-p200', siteId: 'S-JKT' }]);
      service.stores.network.upsertTechnician({
        id: `T-${i}`,
        name: `Tech ${i}`,
        homeLat: -6.2,
        homeLon: 106.85,
        skills: [{ modelId: '*', mode: '*' }],
      });
      let wo = service.workOrders.handleDispatch(dispatchRequest(`p-${i}`)).order;
      wo = service.workOrders.transition(wo.id, { to: 'acknowledged', version: wo.version, actor: 't' });
      wo = service.workOrders.transition(wo.id, { to: 'en_route', version: wo.version, actor: 't' });
      clock.advance((i + 1) * HOUR);
      service.workOrders.transition(wo.id, { to: 'on_site', version: wo.version, actor: 't' });
    }
    // responses 1..5 h → p90 = 5 h
    expect(service.workOrders.currentLeadTimeMs()).toBe(5 * HOUR);
  });
});

describe('technician ranking', () => {
  const tech = (id: string, lat: number, extra: Partial<Technician> = {}): Technician => ({
    id,
    name: id,
    phone: null,
    email: null,
    homeLat: lat,
    homeLon: 106.8,
    depotId: null,
    shiftStartMin: 480,
    shiftEndMin: 1020,
    utcOffsetMin: 420,
    workDaysMask: 126,
    maxOpenJobs: 3,
    active: true,
    skills: [{ modelId: 'pump-p200', mode: '*' }],
    skillTags: [],
    openJobs: 0,
    ...extra,
  });
  const job = { modelId: 'pump-p200', mode: 'bearing_wear', siteLat: -6.2, siteLon: 106.8 };

  it('prefers skill, then earliest arrival counting shift wait and load', () => {
    const ranked = rankTechnicians(
      [
        tech('far', -6.9),
        tech('near-busy', -6.21, { openJobs: 1 }),
        tech('near', -6.25),
        tech('unskilled', -6.2, { skills: [{ modelId: 'motor-m15', mode: '*' }] }),
        tech('full', -6.2, { openJobs: 3 }),
        tech('inactive', -6.2, { active: false }),
      ],
      job,
      MONDAY_9_WIB,
    );
    expect(ranked.map((r) => r.technician.id)).toEqual(['near', 'near-busy', 'far']);
  });

  it('at night picks whoever can be there first in the morning', () => {
    const sunday22Wib = MONDAY_9_WIB - 11 * HOUR;
    expect(msUntilOnShift(tech('a', -6.2), sunday22Wib)).toBe(10 * HOUR);
    const sundayOnly = tech('sunday', -6.5, { workDaysMask: 1, shiftStartMin: 0, shiftEndMin: 1440 });
    const ranked = rankTechnicians([tech('a', -6.2), sundayOnly], job, sunday22Wib);
    expect(ranked[0].technician.id).toBe('sunday');
    expect(ranked[0].onShift).toBe(true);
  });
});

describe('the last spare part', () => {
  it('two concurrent reservations from two connections: exactly one wins, stock never negative', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-service-'));
    const dbPath = join(dir, 'service.db');
    try {
      const { service } = makeService({ dbPath });
      seedSmallNetwork(service, { jakartaBearingKits: 1, bandungBearingKits: 0 });
      service.stop();
      const barrier = new SharedArrayBuffer(4);
      const run = (deviceId: string) =>
        new Promise<{ partStatus: string; depot: string | null }>((resolve, reject) => {
          const w = new Worker(new URL('./fixtures/reserve-worker.ts', import.meta.url), {
            workerData: { ...serviceLocation(dbPath), deviceId, barrier, nowMs: MONDAY_9_WIB },
          });
          w.once('message', resolve);
          w.once('error', reject);
        });
      const results = await Promise.all([run('pump-jkt-1'), run('pump-jkt-2')]);
      expect(results.map((r) => r.partStatus).sort()).toEqual(['backorder', 'reserved']);
      const { service: after } = makeService({ dbPath });
      expect(kit(after, 'D-JKT')).toMatchObject({ onHand: 1, reserved: 1, available: 0 });
      expect(after.workOrders.listWorkOrders()).toHaveLength(2);
      after.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('backlog sweep', () => {
  it('staffs a job left open for lack of capacity as soon as another job frees the technician', () => {
    const { service } = setup({ jakartaBearingKits: 5 });
    service.stores.network.upsertTechnician({
      id: 'T-JKT-1',
      name: 'Budi Santoso',
      homeLat: -6.21,
      homeLon: 106.82,
      maxOpenJobs: 1,
      skills: [{ modelId: 'pump-p200', mode: '*' }],
    });
    service.stores.network.upsertTechnician({
      id: 'T-BDG-1',
      name: 'Siti Rahayu',
      homeLat: -6.9,
      homeLon: 107.62,
      active: false,
      skills: [{ modelId: '*', mode: '*' }],
    });
    let first = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    const waiting = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-2')).order;
    expect([first.state, waiting.state]).toEqual(['assigned', 'open']);
    expect(waiting.partStatus).toBe('reserved'); // the part is held while the job waits for a technician
    for (const to of ['acknowledged', 'en_route', 'on_site'] as const)
      first = service.workOrders.transition(first.id, { to, version: first.version, actor: 't' });
    service.workOrders.transition(first.id, {
      to: 'resolved',
      resolutionCode: 'fault_confirmed_no_part',
      version: first.version,
      actor: 't',
    });
    expect(service.workOrders.getWorkOrder(waiting.id)).toMatchObject({ state: 'assigned', technicianId: 'T-JKT-1' });
  });

  it('fills a backorder when stock arrives, without touching jobs it cannot help', () => {
    const { service } = setup({ jakartaBearingKits: 0, bandungBearingKits: 0 });
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    expect(wo.partStatus).toBe('backorder');
    expect(service.workOrders.sweepBacklog()).toEqual([]);
    expect(service.workOrders.getWorkOrder(wo.id)!.version).toBe(wo.version);
    service.stores.network.upsertInventory({ depotId: 'D-BDG', sku: 'P200-BRG-KIT', onHand: 3 });
    const [filled] = service.workOrders.sweepBacklog();
    expect(filled).toMatchObject({ id: wo.id, state: 'assigned', partStatus: 'reserved', partDepotId: 'D-BDG' });
    expect(filled.plan?.notes.join(' ')).toMatch(/part arrived: reserved at D-BDG/);
    expect(kit(service, 'D-BDG')).toMatchObject({ onHand: 3, reserved: 1 });
    expect(service.kpis.kpis(0, Date.now() * 2).partsStockOuts).toBe(1);
  });
});
