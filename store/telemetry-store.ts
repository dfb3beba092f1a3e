import type { Reading } from '../core/types.ts';

/**
 * Where telemetry lives. Two implementations: InfluxDB through its v1 HTTP API (1.x natively,
 * 2.x/3.x through their v1-compatibility API) and the embedded SQLite default. Writes must be
 * idempotent per (device, ts): a repeated reading overwrites, never duplicates.
 */
export interface TelemetryStore {
  readonly kind: 'influxdb' | 'sqlite';
  /** Creates the database/schema if missing. */
  start(): Promise<void>;
  write(readings: readonly Reading[]): Promise<void>;
  /** Readings of one device with fromMs <= tsMs <= toMs, oldest first, at most `limit`. */
  query(deviceId: string, fromMs: number, toMs: number, limit: number): Promise<Reading[]>;
  /** True when the store answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** A store failure that is worth retrying (connection refused, 5xx, 429), with the server's hint. */
export class RetryableStoreError extends Error {
  readonly retryAfterMs: number | null;
  constructor(message: string, retryAfterMs: number | null = null, options?: ErrorOptions) {
    super(message, options);
    this.retryAfterMs = retryAfterMs;
  }
}
