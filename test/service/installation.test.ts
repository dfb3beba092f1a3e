// Installation (issue 19, items 2 and 7): a device installed through the API gets its
// commissioning job; the job resolves only with its acceptance readings in range; then the
// warranty starts from that day and analytics hears to learn the device's baseline afresh.
import { afterEach, describe, expect, it } from 'vitest';
import { dispatchRequest, HOUR } from './helpers.ts';
import { startPlannedServer, type PlannedServer } from './planned-helpers.ts';

let s: PlannedServer | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

describe('installing a device', () => {
  it('opens the commissioning job; resolving it with the acceptance readings starts the warranty and the baseline', async () => {
    s = await startPlannedServer();
    const resets: { deviceId: string; mode: string; tsMs: number }[] = [];
    s.bus.on('baselineReset', (e) => resets.push(e));
    const installed = await s.api('devices/pump-new-1/install', {
      body: { modelId: 'pump-p200', siteId: 'S-JKT', serial: 'P200-9001', contractTier: 'premium' },
    });
    expect(installed.status).toBe(201);
    const { workOrder, device, installation } = installed.json;
    expect(workOrder).toMatchObject({ jobType: 'installation', mode: 'installation', deviceId: 'pump-new-1' });
    expect(workOrder.warrantyCovered).toBe(false);
    expect(workOrder.technicianId).toBe('T-JKT-1');
    expect(device.warrantyEndMs).toBeLessThan(s.clock.nowMs());
    expect(installation).toMatchObject({ workOrderId: workOrder.id, commissionedAtMs: null });
    expect(
      (await s.api('devices/pump-new-1/install', { body: { modelId: 'pump-p200', siteId: 'S-JKT' } })).status,
    ).toBe(409);

    let v = workOrder.version;
    for (const to of ['acknowledged', 'en_route', 'on_site']) {
      const r = await s.api(`work-orders/${workOrder.id}/transitions`, { body: { to, version: v } });
      v = r.json.workOrder.version;
    }
    s.clock.advance(30 * HOUR);
    const resolve = () =>
      s!.api(`work-orders/${workOrder.id}/transitions`, {
        // Each checklist item recorded is a new version: resolve with the newest.
        body: {
          to: 'resolved',
          version: s!.service.workOrders.getWorkOrder(workOrder.id)!.version,
          resolutionCode: 'fault_confirmed_no_part',
        },
      });
    expect((await resolve()).json.message).toMatch(/checklist not complete/);
    expect(resets).toEqual([]);

    const checklist = (await s.api(`work-orders/${workOrder.id}/checklist`)).json.checklist as {
      itemId: string;
      required: boolean;
      reading: { min: number; max: number } | null;
    }[];
    // A misaligned pump vibrates over its normal range: recorded, and not accepted.
    const vibration = checklist.find((i) => i.itemId === 'reading_vibration')!;
    await s.api(`work-orders/${workOrder.id}/checklist`, {
      body: { itemId: 'reading_vibration', value: vibration.reading!.max + 2 },
    });
    for (const item of checklist.filter((i) => i.required)) {
      const body = item.reading
        ? {
            itemId: item.itemId,
            value: item.itemId === 'reading_vibration' ? vibration.reading!.max + 2 : item.reading.min,
          }
        : { itemId: item.itemId, done: true };
      expect((await s.api(`work-orders/${workOrder.id}/checklist`, { body })).status).toBe(200);
    }
    expect((await resolve()).json.message).toMatch(/'reading_vibration' \(pump-new-1\) read .* outside/);
    // Realigned: the reading is in range now.
    const realigned = (vibration.reading!.min + vibration.reading!.max) / 2;
    await s.api(`work-orders/${workOrder.id}/checklist`, { body: { itemId: 'reading_vibration', value: realigned } });
    const done = await resolve();
    expect(done.status).toBe(200);

    const commissionedAt = s.clock.nowMs();
    const after = s.service.customers.getDevice('pump-new-1')!;
    expect(after.installDateMs).toBe(commissionedAt);
    // 24 months of the model's warranty, by the calendar: 24 Nov 2026 10:00 WIB → 24 Nov 2028.
    expect(new Date(after.warrantyEndMs).toISOString()).toBe('2028-11-24T08:00:00.000Z');
    expect(resets).toEqual([{ deviceId: 'pump-new-1', mode: 'commissioning', tsMs: commissionedAt }]);
    const record = (await s.api('devices/pump-new-1/installation')).json.installation;
    expect(record.commissionedAtMs).toBe(commissionedAt);
    expect(record.acceptance.vibration).toBe(realigned);
    // From now on a fault on it is under warranty.
    expect(s.service.workOrders.handleDispatch(dispatchRequest('pump-new-1')).order.warrantyCovered).toBe(true);
    expect(
      (await s.api('devices/pump-new-1/install', { body: { modelId: 'pump-p200', siteId: 'S-JKT' } })).json.message,
    ).toMatch(/commissioned already/);
  });

  it('bad input names the field; an unknown site is a 404', async () => {
    s = await startPlannedServer();
    const noModel = await s.api('devices/pump-new-2/install', { body: { siteId: 'S-JKT' } });
    expect(noModel.status).toBe(400);
    expect(noModel.json.message).toMatch(/modelId/);
    const tier = await s.api('devices/pump-new-2/install', {
      body: { modelId: 'pump-p200', siteId: 'S-JKT', contractTier: 'gold' },
    });
    expect(tier.status).toBe(400);
    expect(tier.json.message).toMatch(/contractTier/);
    const site = await s.api('devices/pump-new-2/install', { body: { modelId: 'pump-p200', siteId: 'S-NOWHERE' } });
    expect(site.status).toBe(404);
    expect(s.service.customers.getDevice('pump-new-2')).toBeUndefined();
  });
});
