// npm run bench:scale [-- --connections 10000 --steady-s 60 --workers 1,2,3 --worker-readings 15000 --cluster --json FILE]
// (the defaults finish in under 5 minutes on a loaded 2-core machine; the figures in docs/operations.md
// are from --connections 19000, the most this machine's open-files limit allows)
// Two measurements of how far one machine carries Purna, loopback only, bounded in count and time:
//  A. Connections one node holds at one reading a minute: a real Purna (node main.ts, embedded
//     broker, token auth, InfluxDB) in its own process on a temporary data dir; devices
//     provisioned through POST /api/devices/provision; raw MQTT 3.1.1 clients (bench/scale-clients.ts)
//     in several processes from 16 or more source addresses 127.0.x.y, ramped in; then a steady minute:
//     Purna's RSS per connection (/proc/PID/status), its event-loop delay (/metrics), publish →
//     PUBACK latency at QoS 1 over every client, its CPU per reading; then a broker restart
//     (SIGTERM, start again on the same data dir and ports) and how long the reconnect storm takes.
//  B. Readings/s stored with 1, 2, 3 workers: Purna workers on MQTT_URL + MQTT_SHARE_GROUP against
//     Debian's mosquitto, InfluxDB behind them, reported per CPU second since the 2 cores are shared.
//     With --cluster the workers run as the issue-20 topology does: every reading also goes to NATS
//     JetStream (PURNA_NATS_URL) and is judged by the one worker that holds its device's partition,
//     the service domain and sessions on one PostgreSQL (DATABASE_URL) - ingest and detection both.
// Every figure is printed beside the machine's load average (other processes share the cores).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  fdatasyncSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantileSorted } from 'simple-statistics';
import { freePort, startInfluxd } from '../test/support/influxd.ts';
import { startNats } from '../test/support/nats.ts';
import { startPostgres } from '../test/support/postgres.ts';
import { startPurnaProcess, type PurnaProcess } from '../test/support/purna-process.ts';
import { benchArgs, progress, progressDone, writeJson } from './lib.ts';

const args = benchArgs({
  connections: { type: 'string', default: '10000' },
  'steady-s': { type: 'string', default: '60' },
  'period-ms': { type: 'string', default: '60000' },
  'client-processes': { type: 'string', default: '0' },
  workers: { type: 'string', default: '1,2,3' },
  /** Readings the publishers send per worker count (QoS 1, 8 clients, as fast as mosquitto acknowledges). */
  'worker-readings': { type: 'string', default: '15000' },
  /** mosquitto's max_inflight_messages: QoS 1 messages on their way to one worker before its PUBACKs (mosquitto's default is 20). */
  'broker-inflight': { type: 'string', default: '1000' },
  'skip-connections': { type: 'boolean', default: false },
  /** raw (default): bench/scale-clients.ts's lean client; mqttjs: one MQTT.js client per device, to compare. */
  client: { type: 'string', default: 'raw' },
  'skip-workers': { type: 'boolean', default: false },
  cluster: { type: 'boolean', default: false },
});
const CLIENTS_SCRIPT = fileURLToPath(new URL('./scale-clients.ts', import.meta.url));
const PUBLISHER = fileURLToPath(new URL('./ingest-publisher.ts', import.meta.url));
/**
 * Client source addresses: loopback answers on all of 127/8, and each address has its own
 * ephemeral ports (28,000 here). At most 2,500 devices an address, so that the ramp and a
 * reconnect storm in the same minute stay under PURNA_MQTT_MAX_CONNECTS_PER_IP_PER_MINUTE's
 * default of 5,000; at least 16.
 */
const sourceAddresses = (devices: number) =>
  Array.from(
    { length: Math.max(16, Math.ceil(devices / 2500)) },
    (_, i) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`,
  );
const ADMIN = { email: 'bench@purna.test', password: 'bench-password-123456' };

const load = () => loadavg().map((l) => Number(l.toFixed(2)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 0) => Number(x.toFixed(d));

/** The open-files limit this process (and so every child) has; a connection is one descriptor. */
function fdLimits(): { soft: number; hard: number } {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))!;
  const [soft, hard] = line
    .split(/\s{2,}/)
    .slice(1, 3)
    .map(Number);
  return { soft, hard };
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** CPU seconds a process has used (utime + stime, in USER_HZ = 100 on Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function pidOf(cmdlinePart: string): number | null {
  for (const pid of readdirPids()) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(cmdlinePart)) return pid;
    } catch {
      // gone
    }
  }
  return null;
}

function readdirPids(): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map(Number);
}

async function eventLoop(httpUrl: string): Promise<{ p99Ms: number; maxMs: number }> {
  const text = await (await fetch(`${httpUrl}metrics`)).text();
  const get = (name: string) =>
    Number(new RegExp(`^purna_nodejs_eventloop_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1]);
  return { p99Ms: round(get('lag_p99') * 1000, 1), maxMs: round(get('lag_max') * 1000, 1) };
}

const pct = (sorted: number[], p: number) => (sorted.length ? round(quantileSorted(sorted, p / 100), 1) : Number.NaN);

/** Every process this run started, killed if it ends early (the fleet also exits when its IPC channel closes). */
const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
const START_TIMEOUT_MS = 120_000;
const startPurna = async (env: Record<string, string>, ports?: { http: number; mqtt: number }) => {
  const p = await startPurnaProcess(env, ports, START_TIMEOUT_MS);
  started.add(p.child);
  return p;
};

const figures: Record<string, unknown> = {
  machine: { cores: (await import('node:os')).cpus().length, fd: fdLimits() },
};
const influx = await startInfluxd();
const influxPid = pidOf(influx.dir);
process.on('exit', () => {
  // Still that influxd (its data dir on its command line), not a process that took over the pid.
  if (influxPid && pidOf(influx.dir) === influxPid) process.kill(influxPid, 'SIGKILL');
});
console.log(`InfluxDB at ${influx.url}; load ${load().join(' ')}`);

// ── A. Connections one node holds ────────────────────────────────────────────────────────────
if (!args['skip-connections']) {
  const fd = fdLimits();
  let wanted = Number(args.connections);
  // One connection is one descriptor in Purna, which also needs its own (SQLite, InfluxDB, HTTP):
  // the hard limit is the ceiling; raising it takes CAP_SYS_RESOURCE (ulimit -Hn as root).
  const ceiling = fd.hard - 600;
  if (wanted > ceiling) {
    console.log(
      `--connections ${wanted} is over what one process may open here (ulimit -Hn ${fd.hard}): measuring ${ceiling}`,
    );
    wanted = ceiling;
  }
  const N = wanted;
  const ADDRESSES = sourceAddresses(N);
  const dataDir = mkdtempSync(join(tmpdir(), 'purna-scale-'));
  const ports = { http: await freePort(), mqtt: await freePort() };
  const env = {
    PURNA_DATA_DIR: dataDir,
    PURNA_MQTT_AUTH: 'token',
    INFLUX_URL: influx.url,
    INFLUX_DATABASE: 'bench_scale',
    PURNA_ADMIN_EMAIL: ADMIN.email,
    PURNA_ADMIN_PASSWORD: ADMIN.password,
    PURNA_METRICS_ALLOW_FROM: '127.0.0.1',
  };
  let purna: PurnaProcess = await startPurna(env, ports);
  const login = await fetch(`${purna.httpUrl}api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];

  // Provisioning through the operator's API, 10,000 devices a request (its limit).
  let t = performance.now();
  const credentials: { id: string; token: string }[] = [];
  for (let from = 0; from < N; from += 10_000) {
    const devices = Array.from({ length: Math.min(10_000, N - from) }, (_, i) => ({
      id: `scale-${String(from + i).padStart(6, '0')}`,
      modelId: 'pump-p200',
    }));
    const res = await fetch(`${purna.httpUrl}api/devices/provision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ devices }),
    });
    if (!res.ok) throw new Error(`provisioning failed: ${res.status} ${await res.text()}`);
    for (const d of ((await res.json()) as { devices: { id: string; token: string }[] }).devices)
      credentials.push({ id: d.id, token: d.token });
    progress(`provisioned ${credentials.length.toLocaleString()} devices`);
  }
  progressDone();
  const provisionS = (performance.now() - t) / 1000;
  const credFile = join(dataDir, 'bench-credentials.json');
  writeFileSync(credFile, JSON.stringify(credentials));
  await sleep(3000);
  const rss0 = rssBytes(purna.child.pid!);
  console.log(
    `provisioned ${N.toLocaleString()} devices in ${provisionS.toFixed(1)} s; Purna RSS ${(rss0 / 2 ** 20).toFixed(0)} MiB before any connection; load ${load().join(' ')}`,
  );

  // The fleet: at most 8,000 clients a process (each process has the same descriptor limit).
  const processes = Number(args['client-processes']) || Math.max(2, Math.ceil(N / 8000));
  const per = Math.ceil(N / processes);
  const fleet: ChildProcess[] = [];
  const reports = new Map<ChildProcess, Record<string, number>>();
  let latencies: number[] = [];
  for (let p = 0; p < processes; p++) {
    const from = p * per;
    const count = Math.min(per, N - from);
    const child = fork(
      CLIENTS_SCRIPT,
      [
        '--port',
        String(ports.mqtt),
        '--credentials',
        credFile,
        '--from',
        String(from),
        '--count',
        String(count),
        '--addresses',
        ADDRESSES.join(','),
        '--period-ms',
        args['period-ms'],
        '--impl',
        args.client,
      ],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    child.on('message', (m: Record<string, number> & { lat: number[] }) => {
      latencies.push(...m.lat);
      reports.set(child, m);
    });
    fleet.push(child);
    started.add(child);
  }
  const poll = async () => {
    for (const c of fleet) c.send({ cmd: 'report' });
    await sleep(250);
    const sum = (k: string) => [...reports.values()].reduce((s, r) => s + (r[k] ?? 0), 0);
    return {
      connected: sum('connected'),
      connacks: sum('connacks'),
      refused: sum('refused'),
      socketErrors: sum('socketErrors'),
      published: sum('published'),
      acked: sum('acked'),
      skipped: sum('skipped'),
      clientRss: sum('rssBytes'),
      clientRssStart: sum('rssStartBytes'),
      clientCpuMs: sum('cpuMs'),
    };
  };

  // Ramp.
  t = performance.now();
  let s = await poll();
  const rampDeadline = t + 180_000;
  while (s.connected < N && performance.now() < rampDeadline) {
    await sleep(750);
    s = await poll();
    progress(`ramp: ${s.connected.toLocaleString()} / ${N.toLocaleString()} connected, refused ${s.refused}`);
  }
  progressDone();
  const rampS = (performance.now() - t) / 1000;
  const connectedAfterRamp = s.connected;
  console.log(
    `ramp: ${connectedAfterRamp.toLocaleString()} / ${N.toLocaleString()} connected in ${rampS.toFixed(1)} s (${Math.round(connectedAfterRamp / rampS)} CONNECTs/s, ${s.refused} refused); load ${load().join(' ')}`,
  );

  // Steady state: one reading a minute from every client.
  latencies = [];
  await eventLoop(purna.httpUrl); // resets the window: the steady state's own from here
  const steadyS = Number(args['steady-s']);
  const cpu0 = cpuSeconds(purna.child.pid!);
  const acked0 = s.acked;
  const lags: { p99Ms: number; maxMs: number }[] = [];
  t = performance.now();
  const loadSteadyStart = load();
  while (performance.now() - t < steadyS * 1000) {
    await sleep(5000);
    lags.push(await eventLoop(purna.httpUrl));
    s = await poll();
    progress(
      `steady: ${Math.round((performance.now() - t) / 1000)} s, ${s.connected.toLocaleString()} connected, ${(s.acked - acked0).toLocaleString()} readings acknowledged`,
    );
  }
  progressDone();
  const steadySecs = (performance.now() - t) / 1000;
  const purnaCpuS = cpuSeconds(purna.child.pid!) - cpu0;
  const rss1 = rssBytes(purna.child.pid!);
  const steadyAcked = s.acked - acked0;
  latencies.sort((a, b) => a - b);
  const steady = {
    connected: s.connected,
    seconds: round(steadySecs, 1),
    readingsAcknowledged: steadyAcked,
    readingsPerSecond: round(steadyAcked / steadySecs, 1),
    skippedBecauseUnacknowledged: s.skipped,
    purnaRssMiB: round(rss1 / 2 ** 20, 1),
    purnaRssBeforeMiB: round(rss0 / 2 ** 20, 1),
    rssPerConnectionKiB: round((rss1 - rss0) / 1024 / s.connected, 1),
    purnaCores: round(purnaCpuS / steadySecs, 3),
    purnaCpuMsPerReading: round((purnaCpuS * 1000) / Math.max(1, steadyAcked), 3),
    eventLoopP99Ms: Math.max(...lags.map((l) => l.p99Ms)),
    eventLoopMaxMs: Math.max(...lags.map((l) => l.maxMs)),
    pubackP50Ms: pct(latencies, 50),
    pubackP99Ms: pct(latencies, 99),
    pubackMaxMs: latencies.length ? round(latencies.at(-1)!, 1) : Number.NaN,
    latencySamples: latencies.length,
    client: args.client,
    clientRssPerConnectionKiB: round((s.clientRss - s.clientRssStart) / 1024 / Math.max(1, s.connected), 1),
    load: { start: loadSteadyStart, end: load() },
  };
  console.log(
    `steady ${steady.seconds} s at one reading a minute: ${steady.connected.toLocaleString()} connections, ${steady.readingsPerSecond} readings/s; Purna RSS ${steady.purnaRssBeforeMiB} → ${steady.purnaRssMiB} MiB = ${steady.rssPerConnectionKiB} KiB per connection (the ${steady.client} clients' own: ${steady.clientRssPerConnectionKiB} KiB each); CPU ${steady.purnaCores} cores = ${steady.purnaCpuMsPerReading} ms per reading; event loop p99 ${steady.eventLoopP99Ms} ms (max ${steady.eventLoopMaxMs} ms); publish → PUBACK p50 ${steady.pubackP50Ms} ms, p99 ${steady.pubackP99Ms} ms over ${steady.latencySamples.toLocaleString()}; load ${steady.load.end.join(' ')}`,
  );

  // Reconnect storm: the broker (Purna) restarts on the same data dir and ports.
  const tKill = performance.now();
  purna.child.kill('SIGTERM');
  await purna.exited;
  const stopS = (performance.now() - tKill) / 1000;
  purna = await startPurna(env, ports);
  const tReady = performance.now();
  const startS = (tReady - tKill) / 1000 - stopS;
  s = await poll();
  const stormDeadline = tReady + 180_000;
  const cpuStorm0 = cpuSeconds(purna.child.pid!);
  const connacks0 = s.connacks;
  while (s.connected < N && performance.now() < stormDeadline) {
    await sleep(250);
    s = await poll();
    progress(`storm: ${s.connected.toLocaleString()} / ${N.toLocaleString()} reconnected`);
  }
  progressDone();
  const storm = {
    reconnected: s.connected,
    stopSeconds: round(stopS, 1),
    startSeconds: round(startS, 1),
    allReconnectedAfterReadySeconds: round((performance.now() - tReady) / 1000, 1),
    allReconnectedAfterSigtermSeconds: round((performance.now() - tKill) / 1000, 1),
    connacks: s.connacks - connacks0,
    refused: s.refused,
    purnaCpuSeconds: round(cpuSeconds(purna.child.pid!) - cpuStorm0, 1),
    eventLoop: await eventLoop(purna.httpUrl),
    load: load(),
  };
  console.log(
    `reconnect storm: ${storm.reconnected.toLocaleString()} / ${N.toLocaleString()} back ${storm.allReconnectedAfterReadySeconds} s after Purna was up again (stop ${storm.stopSeconds} s, start ${storm.startSeconds} s, ${storm.allReconnectedAfterSigtermSeconds} s from SIGTERM; Purna CPU ${storm.purnaCpuSeconds} s); load ${storm.load.join(' ')}`,
  );

  for (const c of fleet) c.send({ cmd: 'exit' });
  await Promise.all(fleet.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));

  purna.child.kill('SIGTERM');
  await purna.exited;
  rmSync(dataDir, { recursive: true, force: true });
  figures.connections = {
    requested: Number(args.connections),
    measured: N,
    clientProcesses: processes,
    sourceAddresses: ADDRESSES.length,
    provisionSeconds: round(provisionS, 1),
    ramp: {
      connected: connectedAfterRamp,
      seconds: round(rampS, 1),
      connectsPerSecond: Math.round(connectedAfterRamp / rampS),
    },
    steady,
    storm,
  };
}

// ── B. Readings/s stored with 1, 2, 3 workers on a shared subscription ───────────────────────
if (!args['skip-workers']) {
  if (!args.cluster)
    console.log(
      'workers: MQTT_URL + MQTT_SHARE_GROUP split each device’s stream across workers (the defect issue 20 names): this measures ingest only, not correct detection (--cluster: the partitioned topology)',
    );
  const mqDir = mkdtempSync(join(tmpdir(), 'purna-scale-mosquitto-'));
  const mqPort = await freePort();
  const conf = join(mqDir, 'mosquitto.conf');
  // Unbounded queue (0): the publishers are bounded in count, and a dropped message would read as a lost one.
  // A worker holds each PUBACK until the reading is in its write-ahead log (group-committed, one
  // fdatasync per group), so the broker's in-flight window per worker bounds its rate: at
  // mosquitto's default of 20 a worker waits on the disk, not on its CPU.
  writeFileSync(
    conf,
    `listener ${mqPort} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nmax_inflight_messages ${Number(args['broker-inflight'])}\nlog_dest none\n`,
  );
  const mosquitto = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  started.add(mosquitto);
  for (let i = 0; ; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(mqPort, '127.0.0.1', () => (sock.end(), resolve(true)));
      sock.on('error', () => resolve(false));
    });
    if (ok) break;
    if (i > 200) throw new Error('mosquitto did not start');
    await sleep(50);
  }
  const mqUrl = `mqtt://127.0.0.1:${mqPort}`;
  // The disk the workers' write-ahead logs share: one small write + fdatasync, 200 times.
  const probe = join(mqDir, 'fsync-probe');
  const fdProbe = openSync(probe, 'w');
  const syncs: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    writeSync(fdProbe, Buffer.alloc(200, i));
    fdatasyncSync(fdProbe);
    syncs.push(performance.now() - t0);
  }
  closeSync(fdProbe);
  syncs.sort((a, b) => a - b);
  const fsyncMs = { p50: pct(syncs, 50), p99: pct(syncs, 99) };
  console.log(
    `disk: a 200-byte write + fdatasync in ${tmpdir()} takes p50 ${fsyncMs.p50} ms, p99 ${fsyncMs.p99} ms; load ${load().join(' ')}`,
  );
  // --cluster: the stream engine and the shared service store of the multi-worker topology.
  const cluster = args.cluster ? { nats: await startNats(), postgres: await startPostgres() } : null;
  if (cluster) {
    console.log(
      'cluster: readings also to NATS JetStream, each device judged by the worker holding its partition; service domain on PostgreSQL',
    );
  }
  const runs: Record<string, unknown>[] = [];
  const readings = Number(args['worker-readings']);
  for (const k of args.workers.split(',').map(Number)) {
    const db = `bench_scale_w${k}`;
    const shared: Record<string, string> = cluster
      ? {
          PURNA_NATS_URL: cluster.nats.url,
          DATABASE_URL: await cluster.postgres.createDatabase(`bench_scale_w${k}`),
        }
      : {};
    const dirs = Array.from({ length: k }, (_, w) => mkdtempSync(join(tmpdir(), `purna-scale-w${w}-`)));
    // Started together: on a loaded machine each start takes 10–20 s.
    const workers: PurnaProcess[] = await Promise.all(
      dirs.map((dir, w) =>
        startPurna({
          PURNA_DATA_DIR: dir,
          MQTT_URL: mqUrl,
          // A group per run: a worker that left keeps its place in its group for its session's
          // expiry (24 h) and the broker queues that worker's share for it (measured: with one
          // departed member, 1 in 3 readings waited for it). A new group per run keeps runs apart.
          MQTT_SHARE_GROUP: `purna-${k}`,
          MQTT_CLIENT_ID: `purna-bench-${k}-${w}`,
          INFLUX_URL: influx.url,
          INFLUX_DATABASE: db,
          ...shared,
          ...(cluster ? ({ PURNA_WORKER_ID: `bench-${k}-${w}` } as Record<string, string>) : {}),
        }),
      ),
    );
    const count = async () => {
      const q = encodeURIComponent('SELECT count(temperature) FROM telemetry');
      const j = (await (await fetch(`${influx.url}/query?db=${db}&q=${q}`)).json()) as {
        results: { series?: { values: [string, number][] }[] }[];
      };
      return j.results[0].series?.[0].values[0][1] ?? 0;
    };
    const cpu0 = workers.map((w) => cpuSeconds(w.child.pid!));
    const mq0 = cpuSeconds(mosquitto.pid!);
    const in0 = influxPid ? cpuSeconds(influxPid) : Number.NaN;
    const loadStart = load();
    const t = performance.now();
    const pub = await new Promise<{ acked: number; cpuMs: number }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          PUBLISHER,
          '--url',
          mqUrl,
          '--clients',
          '8',
          '--seconds',
          '60',
          '--max',
          String(readings),
          '--prefix',
          `w${k}`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      started.add(child);
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.once('exit', (code) =>
        code === 0
          ? resolve(JSON.parse(out.trim().split('\n').at(-1)!))
          : reject(new Error(`publisher exited ${code}`)),
      );
    });
    let stored = 0;
    const until = performance.now() + 90_000;
    while (performance.now() < until) {
      stored = await count();
      if (stored >= pub.acked) break;
      await sleep(200);
    }
    const secs = (performance.now() - t) / 1000;
    const workerCpu = workers.reduce((sum, w, i) => sum + cpuSeconds(w.child.pid!) - cpu0[i], 0);
    const run = {
      workers: k,
      brokerInflight: Number(args['broker-inflight']),
      acknowledgedByBroker: pub.acked,
      stored,
      seconds: round(secs, 1),
      storedPerSecond: Math.round(stored / secs),
      workerCores: round(workerCpu / secs, 2),
      storedPerWorkerCpuSecond: Math.round(stored / workerCpu),
      mosquittoCores: round((cpuSeconds(mosquitto.pid!) - mq0) / secs, 2),
      influxdCores: influxPid ? round((cpuSeconds(influxPid) - in0) / secs, 2) : Number.NaN,
      publisherCores: round(pub.cpuMs / 1000 / secs, 2),
      load: { start: loadStart, end: load() },
    };
    runs.push(run);
    console.log(
      `${k} worker${k > 1 ? 's' : ''}: ${run.storedPerSecond.toLocaleString()} readings/s stored (${stored.toLocaleString()} of ${pub.acked.toLocaleString()} acknowledged, ${run.seconds} s); workers ${run.workerCores} cores = ${run.storedPerWorkerCpuSecond.toLocaleString()} readings per worker CPU second; mosquitto ${run.mosquittoCores}, influxd ${run.influxdCores}, publishers ${run.publisherCores} cores; load ${run.load.end.join(' ')}`,
    );
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  const one = runs[0] as { storedPerSecond: number; storedPerWorkerCpuSecond: number };
  for (const r of runs as { storedPerSecond: number; storedPerWorkerCpuSecond: number }[]) {
    Object.assign(r, {
      throughputVsOne: round(r.storedPerSecond / one.storedPerSecond, 2),
      perCoreVsOne: round(r.storedPerWorkerCpuSecond / one.storedPerWorkerCpuSecond, 2),
    });
  }
  console.log(
    `vs 1 worker: ${(runs as { workers: number; throughputVsOne: number; perCoreVsOne: number }[]).map((r) => `${r.workers}: ×${r.throughputVsOne} throughput, ×${r.perCoreVsOne} per core`).join('; ')}`,
  );
  mosquitto.kill('SIGTERM');
  await new Promise((r) => mosquitto.once('exit', r));
  rmSync(mqDir, { recursive: true, force: true });
  if (cluster) {
    await cluster.nats.stop();
    await cluster.postgres.stop();
  }
  figures.workers = {
    fdatasyncMs: fsyncMs,
    cluster: Boolean(cluster),
    note: cluster
      ? 'the issue-20 topology: readings to NATS JetStream as well, each device judged by the worker holding its partition (leases), service domain on PostgreSQL'
      : 'MQTT_SHARE_GROUP splits each device’s readings across workers, so their detectors judge fractions of each stream: ingest throughput only',
    runs,
  };
}

await influx.destroy();
console.log(JSON.stringify(figures));
writeJson(args.json, figures);
