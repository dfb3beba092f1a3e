// Fault: a write-ahead log bound far below a segment (PURNA_WAL_MAX_BYTES = 1 MiB, the smallest
// allowed) and InfluxDB away under a QoS 1 load. The outage fills the bound and publishers are
// held back (no PUBACK); once the store is back everything drains, the log gives its disk back
// (near zero) and ingest goes on. Before, the active segment kept counting against the bound:
// ingest stayed stuck for good at ~1 MB "in the log" with nothing left to store.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { influxdAvailable, startInfluxd, type LocalInfluxd } from '../support/influxd.ts';
import { startQoS1Load, waitFor } from '../support/load.ts';
import { startPurnaProcess, type PurnaProcess } from '../support/purna-process.ts';

const MAX_BYTES = 1024 * 1024;
const dataDir = mkdtempSync(join(tmpdir(), 'purna-walbound-'));
let influx: LocalInfluxd;
let purna: PurnaProcess | null = null;

beforeAll(async () => {
  if (!influxdAvailable())
    throw new Error(
      "this test stops and restarts its own InfluxDB: install Debian's influxdb (apt-get install -y influxdb)",
    );
  influx = await startInfluxd();
});
afterAll(async () => {
  if (purna) {
    purna.child.kill('SIGKILL');
    await purna.exited;
  }
  await influx?.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

/** What the log holds on disk, file by file. */
function walDiskBytes(): number {
  const dir = join(dataDir, 'wal');
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

async function storedTimestamps(deviceId: string): Promise<Set<number>> {
  const q = encodeURIComponent(`SELECT temperature FROM telemetry WHERE device = '${deviceId}'`);
  const res = await fetch(`${influx.url}/query?db=walbound&epoch=ms&q=${q}`);
  const json = (await res.json()) as { results: { series?: { values: [number, number][] }[] }[] };
  return new Set((json.results[0].series?.[0].values ?? []).map((v) => v[0]));
}

it('1 MiB bound, store away: publishers held back, then everything drains, the log shrinks to near zero and ingest goes on', async () => {
  purna = await startPurnaProcess({
    PURNA_DATA_DIR: dataDir,
    INFLUX_URL: influx.url,
    INFLUX_DATABASE: 'walbound',
    PURNA_WAL_MAX_BYTES: String(MAX_BYTES),
  });
  const deviceId = 'pump-walbound-0001';
  // Bounded: at most 200,000 messages or 120 s.
  const load = await startQoS1Load(purna.mqttUrl, deviceId, {
    t0: Date.now() - 3_600_000,
    maxMessages: 200_000,
    maxMs: 120_000,
    window: 50,
  });
  await waitFor(() => load.acked.length >= 1000, 20_000, '1000 acknowledged messages');

  await influx.stop();
  // The outage fills the bound: acknowledgements stop (the publisher's window is full of unanswered messages).
  let last = -1;
  await waitFor(
    async () => {
      const now = load.acked.length;
      const still = now === last;
      last = now;
      if (!still) await new Promise((r) => setTimeout(r, 2000));
      return still;
    },
    60_000,
    'publishers held back',
  );
  const heldAt = load.acked.length;
  const walBytesWhileHeld = walDiskBytes();
  await new Promise((r) => setTimeout(r, 3000));
  const ackedWhileHeld = load.acked.length - heldAt;

  await influx.restart();
  const resumed = await waitFor(
    () => load.acked.length >= heldAt + 5000,
    60_000,
    'ingest going on after the store returned',
  ).then(
    () => true,
    () => false,
  );
  await load.stop();
  const acked = [...load.acked];
  const drained = await waitFor(
    async () => {
      const stored = await storedTimestamps(deviceId);
      return acked.every((ts) => stored.has(ts));
    },
    60_000,
    'every acknowledged message stored',
  ).then(
    () => true,
    () => false,
  );
  await waitFor(() => walDiskBytes() < MAX_BYTES / 16, 15_000, 'the log giving its disk back').catch(() => {});
  const stored = await storedTimestamps(deviceId);
  const figures = {
    walBytesWhileHeld,
    ackedWhileHeld,
    resumed,
    drained,
    lost: acked.filter((ts) => !stored.has(ts)).length,
    walBytesAfterDrain: walDiskBytes(),
  };
  console.log('wal small bound:', JSON.stringify(figures));
  expect(figures).toMatchObject({ ackedWhileHeld: 0, resumed: true, drained: true, lost: 0 });
  expect(figures.walBytesWhileHeld).toBeGreaterThan(MAX_BYTES / 2);
  expect(figures.walBytesWhileHeld).toBeLessThanOrEqual(MAX_BYTES);
  expect(figures.walBytesAfterDrain).toBeLessThan(MAX_BYTES / 16);

  purna.child.kill('SIGTERM');
  await purna.exited;
  purna = null;
}, 300_000);
