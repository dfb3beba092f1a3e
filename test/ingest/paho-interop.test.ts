// The Eclipse Paho MQTT 3.1.1 interoperability client tests (paho.mqtt.testing,
// interoperability/client_test.py) run AS WRITTEN against Purna's embedded broker with device
// auth off, through test/support/paho_interop.py: every one of its ten tests must pass. Then the
// cases the suite does not run: its will test (not named test_*, so unittest skips it) and its
// subscribe-failure case with Purna's device authentication on.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceCredentials } from '../../ingest/device-credentials.ts';
import { runPahoSuite } from '../support/paho.ts';
import { startTestPurna, type TestPurna } from '../support/purna.ts';

const open: MqttClient[] = [];
const started: TestPurna[] = [];
afterAll(async () => {
  for (const c of open) c.end(true);
  for (const p of started) await p.destroy();
});

async function client(
  url: string,
  clientId: string,
  opts: IClientOptions = {},
): Promise<{ c: MqttClient; got: string[] }> {
  const c = await mqtt.connectAsync(url, { clientId, protocolVersion: 4, reconnectPeriod: 0, ...opts });
  open.push(c);
  const got: string[] = [];
  c.on('message', (_topic, payload) => got.push(payload.toString()));
  return { c, got };
}

describe('Paho interoperability suite, as written', () => {
  it('passes 10/10 against the embedded broker (PURNA_MQTT_AUTH=open, PURNA_MQTT_DENY_SUBSCRIBE=test/nosubscribe)', async () => {
    const purna = await startTestPurna({ mqttAuth: 'open', mqttDenySubscribe: ['test/nosubscribe'] });
    started.push(purna);
    const result = await runPahoSuite('127.0.0.1', Number(new URL(purna.mqttUrl).port));
    expect(result.failed).toEqual([]);
    expect(result).toEqual({ total: 10, passed: 10, failed: [] });
  }, 300_000);
});

describe('cases the suite does not run', () => {
  it('will_message_test: the will is published when the connection drops', async () => {
    const purna = await startTestPurna({ mqttAuth: 'open' });
    started.push(purna);
    const { c: watcher, got } = await client(purna.mqttUrl, 'myclientid2', { clean: false });
    await watcher.subscribeAsync('Topic/C', { qos: 2 });
    const { c } = await client(purna.mqttUrl, 'myclientid', {
      clean: true,
      keepalive: 2,
      will: { topic: 'Topic/C', payload: Buffer.from('client not disconnected'), qos: 0, retain: false },
    });
    c.stream.destroy(); // a broken connection, not a DISCONNECT
    await expect.poll(() => got, { timeout: 5000 }).toEqual(['client not disconnected']);
  });

  it('test_subscribe_failure with Purna authentication on: SUBACK 0x80 from the device ACL', async () => {
    const secured = await startTestPurna({ mqttAuth: 'token' });
    started.push(secured);
    const creds = new DeviceCredentials(`${secured.dataDir}/credentials.db`);
    const deviceToken = creds.issueDeviceToken('pump-paho-0001', Date.now());
    creds.close();
    const { c } = await client(secured.mqttUrl, 'pump-paho-0001', {
      username: 'pump-paho-0001',
      password: deviceToken,
    });
    const err = (await c.subscribeAsync('test/nosubscribe', { qos: 2 }).then(
      () => null,
      (e: unknown) => e,
    )) as { packet?: { granted: number[] } } | null;
    expect(err?.packet?.granted).toEqual([0x80]);
  });

  it('PURNA_MQTT_DENY_SUBSCRIBE refuses the listed filters and every filter they cover, nothing else', async () => {
    const purna = await startTestPurna({ mqttAuth: 'open', mqttDenySubscribe: ['test/nosubscribe', 'secret/#'] });
    started.push(purna);
    const { c } = await client(purna.mqttUrl, 'deny-list');
    const granted = async (filter: string) =>
      (
        (await c.subscribeAsync(filter, { qos: 1 }).then(
          (g) => g,
          (e: { packet?: { granted: number[] } }) => e.packet?.granted,
        )) as { qos: number }[] | number[]
      )[0];
    for (const filter of ['test/nosubscribe', 'secret/#', 'secret', 'secret/a/+'])
      expect(await granted(filter), filter).toBe(0x80);
    for (const filter of ['test/other', 'test/+', '#', 'secretive/a'])
      expect(await granted(filter), filter).toMatchObject({ qos: 1 });
  });
});
