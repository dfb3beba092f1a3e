// npm run bench:dashboard [-- --devices 10000 --seconds 30 --warmup 15 --connect-within 180 --json FILE]
// 10,000 devices at 1 Hz → Purna → a headless Chromium showing the planner's fleet view, each in
// its own process: Purna as an operator runs it (node main.ts), the devices as raw MQTT 3.1.1
// clients (bench/scale-clients.ts, QoS 1, one reading a second each on its own clock, sent whether
// or not the last one is acknowledged yet) in --client-processes processes, and Chromium. So
// Purna's event loop carries only Purna, and its CPU seconds per message are its own.
//
// Measures, over --seconds after the warm-up:
// - publish → DOM latency: the reading's timestamp is its publish time; a MutationObserver in the
//   page sees a rendered tile take a new reading (its data-ts). The grid is virtualised, so the
//   tiles measured are the ones in the planner's window: the ones a planner sees change;
// - the page's main thread busy share (Chrome's own TaskDuration, via CDP);
// - Purna's CPU per message (utime + stime of its process from /proc ÷ readings acknowledged),
//   its event-loop delay (its /metrics, one window per 5 s), and the machine's load average.
// Loopback only; bounded in time: the fleet has --connect-within seconds to show in the page,
// then warm-up and measurement; every process started here is killed on the way out.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantileSorted } from 'simple-statistics';
import { launchBrowser } from '../test/support/browser.ts';
import { startInfluxd } from '../test/support/influxd.ts';
import { startPurnaProcess } from '../test/support/purna-process.ts';
import { benchArgs, progress, progressDone, writeJson } from './lib.ts';

const args = benchArgs({
  devices: { type: 'string', default: '10000' },
  seconds: { type: 'string', default: '30' },
  warmup: { type: 'string', default: '15' },
  'connect-within': { type: 'string', default: '180' },
  // sqlite: the embedded default; influx: a real InfluxDB (INFLUX_URL, or Debian's influxd started here), as a fleet this size would use.
  store: { type: 'string', default: 'sqlite' },
  'client-processes': { type: 'string', default: '2' },
  // A directory: Purna runs with --cpu-prof and writes its profile there when it stops.
  'purna-prof': { type: 'string' },
  // Settings for Purna, comma-separated NAME=VALUE (to compare one against another in the same conditions).
  'purna-env': { type: 'string', default: '' },
});
const purnaEnv = Object.fromEntries(
  (args['purna-env'] as string)
    .split(',')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const DEVICES = Number(args.devices);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const CONNECT_WITHIN = Number(args['connect-within']);
const CLIENT_PROCESSES = Math.max(1, Number(args['client-processes']));
/** The limits: publish → DOM p99 and the main thread's busy share. */
const P99_LIMIT_MS = 500;
const BUSY_LIMIT = 0.5;
const ADMIN = { email: 'bench@purna.test', password: 'bench-password-123456' };
const CLIENTS_SCRIPT = fileURLToPath(new URL('./scale-clients.ts', import.meta.url));
const startedAt = Date.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 0) => Number(x.toFixed(d));
const load1 = () => round(loadavg()[0], 1);
const loadAtStart = load1();

if (args.store !== 'sqlite' && args.store !== 'influx') {
  console.error(`--store must be sqlite or influx, got '${args.store}'`);
  process.exit(2);
}

/** Every process this run started, killed if it ends early (the clients also exit when their IPC channel closes). */
const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** CPU seconds a process has used, in user space and in the kernel (utime, stime in USER_HZ = 100 on Linux). */
function cpuSeconds(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** Purna's event-loop delay since the previous scrape (its /metrics window), and its write-ahead log's counters. */
async function scrape(
  httpUrl: string,
): Promise<{ p99Ms: number; maxMs: number; walFsyncs: number; walAppended: number }> {
  let text = '';
  try {
    text = await (await fetch(`${httpUrl}metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  } catch {
    // A starved Purna may not answer within the bound: that window has no figures (NaN), the run goes on.
  }
  const get = (name: string) => Number(new RegExp(`^purna_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    p99Ms: round(get('nodejs_eventloop_lag_p99_seconds') * 1000, 1),
    maxMs: round(get('nodejs_eventloop_lag_max_seconds') * 1000, 1),
    walFsyncs: get('wal_fsyncs_total'),
    walAppended: get('wal_appended_total'),
  };
}

const influx =
  args.store === 'influx'
    ? process.env.INFLUX_URL
      ? { url: process.env.INFLUX_URL, destroy: async () => {} }
      : await startInfluxd()
    : null;
const dataDir = mkdtempSync(join(tmpdir(), 'purna-bench-dash-'));
const purna = await startPurnaProcess(
  {
    PURNA_DATA_DIR: dataDir,
    PURNA_ADMIN_EMAIL: ADMIN.email,
    PURNA_ADMIN_PASSWORD: ADMIN.password,
    PURNA_METRICS_ALLOW_FROM: '127.0.0.1',
    PURNA_MQTT_MAX_CONNECTS_PER_IP_PER_MINUTE: '100000',
    ...(influx ? { INFLUX_URL: influx.url, INFLUX_DATABASE: 'bench_dashboard' } : {}),
    ...purnaEnv,
    ...(args['purna-prof'] ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${args['purna-prof']}` } : {}),
  },
  undefined,
  120_000,
);
started.add(purna.child);
const purnaPid = purna.child.pid!;

// The fleet (open MQTT auth: a device shows with its first reading; ids in the credentials file).
const credFile = join(dataDir, 'bench-devices.json');
writeFileSync(
  credFile,
  JSON.stringify(Array.from({ length: DEVICES }, (_, i) => ({ id: `dash-${String(i).padStart(6, '0')}`, token: 'x' }))),
);
const per = Math.ceil(DEVICES / CLIENT_PROCESSES);
const mqttPort = new URL(purna.mqttUrl).port;
const reports = new Map<ChildProcess, Record<string, number>>();
const fleet: ChildProcess[] = [];
for (let p = 0; p < CLIENT_PROCESSES && p * per < DEVICES; p++) {
  const child = fork(
    CLIENTS_SCRIPT,
    [
      '--port',
      mqttPort,
      '--credentials',
      credFile,
      '--from',
      String(p * per),
      '--count',
      String(Math.min(per, DEVICES - p * per)),
      '--addresses',
      Array.from({ length: 8 }, (_, i) => `127.0.0.${2 + p * 8 + i}`).join(','),
      '--period-ms',
      '1000',
      '--pending',
      'send',
      '--vary',
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  child.on('message', (m: Record<string, number>) => reports.set(child, m));
  fleet.push(child);
  started.add(child);
}
/** The fleet's counters, summed over its processes: each is asked and waited for (at most 5 s: a loaded machine answers late; a late one counts with its last report). */
const fleetStats = async () => {
  const asked = new Set(fleet);
  const answered = new Promise<void>((resolve) => {
    const onReport = (child: ChildProcess) => {
      asked.delete(child);
      if (asked.size === 0) resolve();
    };
    for (const c of fleet) c.once('message', () => onReport(c));
  });
  for (const c of fleet) c.send({ cmd: 'report' });
  await Promise.race([answered, sleep(5000)]);
  const sum = (k: string) => [...reports.values()].reduce((s, r) => s + (r[k] ?? 0), 0);
  return { connected: sum('connected'), published: sum('published'), acked: sum('acked'), cpuMs: sum('cpuMs') };
};

const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.goto(purna.httpUrl);
await page.getByLabel('Email').fill(ADMIN.email);
await page.getByLabel('Password').fill(ADMIN.password);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.locator('#health-grid').waitFor();
await page.evaluate(() => {
  const w = window as unknown as { __lat: number[]; __measuring: boolean };
  w.__lat = [];
  w.__measuring = false;
  new MutationObserver((records) => {
    if (!w.__measuring) return;
    const now = performance.timeOrigin + performance.now();
    for (const r of records) {
      const ts = Number((r.target as HTMLElement).dataset.ts);
      if (ts) w.__lat.push(now - ts);
    }
  }).observe(document.querySelector('#health-grid')!, {
    attributes: true,
    attributeFilter: ['data-ts'],
    subtree: true,
  });
});
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
const taskDuration = async () =>
  (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;

const inPage = () =>
  page.evaluate(() => ({
    devices: Number(document.querySelector('#health-grid')?.getAttribute('data-count') ?? 0),
    tiles: document.querySelectorAll('#health-grid .tile').length,
  }));
// The whole fleet in the page (each device shows with its first reading), within the bound.
const connectStart = Date.now();
for (;;) {
  const { devices, tiles } = await inPage();
  const { connected } = await fleetStats();
  const waited = Math.round((Date.now() - connectStart) / 1000);
  progress(
    `connecting: ${connected.toLocaleString()} connected, ${devices.toLocaleString()}/${DEVICES.toLocaleString()} devices in the page (${tiles} tiles rendered), ${waited} s`,
  );
  if (devices >= DEVICES || waited >= CONNECT_WITHIN) break;
  await sleep(750);
}
const connectSeconds = Math.round((Date.now() - connectStart) / 1000);
for (let s = 0; s < WARMUP; s++) {
  progress(`warming up: ${s}/${WARMUP} s, load ${load1()}`);
  await sleep(1000);
}
const { devices: devicesShown, tiles } = await inPage();
await page.evaluate(() => ((window as unknown as { __measuring: boolean }).__measuring = true));
const scrape0 = await scrape(purna.httpUrl); // starts the measurement's own window
const busy0 = await taskDuration();
const fleet0 = await fleetStats();
const cpu0 = cpuSeconds(purnaPid);
const t0 = Date.now();
const loads: number[] = [];
const lags: Awaited<ReturnType<typeof scrape>>[] = [];
for (let s = 1; s <= SECONDS; s++) {
  progress(`measuring: ${s}/${SECONDS} s, load ${load1()}`);
  await sleep(1000);
  loads.push(load1());
  if (s % 5 === 0 || s === SECONDS) lags.push(await scrape(purna.httpUrl));
}
const secs = (Date.now() - t0) / 1000;
const cpu1 = cpuSeconds(purnaPid);
const purnaCpu = cpu1.user + cpu1.system - cpu0.user - cpu0.system;
const purnaSystemShare = purnaCpu > 0 ? (cpu1.system - cpu0.system) / purnaCpu : Number.NaN;
const fleet1 = await fleetStats();
const busy = ((await taskDuration()) - busy0) / secs;
const lat = (await page.evaluate(() => (window as unknown as { __lat: number[] }).__lat)).sort((a, b) => a - b);
progressDone();
const pct = (p: number) => (lat.length ? Math.round(quantileSorted(lat, p / 100)) : Number.NaN);
const acked = fleet1.acked - fleet0.acked;
const published = fleet1.published - fleet0.published;

const answered = lags.filter((l) => Number.isFinite(l.p99Ms));
const lastScrape = answered.at(-1) ?? { walFsyncs: Number.NaN, walAppended: Number.NaN };
const figures = {
  devices: DEVICES,
  purnaEnv,
  store: args.store,
  devicesInPage: devicesShown,
  tilesRendered: tiles,
  connectSeconds,
  updatesMeasured: lat.length,
  p50Ms: pct(50),
  p95Ms: pct(95),
  p99Ms: pct(99),
  p99Ratio: round(pct(99) / P99_LIMIT_MS, 2),
  mainThreadBusy: round(busy, 3),
  busyRatio: round(busy / BUSY_LIMIT, 2),
  // Connected at the end of the measurement: a starved Purna drops CONNECTs it cannot answer in time (the clients retry).
  devicesConnected: fleet1.connected,
  publishedPerSecond: round(published / secs),
  ackedPerSecond: round(acked / secs),
  // Purna's whole process (broker, write-ahead log, store, analytics, socket.io, the page's requests) per reading acknowledged.
  purnaCpuUsPerMessage: acked > 0 ? round((purnaCpu / acked) * 1e6) : Number.NaN,
  purnaCores: round(purnaCpu / secs, 2),
  // The kernel's part of it (sockets on loopback, the log's writes and fdatasync).
  purnaSystemShare: round(purnaSystemShare, 2),
  clientCores: round((fleet1.cpuMs - fleet0.cpuMs) / 1000 / secs, 2),
  eventLoopP99MsMax: Math.max(...answered.map((l) => l.p99Ms)),
  eventLoopMaxMs: Math.max(...answered.map((l) => l.maxMs)),
  // Scrapes of /metrics that Purna did not answer within 10 s.
  scrapesUnanswered: lags.length - answered.length,
  walCommitsPerSecond: round((lastScrape.walFsyncs - scrape0.walFsyncs) / secs),
  messagesPerWalCommit: round(
    (lastScrape.walAppended - scrape0.walAppended) / Math.max(1, lastScrape.walFsyncs - scrape0.walFsyncs),
    1,
  ),
  wallSeconds: Math.round((Date.now() - startedAt) / 1000),
  // The machine's 1-minute load average: Purna, the fleet and Chromium share its cores with
  // whatever else runs, and a load above the core count shows in the latency.
  loadAverage: { start: loadAtStart, measuringMin: Math.min(...loads), measuringMax: Math.max(...loads), end: load1() },
  cores: availableParallelism(),
};
console.log(
  `dashboard with ${devicesShown.toLocaleString()} of ${DEVICES.toLocaleString()} devices (in the page after ${connectSeconds} s), ${tiles} tiles rendered; ${lat.length.toLocaleString()} tile updates measured over ${SECONDS} s`,
);
console.log(
  `publish → DOM latency of the rendered tiles: p50 ${figures.p50Ms} ms, p95 ${figures.p95Ms} ms, p99 ${figures.p99Ms} ms (limit p99 < ${P99_LIMIT_MS} ms: ${figures.p99Ratio.toFixed(2)} × the limit)`,
);
console.log(
  `main thread busy: ${(busy * 100).toFixed(1)} % (limit < ${BUSY_LIMIT * 100} %: ${figures.busyRatio.toFixed(2)} × the limit)`,
);
console.log(
  `Purna: ${figures.purnaCpuUsPerMessage} µs CPU per message (${figures.purnaCores} cores, ${Math.round(figures.purnaSystemShare * 100)} % of it in the kernel, for ${figures.ackedPerSecond.toLocaleString()} acknowledged/s of ${figures.publishedPerSecond.toLocaleString()} published/s by ${figures.devicesConnected.toLocaleString()} connected devices), event-loop delay p99 up to ${figures.eventLoopP99MsMax} ms, max ${figures.eventLoopMaxMs} ms (${figures.scrapesUnanswered} of ${lags.length} scrapes unanswered within 10 s); ${figures.walCommitsPerSecond} write-ahead log commits/s (${figures.messagesPerWalCommit} messages each); the fleet's clients ${figures.clientCores} cores`,
);
console.log(
  `load average (1 min): ${figures.loadAverage.start} at start, ${figures.loadAverage.measuringMin}–${figures.loadAverage.measuringMax} while measuring, ${figures.loadAverage.end} at end, on ${figures.cores} cores`,
);
if (lat.length === 0) console.log('no tile update was measured: the figures above say nothing of latency');
if (devicesShown < DEVICES)
  console.log(`only ${devicesShown} of ${DEVICES} devices reached the page within ${CONNECT_WITHIN} s`);
writeJson(args.json, figures);

// The figures first, then the clean-up: stopping Purna waits for its writer to store the backlog
// (up to its flush deadline), which on a saturated run can take a while.
for (const c of fleet) c.send({ cmd: 'exit' });
await browser.close();
purna.child.kill('SIGTERM');
await Promise.race([purna.exited, sleep(60_000)]);
await influx?.destroy();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
