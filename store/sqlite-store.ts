import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import type { Reading } from '../core/types.ts';
import {
  RefusedWriteError,
  RetryableStoreError,
  type ReadingBucket,
  type StoreBatching,
  type TelemetryStore,
} from './telemetry-store.ts';
import type { WriteAnswer, WriteRequest } from './sqlite-write-worker.ts';

const WRITE_WORKER = new URL('./sqlite-write-worker.ts', import.meta.url);

/** SQLite's primary result codes that are about the values written (https://sqlite.org/rescode.html). */
const SQLITE_TOOBIG = 18;
const SQLITE_CONSTRAINT = 19;
const SQLITE_MISMATCH = 20;

/**
 * A write error as the writer needs it: values SQLite will not take (a NOT NULL value that was
 * NaN, a string or blob too big) are the readings' fault; anything else (disk full, busy, I/O
 * error, the file closed) is the store's and worth retrying.
 */
function classify(err: Error & { errcode?: number }): Error {
  const primary = (err.errcode ?? 0) & 0xff;
  if (primary === SQLITE_TOOBIG || primary === SQLITE_CONSTRAINT || primary === SQLITE_MISMATCH)
    return new RefusedWriteError(`SQLite refused the readings: ${err.message}`, false, { cause: err });
  return new RetryableStoreError(`SQLite write failed: ${err.message}`, null, { cause: err });
}

/**
 * The embedded default telemetry store: one narrow table (device, ts, metric) → value in a
 * SQLite file through Node's built-in node:sqlite (no native addon to build). The primary key
 * makes a repeated (device, ts, metric) an overwrite, as InfluxDB does.
 *
 * Telemetry has its own file, apart from the service data: its write volume would otherwise
 * hold the database's single writer lock against work-order transactions.
 */
export class SqliteTelemetryStore implements TelemetryStore {
  readonly kind = 'sqlite' as const;
  /**
   * A commit's cost is the pages it dirties, not its rows: the key is (device, ts, metric), so a
   * commit writes (to SQLite's WAL, then again at the checkpoint) one leaf page per device in it,
   * however few of its readings it holds. At 10,000 devices at 1 Hz the general 5,000 readings /
   * 100 ms made two commits a second of a page per reading, and node:sqlite does it all on the
   * event loop: 29 us of wall time per reading (most of it waiting on those writes) against 17 at
   * one commit a second and 6 at one per 3 s (store micro-benchmark, 10,000 devices). One a second
   * keeps the store at most a second behind the live view; what is not stored yet is in the
   * write-ahead log, acknowledged and safe.
   */
  readonly batching: StoreBatching = { readings: 50_000, maxAgeMs: 1000 };
  readonly #path: string;
  #db: DatabaseSync | null = null;
  #insert: StatementSync | null = null;
  #select: StatementSync | null = null;
  #selectBuckets: StatementSync | null = null;
  /** Writes go to this thread (a file store); without it (':memory:', or the thread died) they run here. */
  #worker: Worker | null = null;
  readonly #inFlight = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  #nextWrite = 1;

  constructor(path: string) {
    this.#path = path;
  }

  async start(): Promise<void> {
    if (this.#path !== ':memory:') mkdirSync(dirname(this.#path), { recursive: true });
    const db = new DatabaseSync(this.#path);
    db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      -- 64 MB of page cache (the default is 2 MB): the key is (device, ts, metric), so each second of a
      -- large fleet's readings lands on as many leaf pages as there are devices; with 10,000 devices
      -- the default cache re-read them for every batch (a 10,000-reading second took 220 ms, 167 with this).
      PRAGMA cache_size = -65536;
      CREATE TABLE IF NOT EXISTS telemetry (
        device TEXT NOT NULL,
        ts INTEGER NOT NULL,
        metric TEXT NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (device, ts, metric)
      ) WITHOUT ROWID;
    `);
    this.#insert = db.prepare('INSERT OR REPLACE INTO telemetry (device, ts, metric, value) VALUES (?, ?, ?, ?)');
    this.#select = db.prepare(
      'SELECT ts, metric, value FROM telemetry WHERE device = ? AND ts >= ? AND ts <= ? ORDER BY ts ASC, metric ASC',
    );
    // Buckets aligned to multiples of their length (integer division), as InfluxDB's GROUP BY time.
    this.#selectBuckets = db.prepare(
      'SELECT (ts / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS bucket, metric, avg(value) AS mean, min(value) AS lo, max(value) AS hi FROM telemetry ' +
        'WHERE device = ? AND ts >= ? AND ts <= ? GROUP BY bucket, metric ORDER BY bucket ASC',
    );
    this.#db = db;
    // A file's writes leave the event loop (an in-memory database is this connection's alone).
    if (this.#path !== ':memory:') this.#startWorker();
  }

  #startWorker(): void {
    const worker = new Worker(WRITE_WORKER, { workerData: { path: this.#path } });
    worker.unref();
    worker.on('message', (answer: WriteAnswer) => {
      const waiting = this.#inFlight.get(answer.id);
      if (!waiting) return;
      this.#inFlight.delete(answer.id);
      if (answer.ok) waiting.resolve();
      else waiting.reject(classify(Object.assign(new Error(answer.message), { errcode: answer.errcode })));
    });
    const gone = (why: string) => {
      if (this.#worker !== worker) return;
      // Its writes in flight are not known stored: the writer tries them again, here.
      this.#worker = null;
      for (const [id, waiting] of this.#inFlight) {
        this.#inFlight.delete(id);
        waiting.reject(new RetryableStoreError(`SQLite write thread ${why}`, null));
      }
    };
    worker.on('error', (err) => gone(`failed: ${err.message}`));
    worker.on('exit', (code) => gone(`exited with ${code}`));
    this.#worker = worker;
  }

  async write(readings: readonly Reading[]): Promise<void> {
    const db = this.#open();
    const worker = this.#worker;
    if (worker) {
      const id = this.#nextWrite++;
      return new Promise<void>((resolve, reject) => {
        this.#inFlight.set(id, { resolve, reject });
        worker.postMessage({ id, readings } satisfies WriteRequest);
      });
    }
    const insert = this.#insert!;
    db.exec('BEGIN');
    try {
      for (const r of readings) {
        for (const metric in r.values) insert.run(r.deviceId, r.tsMs, metric, r.values[metric]);
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw classify(err as Error & { errcode?: number });
    }
  }

  async query(deviceId: string, fromMs: number, toMs: number, limit: number): Promise<Reading[]> {
    this.#open();
    const rows = this.#select!.all(deviceId, Math.trunc(fromMs), Math.trunc(toMs)) as {
      ts: number;
      metric: string;
      value: number;
    }[];
    const readings: Reading[] = [];
    let current: Reading | null = null;
    for (const row of rows) {
      if (!current || current.tsMs !== row.ts) {
        if (readings.length === limit) break;
        current = { deviceId, tsMs: row.ts, values: {} };
        readings.push(current);
      }
      current.values[row.metric] = row.value;
    }
    return readings;
  }

  async queryBuckets(deviceId: string, fromMs: number, toMs: number, bucketMs: number): Promise<ReadingBucket[]> {
    this.#open();
    const size = Math.max(1, Math.trunc(bucketMs));
    const rows = this.#selectBuckets!.all(size, size, deviceId, Math.trunc(fromMs), Math.trunc(toMs)) as {
      bucket: number;
      metric: string;
      mean: number;
      lo: number;
      hi: number;
    }[];
    const buckets: ReadingBucket[] = [];
    let current: ReadingBucket | null = null;
    for (const row of rows) {
      if (!current || current.tsMs !== row.bucket) {
        current = { tsMs: row.bucket, mean: {}, min: {}, max: {} };
        buckets.push(current);
      }
      current.mean[row.metric] = row.mean;
      current.min[row.metric] = row.lo;
      current.max[row.metric] = row.hi;
    }
    return buckets;
  }

  async ping(): Promise<boolean> {
    return this.#db?.isOpen === true;
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    if (worker) {
      // After the writes in flight (the thread answers in order), then its connection closes.
      const exited = new Promise((r) => worker.once('exit', r));
      worker.ref(); // the process waits for it now
      worker.postMessage('close');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
      this.#worker = null;
      await worker.terminate();
    }
    this.#db?.close();
    this.#db = null;
  }

  #open(): DatabaseSync {
    if (!this.#db) throw new Error('SQLite telemetry store is not started');
    return this.#db;
  }
}
