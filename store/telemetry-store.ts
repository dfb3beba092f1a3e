import type { MetricValues, Reading } from '../core/types.ts';

/** One time bucket of a device's readings: per metric the mean, lowest and highest value in it. */
export interface ReadingBucket {
  /** Start of the bucket, epoch ms (a multiple of the bucket's length, as InfluxDB aligns GROUP BY time). */
  tsMs: number;
  mean: MetricValues;
  min: MetricValues;
  max: MetricValues;
}

/**
 * Where telemetry lives. Two implementations: InfluxDB through its v1 HTTP API (1.x natively,
 * 2.x/3.x through their v1-compatibility API) and the embedded SQLite default. Writes must be
 * idempotent per (device, ts): a repeated reading overwrites, never duplicates.
 */
/** How the writer batches for a store that says nothing else (InfluxDB's sweet spot is a few thousand lines). */
export const DEFAULT_BATCHING: StoreBatching = { readings: 5000, maxAgeMs: 100 };

export interface StoreBatching {
  /** Readings per write. */
  readings: number;
  /** A partial batch is written once its oldest reading has waited this long, ms. */
  maxAgeMs: number;
}

export interface TelemetryStore {
  readonly kind: 'influxdb' | 'sqlite';
  /** The batching this store works best with (PURNA_WRITE_BATCH_* override it); DEFAULT_BATCHING when absent. */
  readonly batching?: StoreBatching;
  /**
   * Creates the database/schema if missing. Throws RetryableStoreError while the store cannot be
   * reached (Purna starts anyway and tries again); any other error is a setting to fix.
   */
  start(): Promise<void>;
  /**
   * Stores the readings, or throws: RefusedWriteError when the store refuses these readings
   * themselves (retrying the same request cannot help), RetryableStoreError otherwise.
   */
  write(readings: readonly Reading[]): Promise<void>;
  /** Readings of one device with fromMs <= tsMs <= toMs, oldest first, at most `limit`. */
  query(deviceId: string, fromMs: number, toMs: number, limit: number): Promise<Reading[]>;
  /**
   * The readings of one device with fromMs <= tsMs <= toMs in buckets of `bucketMs`, oldest first,
   * empty buckets left out: a week at 1 Hz is 604,800 readings, a chart a few hundred points.
   */
  queryBuckets(deviceId: string, fromMs: number, toMs: number, bucketMs: number): Promise<ReadingBucket[]>;
  /** True when the store answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The store refused the readings of this write themselves: too large for one request (InfluxDB's
 * HTTP 413), or points it will not take (a field type conflict, beyond the retention policy, …).
 * The same request would fail again; a smaller one may not. Some stores (InfluxDB's partial
 * write) have stored the other points of the request already: writes are idempotent, so writing
 * them again is harmless.
 */
export class RefusedWriteError extends Error {
  /** True when the store said every point of the request was refused (no use splitting it to find the bad ones). */
  readonly allRefused: boolean;
  constructor(message: string, allRefused = false, options?: ErrorOptions) {
    super(message, options);
    this.allRefused = allRefused;
  }
}

/** A store failure that is worth retrying (connection refused, 5xx, 429), with the server's hint. */
export class RetryableStoreError extends Error {
  readonly retryAfterMs: number | null;
  constructor(message: string, retryAfterMs: number | null = null, options?: ErrorOptions) {
    super(message, options);
    this.retryAfterMs = retryAfterMs;
  }
}
