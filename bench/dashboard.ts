// npm run bench:dashboard [-- --devices 1000 --seconds 30 --json FILE]
// 1,000 simulated devices at 1 Hz (the simulator CLI, its own process) → Purna → a headless
// Chromium showing the planner's fleet view. Measures publish → DOM latency (the reading's
// timestamp is its publish time; a MutationObserver in the page sees the tile change) and the
// main thread's busy fraction (Chrome's own TaskDuration, via CDP).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantileSorted } from 'simple-statistics';
import { startPurna } from '../app.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/log.ts';
import { launchBrowser } from '../test/support/browser.ts';
import { benchArgs, progress, progressDone, writeJson } from './lib.ts';

const args = benchArgs({
  devices: { type: 'string', default: '1000' },
  seconds: { type: 'string', default: '30' },
  warmup: { type: 'string', default: '15' },
});
const DEVICES = Number(args.devices);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);

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
    String(WARMUP + SECONDS + 10),
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

for (let s = 0; s < WARMUP; s++) {
  progress(`warming up: ${s}/${WARMUP} s, ${await page.locator('#health-grid .tile').count()} tiles`);
  await new Promise((r) => setTimeout(r, 1000));
}
const tiles = await page.locator('#health-grid .tile').count();
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

sim.kill('SIGTERM');
await browser.close();
await purna.stop();
rmSync(dataDir, { recursive: true, force: true });

const figures = {
  devices: DEVICES,
  tilesShown: tiles,
  updatesMeasured: lat.length,
  p50Ms: pct(50),
  p99Ms: pct(99),
  mainThreadBusy: Math.round(busy * 1000) / 1000,
};
console.log(
  `dashboard with ${tiles} device tiles, ${lat.length.toLocaleString()} tile updates measured over ${SECONDS} s`,
);
console.log(
  `publish → DOM latency: p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms (target p99 < 500 ms: ${(figures.p99Ms / 500).toFixed(2)} × the limit)`,
);
console.log(`main thread busy: ${(busy * 100).toFixed(1)} % (target < 50 %)`);
writeJson(args.json, figures);
process.exit(0);
