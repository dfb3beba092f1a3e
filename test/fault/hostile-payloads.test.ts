// Fault 3: 10,000 malformed or hostile payloads mixed into valid traffic: Purna stays up, every
// valid message is stored, every invalid one gets a reason on the device's errors topic.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topics } from '../../core/topics.ts';
import { prng } from '../../device-sim/fleet.ts';
import { connectDevice, eventually, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let device: MqttClient;
const deviceId = 'pump-hostile-0001';
const reasons: string[] = [];

beforeAll(async () => {
  purna = await startTestPurna();
  device = await connectDevice(purna.mqttUrl, deviceId);
  device.on('message', (_topic, payload) => reasons.push((JSON.parse(payload.toString()) as { error: string }).error));
  await device.subscribeAsync(topics.errors(deviceId), { qos: 1 });
});
afterAll(async () => {
  await device?.endAsync();
  await purna?.destroy();
});

/** Ten kinds of bad payload, each deterministic from the seed. */
function hostile(i: number, rand: () => number): Buffer {
  switch (i % 10) {
    case 0:
      return Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
    case 1:
      return Buffer.from('['.repeat(3000) + ']'.repeat(3000));
    case 2:
      return Buffer.from(`{"temperature": 1e${309 + Math.floor(rand() * 100)}}`);
    case 3:
      return Buffer.from(JSON.stringify({ temperature: 'hot', vibration: 1 }));
    case 4:
      return Buffer.from(JSON.stringify({ ts: 'tomorrow', values: { temperature: 1 } }));
    case 5:
      return Buffer.concat([Buffer.from('{"temperature": 1, "x'), Buffer.from([0xc3, 0x28]), Buffer.from('": 2}')]);
    case 6:
      return Buffer.from(JSON.stringify({ ts: Date.now() + 86_400_000 * 30, values: { temperature: 1 } }));
    case 7:
      return Buffer.from(JSON.stringify([{ temperature: 1 }, { temperature: null }]));
    case 8:
      return Buffer.from(JSON.stringify({ values: [1, 2, 3] }));
    default:
      return Buffer.from(JSON.stringify({ ['__proto__']: 1, constructor: { prototype: 1 } }));
  }
}

it('10,000 hostile payloads mixed into 2,000 valid ones: all valid stored, every invalid one answered', async () => {
  const rand = prng(1234);
  const t0 = Date.now() - 3_600_000;
  const BAD = 10_000;
  const GOOD = 2_000;
  let good = 0;
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < BAD; i++) {
    pending.push(device.publishAsync(topics.telemetry(deviceId), hostile(i, rand), { qos: 1 }));
    if (i % 5 === 0) {
      const ts = t0 + good++ * 1000;
      pending.push(
        device.publishAsync(
          topics.telemetry(deviceId),
          JSON.stringify({ ts, values: { temperature: 50 + (good % 7), vibration: 2 } }),
          { qos: 1 },
        ),
      );
    }
    if (pending.length >= 200) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  expect(good).toBe(GOOD);

  await eventually(() => reasons.length === BAD, 30_000);
  expect(purna.ingest.stats.messagesRejected).toBe(BAD);
  expect(reasons.every((r) => typeof r === 'string' && r.length > 5)).toBe(true);
  // Each kind of bad payload got its own kind of reason.
  expect(new Set(reasons.map((r) => r.replace(/[\d.]+/g, 'N').slice(0, 25))).size).toBeGreaterThanOrEqual(8);

  await purna.writer.flush();
  const stored = await purna.store.query(deviceId, t0, t0 + GOOD * 1000, 10_000);
  expect(stored.length).toBe(GOOD);
  expect(stored.every((r) => Object.keys(r.values).sort().join() === 'temperature,vibration')).toBe(true);
  // Still up: the API answers and a new client connects.
  expect((await fetch(`${purna.dashboardUrl}healthz`)).status).toBe(200);
  const another = await connectDevice(purna.mqttUrl, 'pump-hostile-0002');
  await another.endAsync();
});
