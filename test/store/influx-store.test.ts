// The InfluxDB store against a real influxd with authentication on, set up as docker-compose sets
// it up: an admin creates the database, and Purna's user has ALL on that database but is no admin.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InfluxTelemetryStore } from '../../store/influx-store.ts';
import { RetryableStoreError } from '../../store/telemetry-store.ts';
import { influxdAvailable, startInfluxd, type LocalInfluxd } from '../support/influxd.ts';

let influx: LocalInfluxd;

/** An admin's statement; InfluxDB answers a failed statement with HTTP 200 and the error in its results, so both are checked. */
async function asAdmin(q: string): Promise<string> {
  const res = await fetch(`${influx.url}/query?q=${encodeURIComponent(q)}`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('admin:admin-password-0123').toString('base64')}` },
  });
  const body = await res.text();
  if (res.status !== 200 || body.includes('"error"')) throw new Error(`${q}: HTTP ${res.status} ${body}`);
  return body;
}

/**
 * Fresh-clone CI on a loaded machine once saw the first write refused with 403 "not authorized to
 * write" right after the GRANT had answered; the grant is set up state, not what is tested, so the
 * setup waits (at most 5 s) until InfluxDB lists it.
 */
async function untilGranted(): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await asAdmin('SHOW GRANTS FOR purna')).includes('ALL PRIVILEGES')) {
    if (Date.now() > deadline) throw new Error('InfluxDB did not list the GRANT ALL ON purna within 5 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  if (!influxdAvailable())
    throw new Error("this test starts its own InfluxDB: install Debian's influxdb (apt-get install -y influxdb)");
  influx = await startInfluxd({ authEnabled: true });
  await asAdmin(`CREATE USER admin WITH PASSWORD 'admin-password-0123' WITH ALL PRIVILEGES`);
  await asAdmin('CREATE DATABASE purna');
  await asAdmin(`CREATE USER purna WITH PASSWORD 'purna-password-0123'`);
  await asAdmin('GRANT ALL ON purna TO purna');
  await untilGranted();
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
