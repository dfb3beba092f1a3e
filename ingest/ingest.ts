import type { Clock } from '../core/clock.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/log.ts';
import { topics } from '../core/topics.ts';
import type { Reading } from '../core/types.ts';
import type { DeviceChecks } from './device-checks.ts';
import { DEFAULT_PAYLOAD_LIMITS, parseTelemetry, type PayloadLimits } from './payload.ts';
import type { TelemetryWriter } from './telemetry-writer.ts';
import type { Presence } from './presence.ts';
import type { WriteAheadLog } from './write-ahead-log.ts';

export interface IngestOptions {
  bus: EventBus;
  log: Logger;
  clock: Clock;
  /** The telemetry writer, or with PURNA_NATS_URL the writer and the reading stream together (telemetry-path.ts). */
  writer: Pick<TelemetryWriter, 'enqueue'>;
  /** Accepted readings are on disk here before the message is acknowledged. */
  wal: WriteAheadLog;
  /** Last-seen and silence tracking. */
  presence: Presence;
  limits?: PayloadLimits;
  /** The checks that know the device: the metrics its model declares, its metric-name bound, its sensors' physical ranges. */
  deviceChecks: DeviceChecks;
  /** Tells the device why its message was rejected (publishes to its errors topic). */
  reportRejection: (deviceId: string, reason: string, topic: string) => void;
}

/** Why a message was rejected, for the counters. */
export type RejectionKind = 'payload' | 'metric_limit' | 'undeclared_metric' | 'sensor_fault' | 'internal';

export interface IngestStats {
  messagesReceived: number;
  messagesRejected: number;
  readingsAccepted: number;
  /** Rejected messages by kind (they add up to messagesRejected). */
  rejectedByKind: Record<RejectionKind, number>;
}

/** `judged`: what analytics and the live views hear, when it is less than what is stored (metrics the model does not declare, stored unjudged). */
type Verdict =
  | { ok: true; readings: Reading[]; judged?: Reading[] }
  | { ok: false; kind: RejectionKind; reason: string; impossible?: Reading[] };

/**
 * The ingest pipeline for one telemetry message, whatever the broker: validate → (spool) →
 * batch to the store → announce to analytics and the dashboard. Named steps, no closures per
 * message (STYLE 9, 15).
 */
export class Ingest {
  readonly #opts: IngestOptions;
  readonly #limits: PayloadLimits;
  readonly stats: IngestStats = {
    messagesReceived: 0,
    messagesRejected: 0,
    readingsAccepted: 0,
    rejectedByKind: { payload: 0, metric_limit: 0, undeclared_metric: 0, sensor_fault: 0, internal: 0 },
  };

  get presence(): Presence {
    return this.#opts.presence;
  }

  constructor(opts: IngestOptions) {
    this.#opts = opts;
    this.#limits = opts.limits ?? DEFAULT_PAYLOAD_LIMITS;
  }

  /**
   * Handles one message published on `purna/v1/devices/{deviceId}/telemetry`. `done` is called
   * when Purna has taken responsibility for it — for a valid message, once its readings are in
   * the write-ahead log on disk — and the broker acknowledges it then. A rejected message is
   * acknowledged at once: redelivering it would never make it valid; the device hears why.
   */
  acceptTelemetry(deviceId: string, topic: string, payload: Buffer, done: (err?: Error | null) => void): void {
    this.stats.messagesReceived++;
    const nowMs = this.#opts.clock.nowMs();
    const verdict = this.#validate(deviceId, topic, payload, nowMs);
    if (!verdict.ok) {
      this.reject(deviceId, topic, verdict.reason, verdict.kind);
      // Impossible values reach analytics and the dashboard only as what they are: a sensor fault.
      if (verdict.impossible)
        this.#opts.bus.emit('sensorFault', {
          deviceId,
          readings: verdict.impossible,
          reason: verdict.reason,
          tsMs: nowMs,
        });
      done(null);
      return;
    }
    const readings = verdict.readings;
    const judged = verdict.judged ?? readings;
    this.#opts.wal.append(deviceId, nowMs, payload, readings.length, (err) => {
      if (err) {
        // Not on disk: do not acknowledge; the client will send it again.
        done(err);
        return;
      }
      this.stats.readingsAccepted += readings.length;
      // Only after the log has them, so the writer's order is the log's order — and always,
      // first thing: the log's confirmations are a count of what the writer was handed.
      this.#opts.writer.enqueue(readings);
      // The PUBACK goes out before analytics runs on the readings: the publisher's next
      // message need not wait for the detectors (they see the readings a moment later).
      done(null);
      if (judged.length > 0) this.#opts.bus.emit('telemetry', judged);
    });
  }

  /**
   * The store refused readings Purna had already acknowledged (too large even alone, a field
   * type conflict, beyond the retention policy): each device hears it on its errors topic, one
   * message per device per refusal, naming the readings by timestamp and giving the store's
   * reason. (The writer counts and logs them.)
   */
  refusedByStore(readings: readonly Reading[], reason: string): void {
    const byDevice = new Map<string, { count: number; firstTs: number; lastTs: number }>();
    for (const r of readings) {
      const seen = byDevice.get(r.deviceId);
      if (!seen) byDevice.set(r.deviceId, { count: 1, firstTs: r.tsMs, lastTs: r.tsMs });
      else {
        seen.count++;
        seen.firstTs = Math.min(seen.firstTs, r.tsMs);
        seen.lastTs = Math.max(seen.lastTs, r.tsMs);
      }
    }
    const tsMs = this.#opts.clock.nowMs();
    for (const [deviceId, seen] of byDevice) {
      const which =
        seen.count === 1
          ? `the reading of ts ${seen.firstTs}`
          : `${seen.count} readings (ts ${seen.firstTs} to ${seen.lastTs})`;
      const message = `the telemetry store refused ${which} after it was accepted: ${reason}`;
      const topic = topics.telemetry(deviceId);
      this.#opts.reportRejection(deviceId, message, topic);
      this.#opts.bus.emit('rejected', { deviceId, topic, reason: message, tsMs });
    }
  }

  /**
   * Parse, then the device's own checks. Nothing a device sends may escape this hook (an exception
   * in the broker's authorizePublish ends the process): an unforeseen failure is that message's
   * rejection, logged as the bug it is.
   */
  #validate(deviceId: string, topic: string, payload: Buffer, nowMs: number): Verdict {
    try {
      this.#opts.presence.seen(deviceId);
      const result = parseTelemetry(payload, deviceId, nowMs, this.#limits);
      if (!result.ok) return { ok: false, kind: 'payload', reason: result.reason };
      const check = this.#opts.deviceChecks.check(deviceId, result.readings);
      if (!check.ok)
        return check.kind === 'sensor_fault'
          ? { ok: false, kind: check.kind, reason: check.reason, impossible: check.impossible }
          : check;
      return check.judged ? { ok: true, readings: result.readings, judged: check.judged } : result;
    } catch (err) {
      this.#opts.log.error(
        { err, device: deviceId, topic },
        'telemetry validation failed unexpectedly; message rejected',
      );
      return {
        ok: false,
        kind: 'internal',
        reason: `message could not be validated: ${String((err as Error)?.message ?? err).slice(0, 120)}`,
      };
    }
  }

  /** Rejects a message: a reason to the device, a counter, a log line — and nothing else stops. */
  reject(deviceId: string | null, topic: string, reason: string, kind: RejectionKind = 'payload'): void {
    this.stats.messagesRejected++;
    this.stats.rejectedByKind[kind]++;
    this.#opts.log.warn({ device: deviceId, topic, reason, kind }, 'telemetry rejected');
    if (deviceId) {
      try {
        this.#opts.reportRejection(deviceId, reason, topic);
      } catch (err) {
        // Telling the device is a courtesy; failing to must not undo the rejection.
        this.#opts.log.error({ err, device: deviceId }, 'could not publish the rejection to the device');
      }
    }
    this.#opts.bus.emit('rejected', { deviceId, topic, reason, tsMs: this.#opts.clock.nowMs() });
  }
}
