// Analytics' learnt state as JSON-safe data, and back: detector state survives a restart.

import type { FailureMode } from '../core/types.ts';
import type { AnomalyScorerState } from './anomaly-score.ts';
import { dropJointModel, newJointModel, newMetricState, type DeviceState } from './device-state.ts';
import type { JointModelState } from './joint-model.ts';
import type { DetectorState } from './metric-detector.ts';

/** One metric as a snapshot keeps it. */
type SavedMetric = DetectorState & { anomalyStreak: number; scorer?: AnomalyScorerState };
/** One device as a snapshot keeps it (`lastDueTsMs` absent in older snapshots). */
interface SavedDevice {
  metrics: Record<string, SavedMetric>;
  dispatched: FailureMode[];
  lastDueTsMs?: number;
  /** The joint model of a device with three or more metrics (absent in older snapshots: learnt afresh). */
  joint?: JointModelState;
}

export function snapshotOf(devices: ReadonlyMap<string, DeviceState>): unknown {
  const saved: Record<string, SavedDevice> = {};
  for (const [id, d] of devices) {
    const metrics: Record<string, SavedMetric> = {};
    for (const [name, m] of d.metrics)
      metrics[name] = {
        ...m.detector.snapshot(),
        anomalyStreak: m.anomalyStreak,
        ...(m.scorer ? { scorer: m.scorer.snapshot() } : {}),
      };
    saved[id] = {
      metrics,
      dispatched: [...d.dispatched],
      lastDueTsMs: d.lastDueTsMs,
      ...(d.joint ? { joint: d.joint.snapshot() } : {}),
    };
  }
  return { version: 1, devices: saved };
}

/**
 * Restores a snapshot into the devices `deviceOf` gives (made if new), at most
 * `maxMetricsPerDevice` metrics per device (the first ones); returns how many were left out.
 */
export function restoreSnapshot(
  snapshot: unknown,
  deviceOf: (deviceId: string) => DeviceState,
  maxMetricsPerDevice: number,
): { droppedMetrics: number } {
  const s = snapshot as { version?: number; devices?: Record<string, SavedDevice> };
  if (s?.version !== 1 || !s.devices) throw new Error('unknown analytics snapshot format');
  let droppedMetrics = 0;
  for (const [id, saved] of Object.entries(s.devices)) {
    const d = deviceOf(id);
    for (const [name, m] of Object.entries(saved.metrics)) {
      if (d.metrics.size >= maxMetricsPerDevice) {
        droppedMetrics++;
        continue;
      }
      const state = newMetricState(name, d, m.lastValue);
      state.detector.restore(m);
      state.anomalyStreak = m.anomalyStreak;
      // The unit-free scorer carries on too (its daily and weekly profiles took days to learn);
      // a snapshot from before it was saved starts it afresh.
      if (state.scorer && m.scorer) state.scorer.restore(m.scorer);
      d.metrics.set(name, state);
    }
    for (const mode of saved.dispatched) d.dispatched.add(mode);
    d.lastDueTsMs = saved.lastDueTsMs ?? 0;
    // The joint model carries on when its metrics are the device's (in the same order); else it is learnt afresh.
    if (saved.joint && d.metrics.size >= 3) {
      if (newJointModel(d) && !d.joint!.restore(saved.joint)) dropJointModel(d);
    }
  }
  return { droppedMetrics };
}
