import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_MODELS } from '../../core/device-models.ts';
import { seedDemo } from '../../demo/seed.ts';
import type { HistoricalWorkOrder, ServiceDomain } from '../../service/index.ts';
import { HOUR, makeService, MONDAY_9_WIB, seedSmallNetwork } from './helpers.ts';

const DAY = 24 * HOUR;
const t0 = MONDAY_9_WIB - 30 * DAY;

let current: ServiceDomain | null = null;
afterEach(() => {
  current?.stop();
  current = null;
});

function setup() {
  const ctx = makeService({ publish: () => undefined });
  current = ctx.service;
  seedSmallNetwork(ctx.service);
  return ctx;
}

/** A proactive bearing job: forecast 3 days out, on site after 5 h, part replaced, survey answered. */
const replaced: HistoricalWorkOrder = {
  deviceId: 'pump-jkt-1',
  mode: 'bearing_wear',
  severity: 'high',
  source: 'analytics',
  createdAtMs: t0,
  predictedFailureAtMs: t0 + 3 * DAY,
  technicianId: 'T-JKT-1',
  assignedAtMs: t0 + 0.25 * HOUR,
  acknowledgedAtMs: t0 + 0.5 * HOUR,
  enRouteAtMs: t0 + 4 * HOUR,
  onSiteAtMs: t0 + 5 * HOUR,
  resolvedAtMs: t0 + 7 * HOUR,
  resolutionCode: 'fault_confirmed_part_replaced',
  partSku: 'P200-BRG-KIT',
  partDepotId: 'D-JKT',
  survey: { answeredAtMs: t0 + 2 * DAY, csat: 5, nps: 10, comment: 'Mantap' },
};
/** A customer call, no forecast; the fan assembly was out of stock; nothing wrong found. */
const noFault: HistoricalWorkOrder = {
  deviceId: 'pump-bdg-1',
  mode: 'cooling_failure',
  severity: 'critical',
  source: 'planner',
  createdAtMs: t0 + DAY,
  technicianId: 'T-BDG-1',
  onSiteAtMs: t0 + DAY + 10 * HOUR,
  resolvedAtMs: t0 + DAY + 11 * HOUR,
  resolutionCode: 'no_fault_found',
  partSku: 'P200-FAN-ASM',
  stockOut: true,
  survey: { answeredAtMs: t0 + 3 * DAY, csat: 2, nps: 3 },
};
const cancelled: HistoricalWorkOrder = {
  deviceId: 'pump-jkt-2',
  mode: 'lubrication_loss',
  severity: 'medium',
  createdAtMs: t0 + 2 * DAY,
  technicianId: 'T-JKT-1',
  assignedAtMs: t0 + 2 * DAY + HOUR,
  cancelledAtMs: t0 + 2 * DAY + 3 * HOUR,
};

describe('service history import', () => {
  it('writes finished jobs with their own times, history rows and surveys, without touching the present', () => {
    const { service, bus } = setup();
    const busEvents: string[] = [];
    bus.on('workOrder', () => busEvents.push('workOrder'));
    bus.on('baselineReset', () => busEvents.push('baselineReset'));
    const stockBefore = service.network.listInventory();

    const ids = service.workOrders.importHistory([replaced, noFault, cancelled]);
    expect(ids).toHaveLength(3);
    const [a, b, c] = ids.map((id) => service.workOrders.getWorkOrder(id)!);
    expect(a).toMatchObject({
      state: 'resolved',
      technicianId: 'T-JKT-1',
      createdAtMs: t0,
      onSiteAtMs: t0 + 5 * HOUR,
      resolvedAtMs: t0 + 7 * HOUR,
      partStatus: 'consumed',
      partSku: 'P200-BRG-KIT',
      partDepotId: 'D-JKT',
      warrantyCovered: true,
      source: 'analytics',
    });
    // standard tier, high → 24 h response, 48 h resolution from when the job opened
    expect(a.slaRespondByMs).toBe(t0 + 24 * HOUR);
    expect(a.slaResolveByMs).toBe(t0 + 48 * HOUR);
    expect(service.workOrders.workOrderHistory(a.id).map((h) => [h.toState, h.atMs, h.actor])).toEqual([
      ['open', t0, 'import'],
      ['assigned', t0 + 0.25 * HOUR, 'import'],
      ['acknowledged', t0 + 0.5 * HOUR, 'technician:T-JKT-1'],
      ['en_route', t0 + 4 * HOUR, 'technician:T-JKT-1'],
      ['on_site', t0 + 5 * HOUR, 'technician:T-JKT-1'],
      ['resolved', t0 + 7 * HOUR, 'technician:T-JKT-1'],
    ]);
    // Missing intermediate times take the next step's: assigned, acknowledged and en route at the on-site time.
    expect(service.workOrders.workOrderHistory(b.id).map((h) => [h.toState, h.atMs - t0 - DAY])).toEqual([
      ['open', 0],
      ['assigned', 10 * HOUR],
      ['acknowledged', 10 * HOUR],
      ['en_route', 10 * HOUR],
      ['on_site', 10 * HOUR],
      ['resolved', 11 * HOUR],
    ]);
    expect(b).toMatchObject({ state: 'resolved', resolutionCode: 'no_fault_found', partStatus: 'none' });
    expect(c).toMatchObject({ state: 'cancelled', cancelledAtMs: t0 + 2 * DAY + 3 * HOUR, technicianId: 'T-JKT-1' });
    expect(service.customers.surveyOf(a.id)).toMatchObject({
      csat: 5,
      nps: 10,
      comment: 'Mantap',
      answeredAtMs: t0 + 2 * DAY,
    });

    // The past stays in the past: no bus events, no notifications, no stock movement.
    expect(busEvents).toEqual([]);
    expect(service.stores.notifier.listDeliveries()).toEqual([]);
    expect(service.network.listInventory()).toEqual(stockBefore);
    expect(service.network.getTechnician('T-JKT-1')!.openJobs).toBe(0);

    // KPIs over the imported month, by hand: 3 created, 2 resolved (1 confirmed, prevented), 1 cancelled;
    // respond (5 h + 10 h) / 2 = 7.5 h; resolve (7 h + 11 h) / 2 = 9 h; SLA: a met (5 h ≤ 24 h, 7 h ≤ 48 h),
    // b critical on a standard contract (8 h / 24 h) responded in 10 h → breach: 50 %; NFF 1/2; one stock-out;
    // CSAT (5 + 2) / 2; NPS: one promoter, one detractor → 0.
    const k = service.kpis.kpis(t0, t0 + 30 * DAY);
    expect(k.workOrders).toEqual({ created: 3, resolved: 2, cancelled: 1, active: 0 });
    expect(k.failuresPrevented).toBe(1);
    expect(k.meanTimeToRespondMs).toBe(7.5 * HOUR);
    expect(k.meanTimeToResolveMs).toBe(9 * HOUR);
    expect(k.slaCompliancePct).toBe(50);
    expect(k.noFaultFoundRatePct).toBe(50);
    expect(k.firstTimeFixRatePct).toBe(100);
    expect(k.partsStockOuts).toBe(1);
    expect(k.csatAverage).toBe(3.5);
    expect(k.nps).toBe(0);
  });

  it('rejects the whole import on one bad entry, naming it', () => {
    const { service } = setup();
    const bad: HistoricalWorkOrder[] = [
      { ...noFault, resolvedAtMs: noFault.onSiteAtMs! - HOUR }, // resolved before anyone was on site
      { ...replaced, onSiteAtMs: undefined }, // resolved without a visit
      { ...cancelled, cancelledAtMs: undefined }, // still active
      { ...replaced, deviceId: 'nope' },
      { ...replaced, technicianId: 'T-NOBODY' },
      { ...replaced, resolutionCode: undefined },
      { ...replaced, survey: { answeredAtMs: t0 + 2 * DAY, csat: 9, nps: 10 } },
      // On site, then cancelled: the lifecycle does not allow it.
      {
        ...replaced,
        resolvedAtMs: undefined,
        resolutionCode: undefined,
        survey: undefined,
        cancelledAtMs: t0 + 8 * HOUR,
      },
    ];
    for (const entry of bad) {
      let error: unknown;
      try {
        service.workOrders.importHistory([cancelled, entry]);
      } catch (err) {
        error = err;
      }
      expect(error).toMatchObject({ statusCode: 400, message: expect.stringMatching(/^history entry 1 /) });
      expect(service.workOrders.listWorkOrders()).toEqual([]);
    }
    expect(service.kpis.kpis(0, Number.MAX_SAFE_INTEGER).partsStockOuts).toBe(0);
  });
});

describe('demo history', () => {
  it('gives the demo a past the KPIs can speak about, once', () => {
    const { service, clock } = makeService();
    current = service;
    const sim = Array.from({ length: 20 }, (_, i) => ({ deviceId: `sim-${i}`, modelId: DEVICE_MODELS[i % 3].id }));
    const summary = seedDemo(service, { devices: sim, nowMs: clock.nowMs() });
    expect(summary.historyWorkOrders).toBeGreaterThan(100);
    const all = service.workOrders.listWorkOrders();
    expect(all).toHaveLength(summary.historyWorkOrders);
    expect(all.every((w) => (w.state === 'resolved' || w.state === 'cancelled') && w.updatedAtMs < clock.nowMs())).toBe(
      true,
    );

    const k = service.kpis.kpis(clock.nowMs() - 90 * DAY, clock.nowMs());
    expect(k.workOrders.created).toBe(summary.historyWorkOrders);
    expect(k.failuresPrevented).toBeGreaterThan(20);
    expect(k.noFaultFoundRatePct).toBeGreaterThan(5);
    expect(k.noFaultFoundRatePct).toBeLessThan(30);
    expect(k.firstTimeFixRatePct).toBeGreaterThan(70);
    expect(k.firstTimeFixRatePct).toBeLessThan(100);
    expect(k.slaCompliancePct).toBeGreaterThan(50);
    expect(k.slaCompliancePct).toBeLessThan(100);
    expect(k.surveysAnswered).toBeGreaterThan(30);
    expect(k.partsStockOuts).toBeGreaterThan(0);
    // The high-risk product shows at the top.
    expect(k.failureRateByModel[0].modelId).toBe('compressor-c75');
    // Analytics gets the network's real response time, not the default day.
    const leadTimeMs = service.workOrders.currentLeadTimeMs();
    expect(leadTimeMs).not.toBe(24 * HOUR);
    expect(leadTimeMs).toBeGreaterThan(2 * HOUR);
    expect(leadTimeMs).toBeLessThan(72 * HOUR);

    // Live work goes on top: the seeded technicians are all free.
    expect(service.network.listTechnicians().every((t) => t.openJobs === 0)).toBe(true);
    expect(seedDemo(service, { devices: sim, nowMs: clock.nowMs() }).historyWorkOrders).toBe(0);
    expect(service.workOrders.listWorkOrders()).toHaveLength(summary.historyWorkOrders);
  });
});
