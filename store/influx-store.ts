import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { escape, Point, type PointSettings } from '@influxdata/influxdb-client';
import { memo } from '../core/bounded-memo.ts';
import type { Reading } from '../core/types.ts';
import { RefusedWriteError, RetryableStoreError, type ReadingBucket, type TelemetryStore } from './telemetry-store.ts';

export interface InfluxStoreOptions {
  url: string;
  database: string;
  username?: string;
  password?: string;
  /** Per-request timeout, ms. */
  timeoutMs?: number;
}

const MEASUREMENT = 'telemetry';
/** Timestamps are epoch ms and written with precision=ms: print them as they are. */
const LINE_SETTINGS: Partial<PointSettings> = { convertTime: (t) => (t === undefined ? undefined : String(t)) };

/** A reference line built by the client library's `Point` (what `toLineProtocol` must equal). */
export function toLineProtocolWithPoint(reading: Reading): string | undefined {
  const point = new Point(MEASUREMENT).tag('device', reading.deviceId).timestamp(reading.tsMs);
  for (const metric in reading.values) point.floatField(metric, reading.values[metric]);
  return point.toLineProtocol(LINE_SETTINGS);
}

/**
 * Escaped pieces of lines, cached: a fleet has a bounded set of device ids and metric names, and
 * escaping them again for every reading was most of the cost. Cleared wholesale if it ever grows
 * past its bound (ids churning), so memory stays bounded.
 */
const CACHE_LIMIT = 200_000;
const devicePrefixes = new Map<string, string>();
const fieldKeys = new Map<string, string>();
const devicePrefix = (id: string): string =>
  id ? `${escape.measurement(MEASUREMENT)},device=${escape.tag(id)}` : escape.measurement(MEASUREMENT);

/**
 * One line of line protocol per reading: measurement `telemetry`, tag `device`, a float field per
 * metric. Byte for byte what the client library's `Point` writes (same escaping — its own
 * `escape` functions — same sorted field order, same number formatting; a test compares them
 * on awkward inputs), but with the escaped parts cached: at 100 readings per message `Point`
 * was a third of Purna's CPU time (measured in bench:ingest's profile).
 */
export function toLineProtocol(reading: Reading): string | undefined {
  const values = reading.values;
  let fields = '';
  const names = Object.keys(values);
  if (names.length > 1) names.sort();
  for (const name of names) {
    if (!name) continue;
    const value = values[name];
    if (!Number.isFinite(value)) throw new Error(`invalid float value for field '${name}': ${value}`);
    fields += `${fields ? ',' : ''}${memo(fieldKeys, name, escape.tag, CACHE_LIMIT)}=${String(value)}`;
  }
  if (!fields) return undefined;
  const prefix = memo(devicePrefixes, reading.deviceId, devicePrefix, CACHE_LIMIT);
  return `${prefix} ${fields} ${String(reading.tsMs)}`;
}

/** The batch as one newline-separated body, written straight into a Buffer (no joined string). */
export function linesBuffer(readings: readonly Reading[]): Buffer {
  let buf = Buffer.allocUnsafe(Math.max(1024, readings.length * 96));
  let off = 0;
  for (const r of readings) {
    const line = toLineProtocol(r);
    if (!line) continue;
    // A line's UTF-8 is at most 3 bytes per UTF-16 unit, plus the newline.
    const need = off + line.length * 3 + 1;
    if (need > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
      buf.copy(bigger, 0, 0, off);
      buf = bigger;
    }
    if (off > 0) buf[off++] = 0x0a;
    off += buf.write(line, off, 'utf8');
  }
  return buf.subarray(0, off);
}

/** InfluxQL string literal: single quotes, with backslash and quote escaped. */
function influxString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** An answer from InfluxDB that is neither success nor worth retrying as it is. */
class InfluxHttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function lineCount(lines: Buffer): number {
  let n = lines.length > 0 ? 1 : 0;
  for (let i = lines.indexOf(0x0a); i >= 0; i = lines.indexOf(0x0a, i + 1)) n++;
  return n;
}

/**
 * A 400 (1.x) or 422 (2.x) that names points: a partial write (field type conflict, beyond the
 * retention policy, series limits: InfluxDB stored the rest and says how many it dropped) or
 * lines it cannot parse. Any other 400 is about the request (a missing retention policy, …) and
 * would refuse every point alike, so it is not taken as the points' fault.
 */
function pointRefusal(status: number, body: string): { reason: string; dropped: number | null } | null {
  if (status !== 400 && status !== 422) return null;
  let reason = body;
  try {
    const json = JSON.parse(body) as { error?: unknown; message?: unknown };
    const text = json.error ?? json.message;
    if (typeof text === 'string') reason = text;
  } catch {
    // not JSON: the body is the reason
  }
  if (!/partial write|field type conflict|unable to parse|beyond retention|parsing failed/i.test(reason)) return null;
  const dropped = /dropped=(\d+)/.exec(reason);
  return { reason: reason.slice(0, 300), dropped: dropped ? Number(dropped[1]) : null };
}

function parseRetryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : null;
}

export class InfluxTelemetryStore implements TelemetryStore {
  readonly kind = 'influxdb' as const;
  readonly #base: string;
  readonly #database: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  /** Parsed once: every batch goes to the same place. */
  readonly #writeUrl: URL;
  // Writes reuse connections; two agents so an https URL works as well.
  readonly #httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 8 });
  readonly #httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 8 });
  #databaseCreated = false;
  /** The CREATE DATABASE under way, shared by everyone who needs the database. */
  #creating: Promise<void> | null = null;

  constructor(opts: InfluxStoreOptions) {
    this.#base = opts.url.replace(/\/+$/, '');
    this.#database = opts.database;
    this.#writeUrl = new URL(`${this.#base}/write?db=${encodeURIComponent(this.#database)}&precision=ms`);
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#headers = {};
    if (opts.username) {
      this.#headers.authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password ?? ''}`).toString('base64')}`;
    }
  }

  /** CREATE DATABASE (idempotent in InfluxQL); throws RetryableStoreError while InfluxDB is away. */
  start(): Promise<void> {
    return this.#createDatabase();
  }

  async write(readings: readonly Reading[]): Promise<void> {
    if (readings.length === 0) return;
    let lines: Buffer;
    try {
      lines = linesBuffer(readings);
    } catch (err) {
      // A value line protocol cannot carry (validated payloads never have one): the reading, not the store.
      throw new RefusedWriteError((err as Error).message, false, { cause: err });
    }
    if (lines.length === 0) return;
    // Writes wait for the database: Purna may have started while InfluxDB was away.
    if (!this.#databaseCreated) await this.#createDatabase();
    const res = await this.#postLines(lines);
    if (res.status === 204) return;
    const body = res.text;
    if (res.status === 404 && /database not found/i.test(body)) {
      // InfluxDB lost our database (a fresh data dir behind the same URL): create it, then retry.
      this.#databaseCreated = false;
      await this.#createDatabase().catch(() => {});
      throw new RetryableStoreError(`InfluxDB has no database ${this.#database} yet: created, will retry`);
    }
    if (res.status === 413) {
      // max-body-size (25 MB by default) or a proxy's limit: a smaller request may pass.
      throw new RefusedWriteError(
        `InfluxDB refused the write as too large (HTTP 413: ${lines.length} bytes, ${lineCount(lines)} lines)`,
      );
    }
    const refusal = pointRefusal(res.status, body);
    if (refusal) {
      const dropped = refusal.dropped;
      throw new RefusedWriteError(
        `InfluxDB refused points: ${refusal.reason}`,
        dropped !== null && dropped >= lineCount(lines),
      );
    }
    // 5xx, 429, a store still starting, credentials an operator must fix, or a 400 about the
    // request rather than its points (a missing retention policy): the readings are acknowledged
    // and in the write-ahead log, so waiting is right and dropping is not.
    const retryAfter = res.headers['retry-after'];
    throw new RetryableStoreError(
      `InfluxDB write failed: HTTP ${res.status} ${body.slice(0, 200)}`,
      parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : (retryAfter ?? null)),
    );
  }

  async query(deviceId: string, fromMs: number, toMs: number, limit: number): Promise<Reading[]> {
    const q =
      `SELECT * FROM "${MEASUREMENT}" WHERE "device" = ${influxString(deviceId)} ` +
      `AND time >= ${Math.trunc(fromMs)}ms AND time <= ${Math.trunc(toMs)}ms ORDER BY time ASC LIMIT ${Math.trunc(limit)}`;
    const json = (await this.#influxql(q, 'GET', true)) as InfluxQueryResponse;
    const series = json.results?.[0]?.series?.[0];
    if (!series) return [];
    const timeIdx = series.columns.indexOf('time');
    const readings: Reading[] = [];
    for (const row of series.values) {
      const values: Record<string, number> = {};
      for (let i = 0; i < series.columns.length; i++) {
        const col = series.columns[i];
        if (i === timeIdx || col === 'device') continue;
        const v = row[i];
        if (typeof v === 'number') values[col] = v;
      }
      readings.push({ deviceId, tsMs: row[timeIdx] as number, values });
    }
    return readings;
  }

  async queryBuckets(deviceId: string, fromMs: number, toMs: number, bucketMs: number): Promise<ReadingBucket[]> {
    const q =
      `SELECT mean(*), min(*), max(*) FROM "${MEASUREMENT}" WHERE "device" = ${influxString(deviceId)} ` +
      `AND time >= ${Math.trunc(fromMs)}ms AND time <= ${Math.trunc(toMs)}ms GROUP BY time(${Math.max(1, Math.trunc(bucketMs))}ms) fill(none)`;
    const json = (await this.#influxql(q, 'GET', true)) as InfluxQueryResponse;
    const series = json.results?.[0]?.series?.[0];
    if (!series) return [];
    // Columns: time, mean_<field>…, min_<field>…, max_<field>… (InfluxQL names a wildcard aggregate's columns so).
    const columns = series.columns.map((c) => {
      const m = /^(mean|min|max)_(.+)$/.exec(c);
      return m ? { kind: m[1] as 'mean' | 'min' | 'max', metric: m[2] } : null;
    });
    const timeIdx = series.columns.indexOf('time');
    const buckets: ReadingBucket[] = [];
    for (const row of series.values) {
      const bucket: ReadingBucket = { tsMs: row[timeIdx] as number, mean: {}, min: {}, max: {} };
      for (let i = 0; i < columns.length; i++) {
        const col = columns[i];
        const v = row[i];
        if (col && typeof v === 'number') bucket[col.kind][col.metric] = v;
      }
      buckets.push(bucket);
    }
    return buckets;
  }

  async ping(): Promise<boolean> {
    try {
      const res = await this.#fetch(`${this.#base}/ping`, { method: 'GET', headers: this.#headers });
      return res.status === 204;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }

  #createDatabase(): Promise<void> {
    this.#creating ??= this.#influxql(`CREATE DATABASE "${this.#database.replace(/"/g, '\\"')}"`, 'POST', false).then(
      () => {
        this.#databaseCreated = true;
        this.#creating = null;
      },
      (err: unknown) => {
        this.#creating = null;
        // A user with ALL on its database but no admin rights (as docker-compose sets Purna's up)
        // may not run CREATE DATABASE: the database is the operator's to create. If it is missing
        // after all, writes answer 404 and are retried, and /readyz names the stuck writer.
        if (err instanceof InfluxHttpError && err.status === 403) {
          this.#databaseCreated = true;
          return;
        }
        throw err;
      },
    );
    return this.#creating;
  }

  async #influxql(q: string, method: 'GET' | 'POST', withDb: boolean): Promise<unknown> {
    const params = new URLSearchParams({ q, epoch: 'ms' });
    if (withDb) params.set('db', this.#database);
    const res = await this.#fetch(`${this.#base}/query?${params}`, { method, headers: this.#headers });
    const text = await res.text();
    if (res.status >= 500 || res.status === 429) {
      throw new RetryableStoreError(
        `InfluxDB query failed: HTTP ${res.status} ${text.slice(0, 200)}`,
        parseRetryAfter(res.headers.get('retry-after')),
      );
    }
    if (res.status === 401)
      throw new InfluxHttpError(
        401,
        `InfluxDB refused the credentials (HTTP 401 ${text.trim().slice(0, 200)}): check INFLUX_USERNAME and INFLUX_PASSWORD`,
      );
    if (res.status !== 200)
      throw new InfluxHttpError(res.status, `InfluxDB query failed: HTTP ${res.status} ${text.slice(0, 500)}`);
    const json = JSON.parse(text) as InfluxQueryResponse;
    const err = json.results?.[0]?.error ?? json.error;
    if (err) throw new Error(`InfluxDB query error: ${err}`);
    return json;
  }

  /**
   * POSTs a batch of lines to /write with node:http on a keep-alive agent, the body a Buffer written once.
   * (fetch took a string, encoded it and copied it through a web stream: about a tenth of Purna's
   * CPU in the gateway phase of bench:ingest.) Any failure to get an answer is retryable.
   */
  #postLines(body: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
    const target = this.#writeUrl;
    const tls = target.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (tls ? httpsRequest : httpRequest)(
        target,
        {
          method: 'POST',
          agent: tls ? this.#httpsAgent : this.#httpAgent,
          headers: { ...this.#headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', (err) =>
            reject(new RetryableStoreError(`InfluxDB answer broke off: ${err.message}`, null, { cause: err })),
          );
        },
      );
      req.setTimeout(this.#timeoutMs, () => req.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)));
      // Connection refused, reset, DNS or timeout: the store is away, not the data bad.
      req.on('error', (cause) =>
        reject(new RetryableStoreError(`InfluxDB unreachable at ${this.#base}: ${cause.message}`, null, { cause })),
      );
      req.end(body);
    });
  }

  async #fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (cause) {
      // Connection refused, reset, DNS or timeout: the store is away, not the data bad.
      throw new RetryableStoreError(`InfluxDB unreachable at ${this.#base}: ${(cause as Error).message}`, null, {
        cause,
      });
    }
  }
}

interface InfluxQueryResponse {
  error?: string;
  results?: { error?: string; series?: { name: string; columns: string[]; values: unknown[][] }[] }[];
}
