// Purna's multi-worker topology (issue 20) started from Debian's packages, without Docker:
// mosquitto (the devices' broker), InfluxDB (readings), PostgreSQL (the shared service store),
// nats-server with JetStream (the readings stream) and N Purna workers in one MQTT 5 shared
// subscription group, every server on free loopback ports with temporary dirs. The compose
// profile `cluster` in docker-compose.yml is the same topology for a real deployment.
//
// A worker is stopped and started again on its own data dir and MQTT client id: its write-ahead
// log is replayed and the broker redelivers what it had not acknowledged from its persistent session.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type LocalInfluxd, startInfluxd } from './influxd.ts';
import { type Mosquitto, startMosquitto } from './mosquitto.ts';
import { type PurnaProcess, startPurnaProcess } from './purna-process.ts';

const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface LocalServer {
  child: () => ChildProcess;
  /** SIGSTOP / SIGCONT: the server freezes with its sockets open, as a stalled VM does. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export interface ClusterPostgres extends LocalServer {
  url: (db: string) => string;
}

export interface ClusterNats extends LocalServer {
  url: string;
}

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
  postgres: ClusterPostgres;
  nats: ClusterNats;
  workers: ClusterWorker[];
  stop(): Promise<void>;
}

export function clusterAvailable(): string | null {
  for (const [cmd, args, pkg] of [
    ['mosquitto', ['-h'], 'mosquitto'],
    ['influxd', ['version'], 'influxdb'],
    ['nats-server', ['--version'], 'nats-server'],
    [`${PG_BIN}/postgres`, ['--version'], 'postgresql'],
  ] as const) {
    if (spawnSync(cmd, args, { stdio: 'ignore' }).error) return `${cmd} not found: apt-get install -y ${pkg}`;
  }
  return null;
}

async function exitOf(child: ChildProcess, killAfterMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}

/** The `postgres` OS user when this runs as root: PostgreSQL refuses to run as root. */
function postgresOwner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('running as root and there is no postgres user to run PostgreSQL as');
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** Debian's PostgreSQL 15 on a free loopback port with a temporary cluster (trust auth, loopback only). */
export async function startClusterPostgres(databases: string[]): Promise<ClusterPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'purna-cluster-pg-'));
  const data = join(dir, 'data');
  const owner = postgresOwner();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const init = spawnSync(`${PG_BIN}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], {
    encoding: 'utf8',
    cwd: dir,
    ...as,
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  let port = await freePort();
  let child: ChildProcess;
  let log = '';
  const launch = async (): Promise<boolean> => {
    log = '';
    child = spawn(
      `${PG_BIN}/postgres`,
      ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir, ...as },
    );
    child.stdout!.on('data', (d) => (log = (log + d).slice(-4000)));
    child.stderr!.on('data', (d) => (log = (log + d).slice(-4000)));
    const until = Date.now() + 30_000;
    while (!/database system is ready to accept connections/.test(log)) {
      if (child.exitCode !== null) {
        if (/could not bind|Address already in use/i.test(log)) return false;
        throw new Error(`postgres exited with ${child.exitCode}:\n${log}`);
      }
      if (Date.now() > until) throw new Error(`postgres did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  };
  for (let tries = 1; !(await launch()); tries++) {
    if (tries === 3) throw new Error(`postgres exited at start ${tries} times (port ${port} in use?)`);
    port = await freePort();
  }
  for (const db of databases) {
    const r = spawnSync(`${PG_BIN}/createdb`, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', db], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`createdb ${db}: ${r.stderr}`);
  }
  // A fast shutdown (SIGINT): it ends the sessions and checkpoints, as an operator's restart does.
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    await exitOf(child, 15_000);
  };
  return {
    url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    child: () => child,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await stop();
      if (!(await launch())) throw new Error(`postgres exited at restart (port ${port} in use?)`);
    },
  };
}

/** Debian's nats-server with JetStream on a temporary store dir; it picks its port (-p -1) and logs it. */
export async function startClusterNats(): Promise<ClusterNats> {
  const dir = mkdtempSync(join(tmpdir(), 'purna-cluster-nats-'));
  let port = -1;
  let child: ChildProcess;
  let log = '';
  const launch = async () => {
    log = '';
    child = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (log = (log + d).slice(-8000)));
    child.stderr!.on('data', (d) => (log = (log + d).slice(-8000)));
    const until = Date.now() + 15_000;
    let m: RegExpExecArray | null;
    while (!(m = /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(log))) {
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}:\n${log}`);
      if (Date.now() > until) throw new Error(`nats-server did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    port = Number(m[1]); // a restart keeps it: the workers were given the URL
  };
  await launch();
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT'); // a paused server cannot act on SIGTERM
    child.kill('SIGTERM');
    await exitOf(child, 10_000);
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    child: () => child,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await stop();
      await launch();
    },
  };
}

export interface ClusterOptions {
  workers?: number;
  /** Extra environment for every worker. */
  env?: Record<string, string>;
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const missing = clusterAvailable();
  if (missing) throw new Error(missing);
  const started: { stop(): Promise<void> }[] = [];
  const workers: ClusterWorker[] = [];
  const stopAll = async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    for (const s of started.reverse()) await s.stop().catch(() => {});
    for (const w of workers) rmSync(w.dataDir, { recursive: true, force: true });
  };
  try {
    // Started together: each takes seconds on a loaded machine.
    const [mosquitto, influx, postgres, nats] = await Promise.all([
      startMosquitto().then((s) => (started.push(s), s)),
      startInfluxd().then((s) => (started.push({ stop: s.destroy }), s)),
      startClusterPostgres(['purna']).then((s) => (started.push(s), s)),
      startClusterNats().then((s) => (started.push(s), s)),
    ]);
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
        DATABASE_URL: postgres.url('purna'),
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
    return { mosquitto, influx, influxDatabase, postgres, nats, workers, stop: stopAll };
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
