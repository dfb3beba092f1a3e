// Fault tests on the multi-worker topology (issue 20, item 5): three Purna workers behind one
// mosquitto shared subscription, InfluxDB, PostgreSQL and nats-server, under a steady QoS 1
// load from devices. Counted: every reading the broker acknowledged to its device is stored in
// InfluxDB, none missing and none beyond what was sent (InfluxDB overwrites a point with the same
// device and timestamp, so a redelivered reading is stored once).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Cluster, startCluster, storedTimestamps } from '../support/cluster.ts';
import { type QoS1Load, startQoS1Load, waitFor } from '../support/load.ts';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster({
    workers: 3,
    // Slow batches: plenty is acknowledged by a worker (in its write-ahead log) and not yet
    // stored when it is killed, so the kill tests the log's replay, not only the broker's redelivery.
    env: { PURNA_WRITE_BATCH_SIZE: '20000', PURNA_WRITE_BATCH_MAX_AGE_MS: '2000' },
  });
}, 180_000);
afterAll(async () => {
  await cluster?.stop();
}, 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('SIGKILL one worker, then another, restart both: every acknowledged reading is stored once', async () => {
  const devices = Array.from({ length: 6 }, (_, i) => `cluster-pump-${String(i + 1).padStart(2, '0')}`);
  const t0 = Date.now() - 3_600_000;
  // 6 devices × 40 readings/s for 36 s: 8,640 readings, a steady load well inside one worker's
  // ~800 messages/s, so the two dead workers' shares wait in their sessions, not in a backlog.
  const loads: QoS1Load[] = await Promise.all(
    devices.map((d) =>
      startQoS1Load(cluster.mosquitto.url, d, {
        t0,
        maxMessages: 1440,
        maxMs: 36_000,
        ratePerSecond: 40,
        window: 20,
        reconnectMs: 500,
      }),
    ),
  );
  const [a, b] = cluster.workers;
  await sleep(8_000);
  await a.kill('SIGKILL');
  const ackedAtFirstKill = loads.reduce((n, l) => n + l.acked.length, 0);
  await sleep(6_000);
  await b.kill('SIGKILL');
  await sleep(6_000);
  // Both come back on their own data dirs and client ids: each replays its write-ahead log and
  // the broker delivers what was queued in its session while it was down.
  await Promise.all([a.start(), b.start()]);
  // The load runs on to its end (count or time) with all three workers back.
  await waitFor(() => loads.every((l) => l.sent() >= 1440), 60_000, 'the load to end').catch(() => {});
  await Promise.all(loads.map((l) => l.stop()));
  const acked = new Map(devices.map((d, i) => [d, [...loads[i].acked]]));
  const total = [...acked.values()].reduce((n, x) => n + x.length, 0);
  expect(ackedAtFirstKill).toBeGreaterThan(1000);
  expect(total).toBeGreaterThan(ackedAtFirstKill + 1000); // the load went on through both kills

  let missing = Number.POSITIVE_INFINITY;
  let stored = new Map<string, number[]>();
  await waitFor(
    async () => {
      stored = await storedTimestamps(cluster.influx.url, cluster.influxDatabase, devices);
      missing = 0;
      for (const d of devices) {
        const have = new Set(stored.get(d));
        missing += acked.get(d)!.filter((ts) => !have.has(ts)).length;
      }
      return missing === 0;
    },
    90_000,
    'every acknowledged reading stored',
  ).catch(() => {});
  const storedCount = [...stored.values()].reduce((n, x) => n + x.length, 0);
  console.log(
    `cluster SIGKILL x2: ${total} readings acknowledged (${ackedAtFirstKill} before the first kill), ${storedCount} stored, ${missing} missing`,
  );
  expect(missing).toBe(0);
  for (const [i, d] of devices.entries()) {
    const ts = stored.get(d)!;
    expect(new Set(ts).size).toBe(ts.length);
    // Nothing stored that the device did not send (each reading has its own timestamp t0 + n).
    expect(ts.every((x) => x >= t0 && x < t0 + loads[i].sent())).toBe(true);
  }
}, 240_000);
