// A degradation under way when the worker judging it dies is still dispatched, with its lead
// time within 10 % of one process's (issue 20, item 5), and by one worker only. The same seeded
// bearing wear (device-sim) goes first to one Purna process, then through mosquitto to the three
// workers; the worker judging the pump is SIGKILLed half way, after the wear began. The next
// owner restores the partition's snapshot, replays the stream after it and dispatches.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, expect, it } from 'vitest';
import { topics } from '../../core/topics.ts';
import type { WorkOrder } from '../../core/types.ts';
import { createSeries, type SimDeviceSpec } from '../../device-sim/series.ts';
import { type Cluster, judgeChanges, startCluster, streamReadings, watchVerdicts } from '../support/cluster.ts';
import { waitFor } from '../support/load.ts';
import { type PurnaProcess, startPurnaProcess } from '../support/purna-process.ts';

const ADMIN = { email: 'admin@cluster.test', password: 'cluster-admin-password-1' };
const DAY = 86_400_000;
const DEVICE = 'pump-wear-0001';
// Device time: 8 days of 5-minute readings ending a day ago; the bearing wears from day 3 and
// fails on day 8.5, so the dispatch (about two days ahead of the failure) falls on day 6-7.
const START = Date.now() - 9 * DAY;
const SPEC: SimDeviceSpec = {
  deviceId: DEVICE,
  modelId: 'pump-p200',
  profile: 'bearing_wear',
  onsetMs: START + 3 * DAY,
  failureMs: START + 8.5 * DAY,
};
const END = START + 8 * DAY;

/** The series as hourly gateway messages (12 readings each): 192 messages. */
function batches(): { ts: number; values: Record<string, number> }[][] {
  const cursor = createSeries(SPEC, 7, { startMs: START, stepMs: 300_000, endMs: END });
  const out: { ts: number; values: Record<string, number> }[][] = [];
  let batch: { ts: number; values: Record<string, number> }[] = [];
  for (let r = cursor.next(); r; r = cursor.next()) {
    if (r.values) batch.push({ ts: r.tsMs, values: r.values });
    if (batch.length === 12) {
      out.push(batch);
      batch = [];
    }
  }
  if (batch.length) out.push(batch);
  return out;
}

async function login(httpUrl: string): Promise<string> {
  const res = await fetch(`${httpUrl}api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

async function provision(httpUrl: string, cookie: string): Promise<void> {
  const res = await fetch(`${httpUrl}api/devices/provision`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ devices: [{ id: DEVICE, modelId: 'pump-p200' }] }),
  });
  expect(res.status).toBe(201);
}

async function ordersOf(httpUrl: string, cookie: string): Promise<WorkOrder[]> {
  const res = await fetch(`${httpUrl}api/work-orders?deviceId=${DEVICE}`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { workOrders: WorkOrder[] }).workOrders.filter((o) => o.jobType !== 'inspection');
}

/** Publishes the batches in order, each acknowledged (QoS 1) before the next; `at(i)` runs before batch i. */
async function publish(url: string, all: ReturnType<typeof batches>, at: (i: number) => Promise<void>): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: DEVICE, protocolVersion: 4 });
  try {
    for (const [i, b] of all.entries()) {
      await at(i);
      await client.publishAsync(topics.telemetry(DEVICE), JSON.stringify(b), { qos: 1 });
    }
  } finally {
    await client.endAsync();
  }
}

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
}, 60_000);

it('the worker judging a wearing pump is SIGKILLed half way: the next owner dispatches it once, lead time within 10 % of one process', async () => {
  const all = batches();
  const leadH = (o: WorkOrder) => (SPEC.failureMs! - o.evidence.tsMs) / 3600_000;

  // One process, the reference.
  const dir = mkdtempSync(join(tmpdir(), 'purna-lead-single-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  const single: PurnaProcess = await startPurnaProcess(
    { PURNA_DATA_DIR: dir, PURNA_ADMIN_EMAIL: ADMIN.email, PURNA_ADMIN_PASSWORD: ADMIN.password },
    undefined,
    90_000,
  );
  cleanup.push(async () => {
    single.child.kill('SIGKILL');
    await single.exited;
  });
  const singleCookie = await login(single.httpUrl);
  await provision(single.httpUrl, singleCookie);
  await publish(single.mqttUrl, all, async () => {});
  let reference: WorkOrder[] = [];
  await waitFor(
    async () => (reference = await ordersOf(single.httpUrl, singleCookie)).length > 0,
    30_000,
    'the single process to dispatch',
  );
  single.child.kill('SIGTERM');
  await single.exited;

  // The cluster: three workers; the one judging the pump dies half way through the wear.
  const cluster: Cluster = await startCluster({
    workers: 3,
    env: { PURNA_ADMIN_EMAIL: ADMIN.email, PURNA_ADMIN_PASSWORD: ADMIN.password },
  });
  cleanup.push(() => cluster.stop());
  const watcher = await watchVerdicts(cluster.databaseUrl);
  cleanup.push(() => watcher.close());
  const cookies = new Map<string, string>();
  for (const w of cluster.workers) {
    cookies.set(w.id, await login(w.process!.httpUrl));
    // Each worker's service store is its own until the service domain moves to PostgreSQL.
    await provision(w.process!.httpUrl, cookies.get(w.id)!);
  }
  const killAt = Math.floor(all.length * 0.6); // day 4.8: the wear began on day 3
  let killed: string | null = null;
  await publish(cluster.mosquitto.url, all, async (i) => {
    if (i !== killAt) return;
    // The owner is the worker whose verdicts on the pump are the latest.
    await waitFor(() => watcher.verdicts.some((v) => v.deviceId === DEVICE), 30_000, 'a verdict on the pump');
    const mine = watcher.verdicts.filter((v) => v.deviceId === DEVICE);
    killed = mine[mine.length - 1].worker;
    for (const w of cluster.workers)
      expect(await ordersOf(w.process!.httpUrl, cookies.get(w.id)!), `no dispatch on ${w.id} yet`).toEqual([]);
    await cluster.workers.find((w) => w.id === killed)!.kill('SIGKILL');
  });
  expect(killed).not.toBeNull();
  const alive = cluster.workers.filter((w) => w.id !== killed);
  let orders: { worker: string; order: WorkOrder }[] = [];
  const collect = async () => {
    orders = [];
    for (const w of alive)
      for (const o of await ordersOf(w.process!.httpUrl, cookies.get(w.id)!)) orders.push({ worker: w.id, order: o });
    return orders.length > 0;
  };
  await waitFor(collect, 60_000, 'a dispatch after the failover').catch((err) => {
    // What the workers said: a refused dispatch is logged.
    for (const w of alive) console.log(`--- ${w.id}:\n${w.process?.output().slice(-3000)}`);
    throw err;
  });
  await new Promise((r) => setTimeout(r, 3000)); // a second one would come now
  await collect();
  // What the next owner had to judge by: the dead worker's share of the later messages waits in
  // its session at mosquitto (a shared subscription keeps a member that left) until it is back.
  const sent = all.reduce((n, b) => n + b.length, 0);
  const streamedBefore = (await streamReadings(cluster.nats.url)).filter((r) => r.deviceId === DEVICE).length;
  const back = cluster.workers.find((w) => w.id === killed)!;
  await back.start();
  // The killed worker comes back: it holds no other work order of the pump (with the service
  // store on PostgreSQL every worker sees the same one; with a store per worker it sees none).
  for (const o of await ordersOf(back.process!.httpUrl, await login(back.process!.httpUrl)))
    orders.push({ worker: back.id, order: o });
  let streamedAfter = 0;
  await waitFor(
    async () =>
      (streamedAfter = (await streamReadings(cluster.nats.url)).filter((r) => r.deviceId === DEVICE).length) === sent,
    30_000,
    "the dead worker's queued share in the stream once it is back",
  ).catch(() => {});

  const changes = judgeChanges(watcher.verdicts.filter((v) => v.deviceId === DEVICE));
  const ref = leadH(reference[0]);
  const got = leadH(orders[0].order);
  console.log(
    `failover lead time: one process ${ref.toFixed(1)} h, cluster ${got.toFixed(1)} h (x ${(got / ref).toFixed(3)}); killed ${killed}, work orders ${new Set(orders.map((o) => o.order.id)).size} (seen on ${orders.map((o) => o.worker).join(', ')}); judging worker changed ${changes.length} times for the pump, gaps ${changes.map((c) => c.gapMs).join(', ')} ms; readings in the stream ${streamedBefore} of ${sent} while the killed worker was away, ${streamedAfter} once it was back`,
  );
  expect(reference).toHaveLength(1);
  expect(new Set(orders.map((o) => o.order.id)).size).toBe(1); // one work order across every worker's store
  expect(streamedAfter).toBe(sent);
  expect(orders[0].order.mode).toBe(reference[0].mode);
  expect(Math.abs(got - ref) / ref).toBeLessThanOrEqual(0.1);
  // The pump moved to another worker once the lease expired, never judged by two at once.
  expect(changes.some((c) => c.from === killed)).toBe(true);
  for (const c of changes) expect(c.gapMs).toBeGreaterThanOrEqual(1000);
}, 300_000);
