// External-broker mode against Debian's mosquitto: Purna subscribes with a persistent session at
// QoS 1; what devices publish while Purna is away is delivered when it returns; MQTT 5 shared
// subscriptions split the load between two workers without losing or doubling a message.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '../../core/topics.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { eventually, startTestPurna } from '../support/purna.ts';
import { mountSmallFilesystem } from '../support/small-filesystem.ts';

let broker: Mosquitto;
let device: MqttClient;
const deviceId = 'pump-ext-0001';
const t0 = Date.now() - 3_600_000;

beforeAll(async () => {
  broker = await startMosquitto();
  device = await mqtt.connectAsync(broker.url, { clientId: deviceId, protocolVersion: 4 });
});
afterAll(async () => {
  await device?.endAsync();
  await broker?.stop();
});

const publish = (i: number, qos: 0 | 1 = 1) =>
  device.publishAsync(
    topics.telemetry(deviceId),
    JSON.stringify({ ts: t0 + i * 1000, values: { temperature: 40 + (i % 10) } }),
    { qos },
  );

it('ingests from mosquitto, and gets what was published while it was away', async () => {
  const purna = await startTestPurna({ mqttUrl: broker.url, mqttClientId: 'purna-ext-test' });
  try {
    expect(purna.broker.listening).toBe(true);
    for (let i = 0; i < 50; i++) await publish(i);
    await eventually(async () => (await purna.store.query(deviceId, t0, t0 + 1e6, 1000)).length === 50).catch((e) => {
      throw new Error(`first 50: ${purna.ingest.stats.readingsAccepted} accepted: ${e.message}`);
    });
    await purna.stop();

    for (let i = 50; i < 120; i++) await publish(i); // Purna is away: mosquitto queues for its session
    const again = await startTestPurna({ mqttUrl: broker.url, mqttClientId: 'purna-ext-test' }, purna.dataDir);
    try {
      await eventually(async () => (await again.store.query(deviceId, t0, t0 + 1e6, 1000)).length === 120).catch(
        (e) => {
          throw new Error(`backlog: ${again.ingest.stats.readingsAccepted} accepted: ${e.message}`);
        },
      );
      const errors: string[] = [];
      device.on('message', (_t, p) => errors.push(p.toString()));
      await device.subscribeAsync(topics.errors(deviceId), { qos: 1 });
      await device.publishAsync(topics.telemetry(deviceId), '{"temperature": "x"}', { qos: 1 });
      await eventually(() => errors.length === 1);
      expect(errors[0]).toMatch(/temperature must be a number/);
    } finally {
      await again.destroy();
    }
  } finally {
    await purna.stop().catch(() => {});
  }
});

it('two workers in one MQTT 5 shared-subscription group split the load; every message stored once', async () => {
  const influx = inject('influxUrl');
  const db = `purna_share_${Date.now()}`;
  const a = await startTestPurna({
    mqttUrl: broker.url,
    mqttClientId: 'purna-worker-a',
    mqttShareGroup: 'purna',
    influxUrl: influx,
    influxDatabase: db,
  });
  const b = await startTestPurna({
    mqttUrl: broker.url,
    mqttClientId: 'purna-worker-b',
    mqttShareGroup: 'purna',
    influxUrl: influx,
    influxDatabase: db,
  });
  try {
    const N = 400;
    for (let i = 1000; i < 1000 + N; i++) await publish(i);
    await eventually(() => a.ingest.stats.readingsAccepted + b.ingest.stats.readingsAccepted === N, 20_000);
    expect(a.ingest.stats.readingsAccepted).toBeGreaterThan(0);
    expect(b.ingest.stats.readingsAccepted).toBeGreaterThan(0);
    await a.writer.flush();
    await b.writer.flush();
    const stored = await a.store.query(deviceId, t0 + 1000 * 1000, t0 + (1000 + N) * 1000, 10_000);
    expect(stored.length).toBe(N);
  } finally {
    await a.destroy();
    await b.destroy();
  }
});

it('its data disk full: what Purna refused (no PUBACK) the broker delivers again once space returns, so nothing waits for ever', async () => {
  const fs = mountSmallFilesystem(8 * 1024 * 1024);
  const from = 1500; // timestamps t0 + 1500..1700 s: past the other tests', still in the past
  const purna = await startTestPurna({ mqttUrl: broker.url, mqttClientId: 'purna-ext-diskfull' }, fs.dir);
  try {
    for (let i = from; i < from + 20; i++) await publish(i);
    const storedCount = async () =>
      (await purna.store.query(deviceId, t0 + from * 1000, t0 + (from + 200) * 1000, 1000)).length;
    await eventually(async () => (await storedCount()) === 20);
    fs.fill();
    for (let i = from + 20; i < from + 200; i++) await publish(i); // mosquitto takes them; Purna cannot
    const walCheck = async () => {
      const body = (await (await fetch(`${purna.dashboardUrl}readyz`)).json()) as {
        checks: { name: string; ok: boolean; detail?: string }[];
      };
      return body.checks.find((c) => c.name === 'write-ahead log');
    };
    await eventually(async () => /disk full/.test((await walCheck())?.detail ?? ''), 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    fs.free();
    await eventually(async () => (await storedCount()) === 200, 30_000).catch(async (e) => {
      throw new Error(`${await storedCount()} of 200 stored after space returned: ${e.message}`);
    });
  } finally {
    await purna.stop();
    fs.unmount();
  }
});
