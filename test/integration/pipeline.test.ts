// The walking skeleton end to end: a real MQTT client → Purna's embedded broker → ingest →
// the real telemetry store (InfluxDB, then SQLite) → the REST API and a socket.io client.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import { topics } from '../../core/topics.ts';
import type { DeviceSummary } from '../../dashboard/fleet-view.ts';
import { connectDevice, eventually, loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

const stores = [
  {
    name: 'InfluxDB',
    overrides: () => ({ influxUrl: inject('influxUrl'), influxDatabase: `purna_it_${process.pid}_${Date.now()}` }),
  },
  { name: 'SQLite', overrides: () => ({}) },
];

for (const store of stores) {
  describe(`telemetry through ${store.name}`, () => {
    let purna: TestPurna;
    let device: MqttClient;
    let socket: Socket;
    let cookie: string;
    const get = (path: string) => fetch(`${purna.dashboardUrl}${path}`, { headers: { cookie } });
    const deltas: DeviceSummary[] = [];
    const errors: { error: string; topic: string }[] = [];
    const deviceId = 'pump-it-0001';
    const t0 = Date.now() - 60_000;
    const N = 25;

    beforeAll(async () => {
      purna = await startTestPurna(store.overrides());
      cookie = await loginAs(purna, 'planner');
      socket = ioClient(purna.dashboardUrl, { transports: ['websocket'], extraHeaders: { cookie } });
      socket.on('delta', (d: { devices: DeviceSummary[] }) => deltas.push(...d.devices));
      await new Promise<void>((r) => socket.once('snapshot', () => r()));
      device = await connectDevice(purna.mqttUrl, deviceId);
      device.on('message', (_t, payload) => errors.push(JSON.parse(payload.toString())));
      await device.subscribeAsync(topics.errors(deviceId), { qos: 0 });
    });

    afterAll(async () => {
      socket?.close();
      await device?.endAsync();
      await purna?.destroy();
    });

    it('stores every valid reading, rejects the malformed one with a reason, and the rest flow on', async () => {
      expect(purna.store.kind).toBe(store.name === 'InfluxDB' ? 'influxdb' : 'sqlite');
      for (let i = 0; i < N; i++) {
        const payload = { ts: t0 + i * 1000, values: { temperature: 60 + i / 10, vibration: 1.5 + i / 100 } };
        await device.publishAsync(topics.telemetry(deviceId), JSON.stringify(payload), { qos: 1 });
        if (i === 10) await device.publishAsync(topics.telemetry(deviceId), '{"temperature": "very hot"}', { qos: 1 });
      }

      const res = await eventually(async () => {
        const r = await get(`api/devices/${deviceId}/telemetry?from=${t0}&to=${t0 + N * 1000}`);
        const body = (await r.json()) as { points: { tsMs: number; values: Record<string, number> }[] };
        return body.points.length === N ? body : null;
      }).then((b) => b!);
      expect(res.points.map((p) => p.tsMs)).toEqual(Array.from({ length: N }, (_, i) => t0 + i * 1000));
      expect(res.points[N - 1].values.temperature).toBeCloseTo(60 + (N - 1) / 10, 6);
      expect(res.points[7].values.vibration).toBeCloseTo(1.57, 6);

      await eventually(() => errors.length === 1);
      expect(errors[0].error).toMatch(/temperature must be a number, got string/);
      expect(purna.ingest.stats.messagesRejected).toBe(1);
      expect(purna.ingest.stats.readingsAccepted).toBe(N);
    });

    it('the live socket.io feed carries the latest values', async () => {
      const last = (await eventually(() =>
        deltas.findLast((d) => d.deviceId === deviceId && d.latestTsMs === t0 + (N - 1) * 1000),
      ))!;
      expect(last.latest.temperature).toBeCloseTo(60 + (N - 1) / 10, 6);
      const list = (await (await get('api/devices')).json()) as { devices: DeviceSummary[] };
      expect(list.devices.find((d) => d.deviceId === deviceId)?.latest.vibration).toBeCloseTo(1.5 + (N - 1) / 100, 6);
    });

    it('the API and the live feed refuse anyone not logged in', async () => {
      expect((await fetch(`${purna.dashboardUrl}api/devices`)).status).toBe(401);
      expect((await fetch(`${purna.dashboardUrl}api/devices/${deviceId}/telemetry`)).status).toBe(401);
      const anonymous = ioClient(purna.dashboardUrl, { transports: ['websocket'], reconnection: false });
      const error = await new Promise<Error>((resolve) => anonymous.once('connect_error', resolve));
      anonymous.close();
      expect(error.message).toBe('login required');
    });

    if (store.name === 'InfluxDB') {
      it('the points are in InfluxDB itself (measurement telemetry, tag device, ms precision)', async () => {
        const db = purna.config.influxDatabase;
        const q = encodeURIComponent(`SELECT count(temperature) FROM telemetry WHERE device = '${deviceId}'`);
        const r = await fetch(`${inject('influxUrl')}/query?db=${db}&q=${q}`);
        const json = (await r.json()) as { results: { series: { values: [string, number][] }[] }[] };
        expect(json.results[0].series[0].values[0][1]).toBe(N);
      });
    }

    it('bad API requests get a 400 with a message, never a 500', async () => {
      const bad = [
        `api/devices/${deviceId}/telemetry?from=yesterday`,
        `api/devices/${deviceId}/telemetry?from=${t0 + 5000}&to=${t0}`,
        `api/devices/${deviceId}/telemetry?limit=0`,
        `api/devices/${deviceId}/telemetry?bogus=1`,
        `api/devices/${encodeURIComponent('bad id/with slash')}/telemetry`,
      ];
      for (const path of bad) {
        const r = await get(path);
        const body = (await r.json()) as { message: string };
        expect({ path, status: r.status }).toMatchObject({ status: expect.any(Number) });
        expect(r.status, path).toBeGreaterThanOrEqual(400);
        expect(r.status, path).toBeLessThan(500);
        expect(body.message, path).toBeTruthy();
      }
    });
  });
}
