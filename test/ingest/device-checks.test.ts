// The checks that know the device, through the real broker: a bound on its metric names (one
// device inventing names grew the live heap from 37 MB to 518 MB in 53 messages) and its sensors' physical ranges
// (an impossible value is a sensor fault, never the device's latest value).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topics } from '../../core/topics.ts';
import { capturingLogger, connectDevice, eventually, startTestPurna, type TestPurna } from '../support/purna.ts';

/** A device connected and listening to its errors topic. */
async function listeningDevice(purna: TestPurna, deviceId: string): Promise<{ client: MqttClient; reasons: string[] }> {
  const client = await connectDevice(purna.mqttUrl, deviceId);
  const reasons: string[] = [];
  client.on('message', (_topic, payload) => reasons.push((JSON.parse(payload.toString()) as { error: string }).error));
  await client.subscribeAsync(topics.errors(deviceId), { qos: 1 });
  return { client, reasons };
}

const metrics = (prefix: string, n: number, value = 1) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, value]));

describe('metric names per device', () => {
  let purna: TestPurna;
  beforeAll(async () => {
    purna = await startTestPurna();
  });
  afterAll(async () => {
    await purna?.destroy();
  });

  it('the metric that would be the 33rd is rejected with its name; the 32 known flow on; another device has its own allowance', async () => {
    const { client, reasons } = await listeningDevice(purna, 'pump-names-0001');
    const send = (values: Record<string, number>) =>
      client.publishAsync(topics.telemetry('pump-names-0001'), JSON.stringify(values), { qos: 1 });
    await send({ temperature: 50, vibration: 2, ...metrics('m', 28) });
    await send({ temperature: 51, m28: 1, m29: 1 });
    expect(reasons).toEqual([]);
    await send({ temperature: 52, extra_a: 1 });
    await eventually(() => reasons.length === 1);
    expect(reasons[0]).toBe(
      'metric "extra_a" would be this device\'s metric number 33: a device may have at most 32 metric names (it has 32)',
    );
    // Known metrics keep flowing, in any combination.
    await send({ temperature: 53, vibration: 2.5, m29: 7 });
    await eventually(() => purna.fleetView.get('pump-names-0001')?.latest.temperature === 53);
    expect(Object.keys(purna.fleetView.get('pump-names-0001')!.latest)).toHaveLength(32);
    expect(purna.ingest.stats.rejectedByKind.metric_limit).toBe(1);

    const other = await listeningDevice(purna, 'pump-names-0002');
    await other.client.publishAsync(topics.telemetry('pump-names-0002'), JSON.stringify(metrics('x', 32)), { qos: 1 });
    await eventually(() => Object.keys(purna.fleetView.get('pump-names-0002')?.latest ?? {}).length === 32);
    expect(other.reasons).toEqual([]);
    await client.endAsync();
    await other.client.endAsync();
  });

  it('a flood of new names per reading (the attack: 53 messages × 10 readings × 64 names) is rejected and grows nothing', async () => {
    const { client, reasons } = await listeningDevice(purna, 'pump-flood-0001');
    let n = 0;
    const t0 = Date.now() - 600_000;
    for (let m = 0; m < 53; m++) {
      const batch = Array.from({ length: 10 }, (_, r) => ({
        ts: t0 + m * 10 + r,
        values: Object.fromEntries(Array.from({ length: 64 }, () => [`junk_${n++}`, 1])),
      }));
      await client.publishAsync(topics.telemetry('pump-flood-0001'), JSON.stringify(batch), { qos: 1 });
    }
    await eventually(() => reasons.length === 53);
    expect(reasons[0]).toMatch(/^\[0\]\.metric "junk_32" would be this device's metric number 33/);
    await client.publishAsync(topics.telemetry('pump-flood-0001'), JSON.stringify({ temperature: 50, vibration: 2 }), {
      qos: 1,
    });
    await eventually(() => purna.fleetView.get('pump-flood-0001')?.latest.temperature === 50);
    expect(Object.keys(purna.fleetView.get('pump-flood-0001')!.latest)).toEqual(['temperature', 'vibration']);
    expect(purna.analytics.metricNames('pump-flood-0001')).toEqual(['temperature', 'vibration']);
    await client.endAsync();
  });
});

it('a snapshot from before the bound is trimmed on restore (and says so); the device keeps those metrics, not a fresh allowance', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'purna-trim-'));
  try {
    const first = await startTestPurna({ maxMetricsPerDevice: 100 }, dir);
    const d1 = await listeningDevice(first, 'pump-trim-0001');
    // Two readings: one reading carries at most 64 metrics.
    const all = Object.entries(metrics('old', 100));
    await d1.client.publishAsync(
      topics.telemetry('pump-trim-0001'),
      JSON.stringify([Object.fromEntries(all.slice(0, 50)), Object.fromEntries(all.slice(50))]),
      { qos: 1 },
    );
    await eventually(() => first.analytics.metricNames('pump-trim-0001').length === 100);
    await d1.client.endAsync();
    await first.stop(); // saves the analytics snapshot

    const { log, lines } = capturingLogger();
    const second = await startTestPurna({}, dir, log);
    try {
      const trimmed = lines.find((l) => /more metrics than PURNA_MAX_METRICS_PER_DEVICE/.test(String(l.msg)));
      expect(trimmed).toMatchObject({ level: 40, droppedMetrics: 68, maxMetricsPerDevice: 32 });
      expect(second.analytics.metricNames('pump-trim-0001')).toEqual(Object.keys(metrics('old', 32)));
      const d2 = await listeningDevice(second, 'pump-trim-0001');
      await d2.client.publishAsync(topics.telemetry('pump-trim-0001'), JSON.stringify({ old0: 5, old31: 6 }), {
        qos: 1,
      });
      await d2.client.publishAsync(topics.telemetry('pump-trim-0001'), JSON.stringify({ temperature: 50 }), { qos: 1 });
      await eventually(() => d2.reasons.length === 1);
      expect(d2.reasons[0]).toMatch(/^metric "temperature" would be this device's metric number 33/);
      expect(second.fleetView.get('pump-trim-0001')?.latest).toEqual({ old0: 5, old31: 6 });
      await d2.client.endAsync();
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('physically impossible values', () => {
  let purna: TestPurna;
  beforeAll(async () => {
    purna = await startTestPurna();
  });
  afterAll(async () => {
    await purna?.destroy();
  });

  it('vibration -5 mm/s and -300 °C are rejected as sensor faults: never the latest value, never stored; the device shows a sensor fault', async () => {
    const deviceId = 'pump-faulty-0001';
    const { client, reasons } = await listeningDevice(purna, deviceId);
    const t0 = Date.now() - 120_000;
    // 40 ordinary readings (past the detectors' warm-up of 30), then impossible ones.
    const normal = Array.from({ length: 40 }, (_, i) => ({
      ts: t0 + i * 1000,
      values: { temperature: 58 + (i % 3) * 0.1, vibration: 1.6 + (i % 5) * 0.01 },
    }));
    await client.publishAsync(topics.telemetry(deviceId), JSON.stringify(normal), { qos: 1 });
    for (let i = 0; i < 4; i++) {
      await client.publishAsync(
        topics.telemetry(deviceId),
        JSON.stringify({ ts: t0 + 50_000 + i * 1000, values: { temperature: 58, vibration: -5 } }),
        { qos: 1 },
      );
    }
    await client.publishAsync(
      topics.telemetry(deviceId),
      JSON.stringify({ ts: t0 + 60_000, values: { temperature: -300, vibration: 1.6 } }),
      { qos: 1 },
    );
    await eventually(() => reasons.length === 5);
    expect(reasons[0]).toBe(
      'vibration -5 mm/s is outside what the sensor can read on pump-p200 (0…50 mm/s): sensor fault, message rejected',
    );
    expect(reasons[4]).toBe(
      'temperature -300 °C is outside what the sensor can read on pump-p200 (-40…200 °C): sensor fault, message rejected',
    );
    expect(purna.ingest.stats.rejectedByKind.sensor_fault).toBe(5);

    const summary = purna.fleetView.get(deviceId)!;
    expect(summary.latest).toEqual(normal.at(-1)!.values);
    expect(summary.latestTsMs).toBe(normal.at(-1)!.ts);
    expect(summary.sensorFault).toMatchObject({ metric: 'temperature', value: -300, tsMs: t0 + 60_000 });
    // Analytics heard them only as sensor faults: its physical-range rule, baseline untouched.
    const health = purna.analytics.health(deviceId)!;
    expect(health).toMatchObject({ state: 'sensor_fault', rule: 'physical-range', metric: 'temperature' });
    expect(health.evidence.baselineMean).toBeGreaterThan(57);

    await purna.writer.flush();
    const stored = await purna.store.query(deviceId, t0, t0 + 120_000, 1000);
    expect(stored).toHaveLength(40);
    expect(stored.every((r) => r.values.vibration >= 0 && r.values.temperature > -40)).toBe(true);
    await client.endAsync();
  });

  it('a whole batch with one impossible reading is rejected, naming the reading and how many more', async () => {
    const deviceId = 'pump-faulty-0002';
    const { client, reasons } = await listeningDevice(purna, deviceId);
    const t0 = Date.now() - 60_000;
    const batch = [
      { ts: t0, values: { vibration: 1.5 } },
      { ts: t0 + 1000, values: { vibration: 80 } },
      { ts: t0 + 2000, values: { vibration: 90 } },
    ];
    await client.publishAsync(topics.telemetry(deviceId), JSON.stringify(batch), { qos: 1 });
    await eventually(() => reasons.length === 1);
    expect(reasons[0]).toBe(
      '[1].vibration 80 mm/s is outside what the sensor can read on pump-p200 (0…50 mm/s), and 1 more reading like it: sensor fault, message rejected',
    );
    expect(purna.fleetView.get(deviceId)?.latest ?? {}).toEqual({});
    await client.endAsync();
  });
});
