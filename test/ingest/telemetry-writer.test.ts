// The writer against a store that is away for a while (a test double of the TelemetryStore
// seam: this is the writer's unit test; the fault tests use a real InfluxDB).
import { expect, it } from 'vitest';
import { createLogger } from '../../core/log.ts';
import type { Reading } from '../../core/types.ts';
import { TelemetryWriter } from '../../ingest/telemetry-writer.ts';
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
  async ping() {
    return true;
  }
  async close() {}
}

const reading = (i: number): Reading => ({ deviceId: 'd', tsMs: i, values: { t: i } });

it('backs off while the store is away (traffic does not hammer it), then drains the backlog in order once it returns, with no more traffic', async () => {
  const store = new FlakyStore(4);
  const settled: number[] = [];
  const writer = new TelemetryWriter({ store, log: createLogger('silent'), batchSize: 1000, maxBatchAgeMs: 10, minRetryMs: 20, maxRetryMs: 80, onSettled: (n) => settled.push(n) });
  // 12 batches' worth arrive while the store fails…
  for (let i = 0; i < 12_000; i++) writer.enqueue([reading(i)]);
  // …and then nothing more arrives: the backlog must still drain by itself.
  const until = Date.now() + 10_000;
  while (store.written.length < 12_000 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  expect(store.written.map((r) => r.tsMs)).toEqual(Array.from({ length: 12_000 }, (_, i) => i));
  expect(store.attempts).toBe(4 + 12); // four failed tries of the head batch, then twelve writes
  expect(settled.reduce((a, b) => a + b, 0)).toBe(12_000);
  expect(writer.stats.retrying).toBe(false);
  expect(writer.stats.droppedReadings).toBe(0);
  await writer.stop();
});

it('traffic arriving during an outage does not cut the backoff short (tries stay on the retry schedule)', async () => {
  const store = new FlakyStore(Number.MAX_SAFE_INTEGER); // away until the test says otherwise
  const minRetryMs = 200;
  const writer = new TelemetryWriter({ store, log: createLogger('silent'), batchSize: 1000, maxBatchAgeMs: 10, minRetryMs, maxRetryMs: 400 });
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
