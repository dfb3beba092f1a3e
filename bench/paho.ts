// npm run bench:paho [-- --json FILE]
// The Eclipse Paho MQTT 3.1.1 interoperability client tests (../shared/paho-interop), run AS
// WRITTEN (test/support/paho_interop.py) against four brokers on loopback, one after another
// (about 40 s each: the suite sleeps): Purna's embedded broker with device auth off, as shipped
// and with PURNA_MQTT_DENY_SUBSCRIBE=test/nosubscribe (the filter the suite's subscribe-failure
// case expects refused); plain aedes with its defaults; Debian's mosquitto with a near-default
// configuration (test/support/mosquitto.ts: anonymous, no persistence).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { startPurna } from '../app.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/log.ts';
import { startMosquitto } from '../test/support/mosquitto.ts';
import { runPahoSuite, type PahoResult } from '../test/support/paho.ts';
import { benchArgs, writeJson } from './lib.ts';

const args = benchArgs({});

async function purna(denySubscribe: string[]): Promise<PahoResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'purna-bench-paho-'));
  const config = loadConfig({}, [], {
    httpHost: '127.0.0.1',
    httpPort: 0,
    mqttHost: '127.0.0.1',
    mqttPort: 0,
    dataDir,
    simDevices: 0,
    mqttAuth: 'open',
    mqttDenySubscribe: denySubscribe,
    logLevel: 'silent',
  });
  const p = await startPurna(config, createLogger(config.logLevel));
  try {
    return await runPahoSuite('127.0.0.1', Number(new URL(p.mqttUrl).port));
  } finally {
    await p.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function plainAedes(): Promise<PahoResult> {
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await runPahoSuite('127.0.0.1', (server.address() as AddressInfo).port);
  } finally {
    await new Promise<void>((r) => aedes.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  }
}

async function mosquitto(): Promise<PahoResult> {
  const m = await startMosquitto();
  try {
    return await runPahoSuite('127.0.0.1', m.port);
  } finally {
    await m.stop();
  }
}

const brokers: [string, () => Promise<PahoResult>][] = [
  ['Purna, PURNA_MQTT_DENY_SUBSCRIBE=test/nosubscribe', () => purna(['test/nosubscribe'])],
  ['Purna, as shipped', () => purna([])],
  ['aedes (defaults)', plainAedes],
  ['mosquitto (Debian)', mosquitto],
];
const figures: Record<string, PahoResult> = {};
for (const [name, run] of brokers) {
  const r = await run();
  figures[name] = r;
  console.log(`${name}: ${r.passed}/${r.total}${r.failed.length ? `  failed: ${r.failed.join('; ')}` : ''}`);
}
writeJson(args.json, figures);
