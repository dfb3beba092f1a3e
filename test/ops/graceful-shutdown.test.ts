// SIGTERM under a QoS 1 load: Purna stops accepting, flushes what it acknowledged, and exits 0;
// afterwards every message whose PUBACK the publisher saw is in the store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import mqtt from 'mqtt';
import { afterAll, expect, it } from 'vitest';
import { topics } from '../../core/topics.ts';
import { startPurnaProcess } from '../support/purna-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'purna-sigterm-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('SIGTERM mid-load: exit 0 and every acknowledged message stored', async () => {
  const purna = await startPurnaProcess({ PURNA_DATA_DIR: dataDir });
  const deviceId = 'pump-sigterm-0001';
  const client = mqtt.connect(purna.mqttUrl, { clientId: deviceId, protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  client.on('error', () => {}); // the broker going away mid-load is the point of the test

  const t0 = Date.now() - 3_600_000;
  const acked: number[] = [];
  const MAX_MESSAGES = 50_000;
  const WINDOW = 200;
  let sent = 0;
  let stopped = false;
  // A bounded publisher: at most WINDOW messages in flight, at most MAX_MESSAGES in all.
  const publisher = (async () => {
    const inflight = new Set<Promise<void>>();
    while (!stopped && sent < MAX_MESSAGES && client.connected) {
      const ts = t0 + sent++;
      const p = client
        .publishAsync(topics.telemetry(deviceId), JSON.stringify({ ts, values: { temperature: 60, vibration: 1.5 } }), {
          qos: 1,
        })
        .then(
          () => void acked.push(ts),
          () => {},
        )
        .finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= WINDOW) await Promise.race(inflight);
    }
    await Promise.allSettled([...inflight]);
  })();

  while (acked.length < 2000) await new Promise((r) => setTimeout(r, 20));
  purna.child.kill('SIGTERM');
  const exit = await purna.exited;
  stopped = true;
  client.end(true);
  await publisher;

  expect(exit).toEqual({ code: 0, signal: null });
  expect(acked.length).toBeGreaterThanOrEqual(2000);

  const db = new DatabaseSync(join(dataDir, 'telemetry.db'), { readOnly: true });
  const rows = db.prepare("SELECT ts FROM telemetry WHERE device = ? AND metric = 'temperature'").all(deviceId) as {
    ts: number;
  }[];
  db.close();
  const stored = new Set(rows.map((r) => r.ts));
  const missing = acked.filter((ts) => !stored.has(ts));
  expect(missing).toEqual([]);
});
