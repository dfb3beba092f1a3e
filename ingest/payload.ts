// The telemetry payload contract (docs/mqtt-api.md), validated in this one module.
// Three forms, as ThingsBoard devices already send them:
//   {"temperature": 71.2, "vibration": 3.1}                         values at server time
//   {"ts": 1732262400000, "values": {"temperature": 71.2}}          values at device time
//   [ <either of the above>, ... ]                                  a batch (gateways, buffered devices)
// ts is epoch milliseconds or an ISO 8601 string, within a window around the server's clock.
// Values must be finite numbers of a sane magnitude. A message is accepted or rejected whole,
// with a reason that names the offending element; no input makes this module throw.

import type { MetricValues, Reading } from '../core/types.ts';

export interface PayloadLimits {
  /** Readings in one message (array form). */
  maxReadingsPerMessage: number;
  /** Metrics in one reading. */
  maxMetricsPerReading: number;
  /** How far ahead of the server clock a device timestamp may be, ms. */
  maxFutureSkewMs: number;
  /** How old a device timestamp may be, ms (no older than the store keeps). */
  maxAgeMs: number;
  /**
   * Largest |value|. Doubles hold integers exactly up to 2^53 (9.007e15) and squares of 1e15 are
   * far from overflow, so the detectors' variances stay finite; no sensor or counter a device
   * sends comes near it. One 1e300 would otherwise hold a detector's baseline at 1e296 for good.
   */
  maxAbsValue: number;
}

export const DEFAULT_PAYLOAD_LIMITS: PayloadLimits = {
  maxReadingsPerMessage: 10_000,
  maxMetricsPerReading: 64,
  maxFutureSkewMs: 5 * 60_000,
  maxAgeMs: 365 * 24 * 3600_000,
  maxAbsValue: 1e15,
};

/** Metric names become InfluxDB field keys and SQLite values: keep them plain. */
/** Not starting with '__': no __proto__ tricks reach an object key. */
const METRIC_NAME = /^(?!__)[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

export type ParseResult = { ok: true; readings: Reading[] } | { ok: false; reason: string };

class PayloadError extends Error {}

function fail(reason: string): never {
  throw new PayloadError(reason);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The largest |epoch ms| a Date holds (ECMA-262 TimeClip): beyond it toISOString throws. */
const MAX_DATE_MS = 8.64e15;

/** A timestamp for a reason: ISO 8601 where a Date can hold it, the number as sent otherwise. */
function describeTs(ms: number): string {
  return Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : String(ms);
}

function duration(ms: number): string {
  if (ms >= 86_400_000 && ms % 86_400_000 === 0) return `${ms / 86_400_000} days`;
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

function parseTimestamp(ts: unknown, where: string, nowMs: number, limits: PayloadLimits): number {
  let ms: number;
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts) || !Number.isInteger(ts))
      fail(`${where}ts must be an integer of epoch milliseconds, got ${ts}`);
    ms = ts;
  } else if (typeof ts === 'string') {
    // ISO 8601 with a date part; Date.parse alone would take "1" or "May 5".
    if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(ts))
      fail(`${where}ts string must be ISO 8601, got "${ts.slice(0, 40)}"`);
    ms = Date.parse(ts);
    if (!Number.isFinite(ms)) fail(`${where}ts is not a valid date: "${ts.slice(0, 40)}"`);
  } else {
    fail(`${where}ts must be epoch milliseconds or an ISO 8601 string, got ${typeof ts}`);
  }
  if (ms - nowMs > limits.maxFutureSkewMs)
    fail(
      `${where}ts ${describeTs(ms)} is too far in the future: more than ${duration(limits.maxFutureSkewMs)} ahead of server time ${describeTs(nowMs)}`,
    );
  if (nowMs - ms > limits.maxAgeMs)
    fail(
      `${where}ts ${describeTs(ms)} is too old: more than ${duration(limits.maxAgeMs)} before server time ${describeTs(nowMs)}`,
    );
  return ms;
}

function parseValues(
  obj: Record<string, unknown>,
  where: string,
  limits: PayloadLimits,
  skipKeys: boolean,
): MetricValues {
  const values: MetricValues = {};
  let count = 0;
  for (const key in obj) {
    if (skipKeys && key === 'ts') continue;
    const v = obj[key];
    if (!METRIC_NAME.test(key))
      fail(
        `${where}metric name "${key.slice(0, 70)}" is not allowed (letters, digits, _ . -; starting with a letter or _; at most 64 chars)`,
      );
    if (typeof v !== 'number')
      fail(`${where}${key} must be a number, got ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}`);
    // JSON.parse turns 1e400 into Infinity; JSON itself cannot carry NaN.
    if (!Number.isFinite(v)) fail(`${where}${key} must be finite, got ${v}`);
    if (Math.abs(v) > limits.maxAbsValue) fail(`${where}${key} ${v} is beyond ±${limits.maxAbsValue}`);
    values[key] = v;
    if (++count > limits.maxMetricsPerReading)
      fail(`${where}more than ${limits.maxMetricsPerReading} metrics in one reading`);
  }
  if (count === 0) fail(`${where}no metric values`);
  return values;
}

function parseOne(item: unknown, where: string, deviceId: string, nowMs: number, limits: PayloadLimits): Reading {
  if (!isPlainObject(item))
    fail(
      `${where || ''}a reading must be a JSON object, got ${item === null ? 'null' : Array.isArray(item) ? 'array' : typeof item}`,
    );
  if ('values' in item) {
    for (const key in item) {
      if (key !== 'ts' && key !== 'values') fail(`${where}unexpected key "${key.slice(0, 70)}" beside ts and values`);
    }
    if (!isPlainObject(item.values)) fail(`${where}values must be an object of metric → number`);
    const tsMs = item.ts === undefined ? nowMs : parseTimestamp(item.ts, where, nowMs, limits);
    return { deviceId, tsMs, values: parseValues(item.values, `${where}values.`, limits, false) };
  }
  // Flat form; a "ts" beside flat values is honoured too.
  const tsMs = item.ts === undefined ? nowMs : parseTimestamp(item.ts, where, nowMs, limits);
  return { deviceId, tsMs, values: parseValues(item, where, limits, true) };
}

/** Parses and validates one telemetry message of `deviceId`. Never throws. */
export function parseTelemetry(
  payload: Buffer | string,
  deviceId: string,
  nowMs: number,
  limits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS,
): ParseResult {
  let json: unknown;
  try {
    const text = typeof payload === 'string' ? payload : decodeUtf8(payload);
    json = JSON.parse(text);
  } catch (err) {
    if (err instanceof PayloadError) return { ok: false, reason: err.message };
    return { ok: false, reason: `payload is not valid JSON: ${(err as Error).message.slice(0, 120)}` };
  }
  try {
    if (Array.isArray(json)) {
      if (json.length === 0) fail('empty array: no readings');
      if (json.length > limits.maxReadingsPerMessage)
        fail(`more than ${limits.maxReadingsPerMessage} readings in one message`);
      const readings = new Array<Reading>(json.length);
      for (let i = 0; i < json.length; i++) readings[i] = parseOne(json[i], `[${i}].`, deviceId, nowMs, limits);
      return { ok: true, readings };
    }
    return { ok: true, readings: [parseOne(json, '', deviceId, nowMs, limits)] };
  } catch (err) {
    if (err instanceof PayloadError) return { ok: false, reason: err.message };
    // A bug here must cost one message, not the process: the device hears what went wrong.
    return {
      ok: false,
      reason: `payload could not be validated: ${String((err as Error)?.message ?? err).slice(0, 120)}`,
    };
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(buf: Buffer): string {
  try {
    return strictUtf8.decode(buf);
  } catch {
    throw new PayloadError('payload is not valid UTF-8');
  }
}
