// What analytics keeps per device and per device × metric between readings.

import type { DeviceModelSpec } from '../core/device-models.ts';
import type { FailureMode, HealthReport } from '../core/types.ts';
import { AnomalyScorer } from './anomaly-score.ts';
import { DEFAULT_DETECTOR_PARAMS, MetricDetector, type DetectorParams, type SampleResult } from './metric-detector.ts';
import { metricFacts, type MetricFacts } from './metric-kinds.ts';

export interface MetricState {
  readonly name: string;
  /** What this metric is compared against on this device's model (looked up once, when it is first seen). */
  readonly facts: MetricFacts;
  detector: MetricDetector;
  anomalyStreak: number;
  elevatedStreak: number;
  /** Decaying count of readings outside the sensor's physical range. */
  outOfRange: number;
  /** Metrics without domain thresholds: the unit-free anomaly score (the one NAB scores). */
  scorer: AnomalyScorer | null;
  anomalyScore: number;
  last: SampleResult | null;
  lastValue: number;
  /** Readings in a row that said the machine is stopped (vibration only). */
  stoppedSamples: number;
  /** When the current run of stopped readings began. */
  stoppedSinceMs: number;
  /** Whether the model's nominal vibration still says what running is (until the detector learns it). */
  nominalTrusted: boolean;
  /**
   * Vibration only: how long its "stopped" has been contradicted by a temperature still at its
   * running level (a stopped machine cools within minutes).
   */
  warmWhileStoppedMs: number;
  /** Since when that has been so (NaN: it is not). */
  warmSinceMs: number;
  /** The common case's explanation, written once (healthy metrics report it all day). */
  readonly normalText: string;
}

export interface DeviceState {
  metrics: Map<string, MetricState>;
  /**
   * The metrics in the order the last readings listed them: a device's readings list the same
   * metrics in the same order, so the metric at the same position is tried before the map.
   */
  byPosition: MetricState[];
  /** The last health report. */
  health: HealthReport | null;
  /** Failure modes with a dispatch requested and not yet closed. */
  dispatched: Set<FailureMode>;
  healthyStreak: number;
  /** When a dispatch was last due (the recovery clock starts here). */
  lastDueTsMs: number;
  model: DeviceModelSpec;
  /** Whether the last vibration reading said the machine is stopped. */
  stopped: boolean;
  /** When the machine last started after a stop (temperature settles for a while after it). */
  startedAtMs: number;
}

export function newDeviceState(model: DeviceModelSpec): DeviceState {
  return { metrics: new Map(), byPosition: [], health: null, dispatched: new Set(), healthyStreak: 0, lastDueTsMs: 0, model, stopped: false, startedAtMs: Number.NEGATIVE_INFINITY };
}

/** Metrics without thresholds keep no trend window; one params object serves them all. */
const UNIT_FREE_DETECTOR_PARAMS: DetectorParams = { ...DEFAULT_DETECTOR_PARAMS, trendWindow: 2 };

/**
 * A metric's fresh state. Only metrics with a failure threshold get a trend window (the forecast
 * needs one); the others are judged by level and the unit-free score, so a window would only cost
 * memory and time.
 */
export function newMetricState(metric: string, model: DeviceModelSpec, lastValue: number): MetricState {
  const facts = metricFacts(metric, model);
  const detector = new MetricDetector(facts.unitFree ? UNIT_FREE_DETECTOR_PARAMS : DEFAULT_DETECTOR_PARAMS);
  detector.sigmaFloor = facts.sigmaFloor;
  return {
    name: metric,
    facts,
    detector,
    anomalyStreak: 0,
    elevatedStreak: 0,
    outOfRange: 0,
    scorer: facts.unitFree ? new AnomalyScorer() : null,
    anomalyScore: 0,
    last: null,
    lastValue,
    stoppedSamples: 0,
    stoppedSinceMs: 0,
    nominalTrusted: true,
    warmSinceMs: Number.NaN,
    warmWhileStoppedMs: 0,
    normalText: `${metric} is within this device's normal range`,
  };
}

