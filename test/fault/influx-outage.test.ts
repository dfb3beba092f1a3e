// Fault 1: InfluxDB stopped for 20 s in the middle of a QoS 1 load, then restarted: every
// acknowledged message is in InfluxDB afterwards, none twice; the backlog drains in order and the
// write-ahead log is emptied once it has.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { influxdAvailable, startInfluxd, type LocalInfluxd } from '../support/influxd.ts';
import { startQoS1Load, waitFor } from '../support/load.ts';
import { startTestPurna, type TestPurna } from '../support/purna.ts';

let influx: LocalInfluxd;
let purna: TestPurna;

beforeAll(async () => {
  if (!influxdAvailable())
    throw new Error(
      "this test stops and restarts its own InfluxDB: install Debian's influxdb (apt-get install -y influxdb)",
    );
  influx = await startInfluxd();
  purna = await startTestPurna({ influxUrl: influx.url, influxDatabase: 'outage' });
});
afterAll(async () => {
  await purna?.destroy();
  await influx?.destroy();
});

async function storedCount(deviceId: string): Promise<number> {
  const q = encodeURIComponent(`SELECT count(temperature) FROM telemetry WHERE device = '${deviceId}'`);
  const res = await fetch(`${influx.url}/query?db=outage&q=${q}`);
  const json = (await res.json()) as { results: { series?: { values: [string, number][] }[] }[] };
  return json.results[0].series?.[0].values[0][1] ?? 0;
}

async function storedTimestamps(deviceId: string): Promise<number[]> {
  const q = encodeURIComponent(`SELECT temperature FROM telemetry WHERE device = '${deviceId}'`);
  const res = await fetch(`${influx.url}/query?db=outage&epoch=ms&q=${q}`);
  const json = (await res.json()) as { results: { series?: { values: [number, number][] }[] }[] };
  return (json.results[0].series?.[0].values ?? []).map((v) => v[0]);
}

it('InfluxDB away for 20 s under QoS 1 load: every acknowledged message stored exactly once', async () => {
  const deviceId = 'pump-outage-0001';
  // A bounded load: at most 100,000 messages or 40 s.
  const load = await startQoS1Load(purna.mqttUrl, deviceId, {
    t0: Date.now() - 3_600_000,
    maxMessages: 100_000,
    maxMs: 40_000,
    window: 50,
  });
  await waitFor(() => load.acked.length >= 2000, 20_000, 'load under way');
  await influx.stop();
  const ackedAtOutage = load.acked.length;
  await new Promise((r) => setTimeout(r, 20_000));
  // Publishers kept being acknowledged while the store was away: the log held their readings.
  expect(load.acked.length).toBeGreaterThan(ackedAtOutage + 1000);
  expect(purna.writer.stats.failedWrites).toBeGreaterThan(0);
  await influx.restart();
  await new Promise((r) => setTimeout(r, 3000)); // live data keeps flowing alongside the backlog
  await load.stop();
  const acked = [...load.acked];

  await waitFor(
    async () => (await storedCount(deviceId)) >= acked.length,
    120_000,
    'backlog drained into InfluxDB',
  ).catch(async (err: Error) => {
    throw new Error(
      `${err.message}: ${await storedCount(deviceId)} of ${acked.length} stored; writer ${JSON.stringify(purna.writer.stats)}`,
    );
  });
  expect(purna.writer.stats.refusedReadings).toBe(0);
  const stored = await storedTimestamps(deviceId);
  const storedSet = new Set(stored);
  expect(stored.length).toBe(storedSet.size); // none twice
  expect(acked.filter((ts) => !storedSet.has(ts))).toEqual([]);
  expect(stored.length).toBeLessThanOrEqual(load.sent());
  // Everything confirmed: the write-ahead log has given back its disk.
  await waitFor(() => purna.writer.stats.pending === 0, 10_000, 'writer queue empty');
  await waitFor(() => readdirSync(join(purna.dataDir, 'wal')).length <= 2, 10_000, 'write-ahead log segments deleted');
}, 300_000); // a 20 s outage, the restart of InfluxDB and the drain, on a shared 2-core machine
