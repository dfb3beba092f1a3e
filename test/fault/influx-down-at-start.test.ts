// Fault: InfluxDB is down when Purna starts (and when it restarts). Purna must start anyway,
// acknowledge QoS 1 telemetry into the write-ahead log, say on /readyz that the store is not
// started, and store every acknowledged reading exactly once when InfluxDB comes up. Before,
// CREATE DATABASE threw at start and the process exited: a restart during an outage kept the
// broker down for all of it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { influxdAvailable, startInfluxd, type LocalInfluxd } from '../support/influxd.ts';
import { startQoS1Load, waitFor } from '../support/load.ts';
import { startPurnaProcess, type PurnaProcess } from '../support/purna-process.ts';

const DB = 'downatstart';
const DEVICE = 'pump-downstart-0001';
let influx: LocalInfluxd;
let dataDir: string;
const started: PurnaProcess[] = [];

beforeAll(async () => {
  if (!influxdAvailable())
    throw new Error("this test starts its own InfluxDB: install Debian's influxdb (apt-get install -y influxdb)");
  influx = await startInfluxd({ launch: false }); // a port and a config, nothing listening yet
  dataDir = mkdtempSync(join(tmpdir(), 'purna-down-at-start-'));
});
afterAll(async () => {
  for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await influx?.destroy();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<PurnaProcess> {
  const p = await startPurnaProcess({ INFLUX_URL: influx.url, INFLUX_DATABASE: DB, PURNA_DATA_DIR: dataDir });
  started.push(p);
  return p;
}

async function readyz(p: PurnaProcess): Promise<{ status: number; failing: { name: string; detail?: string }[] }> {
  const res = await fetch(`${p.httpUrl}readyz`);
  const body = (await res.json()) as { checks: { name: string; ok: boolean; detail?: string }[] };
  return { status: res.status, failing: body.checks.filter((c) => !c.ok) };
}

/** Publishes `count` QoS 1 readings from t0 on; returns the timestamps Purna acknowledged. */
async function publish(p: PurnaProcess, t0: number, count: number): Promise<number[]> {
  const load = await startQoS1Load(p.mqttUrl, DEVICE, { t0, maxMessages: count, maxMs: 20_000, window: 20 });
  await waitFor(() => load.acked.length >= count, 20_000, `${count} PUBACKs`);
  await load.stop();
  return [...load.acked];
}

async function storedTimestamps(): Promise<number[]> {
  const q = encodeURIComponent(`SELECT temperature FROM telemetry WHERE device = '${DEVICE}'`);
  const res = await fetch(`${influx.url}/query?db=${DB}&epoch=ms&q=${q}`);
  const json = (await res.json()) as { results: { series?: { values: [number, number][] }[] }[] };
  return (json.results[0].series?.[0].values ?? []).map((v) => v[0]);
}

it('starts with InfluxDB unreachable, acknowledges into the write-ahead log across a restart, and stores everything exactly once when InfluxDB comes up', async () => {
  const t0 = Date.now() - 3_600_000;
  const first = await start();
  const notReady = await readyz(first);
  expect(notReady.status).toBe(503);
  expect(notReady.failing.find((c) => c.name === 'telemetry store')?.detail).toMatch(
    /influxdb not started for \d+ s, retrying: InfluxDB unreachable/,
  );
  const ackedBefore = await publish(first, t0, 400);

  // An operator restarts it during the outage: it stops without waiting for the store (the log
  // has the readings) and comes back up, still without InfluxDB.
  first.child.kill('SIGTERM');
  const stoppedAt = Date.now();
  expect(await first.exited).toEqual({ code: 0, signal: null });
  expect(Date.now() - stoppedAt).toBeLessThan(20_000); // the flush deadline is 30 s: it did not wait it out
  const second = await start();
  expect((await readyz(second)).status).toBe(503);
  const ackedAfter = await publish(second, t0 + 100_000, 400);

  await influx.restart();
  const acked = [...ackedBefore, ...ackedAfter];
  await waitFor(
    async () => (await storedTimestamps()).length >= acked.length,
    60_000,
    'every acknowledged reading in InfluxDB',
  ).catch(async (err: Error) => {
    throw new Error(
      `${err.message}: ${(await storedTimestamps()).length} of ${acked.length} stored; readyz ${JSON.stringify(await readyz(second))}`,
    );
  });
  const stored = await storedTimestamps();
  expect(new Set(stored).size).toBe(stored.length); // none twice
  expect(stored).toEqual([...acked].sort((a, b) => a - b)); // all of them, nothing else
  await waitFor(async () => (await readyz(second)).status === 200, 30_000, '/readyz ready once the store is up');

  second.child.kill('SIGTERM');
  expect(await second.exited).toEqual({ code: 0, signal: null });
}, 180_000);
