import { afterAll, beforeAll, expect, it } from 'vitest';
import { topics } from '../../core/topics.ts';
import { connectDevice, eventually, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
beforeAll(async () => {
  purna = await startTestPurna();
});
afterAll(async () => {
  await purna?.destroy();
});

it('/healthz answers and /metrics counts what ingest did', async () => {
  expect((await fetch(`${purna.dashboardUrl}healthz`)).status).toBe(200);
  const device = await connectDevice(purna.mqttUrl, 'motor-ops-0001');
  for (let i = 0; i < 7; i++) await device.publishAsync(topics.telemetry('motor-ops-0001'), JSON.stringify({ temperature: 50 + i }), { qos: 1 });
  await device.publishAsync(topics.telemetry('motor-ops-0001'), 'not json', { qos: 1 });
  await eventually(() => purna.writer.stats.storedReadings === 7);
  const text = await (await fetch(`${purna.dashboardUrl}metrics`)).text();
  const value = (name: string) => Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1]);
  expect(value('purna_mqtt_messages_received_total')).toBe(8);
  expect(value('purna_mqtt_messages_rejected_total')).toBe(1);
  expect(value('purna_readings_stored_total')).toBe(7);
  expect(value('purna_detector_samples_total')).toBe(7);
  expect(value('purna_mqtt_clients')).toBe(1);
  expect(text).toMatch(/^purna_write_batch_seconds_count [1-9]/m);
  expect(text).toMatch(/^purna_nodejs_eventloop_lag_seconds /m);
  await device.endAsync();
});

it('/readyz is 200 when ready and 503 naming the broker once it stops listening', async () => {
  const ready = await fetch(`${purna.dashboardUrl}readyz`);
  expect(ready.status).toBe(200);
  const body = (await ready.json()) as { checks: { name: string; ok: boolean }[] };
  expect(body.checks.map((c) => c.name)).toEqual(['mqtt broker', 'telemetry store', 'telemetry writer', 'write queue']);
  await purna.broker.stop();
  const notReady = await fetch(`${purna.dashboardUrl}readyz`);
  expect(notReady.status).toBe(503);
  const nb = (await notReady.json()) as { checks: { name: string; ok: boolean }[] };
  expect(nb.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['mqtt broker']);
});
