// The CLI provisions its fleet through Purna's API when devices need credentials: against a whole
// Purna with token auth on its MQTT broker, the simulated devices get in only with their tokens.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
beforeAll(async () => {
  purna = await startTestPurna({ mqttAuth: 'token' });
});
afterAll(async () => {
  await purna?.destroy();
});

function runCli(args: string[]): Promise<{ code: number | null; out: string }> {
  const cli = fileURLToPath(new URL('../../device-sim/cli.ts', import.meta.url));
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PURNA_EMAIL: '', PURNA_PASSWORD: '' } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((r) => child.once('exit', (code) => r({ code, out })));
}

it('--provision-url with a planner session token registers the devices and publishes with their own tokens', async () => {
  const perDevice = new Map<string, number>();
  purna.bus.on('telemetry', (readings) => {
    for (const r of readings) perDevice.set(r.deviceId, (perDevice.get(r.deviceId) ?? 0) + 1);
  });
  const token = (await loginAs(purna, 'planner')).split('=')[1];
  const { code, out } = await runCli(['--devices', '3', '--rate', '5', '--broker', purna.mqttUrl, '--provision-url', purna.dashboardUrl, '--provision-token', token, '--duration', '3']);
  expect(code, out).toBe(0);
  expect(out).toMatch(/provisioned 3 devices/);
  expect([...perDevice.keys()].sort()).toEqual(['compressor-0002', 'motor-0003', 'pump-0001']);
  expect([...perDevice.values()].every((n) => n >= 5)).toBe(true);
});

it('without credentials the fleet does not get in, and a bad provisioning token is a clear error with exit 2', async () => {
  let accepted = 0;
  purna.bus.on('telemetry', (readings) => (accepted += readings.length));
  const anonymous = await runCli(['--devices', '2', '--rate', '5', '--broker', purna.mqttUrl, '--duration', '3']);
  expect(anonymous.code).toBe(0);
  expect(anonymous.out).toMatch(/connected 0\/2/);
  expect(accepted).toBe(0);

  const bad = await runCli(['--devices', '2', '--broker', purna.mqttUrl, '--provision-url', purna.dashboardUrl, '--provision-token', 'not-a-session', '--duration', '2', '--quiet']);
  expect(bad.code).toBe(2);
  expect(bad.out).toMatch(/provisioning failed: HTTP 401/);
});
