// npm run bench:ingest [-- --seconds 10 --clients 8 --json FILE]
// Four figures from ONE run against the same real InfluxDB (INFLUX_URL, or Debian's influxd
// started here), publishers in their own process, loopback only, every phase bounded in time:
//  1. raw ceiling: points written straight to InfluxDB in 5,000-line batches, one writer;
//  2. bare baseline: bench/baseline-pipeline.ts fed by the publishers;
//  3. Purna end to end, QoS 1, one reading per message, everything on;
//  4. Purna end to end, QoS 1, gateway messages of 100 readings;
// plus publish → stored latency p50/p99 at half of 3's rate, CPU per process, and 2,000
// simulated devices (the device-sim CLI) as a fleet-shaped load.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantileSorted } from 'simple-statistics';
import { io as ioClient } from 'socket.io-client';
import { startPurna } from '../app.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/log.ts';
import type { Reading } from '../core/types.ts';
import { toLineProtocol } from '../store/influx-store.ts';
import { startInfluxd } from '../test/support/influxd.ts';
import { startBaselinePipeline } from './baseline-pipeline.ts';
import { barChartSvg, benchArgs, progress, progressDone, writeJson } from './lib.ts';
import { writeFileSync, mkdirSync } from 'node:fs';

const args = benchArgs({
  seconds: { type: 'string', default: '10' },
  clients: { type: 'string', default: '8' },
  'raw-points': { type: 'string', default: '500000' },
  svg: { type: 'string', default: 'bench/results/ingest.svg' },
});
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
const PUBLISHER = fileURLToPath(new URL('./ingest-publisher.ts', import.meta.url));

const influx = process.env.INFLUX_URL
  ? { url: process.env.INFLUX_URL, dir: null, destroy: async () => {} }
  : await startInfluxd();
console.log(`InfluxDB at ${influx.url}`);

/** CPU seconds used so far by the influxd started here (Linux /proc; null for an external one). */
const influxdPid = (() => {
  if (!influx.dir) return null;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(influx.dir)) return pid;
    } catch {
      // gone
    }
  }
  return null;
})();
function influxdCpuS(): number {
  if (!influxdPid) return Number.NaN;
  const fields = readFileSync(`/proc/${influxdPid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100 on Linux)
}

async function count(db: string): Promise<number> {
  const r = await fetch(
    `${influx.url}/query?db=${db}&q=${encodeURIComponent('SELECT count(temperature) FROM telemetry')}`,
  );
  const j = (await r.json()) as { results: { series?: { values: [string, number][] }[] }[] };
  return j.results[0].series?.[0].values[0][1] ?? 0;
}

async function waitStored(db: string, expected: number, timeoutMs = 60_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  let n = 0;
  while (Date.now() < until) {
    n = await count(db);
    if (n >= expected) return n;
    await new Promise((r) => setTimeout(r, 200));
  }
  return n;
}

function publish(
  url: string,
  extra: string[],
): Promise<{ acked: number; sent: number; seconds: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [PUBLISHER, '--url', url, '--clients', String(CLIENTS), '--seconds', String(SECONDS), ...extra],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`publisher exited ${code}`)),
    );
  });
}

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;

// 1. Raw ceiling.
const RAW = Number(args['raw-points']);
await fetch(`${influx.url}/query?q=${encodeURIComponent('CREATE DATABASE "bench_raw"')}`, { method: 'POST' });
const rawLines: string[] = [];
const base = Date.now() - 3_600_000;
for (let i = 0; i < RAW; i++)
  rawLines.push(
    toLineProtocol({
      deviceId: `raw-${i % 100}`,
      tsMs: base + Math.floor(i / 100),
      values: { temperature: 60 + (i % 17) / 10, vibration: 1.5 },
    })!,
  );
let influx0 = influxdCpuS();
let t = performance.now();
for (let i = 0; i < RAW; i += 5000) {
  const res = await fetch(`${influx.url}/write?db=bench_raw&precision=ms`, {
    method: 'POST',
    body: rawLines.slice(i, i + 5000).join('\n'),
  });
  if (res.status !== 204) throw new Error(`raw write failed: ${res.status} ${await res.text()}`);
  if (i % 100000 === 0) progress(`raw: ${i.toLocaleString()} points`);
}
const rawPointsPerSec = RAW / ((performance.now() - t) / 1000);
progressDone();
const rawInfluxCores = (influxdCpuS() - influx0) / ((performance.now() - t) / 1000);
console.log(
  `1. raw ceiling: ${Math.round(rawPointsPerSec).toLocaleString()} points/s (CPU: influxd ${rawInfluxCores.toFixed(2)} cores)`,
);

// 2. Bare baseline.
const baseline = await startBaselinePipeline(influx.url, 'bench_baseline');
let cpu0 = process.cpuUsage();
influx0 = influxdCpuS();
t = performance.now();
const pub2 = await publish(`mqtt://127.0.0.1:${baseline.port}`, ['--prefix', 'base']);
const stored2 = await waitStored('bench_baseline', pub2.acked);
const secs2 = (performance.now() - t) / 1000;
const baselineCpu = cpuMs(process.cpuUsage(cpu0));
const baselineInfluxCores = (influxdCpuS() - influx0) / secs2;
await baseline.stop();
const baselineMsgsPerSec = stored2 / secs2;
console.log(
  `2. bare baseline: ${Math.round(baselineMsgsPerSec).toLocaleString()} msgs/s stored (${pub2.acked.toLocaleString()} acked, ${stored2.toLocaleString()} stored in ${secs2.toFixed(1)} s; CPU: pipeline ${(baselineCpu / 1000 / secs2).toFixed(2)} cores, publishers ${(pub2.cpuMs / 1000 / secs2).toFixed(2)} cores, influxd ${baselineInfluxCores.toFixed(2)} cores)`,
);

// 3 and 4: Purna with everything on, plus a logged-in dashboard watching.
const dataDir = mkdtempSync(join(tmpdir(), 'purna-bench-'));
const config = loadConfig({}, [], {
  httpHost: '127.0.0.1',
  httpPort: 0,
  mqttHost: '127.0.0.1',
  mqttPort: 0,
  dataDir,
  simDevices: 0,
  mqttAuth: 'open',
  influxUrl: influx.url,
  influxDatabase: 'bench_purna',
  logLevel: 'warn',
  mqttMaxConnectsPerClientPerMinute: 1000,
});
const purna = await startPurna(config, createLogger(config.logLevel));
await purna.users.create({ email: 'bench@purna.test', role: 'planner', password: 'bench-password-123456' });
const login = await fetch(`${purna.dashboardUrl}api/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: 'bench@purna.test', password: 'bench-password-123456' }),
});
const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
const dashboard = ioClient(purna.dashboardUrl, { transports: ['websocket'], extraHeaders: { cookie } });
let frames = 0;
dashboard.on('delta', () => frames++);

cpu0 = process.cpuUsage();
influx0 = influxdCpuS();
t = performance.now();
const pub3 = await publish(purna.mqttUrl, ['--prefix', 'purna']);
const stored3 = await waitStored('bench_purna', pub3.acked);
const secs3 = (performance.now() - t) / 1000;
const purnaCpu = cpuMs(process.cpuUsage(cpu0));
const purnaInfluxCores = (influxdCpuS() - influx0) / secs3;
const purnaMsgsPerSec = stored3 / secs3;
console.log(
  `3. Purna, 1 reading/message: ${Math.round(purnaMsgsPerSec).toLocaleString()} msgs/s stored (${pub3.acked.toLocaleString()} acked; CPU: Purna ${(purnaCpu / 1000 / secs3).toFixed(2)} cores, publishers ${(pub3.cpuMs / 1000 / secs3).toFixed(2)} cores, influxd ${purnaInfluxCores.toFixed(2)} cores; ${frames} dashboard frames)`,
);

const before4 = await count('bench_purna');
cpu0 = process.cpuUsage();
influx0 = influxdCpuS();
t = performance.now();
const pub4 = await publish(purna.mqttUrl, ['--prefix', 'gateway', '--readings', '100', '--window', '20']);
const stored4 = (await waitStored('bench_purna', before4 + pub4.acked * 100)) - before4;
const secs4 = (performance.now() - t) / 1000;
const purna4Cpu = cpuMs(process.cpuUsage(cpu0));
const purna4InfluxCores = (influxdCpuS() - influx0) / secs4;
const purnaBatchedPointsPerSec = stored4 / secs4;
console.log(
  `4. Purna, gateway messages of 100 readings: ${Math.round(purnaBatchedPointsPerSec).toLocaleString()} points/s stored (${Math.round((pub4.acked * 100) / pub4.seconds).toLocaleString()} points/s acknowledged; CPU: Purna ${(purna4Cpu / 1000 / secs4).toFixed(2)} cores, publishers ${(pub4.cpuMs / 1000 / secs4).toFixed(2)} cores, influxd ${purna4InfluxCores.toFixed(2)} cores)`,
);

// Latency at half of 3's rate: publish time travels in the message (sent_ms); stored time is when
// the write carrying it returned.
const latencies: number[] = [];
const write = purna.store.write.bind(purna.store);
purna.store.write = async (readings: readonly Reading[]) => {
  await write(readings);
  const now = Date.now();
  for (const r of readings) if (r.values.sent_ms !== undefined) latencies.push(now - r.values.sent_ms);
};
const halfRate = Math.max(100, Math.round(purnaMsgsPerSec / 2));
await publish(purna.mqttUrl, ['--prefix', 'latency', '--rate', String(halfRate), '--latency']);
await purna.writer.flush();
latencies.sort((a, b) => a - b);
const pct = (p: number) => (latencies.length ? Math.round(quantileSorted(latencies, p / 100)) : Number.NaN);
console.log(
  `latency publish → stored at ${halfRate.toLocaleString()} msgs/s (half of 3): p50 ${pct(50)} ms, p99 ${pct(99)} ms over ${latencies.length.toLocaleString()} messages`,
);

// 5. The simulator as the load: 2,000 devices, each its own MQTT client, at 1 Hz (device-sim CLI).
const SIM_DEVICES = 2000;
const simCount = async () => {
  const q = encodeURIComponent(
    `SELECT count(temperature) FROM telemetry WHERE device =~ /^sim-(pump|compressor|motor)-[0-9]{4}$/`,
  );
  const r = await fetch(`${influx.url}/query?db=bench_purna&q=${q}`);
  const j = (await r.json()) as { results: { series?: { values: [string, number][] }[] }[] };
  return j.results[0].series?.[0].values[0][1] ?? 0;
};
let simConnected = 0;
const simSeconds = 15;
await new Promise<void>((resolve) => {
  const sim = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('../device-sim/cli.ts', import.meta.url)),
      '--devices',
      String(SIM_DEVICES),
      '--rate',
      '1',
      '--broker',
      purna.mqttUrl,
      '--duration',
      String(simSeconds),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  sim.stderr.on('data', (d: Buffer) => {
    const m = /connected (\d+)\//.exec(d.toString());
    if (m) simConnected = Math.max(simConnected, Number(m[1]));
  });
  sim.once('exit', () => resolve());
});
await purna.writer.flush();
const simStored = await simCount();
console.log(
  `5. the simulator as load: ${simConnected.toLocaleString()} of ${SIM_DEVICES.toLocaleString()} devices connected, ${simStored.toLocaleString()} readings stored in ${simSeconds} s (${Math.round(simStored / simSeconds).toLocaleString()}/s)`,
);

dashboard.close();
await purna.stop();
rmSync(dataDir, { recursive: true, force: true });
await influx.destroy();

const figures = {
  rawPointsPerSec: Math.round(rawPointsPerSec),
  baselineMsgsPerSec: Math.round(baselineMsgsPerSec),
  purnaMsgsPerSec: Math.round(purnaMsgsPerSec),
  purnaBatchedPointsPerSec: Math.round(purnaBatchedPointsPerSec),
  ratioVsBaseline: Math.round((purnaMsgsPerSec / baselineMsgsPerSec) * 100) / 100,
  ratioBatchedVsRaw: Math.round((purnaBatchedPointsPerSec / rawPointsPerSec) * 100) / 100,
  p50Ms: pct(50),
  p99Ms: pct(99),
  latencyRateMsgsPerSec: halfRate,
  simulatedDevicesConnected: simConnected,
  simulatedReadingsStored: simStored,
  cpuCores: {
    baselinePipeline: baselineCpu / 1000 / secs2,
    purnaSingle: purnaCpu / 1000 / secs3,
    purnaBatched: purna4Cpu / 1000 / secs4,
    publishersSingle: pub3.cpuMs / 1000 / secs3,
    influxdRaw: rawInfluxCores,
    influxdBaseline: baselineInfluxCores,
    influxdPurnaSingle: purnaInfluxCores,
    influxdPurnaBatched: purna4InfluxCores,
  },
};
console.log(
  `ratios: Purna / baseline ${figures.ratioVsBaseline} (target ≥ 0.8); Purna batched / raw ${figures.ratioBatchedVsRaw} (target ≥ 0.7); p99 ${figures.p99Ms} ms (target < 1000)`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  args.svg,
  barChartSvg(
    'bench:ingest — stored per second (one run, same InfluxDB)',
    [
      { label: '1. raw ceiling (points)', value: figures.rawPointsPerSec / 1000 },
      { label: '2. bare baseline (msgs)', value: figures.baselineMsgsPerSec / 1000 },
      { label: '3. Purna (msgs)', value: figures.purnaMsgsPerSec / 1000, highlight: true },
      { label: '4. Purna gateway (points)', value: figures.purnaBatchedPointsPerSec / 1000, highlight: true },
    ],
    'k/s',
  ),
);
writeJson(args.json, figures);
process.exit(0);
