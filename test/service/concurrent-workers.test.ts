// Two workers (each its own service domain and connection: SQLite file with its write lock, or
// PostgreSQL under READ COMMITTED) asking for the same jobs at the same moment: the database's
// one-active-job-per-device-and-mode index lets exactly one open each; the other gets that job.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { PostgresDb } from '../../sql/postgres-db.ts';
import { isUniqueViolation } from '../../sql/sql-db.ts';
import { serviceLocation } from '../support/service-db.ts';
import { makeService, MONDAY_9_WIB, seedSmallNetwork } from './helpers.ts';

const DEVICES = Array.from({ length: 40 }, (_, i) => `pump-race-${String(i).padStart(2, '0')}`);

describe('two workers open the same jobs at once', () => {
  it('exactly one job per device and failure mode; each job created by exactly one worker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-race-'));
    const dbPath = join(dir, 'service.db');
    try {
      const { service } = makeService({ dbPath });
      seedSmallNetwork(service);
      service.customers.registerDevices(
        DEVICES.map((deviceId) => ({ deviceId, modelId: 'pump-p200', siteId: 'S-JKT' })),
      );
      service.stop();
      const barrier = new SharedArrayBuffer(4);
      const run = () =>
        new Promise<{ created: string[] }>((resolve, reject) => {
          const w = new Worker(new URL('./fixtures/open-worker.ts', import.meta.url), {
            workerData: { ...serviceLocation(dbPath), devices: DEVICES, barrier, nowMs: MONDAY_9_WIB },
          });
          w.once('message', resolve);
          w.once('error', reject);
        });
      const [a, b] = await Promise.all([run(), run()]);
      const created = [...a.created, ...b.created];
      // Every device got its job from one worker or the other, never from both.
      expect(created.map((c) => c.split('=')[0]).sort()).toEqual(DEVICES);

      const { service: after } = makeService({ dbPath });
      const orders = after.workOrders.listWorkOrders().filter((o) => o.deviceId.startsWith('pump-race-'));
      expect(orders).toHaveLength(DEVICES.length);
      expect(new Set(orders.map((o) => o.deviceId)).size).toBe(DEVICES.length);
      expect(orders.map((o) => o.id).sort()).toEqual(created.map((c) => c.split('=')[1]).sort());
      after.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the database itself refuses a second active job for a device and mode', () => {
    const { service } = makeService();
    seedSmallNetwork(service);
    const first = service.workOrders.handleDispatch({
      deviceId: 'pump-jkt-1',
      mode: 'bearing_wear',
      tsMs: MONDAY_9_WIB,
      health: {
        deviceId: 'pump-jkt-1',
        tsMs: MONDAY_9_WIB,
        score: 30,
        state: 'warning',
        evidence: {},
        explanation: 'x',
      },
    });
    expect(first.created).toBe(true);
    // Past the domain's own check: straight into the table, as a second worker's insert would land.
    const db = service.stores.db;
    let refused: unknown = null;
    try {
      db.prepare(
        `INSERT INTO work_orders (id, device_id, mode, state, evidence_json, created_at_ms, updated_at_ms)
         VALUES ('WO-X', 'pump-jkt-1', 'bearing_wear', 'open', '{}', 0, 0)`,
      ).run();
    } catch (err) {
      refused = err;
    }
    expect(String(refused)).toMatch(/unique/i);
    // Recognised as a unique violation on either backend (SQLite's extended code, SQLSTATE 23505).
    expect(isUniqueViolation(refused)).toBe(true);
    // A resolved or cancelled one does not count: another may open beside it.
    db.prepare(
      `INSERT INTO work_orders (id, device_id, mode, state, evidence_json, created_at_ms, updated_at_ms)
       VALUES ('WO-Y', 'pump-jkt-1', 'bearing_wear', 'cancelled', '{}', 0, 0)`,
    ).run();
    service.stop();
  });
});

describe('a restarted worker', () => {
  it("knows every device's model from one query at start, not a round trip per device's first message", () => {
    const dir = mkdtempSync(join(tmpdir(), 'purna-warm-'));
    const dbPath = join(dir, 'service.db');
    try {
      const { service } = makeService({ dbPath });
      seedSmallNetwork(service);
      service.stop();
      const { service: again } = makeService({ dbPath });
      const db = again.stores.db;
      // The first device of a model reads that model's catalogue entry once; then no device costs a statement.
      expect(again.catalogue.productModelOfDevice('pump-jkt-1')?.id).toBe('pump-p200');
      const before = db instanceof PostgresDb ? db.statements : 0;
      expect(again.catalogue.productModelOfDevice('pump-jkt-2')?.id).toBe('pump-p200');
      expect(again.catalogue.productModelOfDevice('pump-bdg-1')?.id).toBe('pump-p200');
      // Answered from the memo the start filled (counted where the bridge counts statements).
      if (db instanceof PostgresDb) expect(db.statements).toBe(before);
      expect(again.stores.registry.warmModelMemo()).toBe(3);
      again.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
