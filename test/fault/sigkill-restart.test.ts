// Fault 2: Purna killed with SIGKILL in the middle of a QoS 1 load and restarted on the same
// data dir: every message the publisher saw acknowledged is stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, expect, it } from 'vitest';
import { startQoS1Load, waitFor } from '../support/load.ts';
import { startPurnaProcess, type PurnaProcess } from '../support/purna-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'purna-sigkill-'));
let purna: PurnaProcess | null = null;
afterAll(async () => {
  purna?.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function storedTimestamps(deviceId: string): Set<number> {
  const db = new DatabaseSync(join(dataDir, 'telemetry.db'), { readOnly: true });
  try {
    const rows = db.prepare("SELECT ts FROM telemetry WHERE device = ? AND metric = 'temperature'").all(deviceId) as {
      ts: number;
    }[];
    return new Set(rows.map((r) => r.ts));
  } finally {
    db.close();
  }
}

it('SIGKILL mid-load, restart on the same data dir: every acknowledged message is stored', async () => {
  // A slow store (big batches, long batch age) makes sure plenty is acknowledged but not yet stored at the kill.
  const env = { PURNA_DATA_DIR: dataDir, PURNA_WRITE_BATCH_SIZE: '50000', PURNA_WRITE_BATCH_MAX_AGE_MS: '5000' };
  purna = await startPurnaProcess(env);
  const deviceId = 'compressor-kill-0001';
  const load = await startQoS1Load(purna.mqttUrl, deviceId, {
    t0: Date.now() - 3_600_000,
    maxMessages: 100_000,
    maxMs: 30_000,
  });
  await waitFor(() => load.acked.length >= 3000, 30_000, '3000 acknowledged messages');
  purna.child.kill('SIGKILL');
  const exit = await purna.exited;
  await load.stop();
  expect(exit.signal).toBe('SIGKILL');
  const acked = [...load.acked];
  const storedBefore = storedTimestamps(deviceId);
  // The kill came before the store had everything: the log is what saves the rest.
  expect(acked.filter((ts) => !storedBefore.has(ts)).length).toBeGreaterThan(0);

  purna = await startPurnaProcess(env);
  await waitFor(
    () => acked.every((ts) => storedTimestamps(deviceId).has(ts)),
    30_000,
    'every acknowledged message stored after restart',
  );
  const stored = storedTimestamps(deviceId);
  expect(acked.filter((ts) => !stored.has(ts))).toEqual([]);
  expect(stored.size).toBeLessThanOrEqual(load.sent());
  purna.child.kill('SIGTERM');
  await purna.exited;
  purna = null;
}, 120_000);
