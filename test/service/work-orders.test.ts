import { afterEach, describe, expect, it } from 'vitest';
import type { WorkOrderState } from '../../core/types.ts';
import type { ServiceDomain, ServiceWorkOrder } from '../../service/index.ts';
import { TRANSITIONS, WORK_ORDER_STATES } from '../../core/work-order-states.ts';
import { dispatchRequest, HOUR, makeService, seedSmallNetwork } from './helpers.ts';

let current: ServiceDomain | null = null;
afterEach(() => {
  current?.stop();
  current = null;
});

function setup(autoDispatch = false) {
  const ctx = makeService({ autoDispatch });
  current = ctx.service;
  seedSmallNetwork(ctx.service);
  return ctx;
}

/** Drives a fresh work order on its own device to `state` along the happy path (or to cancelled). */
function orderIn(service: ServiceDomain, state: WorkOrderState, deviceId: string): ServiceWorkOrder {
  let wo = service.workOrders.handleDispatch(dispatchRequest(deviceId)).order;
  const path: { to: WorkOrderState; technicianId?: string; resolutionCode?: 'fault_confirmed_part_replaced' }[] = [
    { to: 'assigned', technicianId: 'T-BDG-1' },
    { to: 'acknowledged' },
    { to: 'en_route' },
    { to: 'on_site' },
    { to: 'resolved', resolutionCode: 'fault_confirmed_part_replaced' },
  ];
  if (state === 'cancelled')
    return service.workOrders.transition(wo.id, { to: 'cancelled', version: wo.version, actor: 'planner:p1' });
  for (const step of path) {
    if (wo.state === state) break;
    wo = service.workOrders.transition(wo.id, { ...step, version: wo.version, actor: 'planner:p1' });
  }
  expect(wo.state).toBe(state);
  return wo;
}

describe('work-order lifecycle', () => {
  it('opens one work order per device and failure mode, with SLA deadlines and warranty', () => {
    const { service, bus, clock } = setup();
    const seen: ServiceWorkOrder[] = [];
    bus.on('workOrder', (w) => seen.push(w as ServiceWorkOrder));
    bus.emit('dispatch', dispatchRequest('pump-jkt-1'));
    bus.emit('dispatch', dispatchRequest('pump-jkt-1'));
    bus.emit('dispatch', dispatchRequest('pump-jkt-1', 'cooling_failure'));
    const orders = service.workOrders.listWorkOrders({ deviceId: 'pump-jkt-1' });
    expect(orders).toHaveLength(2);
    expect(seen).toHaveLength(2);
    const bearing = orders.find((o) => o.mode === 'bearing_wear')!;
    expect(bearing.state).toBe('open');
    expect(bearing.version).toBe(1);
    // warning on a standard-tier contract → high severity → 24 h response, 48 h resolution
    expect(bearing.severity).toBe('high');
    expect(bearing.slaRespondByMs).toBe(clock.nowMs() + 24 * HOUR);
    expect(bearing.slaResolveByMs).toBe(clock.nowMs() + 48 * HOUR);
    expect(bearing.warrantyCovered).toBe(true);
    expect(service.workOrders.listWorkOrders({ state: ['open'] })).toHaveLength(2);
  });

  it('walks open → assigned → acknowledged → en_route → on_site → resolved, recording who and when', () => {
    const { service, clock } = setup();
    let wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    const steps = [
      { to: 'assigned', technicianId: 'T-JKT-1', actor: 'planner:ani' },
      { to: 'acknowledged', actor: 'technician:budi' },
      { to: 'en_route', actor: 'technician:budi' },
      { to: 'on_site', actor: 'technician:budi' },
      { to: 'resolved', resolutionCode: 'fault_confirmed_no_part', actor: 'technician:budi' },
    ] as const;
    for (const step of steps) {
      clock.advance(HOUR);
      const next = service.workOrders.transition(wo.id, { ...step, version: wo.version });
      expect(next.state).toBe(step.to);
      expect(next.version).toBe(wo.version + 1);
      expect(next.updatedAtMs).toBe(clock.nowMs());
      wo = next;
    }
    expect(wo.technicianId).toBe('T-JKT-1');
    expect(wo.resolutionCode).toBe('fault_confirmed_no_part');
    expect(wo.onSiteAtMs).toBe(wo.createdAtMs + 4 * HOUR);
    const history = service.workOrders.workOrderHistory(wo.id);
    expect(history.map((h) => [h.fromState, h.toState, h.actor])).toEqual([
      [null, 'open', 'system:service'],
      ['open', 'assigned', 'planner:ani'],
      ['assigned', 'acknowledged', 'technician:budi'],
      ['acknowledged', 'en_route', 'technician:budi'],
      ['en_route', 'on_site', 'technician:budi'],
      ['on_site', 'resolved', 'technician:budi'],
    ]);
    expect(history.map((h) => h.atMs)).toEqual([0, 1, 2, 3, 4, 5].map((h) => wo.createdAtMs + h * HOUR));
  });

  it('allows a decline (assigned → open) and cancellation before anyone is on site', () => {
    const { service } = setup();
    const assigned = orderIn(service, 'assigned', 'pump-jkt-1');
    const declined = service.workOrders.transition(assigned.id, {
      to: 'open',
      version: assigned.version,
      actor: 'technician:siti',
    });
    expect(declined.technicianId).toBeNull();
    for (const state of ['open', 'assigned', 'acknowledged', 'en_route'] as const) {
      const wo = orderIn(service, state, `pump-bdg-1`);
      const cancelled = service.workOrders.transition(wo.id, {
        to: 'cancelled',
        version: wo.version,
        actor: 'planner:ani',
        note: 'customer shut the line down',
      });
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.cancelledAtMs).not.toBeNull();
    }
  });

  it('rejects every transition the lifecycle does not allow with a 409 and a reason, changing nothing', () => {
    const { service } = setup();
    service.stores.network.upsertTechnician({
      id: 'T-BDG-1',
      name: 'Siti Rahayu',
      homeLat: -6.9,
      homeLon: 107.62,
      maxOpenJobs: 100,
      skills: [{ modelId: '*', mode: '*' }],
    });
    let rejected = 0;
    let n = 0;
    for (const from of WORK_ORDER_STATES) {
      for (const to of WORK_ORDER_STATES) {
        if (TRANSITIONS[from].includes(to)) continue;
        const deviceId = `dev-${n++}`;
        service.customers.registerDevices([{ deviceId, modelId: 'pump-p200', siteId: 'S-BDG' }]);
        const wo = orderIn(service, from, deviceId);
        let error: unknown;
        try {
          service.workOrders.transition(wo.id, {
            to,
            version: wo.version,
            actor: 'planner:p1',
            technicianId: 'T-BDG-1',
            resolutionCode: 'no_fault_found',
          });
        } catch (err) {
          error = err;
        }
        expect(error, `${from} → ${to}`).toMatchObject({ statusCode: 409 });
        expect((error as Error).message.length).toBeGreaterThan(10);
        expect(service.workOrders.getWorkOrder(wo.id)).toEqual(wo);
        rejected++;
      }
    }
    // 7 states × 7 targets − the 10 allowed steps
    expect(rejected).toBe(49 - 10);
  });

  it('rejects a stale version with 409 so no update is lost silently', () => {
    const { service } = setup();
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    const a = service.workOrders.transition(wo.id, {
      to: 'assigned',
      technicianId: 'T-JKT-1',
      version: wo.version,
      actor: 'planner:ani',
    });
    expect(() =>
      service.workOrders.transition(wo.id, { to: 'cancelled', version: wo.version, actor: 'planner:eko' }),
    ).toThrow(/version mismatch/);
    expect(service.workOrders.getWorkOrder(wo.id)!.state).toBe('assigned');
    expect(service.workOrders.getWorkOrder(wo.id)!.version).toBe(a.version);
  });

  it('requires a technician to assign and a resolution code to resolve (400)', () => {
    const { service } = setup();
    const wo = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order;
    expect(() => service.workOrders.transition(wo.id, { to: 'assigned', version: wo.version, actor: 'p' })).toThrow(
      expect.objectContaining({ statusCode: 400 }),
    );
    expect(() =>
      service.workOrders.transition(wo.id, { to: 'assigned', technicianId: 'nobody', version: wo.version, actor: 'p' }),
    ).toThrow(expect.objectContaining({ statusCode: 404 }));
    const onSite = orderIn(service, 'on_site', 'pump-bdg-1');
    expect(() =>
      service.workOrders.transition(onSite.id, { to: 'resolved', version: onSite.version, actor: 'p' }),
    ).toThrow(expect.objectContaining({ statusCode: 400 }));
  });

  it('cancels on dispatchCancel only while nobody has set off', () => {
    const { service, bus } = setup();
    bus.emit('dispatch', dispatchRequest('pump-jkt-1'));
    bus.emit('dispatchCancel', { deviceId: 'pump-jkt-1', mode: 'bearing_wear', tsMs: 0, reason: 'recovered' });
    expect(service.workOrders.listWorkOrders({ deviceId: 'pump-jkt-1' })[0].state).toBe('cancelled');
    const enRoute = orderIn(service, 'en_route', 'pump-bdg-1');
    bus.emit('dispatchCancel', { deviceId: 'pump-bdg-1', mode: 'bearing_wear', tsMs: 0, reason: 'recovered' });
    expect(service.workOrders.getWorkOrder(enRoute.id)!.state).toBe('en_route');
  });

  it('emits baselineReset when a part was replaced, and the full work order on every change', () => {
    const { service, bus } = setup();
    const resets: unknown[] = [];
    const states: string[] = [];
    bus.on('baselineReset', (e) => resets.push(e));
    bus.on('workOrder', (w) => states.push(w.state));
    orderIn(service, 'resolved', 'pump-jkt-1');
    expect(states).toEqual(['open', 'assigned', 'acknowledged', 'en_route', 'on_site', 'resolved']);
    expect(resets).toEqual([{ deviceId: 'pump-jkt-1', mode: 'bearing_wear', tsMs: expect.any(Number) }]);
  });
});

describe('escalation', () => {
  it('raises severity and tightens the SLA when a repeated dispatch is more urgent; ignores repeats that are not', () => {
    const { service, bus, clock } = setup();
    const seen: string[] = [];
    bus.on('workOrder', (w) => seen.push((w as ServiceWorkOrder).severity));
    const opened = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1')).order; // warning → high: 24 h / 48 h
    clock.advance(2 * HOUR);
    const same = service.workOrders.handleDispatch(dispatchRequest('pump-jkt-1'));
    expect(same.order.version).toBe(opened.version);
    const failureAt = clock.nowMs() + 6 * HOUR;
    const { order, created } = service.workOrders.handleDispatch(
      dispatchRequest('pump-jkt-1', 'bearing_wear', failureAt),
    );
    expect(created).toBe(false);
    expect(order).toMatchObject({
      id: opened.id,
      severity: 'critical',
      predictedFailureAtMs: failureAt,
      version: opened.version + 1,
    });
    // standard tier, critical: 8 h / 24 h from when the job opened
    expect([order.slaRespondByMs, order.slaResolveByMs]).toEqual([
      opened.createdAtMs + 8 * HOUR,
      opened.createdAtMs + 24 * HOUR,
    ]);
    expect(service.workOrders.workOrderHistory(order.id).at(-1)).toMatchObject({
      actor: 'analytics',
      note: expect.stringMatching(/escalated high → critical/),
    });
    expect(seen).toEqual(['high', 'critical']);
  });
});
