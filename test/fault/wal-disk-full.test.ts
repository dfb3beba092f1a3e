// Fault: the data dir on a filesystem that fills up to the last byte in the middle of a QoS 1
// load (a 32 MiB tmpfs; the write-ahead log and the SQLite telemetry store both live there).
// While it is full Purna takes nothing it cannot put on disk (no PUBACK: the device resends
// after reconnecting) and /readyz says why; when space returns it resumes by itself; after a
// SIGKILL and a restart every acknowledged reading is in the store, none twice.
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startQoS1Load, waitFor } from '../support/load.ts';
import { startPurnaProcess, type PurnaProcess } from '../support/purna-process.ts';
import { mountSmallFilesystem, type SmallFilesystem } from '../support/small-filesystem.ts';

let fs: SmallFilesystem;
let purna: PurnaProcess | null = null;

beforeAll(() => {
  fs = mountSmallFilesystem(32 * 1024 * 1024);
});
afterAll(async () => {
  if (purna) {
    purna.child.kill('SIGKILL');
    await purna.exited;
  }
  fs?.unmount();
});

function storedTimestamps(deviceId: string): number[] {
  const db = new DatabaseSync(join(fs.dir, 'telemetry.db'), { readOnly: true });
  try {
    const rows = db.prepare("SELECT ts FROM telemetry WHERE device = ? AND metric = 'temperature'").all(deviceId) as {
      ts: number;
    }[];
    return rows.map((r) => r.ts);
  } finally {
    db.close();
  }
}

async function walCheck(httpUrl: string): Promise<{ ok: boolean; detail?: string } | undefined> {
  const res = await fetch(`${httpUrl}readyz`);
  const body = (await res.json()) as { checks: { name: string; ok: boolean; detail?: string }[] };
  return body.checks.find((c) => c.name === 'write-ahead log');
}

it('data dir fills up under QoS 1 load: no PUBACK for what is not on disk, /readyz says so, recovers by itself, nothing acknowledged is lost', async () => {
  // Reconnects every 300 ms: room for them in the per-client CONNECT limit.
  const env = { PURNA_DATA_DIR: fs.dir, PURNA_MQTT_MAX_CONNECTS_PER_CLIENT_PER_MINUTE: '10000' };
  purna = await startPurnaProcess(env);
  const deviceId = 'pump-diskfull-0001';
  // Bounded: at most 200,000 messages or 90 s.
  const load = await startQoS1Load(purna.mqttUrl, deviceId, {
    t0: Date.now() - 3_600_000,
    maxMessages: 200_000,
    maxMs: 90_000,
    window: 50,
    reconnectMs: 300,
  });
  await waitFor(() => load.acked.length >= 2000, 20_000, '2000 acknowledged messages');

  fs.fill();
  const ackedAtFill = load.acked.length;
  let sawDiskFull = false;
  await waitFor(
    async () => {
      const check = await walCheck(purna!.httpUrl);
      sawDiskFull = check?.ok === false && /disk full/i.test(check.detail ?? '');
      return sawDiskFull;
    },
    10_000,
    '/readyz naming the full disk',
  ).catch(() => {});
  // What was acknowledged up to here went into the last, partly filled page of the segment.
  const ackedAtRefusal = load.acked.length;
  // Full for a while: the device keeps resending, Purna keeps refusing.
  await new Promise((r) => setTimeout(r, 3000));
  const ackedWhileFull = load.acked.length - ackedAtFill;
  const ackedWhileRefusing = load.acked.length - ackedAtRefusal;

  fs.free();
  let recovered = false;
  await waitFor(
    async () => (recovered = (await walCheck(purna!.httpUrl))?.ok === true),
    15_000,
    'the write-ahead log taking messages again',
  ).catch(() => {});
  const ackedAtFree = load.acked.length;
  await waitFor(
    () => load.acked.length >= ackedAtFree + 2000,
    30_000,
    '2000 more acknowledged after space returned',
  ).catch(() => {});
  const ackedAfterFree = load.acked.length - ackedAtFree;

  purna.child.kill('SIGKILL');
  await purna.exited;
  await load.stop();
  const acked = [...load.acked];
  purna = await startPurnaProcess(env);
  await waitFor(
    () => {
      const stored = new Set(storedTimestamps(deviceId));
      return acked.every((ts) => stored.has(ts));
    },
    60_000,
    'every acknowledged message stored after the restart',
  ).catch(() => {});
  const stored = storedTimestamps(deviceId);
  const storedSet = new Set(stored);
  const figures = {
    sawDiskFull,
    recovered,
    acked: acked.length,
    ackedWhileFull,
    ackedWhileRefusing,
    ackedAfterFree,
    lost: acked.filter((ts) => !storedSet.has(ts)).length,
    storedTwice: stored.length - storedSet.size,
  };
  console.log('wal disk full:', JSON.stringify(figures));
  expect(figures).toMatchObject({ sawDiskFull: true, ackedWhileRefusing: 0, recovered: true, lost: 0, storedTwice: 0 });
  expect(figures.ackedAfterFree).toBeGreaterThanOrEqual(2000);
  expect(stored.length).toBeLessThanOrEqual(load.sent());

  purna.child.kill('SIGTERM');
  await purna.exited;
  purna = null;
}, 240_000);
