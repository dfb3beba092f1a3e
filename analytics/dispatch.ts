// The dispatch decision: one request per device and failure mode while it is open, withdrawn only
// once the device has been healthy for long enough (hysteresis).

import type { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/log.ts';
import { partsFor, type FailureModeSpec } from '../core/product-catalogue.ts';
import type { FailureMode, HealthReport } from '../core/types.ts';
import type { DeviceState } from './device-state.ts';
import type { FalseAlarmHolds } from './false-alarm-hold.ts';
import { formatDuration } from './format.ts';

/**
 * A requested dispatch is withdrawn only after this many healthy samples in a row AND this long
 * with nothing due: an intermittent fault (a sensor that spikes every few hours, a bearing that
 * rattles now and then) would otherwise open, cancel and reopen work orders all day.
 */
const RECOVERY_SAMPLES = 60;
const RECOVERY_MS = 24 * 3600_000;

export class DispatchDecision {
  readonly #bus: EventBus;
  readonly #log: Logger;
  /** Modes a planner dismissed as a false alarm on a device: not requested again while held. */
  readonly #falseAlarms: FalseAlarmHolds;

  constructor(bus: EventBus, log: Logger, falseAlarms: FalseAlarmHolds) {
    this.#bus = bus;
    this.#log = log;
    this.#falseAlarms = falseAlarms;
  }

  /**
   * Dispatch when the forecast crossing comes before a technician with the part could arrive (the
   * verdict says it is due); withdraw what was requested once the device has recovered.
   * `dueMode` null: nothing is due.
   */
  decide(
    d: DeviceState,
    report: HealthReport,
    dueMode: FailureMode | null,
    dueRule: string,
    dueTimeToThresholdMs: number | null,
    deviceMode: FailureMode,
    diagnosed: FailureModeSpec | null = null,
  ): void {
    if (dueMode !== null) {
      // Both vibration and temperature rising together point at lubrication, not one part.
      const mode: FailureMode =
        dueMode !== 'sensor_fault' && deviceMode === 'lubrication_loss' ? 'lubrication_loss' : dueMode;
      d.healthyStreak = 0;
      d.lastDueTsMs = report.tsMs;
      if (d.dispatched.has(mode) || this.#falseAlarms.holds(mode, report)) return;
      d.dispatched.add(mode);
      // A whole epoch ms: the forecast's fraction means nothing, and PostgreSQL's bigint column refuses it
      // ("invalid input syntax for type bigint": the dispatch was lost, test/cluster/failover-lead-time).
      const predictedFailureAtMs =
        dueTimeToThresholdMs === null ? null : Math.round(report.tsMs + dueTimeToThresholdMs);
      this.#log.info({ device: report.deviceId, mode, rule: dueRule, score: report.score }, 'dispatch requested');
      const model = d.catalogue;
      if (!model) {
        this.#bus.emit('dispatch', {
          deviceId: report.deviceId,
          mode,
          tsMs: report.tsMs,
          health: report,
          predictedFailureAtMs,
        });
        return;
      }
      // The catalogue version the readings were judged by, and what its diagnosed mode needs.
      const parts = partsFor(model, mode).map((p) => ({ sku: p.sku, name: p.name, quantity: p.quantity }));
      this.#bus.emit('dispatch', {
        deviceId: report.deviceId,
        mode,
        tsMs: report.tsMs,
        health: report,
        predictedFailureAtMs,
        model: { id: model.id, version: model.version },
        parts,
        ...(diagnosed ? { skill: diagnosed.skill } : {}),
      });
      return;
    }
    if (report.state === 'healthy' && d.dispatched.size > (d.dispatched.has('sensor_fault') ? 1 : 0)) {
      if (++d.healthyStreak >= RECOVERY_SAMPLES && report.tsMs - d.lastDueTsMs >= RECOVERY_MS) {
        // A sensor that sent impossible or frozen values is broken until someone fixes it, however
        // normal it looks in between: its request stays until the work order is closed.
        for (const m of d.dispatched) {
          if (m === 'sensor_fault') continue;
          this.#bus.emit('dispatchCancel', {
            deviceId: report.deviceId,
            mode: m,
            tsMs: report.tsMs,
            reason: `recovered: nothing due for ${formatDuration(report.tsMs - d.lastDueTsMs)} and healthy for the last ${d.healthyStreak} samples`,
          });
          d.dispatched.delete(m);
        }
        d.healthyStreak = 0;
      }
    } else d.healthyStreak = 0;
  }
}
