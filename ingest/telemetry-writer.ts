import type { Logger } from '../core/log.ts';
import type { Reading } from '../core/types.ts';
import { RetryableStoreError, type TelemetryStore } from '../store/telemetry-store.ts';

export interface TelemetryWriterOptions {
  store: TelemetryStore;
  log: Logger;
  /** Points per write (InfluxDB's sweet spot is a few thousand lines). */
  batchSize: number;
  /** A partial batch is written once its oldest reading has waited this long, ms. */
  maxBatchAgeMs: number;
  /** Retry backoff bounds, ms. */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** Called after each batch is confirmed stored (for metrics, tests). */
  onStored?: (readings: readonly Reading[], latencyMs: number) => void;
  /** Called when the oldest `count` queued readings are done with: stored, or refused by the store for good (write-ahead log truncation). */
  onSettled?: (count: number) => void;
}

export interface WriterStats {
  pending: number;
  storedReadings: number;
  failedWrites: number;
  droppedReadings: number;
  retrying: boolean;
}

/**
 * Batches accepted readings to the telemetry store: by size or by age, one write in flight at
 * a time so batches land in order. A store that is away (RetryableStoreError) is retried with
 * exponential backoff and full jitter, honouring the server's Retry-After; the batch stays at
 * the head of the queue meanwhile.
 */
export class TelemetryWriter {
  readonly #opts: Required<Omit<TelemetryWriterOptions, 'onStored' | 'onSettled'>> & Pick<TelemetryWriterOptions, 'onStored' | 'onSettled'>;
  #queue: Reading[] = [];
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> | null = null;
  #attempt = 0;
  #stopped = false;
  readonly stats: WriterStats = { pending: 0, storedReadings: 0, failedWrites: 0, droppedReadings: 0, retrying: false };

  constructor(opts: TelemetryWriterOptions) {
    // A 5 s cap: after an outage the backlog starts draining within seconds of the store's return.
    this.#opts = { minRetryMs: 100, maxRetryMs: 5_000, ...opts };
  }

  enqueue(readings: readonly Reading[]): void {
    for (let i = 0; i < readings.length; i++) this.#queue.push(readings[i]);
    this.stats.pending = this.#queue.length;
    // While the store is away the retry timer decides when to try again, not the traffic.
    if (this.stats.retrying) return;
    if (this.#queue.length >= this.#opts.batchSize) this.#kick();
    else if (!this.#timer && !this.#writing) this.#timer = setTimeout(() => this.#kick(), this.#opts.maxBatchAgeMs);
  }

  /** Writes everything queued; resolves when the queue is empty (or the store keeps failing past `deadlineMs`). */
  async flush(deadlineMs = 30_000): Promise<void> {
    const until = Date.now() + deadlineMs;
    while ((this.#queue.length > 0 || this.#writing) && Date.now() < until) {
      if (!this.stats.retrying) this.#kick();
      if (this.#writing) await this.#writing;
      else await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(): Promise<void> {
    await this.flush();
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #kick(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#writing || this.#queue.length === 0 || this.#stopped) return;
    this.#writing = this.#writeHead().finally(() => {
      this.#writing = null;
      if (this.#stopped || this.#queue.length === 0) return;
      if (this.stats.retrying) return; // the retry timer re-kicks
      if (this.#queue.length >= this.#opts.batchSize) this.#kick();
      else if (!this.#timer) this.#timer = setTimeout(() => this.#kick(), this.#opts.maxBatchAgeMs);
    });
  }

  async #writeHead(): Promise<void> {
    const batch = this.#queue.slice(0, this.#opts.batchSize);
    const started = performance.now();
    try {
      await this.#opts.store.write(batch);
    } catch (err) {
      this.stats.failedWrites++;
      if (err instanceof RetryableStoreError) {
        const delay = this.#backoff(err.retryAfterMs);
        this.stats.retrying = true;
        this.#opts.log.warn({ err: err.message, batch: batch.length, retryInMs: Math.round(delay), attempt: this.#attempt }, 'telemetry store unavailable; will retry');
        this.#timer = setTimeout(() => {
          this.#timer = null;
          this.stats.retrying = false;
          this.#kick();
        }, delay);
        return;
      }
      // The store refused the data itself; retrying cannot help. Counted and logged, never silent.
      this.#queue.splice(0, batch.length);
      this.stats.droppedReadings += batch.length;
      this.stats.pending = this.#queue.length;
      this.#opts.log.error({ err: (err as Error).message, batch: batch.length }, 'telemetry store refused a batch');
      this.#opts.onSettled?.(batch.length);
      return;
    }
    this.#attempt = 0;
    this.stats.retrying = false;
    this.#queue.splice(0, batch.length);
    this.stats.pending = this.#queue.length;
    this.stats.storedReadings += batch.length;
    this.#opts.onStored?.(batch, performance.now() - started);
    this.#opts.onSettled?.(batch.length);
  }

  /** Exponential backoff with full jitter; a server's Retry-After is a floor. */
  #backoff(retryAfterMs: number | null): number {
    const cap = Math.min(this.#opts.maxRetryMs, this.#opts.minRetryMs * 2 ** this.#attempt++);
    const jittered = Math.random() * cap;
    return Math.max(jittered, retryAfterMs ?? 0, this.#opts.minRetryMs);
  }
}
