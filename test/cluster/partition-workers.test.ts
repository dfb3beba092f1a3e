// Two analytics workers on one real nats-server (each its own connection, Analytics, lease
// manager): they split the partitions with none owned twice at any sampled moment; when one
// dies (its connection cut, its leases left to expire) the other takes its partitions after the
// TTL (the time printed), restores their snapshots and replays from the recorded sequence, ending with
// exactly the detector state of one process that saw every reading; and no device gets verdicts
// from both workers in the same interval.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Analytics } from '../../analytics/index.ts';
import { KvLeaseStore } from '../../cluster/lease-store.ts';
import { PartitionBus } from '../../cluster/partition-bus.ts';
import { PartitionWorker } from '../../cluster/partition-worker.ts';
import { partitionOf, subjectOf } from '../../cluster/partition.ts';
import { encodeReading, ensureReadingStream, messageIdOf } from '../../cluster/reading-stream.ts';
import { KvSnapshotStore } from '../../cluster/snapshot-store.ts';
import { EventBus } from '../../core/event-bus.ts';
import { createLogger } from '../../core/log.ts';
import type { Reading } from '../../core/types.ts';
import { waitFor } from '../support/load.ts';
import { type LocalNats, startNats } from '../support/nats.ts';

const P = 8;
const TTL_MS = 3000;
const SKEW_MS = 500;
const log = createLogger((process.env.TEST_LOG as 'silent') ?? 'silent');
let nats: LocalNats;
const connections: NatsConnection[] = [];
const workers: PartitionWorker[] = [];

beforeAll(async () => {
  nats = await startNats();
});
afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => {});
  for (const nc of connections) if (!nc.isClosed()) await nc.close();
  await nats?.stop();
});

interface Verdict {
  worker: string;
  deviceId: string;
  atMs: number;
}

async function startWorker(id: string, verdicts: Verdict[]) {
  const nc = await connect({ servers: nats.url, name: id });
  connections.push(nc);
  const outer = new EventBus();
  outer.on('health', (h) => verdicts.push({ worker: id, deviceId: h.deviceId, atMs: performance.now() }));
  let worker: PartitionWorker | null = null;
  const analytics = new Analytics({
    bus: new PartitionBus({ outer, fenceOf: (d) => worker?.fenceOf(d) ?? null, log }),
    log,
  });
  analytics.start();
  worker = new PartitionWorker({
    js: jetstream(nc),
    leases: await KvLeaseStore.open(nc, TTL_MS),
    snapshots: await KvSnapshotStore.open(nc),
    analytics,
    workerId: id,
    partitions: P,
    ttlMs: TTL_MS,
    skewMs: SKEW_MS,
    snapshotEveryMs: 3_600_000, // saved when the test says so: it decides what the snapshot covers
    maxMetricsPerDevice: 32,
    log,
  });
  worker.start();
  workers.push(worker);
  return { nc, worker, analytics, outer };
}

const devices = Array.from({ length: 24 }, (_, i) => `pump-${String(i).padStart(3, '0')}`);
const t0 = Date.UTC(2026, 0, 1);
/** Reading i of a device: a noisy, slowly varying machine (deterministic). */
function readingsFrom(from: number, count: number): Reading[] {
  const out: Reading[] = [];
  for (let i = from; i < from + count; i++)
    for (const [k, d] of devices.entries())
      out.push({
        deviceId: d,
        tsMs: t0 + i * 1000,
        values: { temperature: 60 + k + Math.sin(i / 7 + k) * 2, vibration: 2 + Math.cos(i / 5 + k) * 0.3 },
      });
  return out;
}

async function publish(nc: NatsConnection, readings: Reading[]): Promise<void> {
  const js = jetstream(nc);
  for (let i = 0; i < readings.length; i += 500)
    await Promise.all(
      readings
        .slice(i, i + 500)
        .map((r) => js.publish(subjectOf(partitionOf(r.deviceId, P)), encodeReading(r), { msgID: messageIdOf(r) })),
    );
}

/** A device's whole detector state, noise tracker included, as compared here. */
const comparable = (state: unknown) => JSON.stringify(state);

type Snap = { devices: Record<string, { metrics: Record<string, { n: number; mean: number }> }> };

/**
 * Whether every device's detectors, in the analytics of the worker holding its partition now, are
 * those of `reference` (one process that saw every reading once, in order). Robust to a partition
 * moving meanwhile (a loaded machine may delay a renewal past a lease): it is checked where it is.
 */
function judgedAsReference(owners: { worker: PartitionWorker; analytics: Analytics }[], reference: Analytics): boolean {
  const ref = reference.snapshot() as Snap;
  const snaps = owners.map((o) => ({ parts: new Set(o.worker.partitions()), snap: o.analytics.snapshot() as Snap }));
  return devices.every((d) => {
    const owner = snaps.filter((o) => o.parts.has(partitionOf(d, P)));
    if (owner.length !== 1) return false;
    const got = owner[0].snap.devices[d];
    return got !== undefined && comparable(got) === comparable(ref.devices[d]);
  });
}

it('split, failover after the TTL with the state restored and replayed, one worker per device at a time', async () => {
  const client = await connect({ servers: nats.url });
  connections.push(client);
  await ensureReadingStream(await jetstreamManager(client), { maxAgeMs: 3_600_000 });

  const verdicts: Verdict[] = [];
  const a = await startWorker('worker-a', verdicts);
  const b = await startWorker('worker-b', verdicts);
  // Ownership sampled every 50 ms from the start: never one partition on both.
  const overlaps: string[] = [];
  const sampler = setInterval(() => {
    const mine = new Set(a.worker.partitions());
    for (const p of b.worker.partitions()) if (mine.has(p)) overlaps.push(`partition ${p} at ${performance.now()}`);
  }, 50);
  try {
    await waitFor(
      () => a.worker.partitions().length === P / 2 && b.worker.partitions().length === P / 2,
      20_000,
      'the partitions split 4 / 4',
    );
    expect(new Set([...a.worker.partitions(), ...b.worker.partitions()]).size).toBe(P);

    // Batch 1, then a snapshot of every partition; batch 2 is after the snapshot (replayed).
    const reference = new Analytics({ bus: new EventBus(), log });
    const batch1 = readingsFrom(0, 120);
    await publish(client, batch1);
    reference.process(batch1);
    await waitFor(() => judgedAsReference([a, b], reference), 30_000, 'batch 1 judged');
    await a.worker.saveSnapshots();
    await b.worker.saveSnapshots();
    const batch2 = readingsFrom(120, 60);
    await publish(client, batch2);
    reference.process(batch2);
    await waitFor(() => judgedAsReference([a, b], reference), 30_000, 'batch 2 judged');
    const aPartitions = a.worker.partitions();
    const aDevices = devices.filter((d) => aPartitions.includes(partitionOf(d, P)));
    expect(aDevices.length).toBeGreaterThan(0);

    // Worker A dies: its connection is cut; its leases are not released, they expire.
    const diedAt = performance.now();
    await a.nc.close();
    await waitFor(() => b.worker.partitions().length === P, 60_000, 'worker B holds every partition');
    const takeoverMs = performance.now() - diedAt;
    console.log(
      `takeover of ${aPartitions.length} partitions: ${Math.round(takeoverMs)} ms (TTL ${TTL_MS}, margin ${SKEW_MS})`,
    );
    // Printed, not asserted: about TTL + margin + one lease round (TTL / 3) for B to see it, but a
    // wall-clock bound fails on a loaded machine (worker-processes.test.ts's did, at 67 s).
    expect(a.worker.partitions()).toEqual([]); // A stopped its partitions when its leases ran out
    expect(a.analytics.deviceCount).toBe(0); // and dropped their devices' state

    // B restores A's partitions' snapshots (batch 1) and replays from their sequence (batch 2).
    await waitFor(() => judgedAsReference([b], reference), 30_000, "A's partitions restored and replayed by B");
    const aFed = aPartitions.map((p) => b.worker.readingsByPartition.get(p) ?? 0).reduce((x, y) => x + y, 0);
    // What B fed of A's partitions is batch 2 of A's devices: the replay started after the snapshot.
    expect(aFed).toBe(batch2.filter((r) => aDevices.includes(r.deviceId)).length);
    const batch3 = readingsFrom(180, 30);
    await publish(client, batch3);
    reference.process(batch3);
    await waitFor(() => judgedAsReference([b], reference), 30_000, 'batch 3 judged by B');

    // Every device's detectors are what one process that saw each reading once has: learnt
    // baselines survived the move (sample counts and means), no reading skipped or twice.
    const ref = reference.snapshot() as {
      devices: Record<string, { metrics: Record<string, { n: number; mean: number }> }>;
    };
    const got = b.analytics.snapshot() as typeof ref;
    for (const d of devices)
      for (const m of ['temperature', 'vibration']) {
        expect(got.devices[d].metrics[m].n, `${d} ${m} samples`).toBe(ref.devices[d].metrics[m].n);
        expect(got.devices[d].metrics[m].mean, `${d} ${m} mean`).toBeCloseTo(ref.devices[d].metrics[m].mean, 9);
      }
    expect(ref.devices[aDevices[0]].metrics.temperature.n).toBeGreaterThan(150); // a learnt baseline, not a fresh one
    expect(Object.keys(got.devices).sort()).toEqual(Object.keys(ref.devices).sort());
    for (const d of devices) expect(comparable(got.devices[d]), d).toBe(comparable(ref.devices[d]));
  } finally {
    clearInterval(sampler);
  }
  expect(overlaps).toEqual([]);

  // Verdicts: per device, in time order, wherever the worker changes the two verdicts are at
  // least the margin apart (the old owner stopped before the new one started), so no two
  // workers judge a device in the same interval. A's devices changed worker at least once.
  let switches = 0;
  for (const d of devices) {
    const seq = verdicts.filter((v) => v.deviceId === d).sort((x, y) => x.atMs - y.atMs);
    expect(seq.length).toBeGreaterThan(0);
    for (let i = 1; i < seq.length; i++)
      if (seq[i].worker !== seq[i - 1].worker) {
        switches++;
        expect(
          seq[i].atMs - seq[i - 1].atMs,
          `${d}: ${seq[i - 1].worker} then ${seq[i].worker}`,
        ).toBeGreaterThanOrEqual(SKEW_MS);
      }
  }
  expect(switches).toBeGreaterThanOrEqual(1);
}, 120_000);
