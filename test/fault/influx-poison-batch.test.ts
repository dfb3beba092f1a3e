// Fault: batches InfluxDB refuses for their content must not wedge the writer. A real influxd
// with a 3,000-byte max-body-size answers 413 to any batch of wide readings, and 400 (partial
// write) to a field type conflict. Purna splits such writes until they pass, refuses only what
// the store will not take even alone (the device hears why on its errors topic), confirms it to
// the write-ahead log, and keeps the rest flowing. /readyz names a writer that stays stuck.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topics } from '../../core/topics.ts';
import { influxdAvailable, startInfluxd, type LocalInfluxd } from '../support/influxd.ts';
import { waitFor } from '../support/load.ts';
import { connectDevice, startTestPurna, type TestPurna } from '../support/purna.ts';

const DB = 'poison';
const MAX_BODY_BYTES = 3000;
let influx: LocalInfluxd;
let purna: TestPurna;

beforeAll(async () => {
  if (!influxdAvailable())
    throw new Error("this test starts its own InfluxDB: install Debian's influxdb (apt-get install -y influxdb)");
  influx = await startInfluxd({ maxBodySize: MAX_BODY_BYTES });
  // A long batch age puts every device's readings into one batch; a short stuck bound lets the outage check be quick.
  // pump-wide-0001 uses 24 + 64 metric names: above the default PURNA_MAX_METRICS_PER_DEVICE (32).
  purna = await startTestPurna({
    influxUrl: influx.url,
    influxDatabase: DB,
    writeBatchMaxAgeMs: 1000,
    writeStuckAfterMs: 1500,
    maxMetricsPerDevice: 100,
  });
});
afterAll(async () => {
  await purna?.destroy();
  await influx?.destroy();
});

async function influxql(q: string): Promise<{ results: { series?: { values: unknown[][] }[]; error?: string }[] }> {
  const res = await fetch(`${influx.url}/query?db=${DB}&epoch=ms&q=${encodeURIComponent(q)}`);
  return (await res.json()) as { results: { series?: { values: unknown[][] }[] }[] };
}

async function storedTimestamps(deviceId: string, field: string): Promise<number[]> {
  const json = await influxql(`SELECT "${field}" FROM telemetry WHERE device = '${deviceId}'`);
  return (json.results[0].series?.[0].values ?? []).map((v) => v[0] as number);
}

/** `count` metrics with names of `nameLength` characters. */
function wideValues(count: number, nameLength: number, seed: number): Record<string, number> {
  const values: Record<string, number> = {};
  for (let m = 0; m < count; m++)
    values[`m${String(m).padStart(2, '0')}_`.padEnd(nameLength, 'x')] = 60 + ((seed * 7 + m) % 100) / 7;
  return values;
}

async function readyz(): Promise<{ status: number; failing: { name: string; detail?: string }[] }> {
  const res = await fetch(`${purna.dashboardUrl}readyz`);
  const body = (await res.json()) as { checks: { name: string; ok: boolean; detail?: string }[] };
  return { status: res.status, failing: body.checks.filter((c) => !c.ok) };
}

function collectErrors(client: MqttClient, deviceId: string): { error: string }[] {
  const seen: { error: string }[] = [];
  client.on('message', (topic, payload) => {
    if (topic === topics.errors(deviceId)) seen.push(JSON.parse(payload.toString()) as { error: string });
  });
  return seen;
}

it('413 and partial writes: split until they pass, refuse only what the store will not take, with its reason; the rest is stored', async () => {
  const t0 = Date.now() - 3_600_000;
  // A string field `firmware` already in the measurement: a float `firmware` conflicts with it (HTTP 400, partial write).
  const seed = await fetch(`${influx.url}/write?db=${DB}&precision=ms`, {
    method: 'POST',
    body: `telemetry,device=compressor-seed-0001 firmware="1.2.3" ${t0}`,
  });
  expect(seed.status).toBe(204);

  const wide = await connectDevice(purna.mqttUrl, 'pump-wide-0001');
  const conflict = await connectDevice(purna.mqttUrl, 'compressor-conflict-0001');
  const narrow = await connectDevice(purna.mqttUrl, 'motor-narrow-0001');
  const wideErrors = collectErrors(wide, 'pump-wide-0001');
  const conflictErrors = collectErrors(conflict, 'compressor-conflict-0001');
  const narrowErrors = collectErrors(narrow, 'motor-narrow-0001');
  await wide.subscribeAsync(topics.errors('pump-wide-0001'), { qos: 1 });
  await conflict.subscribeAsync(topics.errors('compressor-conflict-0001'), { qos: 1 });
  await narrow.subscribeAsync(topics.errors('motor-narrow-0001'), { qos: 1 });

  // 120 readings of 24 metrics with 40-character names (about 1.3 kB of line protocol each: two fit
  // in a request) and two of 64 metrics with 63-character names (about 4.7 kB: too large even alone).
  const wideReadings = Array.from({ length: 120 }, (_, i) => ({ ts: t0 + i, values: wideValues(24, 40, i) }));
  const tooWide = [t0 + 500, t0 + 501];
  await wide.publishAsync(topics.telemetry('pump-wide-0001'), JSON.stringify(wideReadings.slice(0, 60)), { qos: 1 });
  await wide.publishAsync(
    topics.telemetry('pump-wide-0001'),
    JSON.stringify(tooWide.map((ts) => ({ ts, values: wideValues(64, 63, ts) }))),
    { qos: 1 },
  );
  await wide.publishAsync(topics.telemetry('pump-wide-0001'), JSON.stringify(wideReadings.slice(60)), { qos: 1 });
  // 50 readings, three of them with a float `firmware`.
  const badTs = [t0 + 10, t0 + 20, t0 + 30];
  const conflictReadings = Array.from({ length: 50 }, (_, i) => ({
    ts: t0 + i,
    values: { temperature: 70 + i / 10, ...(badTs.includes(t0 + i) ? { firmware: 2 } : {}) },
  }));
  await conflict.publishAsync(topics.telemetry('compressor-conflict-0001'), JSON.stringify(conflictReadings), {
    qos: 1,
  });
  // A well-behaved device in the same batches.
  for (let i = 0; i < 20; i++)
    await narrow.publishAsync(
      topics.telemetry('motor-narrow-0001'),
      JSON.stringify({ ts: t0 + i, values: { temperature: 50 + i, vibration: 1.2 } }),
      { qos: 1 },
    );

  const expectedWide = wideReadings.map((r) => r.ts);
  const expectedConflict = conflictReadings.map((r) => r.ts).filter((ts) => !badTs.includes(ts));
  await waitFor(async () => purna.writer.stats.pending === 0, 30_000, 'every accepted reading settled').catch(
    async (err: Error) => {
      const stored = (await storedTimestamps('pump-wide-0001', Object.keys(wideReadings[0].values)[0])).length;
      throw new Error(
        `${err.message}: ${stored} of ${expectedWide.length} wide readings stored; writer ${JSON.stringify(purna.writer.stats)}; readyz ${JSON.stringify(await readyz())}`,
      );
    },
  );

  expect(await storedTimestamps('pump-wide-0001', Object.keys(wideReadings[0].values)[0])).toEqual(expectedWide);
  expect(await storedTimestamps('pump-wide-0001', Object.keys(wideValues(64, 63, 0))[63])).toEqual([]);
  expect(await storedTimestamps('compressor-conflict-0001', 'temperature')).toEqual(expectedConflict);
  expect(await storedTimestamps('motor-narrow-0001', 'temperature')).toEqual(
    Array.from({ length: 20 }, (_, i) => t0 + i),
  );
  expect(purna.writer.stats.refusedReadings).toBe(tooWide.length + badTs.length);
  expect(purna.writer.stats.splitWrites).toBeGreaterThan(0);

  // Each device hears what was refused and why (the store's own words); the healthy one hears nothing.
  await waitFor(
    () => wideErrors.length >= 1 && conflictErrors.length >= 1,
    10_000,
    'refusals reported on the errors topics',
  );
  const wideText = wideErrors.map((e) => e.error).join('\n');
  for (const ts of tooWide) expect(wideText).toContain(`ts ${ts}`);
  expect(wideText).toMatch(/413/);
  const conflictText = conflictErrors.map((e) => e.error).join('\n');
  for (const ts of badTs) expect(conflictText).toContain(`ts ${ts}`);
  expect(conflictText).toMatch(/field type conflict/);
  expect(narrowErrors).toEqual([]);

  // Counted for operators, and the writer is not stuck.
  const metrics = await (await fetch(`${purna.dashboardUrl}metrics`)).text();
  expect(metrics).toMatch(new RegExp(`^purna_readings_refused_total ${tooWide.length + badTs.length}$`, 'm'));
  expect(await readyz()).toEqual({ status: 200, failing: [] });
  await Promise.all([wide.endAsync(), conflict.endAsync(), narrow.endAsync()]);
}, 120_000);

it('/readyz names the telemetry writer once its oldest batch has failed longer than PURNA_WRITE_STUCK_AFTER_MS (a store outage), and is ready again once it is stored', async () => {
  const device = await connectDevice(purna.mqttUrl, 'pump-outage-0002');
  await influx.stop();
  const ts = Date.now() - 1000;
  await device.publishAsync(topics.telemetry('pump-outage-0002'), JSON.stringify({ ts, values: { temperature: 61 } }), {
    qos: 1,
  });
  await waitFor(
    async () => (await readyz()).failing.some((c) => c.name === 'telemetry writer'),
    15_000,
    '/readyz to name the stuck writer',
  );
  const during = await readyz();
  expect(during.status).toBe(503);
  expect(during.failing.find((c) => c.name === 'telemetry writer')?.detail).toMatch(
    /stuck: the oldest unstored batch has been failing for \d+ s \(InfluxDB unreachable/,
  );
  await influx.restart();
  await waitFor(async () => (await readyz()).status === 200, 30_000, '/readyz ready again after the store returned');
  expect(await storedTimestamps('pump-outage-0002', 'temperature')).toEqual([ts]);
  await device.endAsync();
}, 90_000);
