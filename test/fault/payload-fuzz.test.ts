// Fuzz at the validation boundary, through the real broker: random telemetry messages, each with
// exactly one defect placed at random (a timestamp no Date holds, a value no JSON number should
// be, a hostile key, a broken structure, broken bytes). Nothing may escape the ingest hook: every
// one is answered with a reason on the device's errors topic, and good messages flow on.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topics } from '../../core/topics.ts';
import { prng } from '../../device-sim/fleet.ts';
import { connectDevice, eventually, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let device: MqttClient;
const deviceId = 'pump-fuzz-0001';
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

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

/** Raw JSON text for values JSON.stringify cannot write (1e400 parses to Infinity). */
const RAW = '"\u0001raw\u0001"';

/** One defect each; `raw` replaces the RAW placeholder in the serialised text. */
function defect(
  rand: () => number,
  nowMs: number,
): { where: 'ts' | 'value' | 'key' | 'reading' | 'message' | 'bytes'; value?: unknown; raw?: string } {
  switch (Math.floor(rand() * 6)) {
    case 0:
      return {
        where: 'ts',
        value: pick(rand, [
          1e16,
          -1e16,
          1e300,
          -1e300,
          8.64e15 + 1,
          nowMs + 86_400_000,
          nowMs - 2 * 365 * 86_400_000,
          1.5,
          'tomorrow',
          '+275760-09-13T00:00:00Z',
          '2026-13-45T99:99:99Z',
          null,
          {},
          [],
          true,
        ]),
      };
    case 1: {
      const v = pick(rand, ['hot', null, [], {}, true, 'NaN', -1e300, 1e16, RAW]);
      return { where: 'value', value: v, raw: v === RAW ? pick(rand, ['1e400', '-1e999', '123e4567']) : undefined };
    }
    case 2:
      return {
        where: 'key',
        value: pick(rand, [
          '__proto__',
          '__defineGetter__',
          'tem perature',
          '',
          'a'.repeat(65),
          '1abc',
          'é',
          'x\u0000y',
          '$where',
        ]),
      };
    case 3:
      return {
        where: 'reading',
        value: pick(rand, [
          null,
          42,
          'reading',
          [],
          [1, 2],
          { values: [1, 2] },
          { values: {} },
          {},
          { ts: Date.now(), values: { temperature: 50 }, extra: 1 },
        ]),
      };
    case 4:
      return {
        where: 'message',
        raw: pick(rand, [
          '',
          '[]',
          '42',
          '"x"',
          'null',
          '['.repeat(4000) + ']'.repeat(4000),
          '{"temperature": 1',
          '{"temperature": 1}}',
          '{temperature: 1}',
          "{'temperature': 1}",
        ]),
      };
    default:
      return { where: 'bytes' };
  }
}

function goodValues(rand: () => number): Record<string, number> {
  const values: Record<string, number> = { temperature: 40 + 30 * rand(), vibration: 1 + 3 * rand() };
  if (rand() < 0.3) values.pressure_bar = 2 + rand();
  return values;
}

/** A message with exactly one defect, in one of the three forms, at a random place. */
function hostileMessage(rand: () => number, nowMs: number): Buffer {
  const d = defect(rand, nowMs);
  if (d.where === 'message') return Buffer.from(d.raw!);
  if (d.where === 'bytes') {
    const text = JSON.stringify({ temperature: 50 });
    const at = Math.floor(rand() * text.length);
    return Buffer.concat([
      Buffer.from(text.slice(0, at)),
      Buffer.from(pick(rand, [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]])),
      Buffer.from(text.slice(at)),
    ]);
  }
  const count = rand() < 0.5 ? 1 : 1 + Math.floor(rand() * 5);
  const readings: unknown[] = [];
  const bad = Math.floor(rand() * count);
  for (let i = 0; i < count; i++) {
    const ts = nowMs - Math.floor(rand() * 60_000);
    const values: Record<string, unknown> = goodValues(rand);
    let reading: unknown = rand() < 0.5 ? { ts, values } : { ts, ...values };
    if (i === bad) {
      if (d.where === 'reading') reading = d.value;
      else if (d.where === 'ts') reading = rand() < 0.5 ? { ts: d.value, values } : { ...values, ts: d.value };
      else if (d.where === 'value') reading = { ts, values: { ...values, temperature: d.value } };
      else reading = { ts, values: Object.assign(Object.create(null), values, { [d.value as string]: 1 }) };
    }
    readings.push(reading);
  }
  const text = JSON.stringify(count === 1 && rand() < 0.7 ? readings[0] : readings);
  return Buffer.from(d.raw ? text.replace(RAW, d.raw) : text);
}

it('3,000 messages with one random defect each among 600 good ones: every defect answered with a reason, every good one stored, Purna ingests on', async () => {
  const rand = prng(4242);
  const BAD = 3_000;
  const t0 = Date.now() - 3_600_000;
  let good = 0;
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < BAD; i++) {
    pending.push(device.publishAsync(topics.telemetry(deviceId), hostileMessage(rand, Date.now()), { qos: 1 }));
    if (i % 5 === 0)
      pending.push(
        device.publishAsync(
          topics.telemetry(deviceId),
          JSON.stringify({ ts: t0 + good++ * 1000, values: { temperature: 50, vibration: 2 } }),
          { qos: 1 },
        ),
      );
    if (pending.length >= 200) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);

  await eventually(() => reasons.length >= BAD, 30_000);
  expect(reasons.length).toBe(BAD);
  expect(purna.ingest.stats.messagesRejected).toBe(BAD);
  expect(reasons.every((r) => typeof r === 'string' && r.length > 5)).toBe(true);
  // Each was refused for what it is, not by the catch-all for unforeseen errors.
  expect(purna.ingest.stats.rejectedByKind.internal).toBe(0);
  expect(reasons.filter((r) => /could not be validated/.test(r))).toEqual([]);
  const metrics = await (await fetch(`${purna.dashboardUrl}metrics`)).text();
  expect(metrics).toMatch(/^purna_mqtt_messages_rejected_by_kind_total\{kind="payload"\} 3000$/m);

  // Still ingesting: a good message after all that is stored.
  await device.publishAsync(
    topics.telemetry(deviceId),
    JSON.stringify({ ts: t0 + good++ * 1000, values: { temperature: 51, vibration: 2 } }),
    { qos: 1 },
  );
  await purna.writer.flush();
  const stored = await purna.store.query(deviceId, t0, t0 + good * 1000, 10_000);
  expect(stored.length).toBe(good);
  expect((await fetch(`${purna.dashboardUrl}healthz`)).status).toBe(200);
});

it('{"ts":1e16,...}, which ended the process, is rejected with a reason and the next message is stored', async () => {
  const before = reasons.length;
  await device.publishAsync(topics.telemetry(deviceId), '{"ts":1e16,"values":{"temperature":1}}', { qos: 1 });
  await eventually(() => reasons.length > before);
  expect(reasons.at(-1)).toMatch(/ts 10000000000000000 is too far in the future/);
  const ts = Date.now() - 1000;
  await device.publishAsync(topics.telemetry(deviceId), JSON.stringify({ ts, values: { temperature: 52 } }), {
    qos: 1,
  });
  await purna.writer.flush();
  expect((await purna.store.query(deviceId, ts, ts, 10)).map((r) => r.values.temperature)).toEqual([52]);
});
