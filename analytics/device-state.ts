// What analytics keeps per device and per device × metric between readings.

import type { DeviceModelSpec } from '../core/device-models.ts';
import type { ProductModelVersion } from '../core/product-catalogue.ts';
import type { FailureMode, HealthReport } from '../core/types.ts';
import { AnomalyScorer } from './anomaly-score.ts';
import { JointModel } from './joint-model.ts';
import { DEFAULT_DETECTOR_PARAMS, MetricDetector, type DetectorParams, type SampleResult } from './metric-detector.ts';
import { catalogueMetricFacts, metricFacts, readsTemperature, type MetricFacts } from './metric-kinds.ts';

export interface MetricState {
  readonly name: string;
  /** What this metric is compared against on this device's model (looked up when it is first seen and when its catalogue model changes). */
  facts: MetricFacts;
  /** (smoothed − long-term mean) / spread at the last verdict: which way and how far it moved (the diagnosis reads it). */
  elevationSigned: number;
  detector: MetricDetector;
  anomalyStreak: number;
  elevatedStreak: number;
  /** Assessments in a row it has been as far against the one way it fails (verdict.ts `unexplainedDrift`). */
  againstStreak: number;
  /** The metric left its normal alone, no failure mode's other metrics with it (verdict.ts `unexplainedDrift`; read when it leaves, held while it stays away). */
  loneDrift: boolean;
  /** Decaying count of readings outside the sensor's physical range. */
  outOfRange: number;
  /** Metrics without domain thresholds: the unit-free anomaly score (the one NAB scores). */
  scorer: AnomalyScorer | null;
  anomalyScore: number;
  last: SampleResult | null;
  lastValue: number;
  /** When lastValue came (NaN: not since a restore). */
  lastValueTsMs: number;
  /** Its place in the device's joint model (−1: none): where its slots in `jointInputs` are. */
  jointIndex: number;
  /**
   * Left out of the device's joint model: it went quiet while the device went on reporting
   * (QUIET_SENSOR_MS), or is read too seldom, and has not yet been read twice within
   * JOINT_CARRY_SLOWEST_MS since.
   */
  jointExcluded: boolean;
  /** Readings in a row that said the machine is stopped (vibration only). */
  stoppedSamples: number;
  /** When the current run of stopped readings began. */
  stoppedSinceMs: number;
  /** Whether the model's nominal vibration still says what running is (until the detector learns it). */
  nominalTrusted: boolean;
  /**
   * Vibration only: how long, in all, its "stopped" has been contradicted by a temperature at its
   * running level (a stopped machine cools within minutes).
   */
  warmWhileStoppedMs: number;
  /** The last temperature reading that did so (NaN: the last one did not). */
  warmSinceMs: number;
  /** The common case's explanation, written once (healthy metrics report it all day). */
  readonly normalText: string;
  /** Vibration only: the last verdict found its sensor's gain drifting (verdict.ts `sensorGainDrift`; it holds with hysteresis). */
  gainDrift: boolean;
  /**
   * A metric that settles with the running state (temperature) only, else null: its reading once
   * a stopped machine has cooled, against its normal then (running-state.ts `learnStoppedLevel`,
   * slots `SL_*`): a cooling failure fades when the machine stops, a sensor's offset stays.
   */
  stoppedLevel: number[] | null;
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
  /** The device's product model in the catalogue, at the version its readings are judged by (null: none, the built-in kinds only). */
  catalogue: ProductModelVersion | null;
  /** Whether the last vibration reading said the machine is stopped. */
  stopped: boolean;
  /** When the machine last started after a stop (temperature settles for a while after it). */
  startedAtMs: number;
  /**
   * Devices with three or more metrics: the joint normal of all of them at the running point
   * (joint-model.ts), null until then; its metrics in the model's order and a buffer of one reading.
   */
  joint: JointModel | null;
  jointMetrics: readonly MetricState[];
  jointValues: Float64Array | null;
  /**
   * Per joint metric, JOINT_INPUT_SLOTS numbers (NaN: not yet known): the two readings before its
   * last, its usual step, its own reading interval (noteJointInput) and the time of the value the
   * joint model was last given (jointValueRenewed). In one array per device
   * rather than four fields per metric: a double field of an object is a boxed number of its own.
   */
  jointInputs: Float64Array | null;
  /** When the device's last reading came, and the usual interval between its readings (EWMA, ms; NaN: not yet known). */
  lastReadingMs: number;
  /** When the joint model last had a reading (NaN: not since a start or restore): a model stopped for a quiet metric does not judge. */
  jointFedMs: number;
  /**
   * The latest time of any of its readings, and the first of its readings since it last paused for
   * QUIET_SENSOR_MS or more (NaN: none since a start or restore): how long a metric missing from
   * them has been quiet (quietMs).
   */
  lastSeenMs: number;
  seenSinceMs: number;
  readingIntervalMs: number;
  /** Time run since analytics first heard the device in this process, ms (running-state.ts countRunningTime); the service sums it into running hours. */
  runningMs: number;
  /** The reading the running time was last counted to (NaN: none yet). */
  runningCountedToMs: number;
}

/** Shared by every device without a joint model (nothing allocated per device for it). */
const NO_METRICS: readonly MetricState[] = Object.freeze([]);

/** Devices with at least this many metrics get a joint model... */
export const JOINT_MIN_METRICS = 3;
/** ...and at most this many take part in it (its state grows with the square)... */
export const JOINT_MAX_METRICS = 16;
/**
 * ...when it reports at least about every ten seconds. Its constants are set in time (an hour of
 * learning, a smoothing over about 40 s, joint-model.ts), so a device reporting every 10 s
 * learns in hours as one at 1 Hz does. What it does not model is the day's ambient cycle and the
 * slow load moves of a building's or a plant's machines, which at minutes-apart readings move
 * the metrics more than a fault: bench:fleet --fleet mixed (catalogue booster and fan, 5-minute
 * readings) with the limit lifted sent over 830 dispatches in its first 16 days (against about
 * 80 in the month without it), now that the model judges after two days (600 readings) instead
 * of twenty; counted in readings it had given 24 false dispatches per 100 device-months, and 524
 * at one-minute readings, against 1.4 without it. Slower devices keep the per-metric rules.
 */
export const JOINT_MAX_INTERVAL_MS = 10_000;
/** A pause between readings longer than this is a gap, not the device's reading interval. */
export const JOINT_GAP_MS = 600_000;
/**
 * A reading that lists only some of the joint model's metrics (sensors read at different rates,
 * or published in messages of their own) is judged with the others' last values while each is
 * at most this old; a metric not heard from for longer stops the joint model until it is back.
 */
export const JOINT_CARRY_MS = 60_000;
/**
 * A metric read less often than once a minute, but at least every JOINT_CARRY_SLOWEST_MS, stands
 * in for JOINT_CARRY_INTERVALS of its own reading interval instead. With the minute alone,
 * temperatures read every 2 minutes beside 1-Hz sensors paused the joint model half the time
 * (bench:multivariate seeds 1–6 --publish slow-temperatures --temperatures-every 120: F1 0.562 →
 * 0.871, false alarms 7.6 → 7.5 %). Slower ones keep to the minute: standing in for longer, a
 * value that old made false alarms (every 180 s: F1 0.418 → 0.830 but false alarms 7.3 → 10.0 %
 * and dispatches outside a fault 1 → 13; every 300 s: 0.119 → 0.714, 2.1 → 19.9 %).
 */
export const JOINT_CARRY_INTERVALS = 3;
export const JOINT_CARRY_SLOWEST_MS = 150_000;
/**
 * A metric missing from its device's readings for this long (quietMs) has gone quiet: a dead
 * sensor, a cut wire, a board that stopped publishing. A joint model is made again over the
 * metrics still read, and the quiet one is a sensor fault (verdict.ts `quietSensor`); read again
 * twice within JOINT_CARRY_SLOWEST_MS, it rejoins (a new joint model again). Before, the joint
 * model stopped until it was back, and nothing judged the device: bench:multivariate seeds 1–6
 * with the motor temperature lost from the fourth experiment on, 85 % of the fault samples missed.
 */
export const QUIET_SENSOR_MS = 600_000;

/**
 * How long metric `m` has been missing from its device's readings, ms: counted from its last
 * reading, or from the device's return after a pause (the device off, recordings of different
 * days, its metrics published apart and the first message after the pause not carrying them all:
 * they are not quiet). NaN before its first reading.
 */
export function quietMs(d: DeviceState, m: MetricState): number {
  return d.lastSeenMs - Math.max(m.lastValueTsMs, d.seenSinceMs);
}

/** A reading of the device at `tsMs`: the time it was last seen, and where its current run of readings began. */
export function noteSeen(d: DeviceState, tsMs: number): void {
  if (tsMs <= d.lastSeenMs) return;
  if (!(tsMs - d.lastSeenMs < QUIET_SENSOR_MS)) d.seenSinceMs = tsMs;
  d.lastSeenMs = tsMs;
}

/**
 * A moving mean of the time between readings (NaN: not yet known) after one more, `sinceLastMs`
 * after the one before. A gap (over JOINT_GAP_MS: the device was off, or recordings of different
 * days follow each other) is not the reading interval and leaves it as it was; so does a NaN or
 * a 0 (the first reading, or one at the same instant).
 */
export function nextIntervalMs(meanMs: number, sinceLastMs: number): number {
  if (!(sinceLastMs > 0) || sinceLastMs > JOINT_GAP_MS) return meanMs;
  return Number.isNaN(meanMs) ? sinceLastMs : meanMs + 0.05 * (sinceLastMs - meanMs);
}

const INPUT_PREVIOUS = 0;
const INPUT_BEFORE_PREVIOUS = 1;
/** A moving mean of the absolute change from one reading to the next (each change counted at most SPIKE_STEPS of it). */
const INPUT_STEP = 2;
/** A moving mean of the times between the metric's readings, ms (gaps of over JOINT_GAP_MS left out). */
const INPUT_INTERVAL = 3;
/** The timestamp of the metric's value at the joint model's last reading. */
const INPUT_FED_TS = 4;
export const JOINT_INPUT_SLOTS = 5;

/**
 * 1 if `m`'s value is new since the joint model's last reading, 0 if it is carried from an earlier
 * one (a slower sensor's, between its readings); it notes the value as given.
 */
export function jointValueRenewed(d: DeviceState, m: MetricState): number {
  const at = m.jointIndex * JOINT_INPUT_SLOTS + INPUT_FED_TS;
  const inputs = d.jointInputs!;
  const renewed = m.lastValueTsMs === inputs[at] ? 0 : 1;
  inputs[at] = m.lastValueTsMs;
  return renewed;
}

/** How long the last value of `m` stands in for it in the joint model (see JOINT_CARRY_MS). */
export function jointCarryMs(d: DeviceState, m: MetricState): number {
  const interval = d.jointInputs![m.jointIndex * JOINT_INPUT_SLOTS + INPUT_INTERVAL];
  // NaN until the metric's second reading with the model: the minute.
  if (!(interval > JOINT_CARRY_MS / JOINT_CARRY_INTERVALS && interval <= JOINT_CARRY_SLOWEST_MS)) return JOINT_CARRY_MS;
  return JOINT_CARRY_INTERVALS * interval;
}

/** A reading this many of the metric's usual steps off the median of its last three is a spike (jointInputOf). */
export const SPIKE_STEPS = 6;

/**
 * What the joint model reads of a fast metric (its readings at most JOINT_MAX_INTERVAL_MS apart):
 * its last reading, unless that is a spike, more than SPIKE_STEPS of its usual step off the median
 * of its last three readings; then the median. A sensor's one-reading glitch (a flow read three
 * times itself) is gone at once; a real jump reaches the model one reading later. Fed raw,
 * glitches every 5 minutes took bench:multivariate seeds 1–6 from F1 0.870 to 0.731, every half
 * hour to 0.783 (13 dispatches outside a fault against 9): each a T² spike that widened the learnt
 * normal. The median of three alone, every reading, took the clean run to 0.845 (false alarms
 * 5.7 → 8.0 %). A slower metric is read as it is: its last reading is already old.
 */
export function jointInputOf(d: DeviceState, m: MetricState): number {
  const at = m.jointIndex * JOINT_INPUT_SLOTS;
  const inputs = d.jointInputs!;
  const a = m.lastValue;
  const b = inputs[at + INPUT_PREVIOUS];
  const c = inputs[at + INPUT_BEFORE_PREVIOUS];
  if (!(inputs[at + INPUT_INTERVAL] <= JOINT_MAX_INTERVAL_MS) || Number.isNaN(b) || Number.isNaN(c)) return a;
  const median = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  return Math.abs(a - median) > SPIKE_STEPS * inputs[at + INPUT_STEP] ? median : a;
}

/**
 * A reading `value` of joint metric `m`, `sinceLastMs` after its one before, `previous` (NaN: the
 * first since a start or restore): its interval, its usual step and the readings before it.
 */
export function noteJointInput(
  d: DeviceState,
  m: MetricState,
  sinceLastMs: number,
  value: number,
  previous: number,
): void {
  const at = m.jointIndex * JOINT_INPUT_SLOTS;
  const inputs = d.jointInputs!;
  inputs[at + INPUT_INTERVAL] = nextIntervalMs(inputs[at + INPUT_INTERVAL], sinceLastMs);
  if (sinceLastMs > 0) {
    const size = Math.abs(value - previous);
    const step = inputs[at + INPUT_STEP];
    if (Number.isNaN(step)) inputs[at + INPUT_STEP] = size;
    // Not clipped while the usual step is 0 (a first step of 0 would otherwise stay the usual one).
    else if (!Number.isNaN(size))
      inputs[at + INPUT_STEP] = step + 0.01 * ((step > 0 ? Math.min(size, SPIKE_STEPS * step) : size) - step);
  }
  inputs[at + INPUT_BEFORE_PREVIOUS] = inputs[at + INPUT_PREVIOUS];
  inputs[at + INPUT_PREVIOUS] = previous;
}

/**
 * A reading of the device at `tsMs` that lacks some of the joint model's metrics: marks excluded
 * each one quiet for QUIET_SENSOR_MS, or read less often than every JOINT_CARRY_SLOWEST_MS (its
 * last value could stand in for it only a minute at a time, and the model would stop the rest of
 * the time: temperatures every 5 minutes beside 1-Hz sensors, bench:multivariate F1 0.119).
 * Returns whether one was (the caller makes the joint model again).
 */
export function noteMissingJointMetrics(d: DeviceState): boolean {
  const inputs = d.jointInputs!;
  let lost = false;
  for (const m of d.jointMetrics) {
    if (
      inputs[m.jointIndex * JOINT_INPUT_SLOTS + INPUT_INTERVAL] > JOINT_CARRY_SLOWEST_MS ||
      quietMs(d, m) >= QUIET_SENSOR_MS
    ) {
      m.jointExcluded = true;
      lost = true;
    }
  }
  return lost;
}

/** Whether the device's joint model is over the metrics it should be: the first JOINT_MAX_METRICS not excluded, in order. */
export function jointModelCurrent(d: DeviceState): boolean {
  const metrics = d.jointMetrics;
  let j = 0;
  for (const m of d.metrics.values()) {
    if (m.jointExcluded) continue;
    if (j === JOINT_MAX_METRICS) break;
    if (metrics[j] !== m) return false;
    j++;
  }
  return j === metrics.length;
}

/**
 * A joint model over the device's metrics in the order they were first seen (the first
 * JOINT_MAX_METRICS). It takes over from the unit-free scorers of its metrics: while it explains
 * them they are judged by the sensor-fault rules only, so their scorers would only cost time and
 * memory (about a kilobyte each).
 */
export function newJointModel(d: DeviceState): boolean {
  const metrics = [...d.metrics.values()].filter((m) => !m.jointExcluded).slice(0, JOINT_MAX_METRICS);
  if (metrics.length < JOINT_MIN_METRICS) {
    if (d.joint !== null) dropJointModel(d);
    return false;
  }
  // Only metrics gone (quiet, or read too seldom) from a model that judges: it keeps what it
  // learnt of the rest. One still learning starts afresh (temperatures read every 5 minutes leave
  // in the first minutes; and what reads a temperature may be known by the units only since).
  const kept = metrics.map((m) => d.jointMetrics.indexOf(m));
  const narrowed = d.joint?.judging === true && kept.every((i, j) => i >= 0 && (j === 0 || i > kept[j - 1]));
  d.joint = narrowed
    ? d.joint!.without(kept)
    : new JointModel(
        metrics.map((m) => m.name),
        undefined,
        metrics.map((m) => readsTemperature(m.name, m.facts)),
      );
  d.jointMetrics = metrics;
  d.jointValues = new Float64Array(metrics.length);
  d.jointInputs = new Float64Array(metrics.length * JOINT_INPUT_SLOTS).fill(Number.NaN);
  for (const m of d.metrics.values()) m.jointIndex = -1;
  metrics.forEach((m, i) => {
    m.jointIndex = i;
    m.scorer = null;
    m.anomalyScore = 0;
  });
  return true;
}

/** The device has no joint model any more (it reports too seldom): its unit-free metrics get their scorers back. */
export function dropJointModel(d: DeviceState): void {
  d.joint = null;
  d.jointMetrics = NO_METRICS;
  d.jointValues = null;
  d.jointInputs = null;
  for (const m of d.metrics.values()) {
    m.jointIndex = -1;
    if (m.facts.unitFree && m.scorer === null) m.scorer = new AnomalyScorer();
  }
}

export function newDeviceState(model: DeviceModelSpec, catalogue: ProductModelVersion | null = null): DeviceState {
  return {
    metrics: new Map(),
    byPosition: [],
    health: null,
    dispatched: new Set(),
    healthyStreak: 0,
    lastDueTsMs: 0,
    model,
    catalogue,
    stopped: false,
    startedAtMs: Number.NEGATIVE_INFINITY,
    joint: null,
    jointMetrics: NO_METRICS,
    jointValues: null,
    jointInputs: null,
    lastReadingMs: Number.NaN,
    jointFedMs: Number.NaN,
    lastSeenMs: Number.NaN,
    seenSinceMs: Number.NaN,
    runningMs: 0,
    runningCountedToMs: Number.NaN,
    readingIntervalMs: Number.NaN,
  };
}

/** What a metric is compared against on this device: its catalogue model's facts when it has one. */
export function factsOf(metric: string, d: DeviceState): MetricFacts {
  return d.catalogue ? catalogueMetricFacts(metric, d.catalogue, d.model) : metricFacts(metric, d.model);
}

/** Metrics without thresholds keep no trend window; one params object serves them all. */
const UNIT_FREE_DETECTOR_PARAMS: DetectorParams = { ...DEFAULT_DETECTOR_PARAMS, trendWindow: 2 };
/**
 * Metrics judged by ISO 10816 zones (vibration) also track their reading-to-reading noise over
 * the last 12 hours: a sensor whose gain drifts scales it with the level, wear does not
 * (verdict.ts `sensorGainDrift`). 12 h chosen over 6 h on bench:fleet seeds 1–4 (6 h: two more
 * wearing bearings briefly called drifting sensors).
 */
const VIBRATION_DETECTOR_PARAMS: DetectorParams = { ...DEFAULT_DETECTOR_PARAMS, noiseRecentMs: 12 * 3_600_000 };

/**
 * A metric's fresh state. Only metrics with a failure threshold get a trend window (the forecast
 * needs one); the others are judged by level and the unit-free score, so a window would only cost
 * memory and time.
 */
export function newMetricState(metric: string, d: DeviceState, lastValue: number): MetricState {
  const facts = factsOf(metric, d);
  const detector = newDetector(facts);
  return {
    name: metric,
    facts,
    elevationSigned: 0,
    detector,
    anomalyStreak: 0,
    elevatedStreak: 0,
    againstStreak: 0,
    loneDrift: false,
    outOfRange: 0,
    scorer: facts.unitFree ? new AnomalyScorer() : null,
    anomalyScore: 0,
    last: null,
    lastValue,
    lastValueTsMs: Number.NaN,
    jointIndex: -1,
    jointExcluded: false,
    stoppedSamples: 0,
    stoppedSinceMs: 0,
    nominalTrusted: true,
    warmSinceMs: Number.NaN,
    warmWhileStoppedMs: 0,
    normalText: normalTextOf(metric),
    gainDrift: false,
    // Mean, variance, time learnt, last settled reading (NaN: none), readings in a row above, the last one's σ above.
    stoppedLevel: facts.runningState === 'settles' ? [0, 0, 0, Number.NaN, 0, 0] : null,
  };
}

/**
 * The healthy explanation, one string per metric name for every device (at 60–80 bytes each it
 * was a noticeable share of an eight-metric device's state); bounded, as metric names come from
 * devices.
 */
const NORMAL_TEXTS = new Map<string, string>();
const NORMAL_TEXTS_MAX = 10_000;

function normalTextOf(metric: string): string {
  let text = NORMAL_TEXTS.get(metric);
  if (text === undefined) {
    text = `${metric} is within this device's normal range`;
    if (NORMAL_TEXTS.size < NORMAL_TEXTS_MAX) NORMAL_TEXTS.set(metric, text);
  }
  return text;
}

function newDetector(facts: MetricFacts): MetricDetector {
  const detector = new MetricDetector(
    facts.unitFree
      ? UNIT_FREE_DETECTOR_PARAMS
      : facts.zones !== null
        ? VIBRATION_DETECTOR_PARAMS
        : DEFAULT_DETECTOR_PARAMS,
  );
  detector.sigmaFloor = facts.sigmaFloor;
  return detector;
}

/**
 * A new version of the device's catalogue model: each metric is judged by its new facts from the
 * next reading. What was learnt stays, unless the metric's unit changed (its numbers mean something
 * else) or it moved between judged-by-limits and unit-free (the detector's window differs).
 */
export function applyCatalogueVersion(d: DeviceState, model: ProductModelVersion): void {
  d.catalogue = model;
  for (const m of d.metrics.values()) {
    const before = m.facts;
    const after = factsOf(m.name, d);
    m.facts = after;
    if (before.unit !== after.unit || before.unitFree !== after.unitFree) {
      m.detector = newDetector(after);
      m.scorer = after.unitFree && d.joint === null ? new AnomalyScorer() : null;
      m.last = null;
      m.anomalyStreak = 0;
      m.elevatedStreak = 0;
      m.againstStreak = 0;
      m.loneDrift = false;
    } else m.detector.sigmaFloor = after.sigmaFloor;
  }
}
