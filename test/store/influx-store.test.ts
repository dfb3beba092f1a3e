// The InfluxDB store against a real influxd with authentication on, set up as docker-compose sets
// it up: an admin creates the database, and Purna's user has ALL on that database but is no admin.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InfluxTelemetryStore } from '../../store/influx-store.ts';
import { RetryableStoreError } from '../../store/telemetry-store.ts';
import { influxdAvailable, startInfluxd, type LocalInfluxd } from '../support/influxd.ts';

let influx: LocalInfluxd;

async function asAdmin(q: string): Promise<void> {
  const res = await fetch(`${influx.url}/query?q=${encodeURIComponent(q)}`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('admin:admin-password-0123').toString('base64')}` },
  });
  if (res.status !== 200) throw new Error(`${q}: HTTP ${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  if (!influxdAvailable())
    throw new Error("this test starts its own InfluxDB: install Debian's influxdb (apt-get install -y influxdb)");
  influx = await startInfluxd({ authEnabled: true });
  await asAdmin(`CREATE USER admin WITH PASSWORD 'admin-password-0123' WITH ALL PRIVILEGES`);
  await asAdmin('CREATE DATABASE purna');
  await asAdmin(`CREATE USER purna WITH PASSWORD 'purna-password-0123'`);
  await asAdmin('GRANT ALL ON purna TO purna');
});
afterAll(async () => {
  await influx?.destroy();
});

it('starts with a user that may write its database but not create databases (InfluxDB answers CREATE DATABASE with 403), and writes and reads', async () => {
  const store = new InfluxTelemetryStore({
    url: influx.url,
    database: 'purna',
    username: 'purna',
    password: 'purna-password-0123',
  });
  await store.start();
  await store.write([{ deviceId: 'pump-auth-0001', tsMs: 1_750_000_000_000, values: { temperature: 61.5 } }]);
  expect(await store.query('pump-auth-0001', 0, 2_000_000_000_000, 10)).toEqual([
    { deviceId: 'pump-auth-0001', tsMs: 1_750_000_000_000, values: { temperature: 61.5 } },
  ]);
  await store.close();
});

it('refuses to start with credentials InfluxDB rejects, naming the settings to fix (not an outage to wait out)', async () => {
  const store = new InfluxTelemetryStore({
    url: influx.url,
    database: 'purna',
    username: 'purna',
    password: 'wrong-password',
  });
  const failure = await store.start().then(
    () => null,
    (err: Error) => err,
  );
  expect(failure).toBeInstanceOf(Error);
  expect(failure).not.toBeInstanceOf(RetryableStoreError);
  expect(failure?.message).toMatch(/HTTP 401.*INFLUX_USERNAME.*INFLUX_PASSWORD/);
  await store.close();
});
