// Planned work on a whole Purna (issue 19): a device installed through the API by a signed-in
// planner, commissioned by its technician with the acceptance readings, then reporting over real
// MQTT; its running hours come from what analytics reads off those readings (stopped time not
// counted), and its running-hours plan plans a visit.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../core/topics.ts';
import { connectDevice, eventually, loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

const HOUR = 3_600_000;
const STEP = 5 * 60_000;
const DEVICE = 'pump-new-9';
let purna: TestPurna;
let planner: string;
let technician: string;
let client: MqttClient | null = null;

beforeAll(async () => {
  purna = await startTestPurna();
  const reg = purna.service.stores.registry;
  reg.upsertCustomer({ id: 'C1', name: 'PT Tirta Makmur' });
  reg.upsertSite({ id: 'S-1', customerId: 'C1', name: 'Plant Cikarang', city: 'Bekasi', lat: -6.3, lon: 107.15 });
  purna.service.stores.network.upsertTechnician({
    id: 'T-1',
    name: 'Budi',
    homeLat: -6.3,
    homeLon: 107.1,
    skills: [{ modelId: '*', mode: '*' }],
  });
  planner = await loginAs(purna, 'planner');
  technician = await loginAs(purna, 'technician', 'T-1');
});
afterAll(async () => {
  await client?.endAsync();
  await purna?.destroy();
});

async function api(path: string, cookie: string, body?: unknown, method?: string) {
  const res = await fetch(`${purna.dashboardUrl}api/${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: body === undefined ? { cookie } : { cookie, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

describe('planned work on a whole Purna', () => {
  it('installs, commissions with acceptance readings, then counts running hours from MQTT readings into a plan', async () => {
    const installed = await api(`devices/${DEVICE}/install`, planner, { modelId: 'pump-p200', siteId: 'S-1' });
    expect(installed.status).toBe(201);
    const wo = installed.json.workOrder;
    expect(wo).toMatchObject({ jobType: 'installation', technicianId: 'T-1' });
    // The technician may not install devices; they do the commissioning.
    expect((await api('devices/x/install', technician, { modelId: 'pump-p200', siteId: 'S-1' })).status).toBe(403);
    let v = wo.version;
    for (const to of ['acknowledged', 'en_route', 'on_site'])
      v = (await api(`work-orders/${wo.id}/transitions`, technician, { to, version: v })).json.workOrder.version;
    for (const item of (await api(`work-orders/${wo.id}/checklist`, technician)).json.checklist) {
      const r = await api(
        `work-orders/${wo.id}/checklist`,
        technician,
        item.reading
          ? { itemId: item.itemId, value: (item.reading.min + item.reading.max) / 2 }
          : { itemId: item.itemId, done: true },
      );
      expect(r.status).toBe(200);
      v = r.json.workOrder.version; // each item recorded is a new version
    }
    const resolved = await api(`work-orders/${wo.id}/transitions`, technician, {
      to: 'resolved',
      version: v,
      resolutionCode: 'fault_confirmed_no_part',
    });
    expect(resolved.status).toBe(200);
    expect((await api(`devices/${DEVICE}/installation`, planner)).json.installation.commissionedAtMs).not.toBeNull();

    expect(
      (
        await api(
          `maintenance/plans/devices/${DEVICE}`,
          planner,
          { intervalRunningHours: 5, leadRunningHours: 0 },
          'PUT',
        )
      ).status,
    ).toBe(200);
    // Eight hours of readings from the gateway's buffer: 3 running, 2 stopped, 3 running.
    client = await connectDevice(purna.mqttUrl, DEVICE);
    const t0 = Date.now() - 8 * HOUR;
    const batch: { ts: number; values: Record<string, number> }[] = [];
    for (let t = 0; t < 8 * HOUR; t += STEP) {
      const running = t < 3 * HOUR || t >= 5 * HOUR;
      const k = (t / STEP) % 7;
      batch.push({
        ts: t0 + t,
        values: running
          ? { temperature: 57.5 + k / 10, vibration: 1.55 + k / 50 }
          : { temperature: 31 + k / 10, vibration: 0.04 + k / 100 },
      });
    }
    for (let i = 0; i < batch.length; i += 12)
      await client.publishAsync(topics.telemetry(DEVICE), JSON.stringify(batch.slice(i, i + 12)), { qos: 1 });
    await eventually(() => purna.analytics.health(DEVICE)?.tsMs === batch.at(-1)!.ts, 20_000);

    const m = (await api(`devices/${DEVICE}/maintenance`, planner)).json.maintenance;
    // 6 h running of the 8 (the last reading's interval is still open).
    expect(m.runningHours).toBeGreaterThan(5.8);
    expect(m.runningHours).toBeLessThanOrEqual(6);
    expect(m.dueRunningHours).toBe(5);
    const visits = (await api('maintenance/run', planner, {})).json.workOrders;
    expect(visits.map((w: { jobType: string; deviceId: string }) => [w.jobType, w.deviceId])).toEqual([
      ['planned_maintenance', DEVICE],
    ]);
  });
});
