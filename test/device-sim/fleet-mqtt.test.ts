// The simulator over real MQTT, against Debian's mosquitto: one client per device, the CLI, and
// surviving a broker restart.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFleet } from '../../device-sim/fleet.ts';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.ts';
import { eventually } from '../support/purna.ts';

let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.stop();
});

async function collect(url: string, into: Map<string, number>) {
  const sub = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: `watch-${Math.random()}` });
  sub.on('message', (topic) => {
    const id = topic.split('/')[3];
    into.set(id, (into.get(id) ?? 0) + 1);
  });
  await sub.subscribeAsync('purna/v1/devices/+/telemetry', { qos: 0 });
  return sub;
}

it('the CLI runs a fleet against mosquitto, writes ground truth, stops after --duration with exit 0 and a summary', async () => {
  const seen = new Map<string, number>();
  const sub = await collect(broker.url, seen);
  const gt = join(mkdtempSync(join(tmpdir(), 'purna-sim-')), 'truth.json');
  const cli = fileURLToPath(new URL('../../device-sim/cli.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      cli,
      '--devices',
      '12',
      '--rate',
      '5',
      '--broker',
      broker.url,
      '--duration',
      '3',
      '--faults',
      '0.25,0.25,0',
      '--speed',
      '3600',
      '--ground-truth',
      gt,
      '--quiet',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  await sub.endAsync();
  expect(code).toBe(0);
  expect(out).toMatch(/device-sim: 12 devices, \d+ messages/);
  expect(seen.size).toBe(12);
  expect([...seen.values()].every((n) => n >= 5)).toBe(true);
  const truth = JSON.parse(readFileSync(gt, 'utf8')) as { class: string }[];
  expect(truth.filter((t) => t.class === 'machine').length).toBe(3);
  expect(truth.filter((t) => t.class === 'sensor').length).toBe(3);
});

it('survives a broker restart and resumes publishing', async () => {
  const fleet = await startFleet({ brokerUrl: broker.url, devices: 4, rateHz: 10, seed: 5, qos: 1 });
  try {
    await eventually(() => fleet.stats().connected === 4, 10_000);
    await broker.restart();
    const seen = new Map<string, number>();
    const sub = await collect(broker.url, seen);
    // Reconnects with backoff (1 s, then ~2 s …) and publishes again, every device.
    await eventually(() => seen.size === 4 && [...seen.values()].every((n) => n >= 3), 20_000);
    await sub.endAsync();
    expect(fleet.stats().reconnects).toBeGreaterThan(0);
  } finally {
    await fleet.stop();
  }
});

it('Ctrl-C stops the CLI cleanly: a progress line before, exit 0, a summary, and every device left offline (retained)', async () => {
  const cli = fileURLToPath(new URL('../../device-sim/cli.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    [cli, '--devices', '5', '--rate', '2', '--broker', broker.url, '--seed', '77'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  await eventually(() => /connected 5\/5 .* msg\/s .* simulated \d{4}-.* failures injected 0/.test(err), 15_000);
  // Watch the status topics while it runs (the same ids exist from other tests: see them go online first).
  const ids = ['sim-pump-0001', 'sim-compressor-0002', 'sim-motor-0003', 'sim-pump-0004', 'sim-compressor-0005'];
  const status = new Map<string, string>();
  const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: `status-${Math.random()}` });
  sub.on('message', (topic, payload) => status.set(topic.split('/')[3], payload.toString()));
  await sub.subscribeAsync('purna/v1/devices/+/status', { qos: 1 });
  await eventually(() => ids.every((id) => status.get(id) === 'online'), 5000);
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(out).toMatch(/device-sim: 5 devices, \d+ messages in [\d.]+ s/);
  await eventually(() => ids.every((id) => status.get(id) === 'offline'), 5000);
  await sub.endAsync();
});
