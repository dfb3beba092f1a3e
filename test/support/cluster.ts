// Purna's multi-worker topology (issue 20) started from Debian's packages, without Docker:
// mosquitto (the devices' broker), InfluxDB (readings), PostgreSQL (the shared service store),
// nats-server with JetStream (the readings stream) and N Purna workers in one MQTT 5 shared
// subscription group, every server on free loopback ports with temporary dirs. The compose
// profile `cluster` in docker-compose.yml is the same topology for a real deployment.
//
// A worker is stopped and started again on its own data dir and MQTT client id: its write-ahead
// log is replayed and the broker redelivers what it had not acknowledged from its persistent session.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { Server as SocketServer } from 'socket.io';
import { READINGS_STREAM } from '../../cluster/partition.ts';
import { decodeReading } from '../../cluster/reading-stream.ts';
import { attachClusterAdapter } from '../../dashboard/cluster-adapter.ts';
import { HEALTH_EVENT, type HealthBatch } from '../../dashboard/fleet-sync.ts';
import { influxdAvailable, type LocalInfluxd, startInfluxd } from './influxd.ts';
import { type Mosquitto, mosquittoAvailable, startMosquitto } from './mosquitto.ts';
import { type LocalNats, natsAvailable, startNats } from './nats.ts';
import { type LocalPostgres, postgresAvailable, startPostgres } from './postgres.ts';
import { type PurnaProcess, startPurnaProcess } from './purna-process.ts';

export interface ClusterWorker {
  /** PURNA_WORKER_ID and the suffix of its MQTT client id. */
  id: string;
  dataDir: string;
  /** null while it is down. */
  process: PurnaProcess | null;
  /** Sends the signal and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
}

export interface Cluster {
  mosquitto: Mosquitto;
  influx: LocalInfluxd;
  influxDatabase: string;
  postgres: LocalPostgres;
  /** The workers' shared database on it. */
  databaseUrl: string;
  nats: LocalNats;
  workers: ClusterWorker[];
  stop(): Promise<void>;
}

/** null when every server the topology needs is installed, else what to install. */
export function clusterMissing(): string | null {
  if (!mosquittoAvailable()) return 'mosquitto not found: apt-get install -y mosquitto';
  if (!influxdAvailable()) return 'influxd not found: apt-get install -y influxdb';
  if (!natsAvailable()) return 'nats-server not found: apt-get install -y nats-server';
  if (!postgresAvailable()) return 'PostgreSQL not found: apt-get install -y postgresql';
  return null;
}

export interface ClusterOptions {
  workers?: number;
  /** Extra environment for every worker. */
  env?: Record<string, string>;
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const missing = clusterMissing();
  if (missing) throw new Error(missing);
  const started: { stop(): Promise<void> }[] = [];
  const workers: ClusterWorker[] = [];
  // A run that ends before stop() (a hook timed out, the test process exits) must not leave the
  // workers running: they were found an hour later, still subscribed at a live mosquitto.
  const killWorkers = () => {
    for (const w of workers) if (w.process?.child.exitCode === null) w.process.child.kill('SIGKILL');
  };
  process.once('exit', killWorkers);
  const stopAll = async () => {
    process.off('exit', killWorkers);
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    for (const s of started.reverse()) await s.stop().catch(() => {});
    for (const w of workers) rmSync(w.dataDir, { recursive: true, force: true });
  };
  try {
    // Started together: each takes seconds on a loaded machine.
    const [mosquitto, influx, postgres, nats] = await Promise.all([
      startMosquitto().then((s) => (started.push(s), s)),
      startInfluxd().then((s) => (started.push({ stop: s.destroy }), s)),
      startPostgres().then((s) => (started.push(s), s)),
      startNats().then((s) => (started.push(s), s)),
    ]);
    const databaseUrl = await postgres.createDatabase('purna');
    const influxDatabase = 'purna_cluster';
    const root = mkdtempSync(join(tmpdir(), 'purna-cluster-workers-'));
    started.push({ stop: async () => rmSync(root, { recursive: true, force: true }) });
    for (let i = 0; i < (opts.workers ?? 3); i++) {
      const id = `worker-${i + 1}`;
      const dataDir = join(root, id);
      mkdirSync(dataDir);
      const env = {
        PURNA_DATA_DIR: dataDir,
        // Ingest behind one shared subscription; each worker's persistent session is its client id.
        MQTT_URL: mosquitto.url,
        MQTT_SHARE_GROUP: 'purna',
        MQTT_CLIENT_ID: `purna-${id}`,
        INFLUX_URL: influx.url,
        INFLUX_DATABASE: influxDatabase,
        // The shared stores and the stream (read by the settings that have them; ignored before).
        DATABASE_URL: databaseUrl,
        PURNA_NATS_URL: nats.url,
        PURNA_WORKER_ID: id,
        ...opts.env,
      };
      const worker: ClusterWorker = {
        id,
        dataDir,
        process: null,
        kill: async (signal) => {
          const p = worker.process;
          if (!p) return;
          if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
          await p.exited;
          worker.process = null;
        },
        start: async () => {
          worker.process = await startPurnaProcess(env, undefined, 120_000);
        },
      };
      workers.push(worker);
    }
    await Promise.all(workers.map((w) => w.start()));
    return { mosquitto, influx, influxDatabase, postgres, databaseUrl, nats, workers, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Every stored temperature timestamp (ms) of each device in one InfluxDB database. */
export async function storedTimestamps(
  influxUrl: string,
  db: string,
  devices: string[],
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const d of devices) {
    const q = encodeURIComponent(`SELECT temperature FROM telemetry WHERE device = '${d}'`);
    const res = await fetch(`${influxUrl}/query?db=${db}&epoch=ms&q=${q}`);
    if (!res.ok) throw new Error(`InfluxDB query: ${res.status} ${await res.text()}`);
    const j = (await res.json()) as { results: { series?: { values: [number, number][] }[] }[] };
    out.set(
      d,
      (j.results[0].series?.[0].values ?? []).map((v) => v[0]),
    );
  }
  return out;
}

/** Every reading in the readings stream (read with an ordered consumer): device and timestamp. */
export async function streamReadings(natsUrl: string): Promise<{ deviceId: string; tsMs: number }[]> {
  const nc: NatsConnection = await connect({ servers: natsUrl });
  try {
    const total = (await (await jetstreamManager(nc)).streams.info(READINGS_STREAM)).state.messages;
    const out: { deviceId: string; tsMs: number }[] = [];
    if (total === 0) return out;
    const consumer = await jetstream(nc).consumers.get(READINGS_STREAM);
    while (out.length < total) {
      const batch = await consumer.fetch({ max_messages: 2000, expires: 2000 });
      for await (const m of batch) {
        const r = decodeReading(m.data);
        out.push({ deviceId: r.deviceId, tsMs: r.tsMs });
      }
    }
    return out;
  } finally {
    await nc.close();
  }
}

export interface ObservedVerdict {
  worker: string;
  deviceId: string;
  /** The worker's wall clock when its analytics made the verdict. */
  madeAtMs: number;
}

/**
 * Listens to the workers' health channel (dashboard/fleet-sync.ts) as one more member of their
 * socket.io adapter: who judged which device when (each worker's latest verdict per device per second).
 */
export async function watchVerdicts(
  databaseUrl: string,
): Promise<{ verdicts: ObservedVerdict[]; close(): Promise<void> }> {
  const io = new SocketServer();
  const adapter = await attachClusterAdapter(io, { databaseUrl, log: pino({ level: 'silent' }) });
  const verdicts: ObservedVerdict[] = [];
  io.on(HEALTH_EVENT, (batch: HealthBatch) => {
    for (const v of batch.verdicts)
      verdicts.push({ worker: batch.worker, deviceId: v.report.deviceId, madeAtMs: v.madeAtMs });
  });
  return {
    verdicts,
    // Not io.close(): it closes an engine, and this server has none (no HTTP server).
    close: () => adapter.close(),
  };
}

/**
 * Where two workers judged one device in the same interval: for each device, its verdicts in
 * time order, and each change of worker with the gap between the last verdict of one and the
 * first of the next. A gap under `minGapMs` (or a worker coming back within it) is an overlap.
 */
export function judgeChanges(
  verdicts: ObservedVerdict[],
): { deviceId: string; from: string; to: string; gapMs: number }[] {
  const byDevice = new Map<string, ObservedVerdict[]>();
  for (const v of verdicts) byDevice.set(v.deviceId, [...(byDevice.get(v.deviceId) ?? []), v]);
  const changes: { deviceId: string; from: string; to: string; gapMs: number }[] = [];
  for (const [deviceId, vs] of byDevice) {
    vs.sort((a, b) => a.madeAtMs - b.madeAtMs);
    for (let i = 1; i < vs.length; i++)
      if (vs[i].worker !== vs[i - 1].worker)
        changes.push({
          deviceId,
          from: vs[i - 1].worker,
          to: vs[i].worker,
          gapMs: vs[i].madeAtMs - vs[i - 1].madeAtMs,
        });
  }
  return changes;
}
