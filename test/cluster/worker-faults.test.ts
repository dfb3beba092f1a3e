// Fault tests on the multi-worker topology (issue 20, item 5): three Purna workers behind one
// mosquitto shared subscription, InfluxDB, PostgreSQL and nats-server, under a steady QoS 1
// load from devices. Counted after each fault: every reading the broker acknowledged to its
// device is stored in InfluxDB, none missing and none beyond what was sent (InfluxDB overwrites a
// point with the same device and timestamp, so a redelivered reading is stored once), and is in
// the readings stream exactly once (JetStream deduplicates a replay by its message id).
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WorkOrder } from '../../core/types.ts';
import {
  type Cluster,
  judgeChanges,
  startCluster,
  storedTimestamps,
  streamReadings,
  watchVerdicts,
} from '../support/cluster.ts';
import { type QoS1Load, startQoS1Load, waitFor } from '../support/load.ts';

const ADMIN = { email: 'admin@cluster.test', password: 'cluster-admin-password-1' };
let cluster: Cluster;
let watcher: Awaited<ReturnType<typeof watchVerdicts>>;
beforeAll(async () => {
  cluster = await startCluster({
    workers: 3,
    env: {
      // Slow batches: plenty is acknowledged by a worker (in its write-ahead log) and not yet
      // stored when it is killed, so a kill tests the log's replay, not only the broker's redelivery.
      PURNA_WRITE_BATCH_SIZE: '20000',
      PURNA_WRITE_BATCH_MAX_AGE_MS: '2000',
      PURNA_ADMIN_EMAIL: ADMIN.email,
      PURNA_ADMIN_PASSWORD: ADMIN.password,
    },
  });
  watcher = await watchVerdicts(cluster.databaseUrl);
}, 180_000);
afterAll(async () => {
  // Bounded, so the topology is stopped whatever the watcher does.
  await Promise.race([watcher?.close(), sleep(5000)]);
  await cluster?.stop();
}, 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RATE = 40; // readings per second per device

/**
 * Runs a QoS 1 load of `devices` at RATE each for `seconds`, calling `during` meanwhile, and
 * returns the timestamps the broker acknowledged per device and how many each sent.
 */
async function underLoad(
  prefix: string,
  seconds: number,
  during: (ackedSoFar: () => number) => Promise<void>,
): Promise<{ devices: string[]; t0: number; acked: Map<string, number[]>; sent: Map<string, number> }> {
  const devices = Array.from({ length: 6 }, (_, i) => `${prefix}-${String(i + 1).padStart(2, '0')}`);
  const t0 = Date.now() - 3_600_000;
  const max = RATE * seconds;
  const loads: QoS1Load[] = await Promise.all(
    devices.map((d) =>
      startQoS1Load(cluster.mosquitto.url, d, {
        t0,
        maxMessages: max,
        maxMs: seconds * 1000 + 30_000,
        ratePerSecond: RATE,
        window: 20,
        reconnectMs: 500,
      }),
    ),
  );
  await during(() => loads.reduce((n, l) => n + l.acked.length, 0));
  // The load runs on to its count with every server back.
  await waitFor(() => loads.every((l) => l.sent() >= max), 60_000, 'the load to end').catch(() => {});
  await Promise.all(loads.map((l) => l.stop()));
  return {
    devices,
    t0,
    acked: new Map(devices.map((d, i) => [d, [...loads[i].acked]])),
    sent: new Map(devices.map((d, i) => [d, loads[i].sent()])),
  };
}

/** Waits until every acknowledged reading is stored and in the stream, then checks none is there twice or unsent. */
async function everyAckedStoredOnce(run: Awaited<ReturnType<typeof underLoad>>, what: string): Promise<void> {
  const { devices, t0, acked, sent } = run;
  const total = [...acked.values()].reduce((n, x) => n + x.length, 0);
  let stored = new Map<string, number[]>();
  const missingIn = (have: Map<string, number[]>) =>
    devices.reduce((n, d) => {
      const set = new Set(have.get(d));
      return n + acked.get(d)!.filter((ts) => !set.has(ts)).length;
    }, 0);
  let missing = Number.POSITIVE_INFINITY;
  await waitFor(
    async () => {
      stored = await storedTimestamps(cluster.influx.url, cluster.influxDatabase, devices);
      missing = missingIn(stored);
      return missing === 0;
    },
    90_000,
    'every acknowledged reading stored',
  ).catch(() => {});
  // The stream: each acknowledged reading once (its partition's subject is checked in stream-publish.test.ts).
  let inStream = new Map<string, number[]>();
  let streamMissing = Number.POSITIVE_INFINITY;
  await waitFor(
    async () => {
      inStream = new Map(devices.map((d) => [d, [] as number[]]));
      for (const r of await streamReadings(cluster.nats.url)) inStream.get(r.deviceId)?.push(r.tsMs);
      streamMissing = missingIn(inStream);
      return streamMissing === 0;
    },
    60_000,
    'every acknowledged reading in the stream',
  ).catch(() => {});
  const storedCount = [...stored.values()].reduce((n, x) => n + x.length, 0);
  const streamCount = [...inStream.values()].reduce((n, x) => n + x.length, 0);
  const streamTwice = [...inStream.values()].reduce((n, x) => n + x.length - new Set(x).size, 0);
  console.log(
    `${what}: ${total} readings acknowledged; InfluxDB ${storedCount} stored, ${missing} missing; stream ${streamCount}, ${streamMissing} missing, ${streamTwice} twice`,
  );
  expect(missing).toBe(0);
  expect(streamMissing).toBe(0);
  expect(streamTwice).toBe(0);
  for (const d of devices) {
    // Nothing stored that the device did not send (each reading has its own timestamp t0 + n).
    for (const ts of [...stored.get(d)!, ...inStream.get(d)!]) expect(ts - t0).toBeLessThan(sent.get(d)!);
    expect(new Set(stored.get(d)).size).toBe(stored.get(d)!.length);
  }
}

/**
 * Each device judged by one worker at a time (partition leases): from the workers' health
 * channel, every change of the worker judging a device comes at least PURNA_LEASE_SKEW_MS (1 s)
 * after the previous worker's last verdict. Before the leases, with every share-group worker
 * judging every device, 443 changes 1-3 ms apart were heard in the SIGKILL run.
 */
function oneJudgeAtATime(prefix: string, what: string): ReturnType<typeof judgeChanges> {
  const heard = watcher.verdicts.filter((v) => v.deviceId.startsWith(prefix));
  const changes = judgeChanges(heard);
  const gaps = changes.map((c) => c.gapMs).sort((x, y) => x - y);
  console.log(
    `${what}: ${heard.length} verdicts heard, ${changes.length} changes of judging worker, smallest gaps ${gaps.slice(0, 5).join(', ') || '-'} ms`,
  );
  expect(heard.length).toBeGreaterThan(0);
  for (const c of changes) expect(c.gapMs, `${c.deviceId} ${c.from} -> ${c.to}`).toBeGreaterThanOrEqual(1000);
  return changes;
}

it('SIGKILL one worker, then another, restart both: every acknowledged reading is stored once', async () => {
  let ackedAtFirstKill = 0;
  let ackedAtRestart = 0;
  const [a, b] = cluster.workers;
  const run = await underLoad('kill-pump', 36, async (acked) => {
    await sleep(8_000);
    await a.kill('SIGKILL');
    ackedAtFirstKill = acked();
    await sleep(6_000);
    await b.kill('SIGKILL');
    await sleep(6_000);
    ackedAtRestart = acked();
    // Both come back on their own data dirs and client ids: each replays its write-ahead log and
    // the broker delivers what was queued in its session while it was down.
    await Promise.all([a.start(), b.start()]);
  });
  expect(ackedAtFirstKill).toBeGreaterThan(1000);
  expect(ackedAtRestart).toBeGreaterThan(ackedAtFirstKill + 1000); // acknowledged while workers were dead
  await everyAckedStoredOnce(run, 'SIGKILL x2 then restart');
  const changes = oneJudgeAtATime('kill-pump', 'SIGKILL x2');
  // The kills moved devices: worker 3 alone judged every device while the other two were dead.
  expect(changes.length).toBeGreaterThan(0);
}, 240_000);

it('the stream engine paused (SIGSTOP nats-server) for 20 s: acknowledging goes on, nothing is lost', async () => {
  let ackedAtPause = 0;
  let ackedAtResume = 0;
  const run = await underLoad('pause-pump', 32, async (acked) => {
    await sleep(5_000);
    cluster.nats.pause();
    ackedAtPause = acked();
    await sleep(20_000);
    ackedAtResume = acked();
    cluster.nats.resume();
  });
  // The write-ahead log is local: the workers went on acknowledging while NATS was frozen.
  expect(ackedAtResume - ackedAtPause).toBeGreaterThan(20 * RATE * 6 * 0.8);
  await everyAckedStoredOnce(run, 'NATS paused 20 s');
  oneJudgeAtATime('pause-pump', 'NATS paused 20 s');
}, 240_000);

it('PostgreSQL restarted under load: workers stay up, nothing is lost, live updates cross workers again', async () => {
  const [one, two] = cluster.workers;
  const login = async (url: string) => {
    const res = await fetch(`${url}api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    expect(res.status).toBe(200);
    return (res.headers.get('set-cookie') ?? '').split(';')[0];
  };
  const run = await underLoad('pg-pump', 24, async () => {
    await sleep(5_000);
    await cluster.postgres.restart();
  });
  for (const w of cluster.workers) expect(w.process?.child.exitCode, `${w.id} still running`).toBeNull();
  await everyAckedStoredOnce(run, 'PostgreSQL restarted');

  // After the restart the adapter's LISTEN connection is back: a job opened on worker 1 reaches
  // a browser connected to worker 2.
  const cookie1 = await login(one.process!.httpUrl);
  const cookie2 = await login(two.process!.httpUrl);
  const deviceId = 'pg-pump-01';
  const provision = await fetch(`${one.process!.httpUrl}api/devices/provision`, {
    method: 'POST',
    headers: { cookie: cookie1, 'content-type': 'application/json' },
    body: JSON.stringify({ devices: [{ id: deviceId, modelId: 'pump-p200' }] }),
  });
  expect(provision.status).toBe(201);
  const orders: WorkOrder[] = [];
  const socket: Socket = ioClient(two.process!.httpUrl, {
    transports: ['websocket'],
    extraHeaders: { cookie: cookie2 },
    reconnection: false,
  });
  try {
    socket.on('delta', (d: { workOrders: WorkOrder[] }) => orders.push(...d.workOrders));
    await new Promise<void>((resolve, reject) => {
      socket.once('snapshot', () => resolve());
      socket.once('connect_error', reject);
    });
    // The restart was 20 s ago and more: the LISTEN connection reconnects 1-3 s after it is cut.
    const res = await fetch(`${one.process!.httpUrl}api/work-orders`, {
      method: 'POST',
      headers: { cookie: cookie1, 'content-type': 'application/json' },
      body: JSON.stringify({ deviceId, jobType: 'inspection', note: 'after the PostgreSQL restart' }),
    });
    expect(res.status).toBe(201);
    const opened = ((await res.json()) as { workOrder: WorkOrder }).workOrder;
    await waitFor(
      () => orders.some((o) => o.id === opened.id),
      15_000,
      'the job opened on worker 1 in a delta on worker 2',
    );
  } finally {
    socket.close();
  }
}, 240_000);
