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
  const child = spawn(process.execPath, [cli, '--devices', '12', '--rate', '5', '--broker', broker.url, '--duration', '3', '--faults', '0.25,0.25,0', '--speed', '3600', '--ground-truth', gt, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
