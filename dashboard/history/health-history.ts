// The health analytics reported, kept so the device page draws the baseline band, the threshold
// and the forecast as they were at each time, not only from the moment the page opened; and the
// device's events (health transitions, connection changes, sensor faults) for its annotations.
// Fed by the bus; bounded: at most a row per device a minute, one per HEARTBEAT_MS while nothing
// changes, a state change at once; rows older than the retention are deleted every hour.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { EventBus } from '../../core/event-bus.ts';
import type { Logger } from '../../core/log.ts';
import { every, type PeriodicJob } from '../../core/periodic.ts';
import type { DeviceStatusEvent, HealthReport, SensorFaultReport } from '../../core/types.ts';

/** One stored health report (the evidence holds the driving metric's baseline, smoothed value, threshold …). */
export interface HealthPoint {
  tsMs: number;
  score: number;
  state: string;
  metric: string | null;
  rule: string | null;
  mode: string | null;
  timeToThresholdMs: number | null;
  evidence: Record<string, number>;
}

export type DeviceEventKind = 'health' | 'connection' | 'sensor_fault';

export interface DeviceEvent {
  tsMs: number;
  kind: DeviceEventKind;
  from: string | null;
  to: string;
  /** health: rule, metric, score; sensor_fault: metric, value, reason. */
  detail: Record<string, string | number> | null;
}

export interface HealthHistoryOptions {
  bus: EventBus;
  db: DatabaseSync;
  log: Logger;
  nowMs: () => number;
  /** Rows and events older than this are deleted (ms). */
  retentionMs: number;
}

/** The closest two stored rows of one device may be, unless the state changed (ms of device time). */
export const MIN_SPACING_MS = 60_000;
/** A row at least this often while nothing changes, so a range always has the band in it (ms). */
export const HEARTBEAT_MS = 15 * 60_000;
/** A device sending impossible values every second is one sensor-fault event a minute. */
const SENSOR_FAULT_EVERY_MS = 60_000;
/** Buffered rows are written in one transaction this often (a report a second per device is many). */
const FLUSH_EVERY_MS = 1000;
const FLUSH_AT_ROWS = 2000;

interface Stored {
  tsMs: number;
  state: string;
  score: number;
  rule: string | undefined;
  metric: string | undefined;
  mean: number | undefined;
  std: number | undefined;
}

interface PendingEvent {
  device: string;
  event: DeviceEvent;
}

export class HealthHistory {
  readonly #o: HealthHistoryOptions;
  readonly #insertPoint: StatementSync;
  readonly #insertEvent: StatementSync;
  readonly #selectPoints: StatementSync;
  readonly #selectBefore: StatementSync;
  readonly #selectEvents: StatementSync;
  readonly #lastStored = new Map<string, Stored | null>();
  /** The latest state seen (stored or not) and connection status per device: transitions are events. */
  readonly #seenState = new Map<string, string>();
  readonly #seenStatus = new Map<string, string>();
  readonly #lastSensorFault = new Map<string, number>();
  #pendingPoints: { device: string; report: HealthReport }[] = [];
  #pendingEvents: PendingEvent[] = [];
  #seq = 0;
  readonly #off: (() => void)[] = [];
  readonly #jobs: PeriodicJob[] = [];

  constructor(opts: HealthHistoryOptions) {
    this.#o = opts;
    const db = opts.db;
    this.#insertPoint = db.prepare(
      'INSERT OR REPLACE INTO health_history (device, ts, score, state, metric, rule, mode, time_to_threshold_ms, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#insertEvent = db.prepare(
      'INSERT OR REPLACE INTO device_events (device, ts, seq, kind, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.#selectPoints = db.prepare(
      'SELECT * FROM health_history WHERE device = ? AND ts >= ? AND ts <= ? ORDER BY ts ASC',
    );
    this.#selectBefore = db.prepare(
      'SELECT * FROM health_history WHERE device = ? AND ts < ? ORDER BY ts DESC LIMIT 1',
    );
    this.#selectEvents = db.prepare(
      'SELECT * FROM device_events WHERE device = ? AND ts >= ? AND ts <= ? ORDER BY ts DESC, seq DESC LIMIT ?',
    );
  }

  start(): void {
    this.#off.push(
      this.#o.bus.on('health', (r) => this.#onHealth(r)),
      this.#o.bus.on('deviceStatus', (e) => this.#onStatus(e)),
      this.#o.bus.on('sensorFault', (r) => this.#onSensorFault(r)),
    );
    this.#jobs.push(
      every('health history flush', FLUSH_EVERY_MS, () => this.flush(), this.#o.log),
      every('health history retention', 3600_000, () => this.prune(), this.#o.log),
    );
  }

  stop(): void {
    for (const off of this.#off.splice(0)) off();
    for (const job of this.#jobs.splice(0)) job.stop();
    this.flush();
  }

  /** Writes what is buffered, in one transaction. */
  flush(): void {
    if (this.#pendingPoints.length === 0 && this.#pendingEvents.length === 0) return;
    const points = this.#pendingPoints;
    const events = this.#pendingEvents;
    this.#pendingPoints = [];
    this.#pendingEvents = [];
    const db = this.#o.db;
    db.exec('BEGIN');
    try {
      for (const { device, report: r } of points) {
        this.#insertPoint.run(
          device,
          r.tsMs,
          r.score,
          r.state,
          r.metric ?? null,
          r.rule ?? null,
          r.mode ?? null,
          r.timeToThresholdMs ?? null,
          JSON.stringify(r.evidence),
        );
      }
      for (const { device, event: e } of events) {
        this.#insertEvent.run(
          device,
          e.tsMs,
          ++this.#seq,
          e.kind,
          e.from,
          e.to,
          e.detail ? JSON.stringify(e.detail) : null,
        );
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }

  /** Deletes rows and events older than the retention. */
  prune(nowMs = this.#o.nowMs()): void {
    const before = nowMs - this.#o.retentionMs;
    this.#o.db.prepare('DELETE FROM health_history WHERE ts < ?').run(before);
    this.#o.db.prepare('DELETE FROM device_events WHERE ts < ?').run(before);
  }

  /**
   * The stored health of a device with fromMs <= ts <= toMs, oldest first, and the last one before
   * fromMs (what held when the range begins). More than `maxPoints`: the worst report of each of
   * `maxPoints` equal slices of the range, so a dip is never averaged away.
   */
  points(deviceId: string, fromMs: number, toMs: number, maxPoints: number): HealthPoint[] {
    this.flush();
    const before = this.#selectBefore.get(deviceId, Math.trunc(fromMs)) as Row | undefined;
    const rows = this.#selectPoints.all(deviceId, Math.trunc(fromMs), Math.trunc(toMs)) as unknown as Row[];
    let kept = rows;
    if (rows.length > maxPoints) {
      const slice = (toMs - fromMs + 1) / maxPoints;
      kept = [];
      let current = -1;
      for (const row of rows) {
        const k = Math.floor((row.ts - fromMs) / slice);
        if (k !== current) {
          kept.push(row);
          current = k;
        } else if (row.score < kept[kept.length - 1].score) kept[kept.length - 1] = row;
      }
    }
    return (before ? [before, ...kept] : kept).map(toPoint);
  }

  /** The device's events with fromMs <= ts <= toMs, newest first, at most `limit`. */
  events(deviceId: string, fromMs: number, toMs: number, limit: number): DeviceEvent[] {
    this.flush();
    const rows = this.#selectEvents.all(deviceId, Math.trunc(fromMs), Math.trunc(toMs), limit) as {
      ts: number;
      kind: DeviceEventKind;
      from_state: string | null;
      to_state: string;
      detail: string | null;
    }[];
    return rows.map((r) => ({
      tsMs: r.ts,
      kind: r.kind,
      from: r.from_state,
      to: r.to_state,
      detail: r.detail ? JSON.parse(r.detail) : null,
    }));
  }

  #onHealth(r: HealthReport): void {
    const device = r.deviceId;
    const seen = this.#seenState.get(device) ?? this.#lastStoredOf(device)?.state;
    if (seen !== undefined && seen !== r.state) {
      this.#event(device, {
        tsMs: r.tsMs,
        kind: 'health',
        from: seen,
        to: r.state,
        detail: { rule: r.rule ?? '', metric: r.metric ?? '', score: r.score },
      });
    }
    this.#seenState.set(device, r.state);
    const last = this.#lastStoredOf(device);
    if (last && !this.#worthStoring(last, r)) return;
    const mean = r.evidence.baselineMean;
    const std = r.evidence.baselineStd;
    this.#lastStored.set(device, {
      tsMs: r.tsMs,
      state: r.state,
      score: r.score,
      rule: r.rule,
      metric: r.metric,
      mean,
      std,
    });
    this.#pendingPoints.push({ device, report: r });
    if (this.#pendingPoints.length >= FLUSH_AT_ROWS) this.flush();
  }

  #worthStoring(last: Stored, r: HealthReport): boolean {
    if (r.state !== last.state) return true;
    const since = r.tsMs - last.tsMs;
    if (since < MIN_SPACING_MS) return false;
    if (since >= HEARTBEAT_MS) return true;
    if (Math.abs(r.score - last.score) >= 1 || r.rule !== last.rule || r.metric !== last.metric) return true;
    // The band moved by a tenth of its width: worth a point in the drawn history.
    const mean = r.evidence.baselineMean;
    const std = r.evidence.baselineStd ?? last.std;
    return (
      mean !== undefined && last.mean !== undefined && std !== undefined && Math.abs(mean - last.mean) >= 0.1 * std
    );
  }

  #onStatus(e: DeviceStatusEvent): void {
    const seen = this.#seenStatus.get(e.deviceId);
    if (seen === e.status) return;
    this.#seenStatus.set(e.deviceId, e.status);
    this.#event(e.deviceId, { tsMs: e.tsMs, kind: 'connection', from: seen ?? null, to: e.status, detail: null });
  }

  #onSensorFault(r: SensorFaultReport): void {
    const last = r.readings.at(-1);
    if (!last) return;
    const previous = this.#lastSensorFault.get(r.deviceId);
    if (previous !== undefined && last.tsMs - previous < SENSOR_FAULT_EVERY_MS) return;
    this.#lastSensorFault.set(r.deviceId, last.tsMs);
    const metric = Object.keys(last.values)[0];
    this.#event(r.deviceId, {
      tsMs: last.tsMs,
      kind: 'sensor_fault',
      from: null,
      to: 'sensor_fault',
      detail: { metric, value: last.values[metric], reason: r.reason },
    });
  }

  #event(device: string, event: DeviceEvent): void {
    this.#pendingEvents.push({ device, event });
  }

  /** The last row stored for a device, from the database the first time (after a restart). */
  #lastStoredOf(device: string): Stored | null {
    let last = this.#lastStored.get(device);
    if (last === undefined) {
      const row = this.#selectBefore.get(device, Number.MAX_SAFE_INTEGER) as Row | undefined;
      last = row
        ? {
            tsMs: row.ts,
            state: row.state,
            score: row.score,
            rule: row.rule ?? undefined,
            metric: row.metric ?? undefined,
            ...bandOf(row),
          }
        : null;
      this.#lastStored.set(device, last);
    }
    return last;
  }
}

interface Row {
  ts: number;
  score: number;
  state: string;
  metric: string | null;
  rule: string | null;
  mode: string | null;
  time_to_threshold_ms: number | null;
  evidence: string;
}

function bandOf(row: Row): { mean: number | undefined; std: number | undefined } {
  const e = JSON.parse(row.evidence) as Record<string, number>;
  return { mean: e.baselineMean, std: e.baselineStd };
}

function toPoint(row: Row): HealthPoint {
  return {
    tsMs: row.ts,
    score: row.score,
    state: row.state,
    metric: row.metric,
    rule: row.rule,
    mode: row.mode,
    timeToThresholdMs: row.time_to_threshold_ms,
    evidence: JSON.parse(row.evidence),
  };
}
