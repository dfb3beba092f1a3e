// The other ways in: MQTT over TLS (8883) and MQTT over WebSocket on the dashboard's port, with
// the same authentication and the same ingest as plain MQTT.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { topics } from '../../core/topics.ts';
import { eventually, loginAs, startTestPurna, type TestPurna } from '../support/purna.ts';

let purna: TestPurna;
let token: string;
let certPath: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'purna-tls-'));
  certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  purna = await startTestPurna({ mqttAuth: 'token', mqttsPort: 0, tlsCert: certPath, tlsKey: keyPath });
  const cookie = await loginAs(purna, 'planner');
  const res = await fetch(`${purna.dashboardUrl}api/devices/provision`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ devices: [{ id: 'motor-tls-0001', modelId: 'motor-m15' }] }),
  });
  token = ((await res.json()) as { devices: { token: string }[] }).devices[0].token;
});
afterAll(async () => {
  await purna?.destroy();
});

async function publishOnce(url: string, opts: IClientOptions, temperature: number): Promise<void> {
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    clientId: 'motor-tls-0001',
    username: 'motor-tls-0001',
    password: token,
    ...opts,
  });
  await client.publishAsync(
    topics.telemetry('motor-tls-0001'),
    JSON.stringify({ ts: Date.now() - 1000 + temperature, values: { temperature } }),
    { qos: 1 },
  );
  await client.endAsync();
}

it('MQTTS with the configured certificate', async () => {
  await publishOnce(`mqtts://localhost:${purna.broker.tlsPort}`, { ca: readFileSync(certPath) }, 41);
  await eventually(async () =>
    (await purna.store.query('motor-tls-0001', 0, Date.now() + 1000, 100)).some((r) => r.values.temperature === 41),
  );
});

it('MQTTS refuses a client that does not trust the certificate, and a wrong token', async () => {
  await expect(
    mqtt.connectAsync(`mqtts://localhost:${purna.broker.tlsPort}`, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      username: 'motor-tls-0001',
      password: token,
    }),
  ).rejects.toThrow(/self.signed|certificate/i);
  await expect(
    mqtt.connectAsync(`mqtts://localhost:${purna.broker.tlsPort}`, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      ca: readFileSync(certPath),
      username: 'motor-tls-0001',
      password: 'wrong',
    }),
  ).rejects.toThrow(/Bad username or password/i);
});

it('MQTT over WebSocket on the dashboard port', async () => {
  const ws = `${purna.dashboardUrl.replace('http://', 'ws://')}mqtt`;
  await publishOnce(ws, {}, 42);
  await eventually(async () =>
    (await purna.store.query('motor-tls-0001', 0, Date.now() + 1000, 100)).some((r) => r.values.temperature === 42),
  );
});
