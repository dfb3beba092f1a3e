// Both telemetry stores answer a range in time buckets the same way: per metric the mean, min and
// max of each bucket, buckets aligned to multiples of their length, empty ones left out. The
// device page asks for a week this way (a few hundred points, not 604,800 readings).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Reading } from '../../core/types.ts';
import { InfluxTelemetryStore } from '../../store/influx-store.ts';
import { SqliteTelemetryStore } from '../../store/sqlite-store.ts';
import type { TelemetryStore } from '../../store/telemetry-store.ts';

const T0 = 1_750_000_040_000; // 20 s past a minute
const dir = mkdtempSync(join(tmpdir(), 'purna-buckets-'));
const stores: { name: string; make: () => TelemetryStore }[] = [
  { name: 'SQLite', make: () => new SqliteTelemetryStore(join(dir, 'telemetry.db')) },
  {
    name: 'InfluxDB',
    make: () =>
      new InfluxTelemetryStore({ url: inject('influxUrl'), database: `purna_buckets_${process.pid}_${Date.now()}` }),
  },
];

// Readings every 10 s for 5 minutes, a 2-minute gap, then 1 more minute; another device beside it.
const readings: Reading[] = [];
for (let i = 0; i < 30; i++)
  readings.push({
    deviceId: 'pump-b-0001',
    tsMs: T0 + i * 10_000,
    values: { temperature: 60 + i, vibration: 2 + (i % 3) },
  });
for (let i = 0; i < 6; i++)
  readings.push({ deviceId: 'pump-b-0001', tsMs: T0 + 420_000 + i * 10_000, values: { temperature: 100 } });
readings.push({ deviceId: 'pump-b-0002', tsMs: T0, values: { temperature: 999 } });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

for (const { name, make } of stores) {
  describe(name, () => {
    let store: TelemetryStore;
    beforeAll(async () => {
      store = make();
      await store.start();
      await store.write(readings);
    });
    afterAll(() => store.close());

    it('gives per-minute mean, min and max, aligned to the minute, without the empty minutes', async () => {
      const buckets = await store.queryBuckets('pump-b-0001', T0, T0 + 600_000, 60_000);
      const minute = (k: number) => Math.floor(T0 / 60_000) * 60_000 + k * 60_000;
      // Minute 0 holds the readings at :20, :30, :40, :50 (i = 0..3); minute 1 holds i = 4..9.
      expect(buckets.map((b) => b.tsMs)).toEqual([
        minute(0),
        minute(1),
        minute(2),
        minute(3),
        minute(4),
        minute(5),
        minute(7),
        minute(8),
      ]);
      expect(buckets[0]).toEqual({
        tsMs: minute(0),
        mean: { temperature: 61.5, vibration: 2.75 },
        min: { temperature: 60, vibration: 2 },
        max: { temperature: 63, vibration: 4 },
      });
      expect(buckets[1].mean.temperature).toBeCloseTo(66.5, 9);
      expect(buckets[1].max.temperature).toBe(69);
      // Temperature only after the gap: no vibration key, not a zero.
      expect(buckets.at(-1)).toEqual({
        tsMs: minute(8),
        mean: { temperature: 100 },
        min: { temperature: 100 },
        max: { temperature: 100 },
      });
    });

    it('one bucket for the whole range; nothing for a device without readings there', async () => {
      const [all] = await store.queryBuckets('pump-b-0001', T0, T0 + 299_999, 3_600_000);
      expect(all.min.temperature).toBe(60);
      expect(all.max.temperature).toBe(89);
      expect(all.mean.temperature).toBeCloseTo(74.5, 9);
      expect(await store.queryBuckets('pump-b-0001', T0 - 3_600_000, T0 - 1, 60_000)).toEqual([]);
      expect(await store.queryBuckets('pump-nobody', T0, T0 + 600_000, 60_000)).toEqual([]);
    });
  });
}
