// npm run bench:login-flood [-- --logins 200 --sources 1,200 --json FILE]
// What a burst of wrong dashboard logins does to ingest. scrypt runs on libuv's thread pool
// (4 threads), the same pool the write-ahead log's write + fdatasync uses before every QoS 1
// PUBACK; a login flood that queues hundreds of hashes there holds every PUBACK behind them.
// One Purna in this process (SQLite store, write-ahead log on), one device publishing QoS 1 every
// 20 ms; PUBACK latency while idle, then while N wrong logins arrive at once — from one source
// address, then from many (distinct 127.0.x.y loopback addresses and accounts, so the per-source
// and per-account limits do not refuse them before they reach the hash). Loopback only, bounded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { quantileSorted } from 'simple-statistics';
import { startPurna } from '../app.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/log.ts';
import { rawRequest } from '../test/support/http.ts';
import { benchArgs, writeJson } from './lib.ts';

const args = benchArgs({
  logins: { type: 'string', default: '200' },
  sources: { type: 'string', default: '1,200' },
  'idle-seconds': { type: 'string', default: '3' },
});
const LOGINS = Number(args.logins);
const SOURCES = args.sources.split(',').map(Number);
const PUBLISH_EVERY_MS = 20;
const FLOOD_TIMEOUT_MS = 120_000;

const dir = mkdtempSync(join(tmpdir(), 'purna-bench-login-'));
const config = loadConfig({}, [], {
  httpHost: '127.0.0.1',
  httpPort: 0,
  mqttHost: '127.0.0.1',
  mqttPort: 0,
  dataDir: dir,
  simDevices: 0,
  mqttAuth: 'open',
  logLevel: 'silent',
});
const purna = await startPurna(config, createLogger('silent'));
const device = await mqtt.connectAsync(purna.mqttUrl, {
  clientId: 'pump-bench-0001',
  protocolVersion: 4,
  reconnectPeriod: 0,
});

/** Publishes QoS 1 every 20 ms until `until()` says stop; returns each PUBACK's latency, ms. */
async function pubackLatencies(until: () => boolean): Promise<number[]> {
  const latencies: number[] = [];
  const inFlight: Promise<void>[] = [];
  const topic = 'purna/v1/devices/pump-bench-0001/telemetry';
  for (let i = 0; !until(); i++) {
    const t = performance.now();
    const payload = JSON.stringify({ ts: Date.now(), values: { temperature: 60 + (i % 10), vibration: 2 } });
    inFlight.push(
      device.publishAsync(topic, payload, { qos: 1 }).then(() => void latencies.push(performance.now() - t)),
    );
    await new Promise((r) => setTimeout(r, PUBLISH_EVERY_MS));
  }
  await Promise.all(inFlight);
  return latencies.sort((a, b) => a - b);
}

const summary = (l: number[]) => ({
  n: l.length,
  p50Ms: Math.round(quantileSorted(l, 0.5)),
  p99Ms: Math.round(quantileSorted(l, 0.99)),
  maxMs: Math.round(l.at(-1)!),
});

const idleUntil = Date.now() + Number(args['idle-seconds']) * 1000;
const idle = summary(await pubackLatencies(() => Date.now() > idleUntil));
console.log(`idle:  PUBACK p50 ${idle.p50Ms} ms, p99 ${idle.p99Ms} ms, max ${idle.maxMs} ms (${idle.n} publishes)`);

const floods: Record<string, unknown>[] = [];
for (const sources of SOURCES) {
  const started = performance.now();
  let answered = 0;
  const statuses = new Map<number, number>();
  const logins = Array.from({ length: LOGINS }, (_, i) => {
    const s = i % sources;
    const localAddress = sources === 1 ? '127.0.0.1' : `127.0.${1 + Math.floor(s / 250)}.${1 + (s % 250)}`;
    const body = JSON.stringify({
      email: `victim-${i % Math.max(1, sources)}@bench.example`,
      password: `wrong-guess-${i}`,
    });
    return rawRequest(purna.dashboardUrl, 'POST', '/api/auth/login', {
      headers: { 'content-type': 'application/json' },
      body,
      localAddress,
    })
      .then(
        (r) => r.status,
        () => 0,
      )
      .then((status) => {
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        answered++;
      });
  });
  const during = summary(
    await pubackLatencies(() => answered === LOGINS || performance.now() - started > FLOOD_TIMEOUT_MS),
  );
  await Promise.all(logins);
  const loginsS = (performance.now() - started) / 1000;
  const byStatus = Object.fromEntries([...statuses].sort());
  console.log(
    `${LOGINS} wrong logins from ${sources} source(s): answered in ${loginsS.toFixed(1)} s (${JSON.stringify(byStatus)}); ` +
      `PUBACK p50 ${during.p50Ms} ms, p99 ${during.p99Ms} ms, max ${during.maxMs} ms (${during.n} publishes)`,
  );
  floods.push({ sources, loginsAnsweredS: Number(loginsS.toFixed(2)), statuses: byStatus, puback: during });
  await new Promise((r) => setTimeout(r, 1000));
}

writeJson(args.json, { logins: LOGINS, idle, floods });
await device.endAsync();
await purna.stop();
rmSync(dir, { recursive: true, force: true });
