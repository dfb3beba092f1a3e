// The KPIs of planned after-sales work (issue 19, item 6) on real jobs through the real store and
// HTTP: planned vs unplanned share, maintenance compliance, warranty cost per model, service
// revenue, repeat visits within 30 days.
import { afterEach, describe, expect, it } from 'vitest';
import { dispatchRequest, HOUR } from './helpers.ts';
import { startPlannedServer, type PlannedServer } from './planned-helpers.ts';

const DAY = 24 * HOUR;
let s: PlannedServer | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

async function resolve(p: PlannedServer, id: string, code: string, onSiteMinutes = 60) {
  let wo = (await p.api(`work-orders/${id}`)).json.workOrder;
  for (const to of ['acknowledged', 'en_route', 'on_site'])
    wo = (await p.api(`work-orders/${id}/transitions`, { body: { to, version: wo.version } })).json.workOrder;
  p.clock.advance(onSiteMinutes * 60_000);
  // Each item recorded is a new version of the job: resolve with the last.
  for (const i of (await p.api(`work-orders/${id}/checklist`)).json.checklist)
    wo = (
      await p.api(`work-orders/${id}/checklist`, {
        body: i.reading
          ? { itemId: i.itemId, deviceId: i.deviceId, value: i.reading.min }
          : { itemId: i.itemId, deviceId: i.deviceId, done: true },
      })
    ).json.workOrder;
  const r = await p.api(`work-orders/${id}/transitions`, {
    body: { to: 'resolved', version: wo.version, resolutionCode: code },
  });
  expect(r.status, r.json.message).toBe(200);
}

describe('KPIs of planned work', () => {
  it('counts planned share, maintenance on time, warranty cost per model, revenue and repeat visits', async () => {
    s = await startPlannedServer();
    const { service, clock } = s;
    const t0 = clock.nowMs();
    await s.api('billing/labour-rates/bearings', { method: 'PUT', body: { rateIdrPerHour: 185_000 } });
    await s.api('billing/parts/P200-BRG-KIT', { method: 'PUT', body: { priceIdr: 2_450_000 } });
    await s.api('maintenance/plans/models/pump-p200', { method: 'PUT', body: { intervalDays: 30, leadDays: 14 } });
    service.customers.registerDevices([
      {
        deviceId: 'old-pump',
        modelId: 'pump-p200',
        siteId: 'S-JKT',
        contractTier: 'basic',
        installDateMs: t0 - 3 * 365 * DAY,
        warrantyEndMs: t0 - 365 * DAY,
      },
    ]);

    // Under warranty: repaired, claimed, approved (Rp 2,450,000 part + 1 h at Rp 185,000).
    const first = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    await resolve(s, first.id, 'fault_confirmed_part_replaced');
    const claim = (await s.api(`work-orders/${first.id}/claim`, { body: { cause: 'bearing wear' } })).json.claim;
    await s.api(`warranty/claims/${claim.id}/approve`, { body: {} });
    // Out of warranty: the customer approves Rp 3,190,000 by phone.
    const paid = service.workOrders.handleDispatch(dispatchRequest('old-pump')).order;
    await s.api(`quotes/${service.billing.quoteOf(paid.id).id}/approve`, { body: { via: 'phone' } });
    await resolve(s, paid.id, 'fault_confirmed_part_replaced');
    // Five days later the same pump again: a repeat visit.
    clock.set(t0 + 5 * DAY);
    const again = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1', 'cooling_failure')).order;
    await resolve(s, again.id, 'fault_confirmed_no_part');

    // Day 17: maintenance visits for both sites (due day 30); Jakarta's done on day 18, Bandung's never.
    clock.set(t0 + 17 * DAY);
    const visits = service.maintenance.planDue();
    expect(visits.map((w) => w.jobType)).toEqual(['planned_maintenance', 'planned_maintenance']);
    const jakarta = visits.find((w) => w.deviceId !== 'pump-bdg-1')!;
    clock.set(t0 + 18 * DAY);
    await resolve(s, jakarta.id, 'fault_confirmed_no_part');
    clock.set(t0 + 35 * DAY);

    const k = (await s.api(`kpis?from=${t0}&to=${t0 + 60 * DAY}`)).json.kpis;
    expect(k.planned).toEqual({ planned: 2, unplanned: 3, plannedSharePct: 40 });
    // Jakarta's three pumps serviced before day 30 (the old one has no service on record: counted
    // from when Purna first heard of it), Bandung's overdue.
    expect(k.maintenanceJudged).toBe(4);
    expect(k.maintenanceCompliancePct).toBe(75);
    expect(k.warrantyCostByModel).toEqual([
      { modelId: 'pump-p200', claims: 1, approvedIdr: 2_635_000, submittedIdr: 0 },
    ]);
    expect(k.serviceRevenueIdr).toBe(3_190_000);
    expect(k.repeatVisits30d).toBe(1);
    expect(k.repairVisits).toBe(3);
    expect(k.repeatVisitRatePct).toBeCloseTo(33.33, 1);
    // Nothing of it before t0.
    const before = (await s.api(`kpis?from=${t0 - 60 * DAY}&to=${t0}`)).json.kpis;
    expect([before.serviceRevenueIdr, before.repeatVisits30d, before.warrantyCostByModel]).toEqual([0, 0, []]);
  });
});
