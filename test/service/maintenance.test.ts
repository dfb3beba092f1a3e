// Maintenance plans (issue 19, items 3 and 7): running hours counted from the running state real
// analytics reads off the readings (stopped time not counted); visits batched per site and merged
// into a repair already planned; the next due date on the device; plans with bad input refused.
import { afterEach, describe, expect, it } from 'vitest';
import { Analytics } from '../../analytics/index.ts';
import { deviceModel } from '../../core/device-models.ts';
import { silentLog, dispatchRequest, HOUR } from './helpers.ts';
import { startPlannedServer, type PlannedServer } from './planned-helpers.ts';

const DAY = 24 * HOUR;
const MINUTE = 60_000;

let s: PlannedServer | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

/** Resolves a job after ticking its whole checklist with in-range readings. */
async function finish(p: PlannedServer, id: string): Promise<void> {
  let wo = (await p.api(`work-orders/${id}`)).json.workOrder;
  for (const to of ['acknowledged', 'en_route', 'on_site']) {
    wo = (await p.api(`work-orders/${id}/transitions`, { body: { to, version: wo.version } })).json.workOrder;
  }
  for (const i of (await p.api(`work-orders/${id}/checklist`)).json.checklist) {
    const body = i.reading
      ? { itemId: i.itemId, deviceId: i.deviceId, value: (i.reading.min + i.reading.max) / 2 }
      : { itemId: i.itemId, deviceId: i.deviceId, done: true };
    const r = await p.api(`work-orders/${id}/checklist`, { body });
    expect(r.status).toBe(200);
    wo = r.json.workOrder; // each item recorded is a new version
  }
  const r = await p.api(`work-orders/${id}/transitions`, {
    body: { to: 'resolved', version: wo.version, resolutionCode: 'fault_confirmed_no_part' },
  });
  expect(r.status, r.json.message).toBe(200);
}

describe('maintenance plans', () => {
  it('a running-hours plan fires after the running time analytics saw, stopped periods not counted', async () => {
    s = await startPlannedServer();
    const { service, bus, clock } = s;
    const analytics = new Analytics({
      bus,
      log: silentLog,
      deviceModelOf: () => deviceModel('pump-p200'),
      modelOf: (id) => service.catalogue.productModelOfDevice(id) ?? null,
    });
    analytics.start();
    const plan = await s.api('maintenance/plans/devices/pump-jkt-1', {
      method: 'PUT',
      body: { intervalRunningHours: 10, leadRunningHours: 0 },
    });
    expect(plan.status).toBe(200);
    expect(plan.json.plan).toMatchObject({ id: 'device:pump-jkt-1', intervalDays: null, intervalRunningHours: 10 });

    // The pump-p200 runs at about 1.6 mm/s, 58 °C; stopped, its vibration is near nothing and it cools.
    let t = clock.nowMs();
    let k = 0;
    const play = (hours: number, running: boolean) => {
      for (const end = t + hours * HOUR; t < end; t += 5 * MINUTE, k++) {
        const wobble = ((k * 7919) % 13) / 100;
        bus.emit('telemetry', [
          {
            deviceId: 'pump-jkt-1',
            tsMs: t,
            values: running
              ? { temperature: 57.5 + wobble, vibration: 1.55 + wobble / 2 }
              : { temperature: 31 + wobble, vibration: 0.04 + wobble / 10 },
          },
        ]);
      }
      clock.set(t);
    };
    play(6, true);
    play(6, false);
    play(3, true);
    // 15 hours since the start, 9 of them running: not due yet.
    const before = (await s.api('devices/pump-jkt-1/maintenance')).json.maintenance;
    expect(before.runningHours).toBeGreaterThan(8.8);
    expect(before.runningHours).toBeLessThan(9.1);
    expect(before).toMatchObject({ dueRunningHours: 10, dueNow: null });
    expect((await s.api('maintenance/run', { method: 'POST' })).json.workOrders).toEqual([]);
    play(1.5, true);
    const due = (await s.api('maintenance/run', { method: 'POST' })).json.workOrders;
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ jobType: 'planned_maintenance', deviceId: 'pump-jkt-1' });
    expect(due[0].note).toMatch(/pump-jkt-1 \(10(\.\d)? of 10 running hours\)/);
    // A second pass plans nothing more: the visit is under way.
    expect((await s.api('maintenance/run', { method: 'POST' })).json.workOrders).toEqual([]);
    analytics.stop();
    await finish(s, due[0].id);
    const after = (await s.api('devices/pump-jkt-1/maintenance')).json.maintenance;
    expect(after.sinceRunningHours).toBe(after.runningHours);
    expect(after.dueRunningHours).toBeCloseTo(after.runningHours + 10, 1);
    expect(after.lastServiceWorkOrderId).toBe(due[0].id);
  });

  it('one visit per site for its due devices; a device with a repair planned gets its service on that visit', async () => {
    s = await startPlannedServer();
    const { service, clock } = s;
    const t0 = clock.nowMs();
    expect(
      (await s.api('maintenance/plans/models/pump-p200', { method: 'PUT', body: { intervalDays: 30, leadDays: 14 } }))
        .status,
    ).toBe(200);
    const repair = service.workOrders.handleDispatch(dispatchRequest('pump-bdg-1')).order;
    clock.advance(10 * DAY);
    expect(service.maintenance.planDue()).toEqual([]);
    const next = (await s.api('devices/pump-jkt-2/maintenance')).json.maintenance;
    expect(next).toMatchObject({ dueAtMs: t0 + 30 * DAY, nextDueAtMs: t0 + 30 * DAY, dueNow: null });
    expect(next.plan).toMatchObject({ source: 'model', intervalDays: 30 });
    clock.advance(7 * DAY);

    const visits = service.maintenance.planDue();
    expect(visits.map((w) => [w.id, w.jobType, w.deviceId])).toEqual([
      [repair.id, 'predicted_failure', 'pump-bdg-1'],
      [expect.any(String), 'planned_maintenance', 'pump-jkt-1'],
    ]);
    // Jakarta's two pumps on one visit: both checklists on the one job, its SLA the due date.
    const jakarta = visits[1];
    expect(jakarta.slaRespondByMs).toBe(t0 + 30 * DAY);
    const items = service.workOrders.workOrderChecklist(jakarta.id);
    expect(new Set(items.map((i) => i.deviceId))).toEqual(new Set(['pump-jkt-1', 'pump-jkt-2']));
    expect(service.workOrders.listWorkOrders({ jobType: ['planned_maintenance'] })).toHaveLength(1);
    // Bandung: no second visit; the repair's checklist carries the service.
    const onRepair = service.workOrders.workOrderChecklist(repair.id).map((i) => i.itemId);
    expect(onRepair).toEqual(expect.arrayContaining(['cause_found', 'visual_inspection', 'lubrication']));
    expect((await s.api('devices/pump-bdg-1/maintenance')).json.maintenance.openVisitWorkOrderId).toBe(repair.id);
    expect(service.workOrders.workOrderHistory(repair.id).at(-1)?.note).toMatch(/on this visit, not a second one/);

    await finish(s, repair.id);
    const bdg = (await s.api('devices/pump-bdg-1/maintenance')).json.maintenance;
    expect(bdg).toMatchObject({
      sinceMs: clock.nowMs(),
      dueAtMs: clock.nowMs() + 30 * DAY,
      openVisitWorkOrderId: null,
    });
    await finish(s, jakarta.id);
    for (const id of ['pump-jkt-1', 'pump-jkt-2'])
      expect((await s.api(`devices/${id}/maintenance`)).json.maintenance.lastServiceWorkOrderId).toBe(jakarta.id);
  });

  it('a plan with neither interval, or a bad one, is a 400 naming the field; unknown model 404', async () => {
    s = await startPlannedServer();
    const put = (path: string, body: object) => s!.api(path, { method: 'PUT', body });
    for (const [body, field] of [
      [{}, 'intervalDays'],
      [{ leadDays: 3 }, 'intervalDays'],
      [{ intervalDays: -5 }, 'intervalDays'],
      [{ intervalDays: 1.5 }, 'intervalDays'],
      [{ intervalRunningHours: 0 }, 'intervalRunningHours'],
      [{ intervalDays: 30, leadDays: -1 }, 'leadDays'],
    ] as const) {
      const r = await put('maintenance/plans/devices/pump-jkt-1', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.message, JSON.stringify(body)).toMatch(field);
    }
    expect((await put('maintenance/plans/models/no-such-model', { intervalDays: 30 })).status).toBe(404);
    expect((await put('maintenance/plans/devices/no-such-device', { intervalDays: 30 })).status).toBe(404);
    expect((await s.api('maintenance/plans')).json.plans).toEqual([]);
  });
});
