// npm run bench:dashboard [-- --devices 10000 --seconds 30 --warmup 15 --connect-within 180 --json FILE]
// 10,000 simulated devices at 1 Hz (the simulator CLI, its own process) → Purna → a headless
// Chromium showing the planner's fleet view. Measures publish → DOM latency (the reading's
// timestamp is its publish time; a MutationObserver in the page sees a rendered tile change: the
// grid is virtualised, so the tiles in its window are the ones a planner sees) and the main
// thread's busy fraction (Chrome's own TaskDuration, via CDP). Loopback only; bounded in time:
// the fleet has --connect-within seconds to show in the page, then warm-up and measurement,
// and the simulator stops by itself after all of it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantileSorted } from 'simple-statistics';
import { startPurna } from '../app.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/log.ts';
import { launchBrowser } from '../test/support/browser.ts';
import { startInfluxd } from '../test/support/influxd.ts';
import { benchArgs, progress, progressDone, writeJson } from './lib.ts';

const args = benchArgs({
  devices: { type: 'string', default: '10000' },
  seconds: { type: 'string', default: '30' },
  warmup: { type: 'string', default: '15' },
  'connect-within': { type: 'string', default: '180' },
  // sqlite: the embedded default; influx: a real InfluxDB (INFLUX_URL, or Debian's influxd started here), as a fleet this size would use.
  store: { type: 'string', default: 'sqlite' },
});
const DEVICES = Number(args.devices);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const CONNECT_WITHIN = Number(args['connect-within']);
/** The limits: publish → DOM p99 and the main thread's busy share. */
const P99_LIMIT_MS = 500;
const BUSY_LIMIT = 0.5;
const startedAt = Date.now();
const loadAtStart = loadavg()[0];

if (args.store !== 'sqlite' && args.store !== 'influx') {
  console.error(`--store must be sqlite or influx, got '${args.store}'`);
  process.exit(2);
}
const influx =
  args.store === 'influx'
    ? process.env.INFLUX_URL
      ? { url: process.env.INFLUX_URL, destroy: async () => {} }
      : await startInfluxd()
    : null;
const dataDir = mkdtempSync(join(tmpdir(), 'purna-bench-dash-'));
const config = loadConfig({}, [], {
  httpHost: '127.0.0.1',
  httpPort: 0,
  mqttHost: '127.0.0.1',
  mqttPort: 0,
  dataDir,
  simDevices: 0,
  mqttAuth: 'open',
  logLevel: 'warn',
  mqttMaxConnectsPerIpPerMinute: 100_000,
  ...(influx ? { influxUrl: influx.url, influxDatabase: 'bench_dashboard' } : {}),
});
const purna = await startPurna(config, createLogger(config.logLevel));
await purna.users.create({ email: 'bench@purna.test', role: 'planner', password: 'bench-password-123456' });

const sim = spawn(
  process.execPath,
  [
    fileURLToPath(new URL('../device-sim/cli.ts', import.meta.url)),
    '--devices',
    String(DEVICES),
    '--rate',
    '1',
    '--broker',
    purna.mqttUrl,
    '--qos',
    '1',
    '--duration',
    // A safety bound only (the bench stops it when done): four times the phases, as each runs late
    // on a loaded machine (Purna shares this process's event loop with the bench's own timers).
    String(4 * (CONNECT_WITHIN + WARMUP + SECONDS) + 60),
    '--connect-timeout',
    String(CONNECT_WITHIN),
    '--quiet',
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);

const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.goto(purna.dashboardUrl);
await page.getByLabel('Email').fill('bench@purna.test');
await page.getByLabel('Password').fill('bench-password-123456');
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
  const waited = Math.round((Date.now() - connectStart) / 1000);
  progress(
    `connecting: ${devices.toLocaleString()}/${DEVICES.toLocaleString()} devices in the page (${tiles} tiles rendered), ${waited} s`,
  );
  if (devices >= DEVICES || waited >= CONNECT_WITHIN) break;
  await new Promise((r) => setTimeout(r, 1000));
}
const connectSeconds = Math.round((Date.now() - connectStart) / 1000);
for (let s = 0; s < WARMUP; s++) {
  progress(`warming up: ${s}/${WARMUP} s`);
  await new Promise((r) => setTimeout(r, 1000));
}
const { devices: devicesShown, tiles } = await inPage();
await page.evaluate(() => ((window as unknown as { __measuring: boolean }).__measuring = true));
const busy0 = await taskDuration();
const t0 = Date.now();
for (let s = 0; s < SECONDS; s++) {
  progress(`measuring: ${s}/${SECONDS} s`);
  await new Promise((r) => setTimeout(r, 1000));
}
const busy = ((await taskDuration()) - busy0) / ((Date.now() - t0) / 1000);
const lat = (await page.evaluate(() => (window as unknown as { __lat: number[] }).__lat)).sort((a, b) => a - b);
progressDone();
const pct = (p: number) => (lat.length ? Math.round(quantileSorted(lat, p / 100)) : Number.NaN);

const figures = {
  devices: DEVICES,
  store: args.store,
  devicesInPage: devicesShown,
  tilesRendered: tiles,
  connectSeconds,
  updatesMeasured: lat.length,
  p50Ms: pct(50),
  p99Ms: pct(99),
  p99Ratio: Math.round((pct(99) / P99_LIMIT_MS) * 100) / 100,
  mainThreadBusy: Math.round(busy * 1000) / 1000,
  busyRatio: Math.round((busy / BUSY_LIMIT) * 100) / 100,
  wallSeconds: Math.round((Date.now() - startedAt) / 1000),
  // The machine's 1-minute load average: Purna, the simulator and Chromium share its cores with
  // whatever else runs, and a load above the core count shows in the latency.
  loadAverage: [Math.round(loadAtStart * 10) / 10, Math.round(loadavg()[0] * 10) / 10],
};
console.log(
  `dashboard with ${devicesShown.toLocaleString()} of ${DEVICES.toLocaleString()} devices (in the page after ${connectSeconds} s), ${tiles} tiles rendered; ${lat.length.toLocaleString()} tile updates measured over ${SECONDS} s`,
);
console.log(
  `publish → DOM latency: p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms (limit p99 < ${P99_LIMIT_MS} ms: ${figures.p99Ratio.toFixed(2)} × the limit)`,
);
console.log(
  `main thread busy: ${(busy * 100).toFixed(1)} % (limit < ${BUSY_LIMIT * 100} %: ${figures.busyRatio.toFixed(2)} × the limit)`,
);
console.log(
  `load average (1 min) at start ${figures.loadAverage[0]}, at end ${figures.loadAverage[1]}, on ${availableParallelism()} cores`,
);
if (lat.length === 0) console.log('no tile update was measured: the figures above say nothing of latency');
if (devicesShown < DEVICES)
  console.log(`only ${devicesShown} of ${DEVICES} devices reached the page within ${CONNECT_WITHIN} s`);
writeJson(args.json, figures);

// The figures first, then the clean-up: stopping Purna waits for its writer to store the backlog
// (up to its flush deadline), which on a saturated run can take a while.
sim.kill('SIGTERM');
await browser.close();
await purna.stop();
await influx?.destroy();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
