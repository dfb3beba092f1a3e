// The writer against a store that is away for a while (a test double of the TelemetryStore
// seam: this is the writer's unit test; the fault tests use a real InfluxDB).
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createLogger } from '../../core/log.ts';
import type { Reading } from '../../core/types.ts';
import { TelemetryWriter } from '../../ingest/telemetry-writer.ts';
import { WriteAheadLog } from '../../ingest/write-ahead-log.ts';
import { SqliteTelemetryStore } from '../../store/sqlite-store.ts';
import { RetryableStoreError, type TelemetryStore } from '../../store/telemetry-store.ts';

class FlakyStore implements TelemetryStore {
  readonly kind = 'sqlite' as const;
  failuresLeft: number;
  attempts = 0;
  written: Reading[] = [];
  constructor(failures: number) {
    this.failuresLeft = failures;
  }
  async start() {}
  async write(readings: readonly Reading[]) {
    this.attempts++;
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new RetryableStoreError('store away');
    }
    this.written.push(...readings);
  }
  async query() {
    return [];
  }
  async queryBuckets() {
    return [];
  }
  async ping() {
    return true;
  }
  async close() {}
}

const reading = (i: number): Reading => ({ deviceId: 'd', tsMs: i, values: { t: i } });

it('backs off while the store is away (traffic does not hammer it), then drains the backlog in order once it returns, with no more traffic', async () => {
  const store = new FlakyStore(4);
  const settled: number[] = [];
  const writer = new TelemetryWriter({
    store,
    log: createLogger('silent'),
    batchSize: 1000,
    maxBatchAgeMs: 10,
    minRetryMs: 20,
    maxRetryMs: 80,
    onSettled: (n) => settled.push(n),
  });
  // 12 batches' worth arrive while the store fails…
  for (let i = 0; i < 12_000; i++) writer.enqueue([reading(i)]);
  // …and then nothing more arrives: the backlog must still drain by itself.
  const until = Date.now() + 10_000;
  while (store.written.length < 12_000 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  expect(store.written.map((r) => r.tsMs)).toEqual(Array.from({ length: 12_000 }, (_, i) => i));
  expect(store.attempts).toBe(4 + 12); // four failed tries of the head batch, then twelve writes
  expect(settled.reduce((a, b) => a + b, 0)).toBe(12_000);
  expect(writer.stats.retrying).toBe(false);
  expect(writer.stats.refusedReadings).toBe(0);
  await writer.stop();
});

it('traffic arriving during an outage does not cut the backoff short (tries stay on the retry schedule)', async () => {
  const store = new FlakyStore(Number.MAX_SAFE_INTEGER); // away until the test says otherwise
  const minRetryMs = 200;
  const writer = new TelemetryWriter({
    store,
    log: createLogger('silent'),
    batchSize: 1000,
    maxBatchAgeMs: 10,
    minRetryMs,
    maxRetryMs: 400,
  });
  const started = performance.now();
  // 20 full batches arrive one by one while the store is away, each after the previous try has failed.
  for (let chunk = 0; chunk < 20; chunk++) {
    writer.enqueue(Array.from({ length: 1000 }, (_, i) => reading(chunk * 1000 + i)));
    await new Promise((r) => setImmediate(r));
  }
  const elapsedMs = performance.now() - started;
  // One immediate try, then at most one per minRetryMs elapsed; without the guard every full batch would try at once.
  expect(store.attempts).toBeLessThanOrEqual(1 + Math.ceil(elapsedMs / minRetryMs));
  expect(store.attempts).toBeLessThan(20);
  store.failuresLeft = 0;
  await writer.flush(10_000);
  expect(store.written.length).toBe(20_000);
  expect(store.written.map((r) => r.tsMs)).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
  await writer.stop();
});

/** A store whose writes finish when the test says so, in any order. */
class ManualStore implements TelemetryStore {
  readonly kind = 'sqlite' as const;
  calls: { readings: readonly Reading[]; resolve: () => void; reject: (err: Error) => void }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  written: Reading[] = [];
  async start() {}
  write(readings: readonly Reading[]): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<void>((resolve, reject) => {
      this.calls.push({
        readings,
        resolve: () => {
          this.inFlight--;
          this.written.push(...readings);
          resolve();
        },
        reject: (err) => {
          this.inFlight--;
          reject(err);
        },
      });
    });
  }
  async query() {
    return [];
  }
  async queryBuckets() {
    return [];
  }
  async ping() {
    return true;
  }
  async close() {}
}

const tick = () => new Promise((r) => setImmediate(r));

it('two writes in flight; the second finishing first does not confirm before the first (the log keeps batch 1 on disk until it is stored)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'purna-writer-order-'));
  const log = createLogger('silent');
  // Tiny segments: each holds a few readings, so confirming batch 2's count early would delete batch 1's segments.
  const wal = new WriteAheadLog({ dir, log, maxBytes: 1 << 30, segmentBytes: 300 });
  wal.open();
  const store = new ManualStore();
  const confirmed: number[] = [];
  const writer = new TelemetryWriter({
    store,
    log,
    batchSize: 100,
    maxBatchAgeMs: 10_000,
    maxInFlight: 2,
    onSettled: (n) => {
      confirmed.push(n);
      wal.confirm(n);
    },
  });
  // 200 readings through the log, one message each, then to the writer in log order (as ingest does).
  for (let i = 0; i < 200; i++) {
    const r = reading(i);
    await new Promise<void>((resolve, reject) =>
      wal.append(r.deviceId, Date.now(), Buffer.from(JSON.stringify({ ts: r.tsMs, values: r.values })), 1, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    writer.enqueue([r]);
  }
  expect(store.calls.length).toBe(2); // both batches in flight at once
  expect(store.maxInFlight).toBe(2);
  const segmentsBefore = readdirSync(dir).length;
  expect(segmentsBefore).toBeGreaterThan(4);

  store.calls[1].resolve(); // batch 2 is stored first
  await tick();
  expect(confirmed).toEqual([]);
  expect(writer.stats.storedReadings).toBe(100);
  expect(writer.stats.pending).toBe(200);
  expect(readdirSync(dir).length).toBe(segmentsBefore); // nothing of batch 1 deleted
  // A crash now loses nothing: a copy of the log replays all 200.
  const copy = mkdtempSync(join(tmpdir(), 'purna-writer-order-copy-'));
  cpSync(dir, copy, { recursive: true });
  const replay = new WriteAheadLog({ dir: copy, log, maxBytes: 1 << 30 });
  expect(replay.open().map((r) => r.tsMs)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  replay.close();

  store.calls[0].resolve(); // now batch 1: both settle, in order
  await tick();
  expect(confirmed).toEqual([100, 100]);
  expect(writer.stats.pending).toBe(0);
  expect(readdirSync(dir).length).toBeLessThanOrEqual(2); // all confirmed: the log gave its disk back
  await writer.stop();
  wal.close();
});

it('a later batch stored while an earlier one fails waits for the earlier one to be retried and stored', async () => {
  const store = new ManualStore();
  const settled: number[] = [];
  const writer = new TelemetryWriter({
    store,
    log: createLogger('silent'),
    batchSize: 10,
    maxBatchAgeMs: 10_000,
    maxInFlight: 2,
    minRetryMs: 20,
    maxRetryMs: 40,
    onSettled: (n) => settled.push(n),
  });
  writer.enqueue(Array.from({ length: 10 }, (_, i) => reading(i)));
  writer.enqueue(Array.from({ length: 10 }, (_, i) => reading(10 + i)));
  writer.enqueue(Array.from({ length: 10 }, (_, i) => reading(20 + i))); // waits: two in flight already
  expect(store.calls.length).toBe(2);
  store.calls[0].reject(new RetryableStoreError('away'));
  store.calls[1].resolve();
  await tick();
  expect(writer.stats.retrying).toBe(true);
  expect(settled).toEqual([]); // batch 2 is stored but batch 1 is not: nothing may be confirmed
  expect(store.calls.length).toBe(2); // no new write until the retry timer
  writer.enqueue([reading(30)]); // traffic does not try either
  expect(store.calls.length).toBe(2);
  // The retry timer tries batch 1 alone.
  const until = Date.now() + 2000;
  while (store.calls.length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  expect(store.calls.length).toBe(3);
  expect(store.calls[2].readings.map((r) => r.tsMs)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  expect(store.inFlight).toBe(1);
  store.calls[2].resolve();
  await tick();
  expect(settled).toEqual([10, 10]);
  expect(writer.stats.retrying).toBe(false);
  // Then the rest, still at most two at a time.
  const flushed = writer.flush(5000);
  let resolved = 3;
  const deadline = Date.now() + 5000;
  while (writer.stats.pending > 0 && Date.now() < deadline) {
    while (resolved < store.calls.length) store.calls[resolved++].resolve();
    await new Promise((r) => setTimeout(r, 5));
  }
  await flushed;
  expect(settled.reduce((a, b) => a + b, 0)).toBe(31);
  expect(store.maxInFlight).toBe(2);
  expect(writer.stats.refusedReadings).toBe(0);
  await writer.stop();
});

it('a reading the store refuses (SQLite: NaN into a NOT NULL column) is found by splitting and refused alone; the rest of its batch is stored and all of it confirmed to the log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'purna-writer-refused-'));
  const log = createLogger('silent');
  const wal = new WriteAheadLog({ dir, log, maxBytes: 1 << 30, segmentBytes: 300 });
  wal.open();
  const store = new SqliteTelemetryStore(join(dir, 'telemetry.db'));
  await store.start();
  const refused: { readings: readonly Reading[]; reason: string }[] = [];
  const writer = new TelemetryWriter({
    store,
    log,
    batchSize: 64,
    maxBatchAgeMs: 10_000,
    onSettled: (n) => wal.confirm(n),
    onRefused: (readings, reason) => refused.push({ readings, reason }),
  });
  const readings = Array.from({ length: 64 }, (_, i) =>
    i === 37 ? { deviceId: 'd', tsMs: i, values: { t: Number.NaN } } : reading(i),
  );
  for (const r of readings) {
    await new Promise<void>((resolve, reject) =>
      wal.append(
        r.deviceId,
        Date.now(),
        Buffer.from(JSON.stringify({ ts: r.tsMs, values: { t: r.tsMs } })),
        1,
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  expect(readdirSync(dir).filter((f) => f.endsWith('.wal')).length).toBeGreaterThan(4);
  writer.enqueue(readings);
  await writer.flush(5000);
  expect((await store.query('d', 0, 100, 100)).map((r) => r.tsMs)).toEqual(
    readings.map((r) => r.tsMs).filter((ts) => ts !== 37),
  );
  expect(refused.map((r) => r.readings.map((x) => x.tsMs))).toEqual([[37]]);
  expect(refused[0].reason).toMatch(/NOT NULL constraint failed/);
  expect(writer.stats).toMatchObject({ pending: 0, storedReadings: 63, refusedReadings: 1, retrying: false });
  expect(writer.stats.splitWrites).toBe(6); // 64 → 32 → 16 → 8 → 4 → 2 → 1: one split per level
  // Settled, stored or not: the log gave its segments back.
  expect(readdirSync(dir).filter((f) => f.endsWith('.wal')).length).toBeLessThanOrEqual(2);
  await writer.stop();
  await store.close();
  wal.close();
});

it('an error the store does not explain is retried, never dropped', async () => {
  let failures = 3;
  const written: Reading[] = [];
  const store: TelemetryStore = {
    kind: 'sqlite',
    async start() {},
    async write(readings) {
      if (failures-- > 0) throw new Error('something unexpected');
      written.push(...readings);
    },
    async query() {
      return [];
    },
    async queryBuckets() {
      return [];
    },
    async ping() {
      return true;
    },
    async close() {},
  };
  const writer = new TelemetryWriter({
    store,
    log: createLogger('silent'),
    batchSize: 10,
    maxBatchAgeMs: 5,
    minRetryMs: 10,
    maxRetryMs: 20,
  });
  writer.enqueue(Array.from({ length: 10 }, (_, i) => reading(i)));
  await writer.flush(5000);
  expect(written.length).toBe(10);
  expect(writer.stats).toMatchObject({ failedWrites: 3, refusedReadings: 0, pending: 0 });
  await writer.stop();
});

it('readiness: not ready once writes have failed longer than stuckAfterMs, naming the error; ready again after a write succeeds', async () => {
  const store = new FlakyStore(Number.MAX_SAFE_INTEGER);
  const writer = new TelemetryWriter({
    store,
    log: createLogger('silent'),
    batchSize: 1,
    maxBatchAgeMs: 5,
    minRetryMs: 10,
    maxRetryMs: 20,
    stuckAfterMs: 1000,
  });
  expect(writer.readiness().ok).toBe(true);
  writer.enqueue([reading(1)]);
  await tick();
  expect(store.attempts).toBe(1);
  expect(writer.readiness().ok).toBe(true); // failing, but not for long yet
  await new Promise((r) => setTimeout(r, 1100));
  const stuck = writer.readiness();
  expect(stuck.ok).toBe(false);
  expect(stuck.detail).toMatch(
    /^stuck: the oldest unstored batch has been failing for \d+ s \(store away\); 1 readings pending$/,
  );
  store.failuresLeft = 0;
  await writer.flush(5000);
  expect(writer.readiness()).toEqual({ ok: true, detail: '0 readings pending' });
  await writer.stop();
});
