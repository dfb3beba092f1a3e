// The control room's API on a whole Purna: a device's telemetry in buckets for a long range, its
// stored health and events, and the alert list (acknowledge with a comment, assign to a planner),
// with the roles and the 4xx answers that name what is wrong.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HealthReport } from '../../core/types.ts';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let planner: string;
let technician: string;
const DEVICE = 'pump-api-0001';
// On a 3-minute boundary, so each 3-minute bucket holds 18 whole readings.
const T0 = Math.floor((Date.now() - 3 * 3600_000) / 180_000) * 180_000;

beforeAll(async () => {
  purna = await startTestPurna();
  purna.service.customers.registerDevices([{ deviceId: DEVICE, modelId: 'pump-p200' }]);
  // Three hours at one reading every 10 s, stored as ingest stores them.
  const readings = Array.from({ length: 1080 }, (_, i) => ({
    deviceId: DEVICE,
    tsMs: T0 + i * 10_000,
    values: { temperature: 60 + (i % 18) / 2, vibration: 2 },
  }));
  await purna.store.write(readings);
  planner = await loginAs(purna, 'planner');
  technician = await loginAs(purna, 'technician', 'tech-x');
});
afterAll(() => purna?.destroy());

const get = (path: string, cookie = planner) => fetch(`${purna.dashboardUrl}api/${path}`, { headers: { cookie } });
const post = (path: string, body: unknown, cookie = planner) =>
  fetch(`${purna.dashboardUrl}api/${path}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify(body),
  });
const health = (tsMs: number, score: number, state: HealthReport['state'], rule: string): HealthReport => ({
  deviceId: DEVICE,
  tsMs,
  score,
  state,
  rule,
  metric: 'temperature',
  explanation: '',
  evidence: { baselineMean: 64.5, baselineStd: 2.9, smoothed: 66, ratedMax: 80 },
  timeToThresholdMs: rule === 'trend-forecast' ? 7200_000 : null,
});

it('telemetry over three hours in 60 points: per-bucket mean, min and max; without points the readings', async () => {
  const res = await get(`devices/${DEVICE}/telemetry?from=${T0}&to=${T0 + 3 * 3600_000 - 1}&points=60`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    bucketMs: number;
    points: {
      tsMs: number;
      values: Record<string, number>;
      min: Record<string, number>;
      max: Record<string, number>;
    }[];
  };
  expect(body.bucketMs).toBe(180_000);
  expect(body.points).toHaveLength(60);
  const full = body.points[5];
  expect(full.tsMs).toBe(T0 + 5 * 180_000);
  expect(full.min.temperature).toBe(60);
  expect(full.max.temperature).toBe(68.5);
  expect(full.values.temperature).toBeCloseTo(64.25, 6);
  const raw = (await (await get(`devices/${DEVICE}/telemetry?from=${T0}&to=${T0 + 600_000}`)).json()) as {
    bucketMs: number;
    points: unknown[];
  };
  expect(raw).toMatchObject({ bucketMs: 0 });
  expect(raw.points).toHaveLength(61);
  const bad = await get(`devices/${DEVICE}/telemetry?points=3`);
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { message: string }).message).toMatch(/points/);
});

it('the stored health and events of a device for a range; technicians only for their own jobs', async () => {
  purna.bus.emit('health', health(T0, 100, 'healthy', 'baseline'));
  purna.bus.emit('health', health(T0 + 3600_000, 35, 'critical', 'trend-forecast'));
  purna.bus.emit('deviceStatus', { deviceId: DEVICE, status: 'offline', tsMs: T0 + 3700_000 });
  const h = (await (await get(`devices/${DEVICE}/health?from=${T0}&to=${T0 + 7200_000}`)).json()) as {
    points: { tsMs: number; state: string; timeToThresholdMs: number | null; evidence: Record<string, number> }[];
  };
  expect(h.points.map((p) => [p.tsMs - T0, p.state])).toEqual([
    [0, 'healthy'],
    [3600_000, 'critical'],
  ]);
  expect(h.points[1]).toMatchObject({
    timeToThresholdMs: 7200_000,
    evidence: { baselineMean: 64.5, baselineStd: 2.9, ratedMax: 80 },
  });
  const e = (await (await get(`devices/${DEVICE}/events?from=${T0}&to=${T0 + 7200_000}`)).json()) as {
    events: { kind: string; from: string | null; to: string }[];
  };
  expect(e.events.map((x) => `${x.kind}:${x.from}→${x.to}`)).toEqual([
    'connection:null→offline',
    'health:healthy→critical',
  ]);
  expect((await get(`devices/${DEVICE}/health`, technician)).status).toBe(403);
  expect((await get(`devices/${DEVICE}/events?from=2026-13-40`)).status).toBe(400);
});

it('alerts: listed for planners, acknowledged with a comment, assigned to a planner and not to a technician', async () => {
  purna.bus.emit('health', health(Date.now(), 100, 'healthy', 'baseline'));
  purna.bus.emit('health', health(Date.now(), 55, 'warning', 'elevated'));
  const list = (await (await get('alerts')).json()) as {
    alerts: { id: number; deviceId: string; kind: string; level: string }[];
    assignees: { id: string; name: string }[];
  };
  const alert = list.alerts.find((a) => a.deviceId === DEVICE && a.kind === 'health')!;
  expect(alert.level).toBe('warning');
  const plannerUser = purna.users.byEmail('planner@test.purna')!;
  expect(list.assignees.map((a) => a.id)).toContain(plannerUser.id);
  expect(list.assignees.some((a) => a.id === purna.users.byEmail('technician-tech-x@test.purna')!.id)).toBe(false);

  const ack = await post(`alerts/${alert.id}/acknowledge`, { comment: 'called the site: a blocked filter' });
  expect(ack.status).toBe(200);
  expect(((await ack.json()) as { alert: object }).alert).toMatchObject({
    acknowledgedBy: plannerUser.id,
    comment: 'called the site: a blocked filter',
  });
  const assigned = await post(`alerts/${alert.id}/assign`, { userId: plannerUser.id });
  expect(((await assigned.json()) as { alert: object }).alert).toMatchObject({
    assignedTo: plannerUser.id,
    assignedBy: plannerUser.id,
  });

  const toTechnician = await post(`alerts/${alert.id}/assign`, {
    userId: purna.users.byEmail('technician-tech-x@test.purna')!.id,
  });
  expect(toTechnician.status).toBe(400);
  expect(((await toTechnician.json()) as { message: string }).message).toMatch(/is not a planner or admin/);
  expect((await post(`alerts/${alert.id}/acknowledge`, { note: 'x' })).status).toBe(400);
  expect((await post('alerts/99999/acknowledge', {})).status).toBe(404);
  expect((await get('alerts', technician)).status).toBe(403);
  expect((await post(`alerts/${alert.id}/acknowledge`, {}, technician)).status).toBe(403);
});
