// The CLI provisions its fleet through Purna's API when devices need credentials: against a whole
// Purna with token auth on its MQTT broker, the simulated devices get in only with their tokens.
// Its ids carry a prefix (default sim-), so a run beside npm start's demo fleet leaves that fleet
// alone; a run in which no device could connect fails with the broker's reason.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
beforeAll(async () => {
  // The demo's own fleet of three (pump-0001, compressor-0002, motor-0003), provisioned as npm start does.
  purna = await startTestPurna({ mqttAuth: 'token', simDevices: 3 });
});
afterAll(async () => {
  await purna?.destroy();
});

function runCli(args: string[]): Promise<{ code: number | null; out: string }> {
  const cli = fileURLToPath(new URL('../../device-sim/cli.ts', import.meta.url));
  const child = spawn(process.execPath, [cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PURNA_EMAIL: '', PURNA_PASSWORD: '' },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((r) => child.once('exit', (code) => r({ code, out })));
}

it('--provision-url registers its own sim- devices, which publish with their tokens while the demo fleet stays connected', async () => {
  const perDevice = new Map<string, number>();
  purna.bus.on('telemetry', (readings) => {
    for (const r of readings) perDevice.set(r.deviceId, (perDevice.get(r.deviceId) ?? 0) + 1);
  });
  let demoWentOffline = 0;
  purna.bus.on('deviceStatus', (e) => {
    if (!e.deviceId.startsWith('sim-') && e.status === 'offline') demoWentOffline++;
  });
  await eventually(() => purna.fleet!.stats().connected === 3);
  const token = (await loginAs(purna, 'planner')).split('=')[1];
  const { code, out } = await runCli([
    '--devices',
    '3',
    '--rate',
    '5',
    '--broker',
    purna.mqttUrl,
    '--provision-url',
    purna.dashboardUrl,
    `--provision-token=${token}`,
    '--duration',
    '3',
  ]);
  expect(code, out).toBe(0);
  expect(out).toMatch(/provisioned 3 devices/);
  const simulated = [...perDevice.keys()].filter((id) => id.startsWith('sim-')).sort();
  expect(simulated).toEqual(['sim-compressor-0002', 'sim-motor-0003', 'sim-pump-0001']);
  expect(simulated.every((id) => perDevice.get(id)! >= 5)).toBe(true);
  // Before the prefix the CLI rotated the demo's tokens and took over its client ids.
  expect(purna.fleet!.stats()).toMatchObject({ connected: 3, reconnects: 0 });
  expect(demoWentOffline).toBe(0);
  expect(['pump-0001', 'compressor-0002', 'motor-0003'].every((id) => (perDevice.get(id) ?? 0) > 0)).toBe(true);
});

it('--id-prefix names the devices; one that makes no device id is refused', async () => {
  const token = (await loginAs(purna, 'planner')).split('=')[1];
  const seen = new Set<string>();
  purna.bus.on('telemetry', (readings) => {
    for (const r of readings) seen.add(r.deviceId);
  });
  const { code, out } = await runCli([
    '--devices',
    '1',
    '--rate',
    '5',
    '--id-prefix',
    'lab7-',
    '--broker',
    purna.mqttUrl,
    '--provision-url',
    purna.dashboardUrl,
    `--provision-token=${token}`,
    '--duration',
    '2',
    '--quiet',
  ]);
  expect(code, out).toBe(0);
  expect(seen.has('lab7-pump-0001')).toBe(true);
  const bad = await runCli(['--devices', '1', '--id-prefix', 'a/b', '--broker', purna.mqttUrl, '--duration', '1']);
  expect(bad.code).toBe(2);
  expect(bad.out).toMatch(/--id-prefix 'a\/b' makes ids like 'a\/bcompressor-0001'/);
});

it('a run in which no device could connect exits 1 with the broker’s reason; a bad provisioning token exits 2', async () => {
  let accepted = 0;
  purna.bus.on('telemetry', (readings) => (accepted += readings.filter((r) => r.deviceId.startsWith('sim-')).length));
  const anonymous = await runCli(['--devices', '2', '--rate', '5', '--broker', purna.mqttUrl, '--duration', '20']);
  expect(anonymous.code, anonymous.out).toBe(1);
  // Every device refused as not authorised: the run ends at once rather than after its 20 s.
  expect(anonymous.out).toMatch(
    /no device could connect to mqtt:\/\/localhost:\d+ in \d\.\d s \(Connection refused: Bad username or password\): provision the devices/,
  );
  expect(accepted).toBe(0);

  // Nothing listening: no answer to wait for, the connect timeout ends it.
  const nobody = await runCli([
    '--devices',
    '1',
    '--broker',
    'mqtt://127.0.0.1:1',
    '--connect-timeout',
    '2',
    '--quiet',
  ]);
  expect(nobody.code, nobody.out).toBe(1);
  expect(nobody.out).toMatch(
    /no device could connect to mqtt:\/\/127\.0\.0\.1:1 in \d+\.\d s \(connect ECONNREFUSED 127\.0\.0\.1:1\)/,
  );

  const bad = await runCli([
    '--devices',
    '2',
    '--broker',
    purna.mqttUrl,
    '--provision-url',
    purna.dashboardUrl,
    '--provision-token=not-a-session',
    '--duration',
    '2',
    '--quiet',
  ]);
  expect(bad.code).toBe(2);
  expect(bad.out).toMatch(/provisioning failed: HTTP 401/);
});

it('--model plays a catalogue model: from --catalogue-url, every metric it declares reaches Purna, accepted by its contract', async () => {
  const planner = await loginAs(purna, 'planner');
  const token = planner.split('=')[1];
  const file = fileURLToPath(new URL('../../device-sim/examples/catalogue.json', import.meta.url));
  const { models } = JSON.parse(readFileSync(file, 'utf8')) as { models: { id: string }[] };
  const created = await fetch(`${purna.dashboardUrl}api/catalogue/models`, {
    method: 'POST',
    headers: { cookie: planner, 'content-type': 'application/json' },
    body: JSON.stringify(models.find((m) => m.id === 'booster-b40')),
  });
  expect(created.status).toBe(201);
  const seen = new Map<string, Record<string, number>>();
  purna.bus.on('telemetry', (readings) => {
    for (const r of readings) if (r.deviceId.startsWith('sim-booster')) seen.set(r.deviceId, r.values);
  });
  const { code, out } = await runCli([
    '--devices',
    '2',
    '--rate',
    '5',
    '--model',
    'booster-b40',
    '--catalogue-url',
    purna.dashboardUrl,
    '--broker',
    purna.mqttUrl,
    '--provision-url',
    purna.dashboardUrl,
    `--provision-token=${token}`,
    '--duration',
    '2',
  ]);
  expect(code, out).toBe(0);
  expect([...seen.keys()].sort()).toEqual(['sim-booster-b40-0001', 'sim-booster-b40-0002']);
  const values = seen.get('sim-booster-b40-0001')!;
  expect(Object.keys(values).sort()).toEqual(['current', 'flow', 'pressure', 'temperature']);
  expect(values.pressure).toBeGreaterThanOrEqual(3);
  expect(values.pressure).toBeLessThanOrEqual(6);
  expect(purna.service.stores.registry.getDevice('sim-booster-b40-0001')?.modelId).toBe('booster-b40');

  // A model the catalogue does not have is named with the ones it has; the file form too.
  const missing = await runCli(['--model', 'chiller-x', '--catalogue', file, '--broker', purna.mqttUrl]);
  expect(missing.code).toBe(2);
  expect(missing.out).toMatch(/no model 'chiller-x' in .*catalogue\.json \(booster-b40, ahu-fan-f30\)/);
});
