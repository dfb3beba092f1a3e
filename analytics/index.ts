import { DEFAULT_DEVICE_MODEL, ISO10816_ZONES_MM_S, type DeviceModelSpec } from '../core/device-models.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/log.ts';
import type { FailureMode, HealthReport, HealthState, Reading } from '../core/types.ts';
import { AnomalyScorer, type AnomalyScorerState } from './anomaly-score.ts';
import { DEFAULT_DETECTOR_PARAMS, MetricDetector, type DetectorParams, type DetectorState, type SampleResult } from './metric-detector.ts';
import { FalseAlarmHolds } from './false-alarm-hold.ts';

export interface AnalyticsOptions {
  bus: EventBus;
  log: Logger;
  /** Which product model a device is (thresholds); unknown devices get DEFAULT_DEVICE_MODEL. */
  deviceModelOf?: (deviceId: string) => DeviceModelSpec;
  /** Parts + travel lead time used by the dispatch decision, ms (default 48 h). */
  leadTimeMs?: number;
  /** How long a dismissed false alarm is held while its evidence does not grow, ms (default 72 h). */
  falseAlarmQuietMs?: number;
}

/** |z| above which a sample is unusual, and how many in a row make it more than a blip. */
const ANOMALY_Z = 4;
const ANOMALY_STREAK = 3;
/** Standard deviations above the long-term normal, and for how many assessments, that make a metric elevated. */
const ELEVATED_SIGMAS = 4;
const ELEVATED_STREAK = 3;
/** CUSUM (in σ beyond its allowance) from which a shift is reported. */
const CUSUM_ALARM = 50;
/** A sensor repeating exactly the same value this many times is stuck. */
const STUCK_REPEATS = 60;
/** Out-of-range readings (decaying count) that make a spiking sensor worth a visit. */
const OUT_OF_RANGE_DISPATCH = 3;
/**
 * A requested dispatch is withdrawn only after this many healthy samples in a row AND this long
 * with nothing due: an intermittent fault (a sensor that spikes every few hours, a bearing that
 * rattles now and then) would otherwise open, cancel and reopen work orders all day.
 */
const RECOVERY_SAMPLES = 60;
const RECOVERY_MS = 24 * 3600_000;
/** Dispatch when the forecast's early bound is within this multiple of the lead time: a margin for the forecast's error. */
const LEAD_SAFETY = 1.5;

/**
 * The smallest long-term spread Purna assumes for a healthy machine, per metric: load and
 * ambient move a healthy machine's temperature by a few °C and its vibration by a few percent
 * of its zone, even before the baseline has seen a whole day of them.
 */
/**
 * Temperature and vibration have domain thresholds (rated maximum, ISO 10816 zones) and fail
 * upwards: only a rise is a machine anomaly. Other metrics get the unit-free score, both ways.
 */
function hasDomainThresholds(metric: string): boolean {
  return metric === 'temperature' || metric === 'vibration';
}

function sigmaFloor(metric: string, model: DeviceModelSpec): number {
  if (metric === 'temperature') return 3;
  if (metric === 'vibration') return 0.08 * ISO10816_ZONES_MM_S[model.machineClass].bc;
  return 0;
}

/** One metric as a snapshot keeps it. */
type SavedMetric = DetectorState & { anomalyStreak: number; scorer?: AnomalyScorerState };
/** One device as a snapshot keeps it (`lastDueTsMs` absent in older snapshots). */
interface SavedDevice {
  metrics: Record<string, SavedMetric>;
  dispatched: FailureMode[];
  lastDueTsMs?: number;
}

/**
 * Vibration under this share of its running normal means the machine is stopped: its bearings say
 * nothing then (a defect shows only while it turns), so the reading does not teach or move the
 * detector, and the last running verdict stands. Without it, a pump that ran 2 h and stopped 1 h
 * had its trend windows straddle the stops, and at 5-minute samples its bearing wear was
 * dispatched 29 h ahead instead of 55 h.
 */
const STOPPED_SHARE = 0.25;
/**
 * A stopped machine's temperature falls towards ambient and, once it starts again, climbs back:
 * neither says anything about its cooling, and the climb looks like the start of a cooling
 * failure. Temperature readings are left out while it is stopped and for this long after it starts
 * (three thermal time constants of the slowest machines here, 20 minutes).
 */
const THERMAL_SETTLE_MS = 3_600_000;
/** Stopped by its vibration yet warm this long: the machine runs and the vibration sensor reads nothing. */
const IMPLAUSIBLE_STOP_MS = 2 * 3_600_000;
/** Longer than any stop of a duty cycle: a machine "stopped" this long from the start is running smoother than its model says. */
const NOMINAL_STOP_LIMIT_MS = 2 * 86_400_000;

/** Metrics without thresholds keep no trend window; one params object serves them all. */
const UNIT_FREE_DETECTOR_PARAMS: DetectorParams = { ...DEFAULT_DETECTOR_PARAMS, trendWindow: 2 };

/**
 * A metric's fresh state. Only metrics with a failure threshold get a trend window (the forecast
 * needs one); the others are judged by level and the unit-free score, so a window would only cost
 * memory and time.
 */
function newMetricState(metric: string, model: DeviceModelSpec, lastValue: number): MetricState {
  const known = hasDomainThresholds(metric);
  const detector = new MetricDetector(known ? DEFAULT_DETECTOR_PARAMS : UNIT_FREE_DETECTOR_PARAMS);
  detector.sigmaFloor = sigmaFloor(metric, model);
  return {
    name: metric,
    detector,
    anomalyStreak: 0,
    elevatedStreak: 0,
    outOfRange: 0,
    scorer: known ? null : new AnomalyScorer(),
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

interface MetricState {
  readonly name: string;
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

interface DeviceState {
  metrics: Map<string, MetricState>;
  /**
   * The metrics in the order the last readings listed them: a device's readings list the same
   * metrics in the same order, so the metric at the same position is tried before the map.
   */
  byPosition: MetricState[];
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

interface MetricVerdict {
  metric: string;
  /** This metric alone asks for a technician now. */
  due: boolean;
  score: number;
  rule: string;
  mode: FailureMode;
  anomalous: boolean;
  sensorFault: boolean;
  timeToThresholdMs: number | null;
  threshold: number | null;
  explanation: string;
  evidence: Record<string, number>;
}

/**
 * `values[metric]`, read outside the loop that enumerates `values`. Read in that loop, V8 (Node 24)
 * specialised the read for the metric names it had seen; after another kind of metric arrived
 * (temperature and vibration, then metrics without thresholds) its optimised code deoptimised on
 * every reading, thousands of times, and the loop ran at half speed: the read's feedback was never
 * updated. Here it is an ordinary keyed read whose feedback learns every name.
 */
function valueOf(values: Record<string, number>, metric: string): number {
  return values[metric];
}

/** The evidence every verdict of a metric starts from (the rules add their own keys). */
function baseEvidence(value: number, res: SampleResult, sigma: number, elevation: number): Record<string, number> {
  return { value, baselineMean: res.longMean, baselineStd: sigma, z: res.z, elevationSigmas: elevation, smoothed: res.smoothed };
}

/** A verdict, built in one shape (spreading a common base made each a slow, differently shaped clone). */
function verdictOf(
  metric: string,
  due: boolean,
  score: number,
  rule: string,
  mode: FailureMode,
  anomalous: boolean,
  sensorFault: boolean,
  timeToThresholdMs: number | null,
  threshold: number | null,
  explanation: string,
  evidence: Record<string, number>,
): MetricVerdict {
  return { metric, due, score, rule, mode, anomalous, sensorFault, timeToThresholdMs, threshold, explanation, evidence };
}

/** Zone B's explanation per machine class, written once (healthy machines report it all day). */
const ZONE_B_TEXT = Object.fromEntries(
  Object.entries(ISO10816_ZONES_MM_S).map(([machineClass, z]) => [machineClass, `vibration is in ISO 10816 zone B (${z.ab}–${z.bc} mm/s, class ${machineClass}): acceptable for long-term operation`]),
) as Record<keyof typeof ISO10816_ZONES_MM_S, string>;

const fmt = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : String(v));

function formatDuration(ms: number): string {
  if (ms < 90_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 90 * 60_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 48 * 3600_000) return `${(ms / 3600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}

/**
 * Streaming analytics: a detector per device × metric, the domain thresholds of the device's
 * model (ISO 10816 zones for vibration, rated maximum for temperature), a health score that
 * explains itself, and the dispatch decision (one request per device and failure mode).
 */
export class Analytics {
  readonly #bus: EventBus;
  readonly #log: Logger;
  readonly #modelOf: (deviceId: string) => DeviceModelSpec;
  #leadTimeMs: number;
  readonly #devices = new Map<string, DeviceState>();
  readonly #falseAlarms: FalseAlarmHolds;
  readonly #unsubscribe: (() => void)[] = [];
  samplesProcessed = 0;

  constructor(opts: AnalyticsOptions) {
    this.#bus = opts.bus;
    this.#log = opts.log;
    this.#modelOf = opts.deviceModelOf ?? (() => DEFAULT_DEVICE_MODEL);
    this.#leadTimeMs = opts.leadTimeMs ?? 48 * 3600_000;
    this.#falseAlarms = new FalseAlarmHolds(opts.falseAlarmQuietMs ?? 72 * 3600_000);
  }

  start(): void {
    this.#unsubscribe.push(
      this.#bus.on('telemetry', (readings) => this.process(readings)),
      // Ingest rejects a physically impossible value as a reading and reports it here, alone: the
      // physical-range rule below counts it as a sensor fault and never teaches it to a baseline.
      this.#bus.on('sensorFault', (report) => this.process(report.readings)),
      this.#bus.on('baselineReset', (e) => this.resetBaseline(e.deviceId)),
      this.#bus.on('workOrder', (order) => {
        // A closed work order lets the same failure mode be dispatched again later.
        if (order.state === 'resolved' || order.state === 'cancelled') this.#devices.get(order.deviceId)?.dispatched.delete(order.mode);
      }),
      this.#bus.on('falseAlarm', (dismissal) => {
        const health = this.#devices.get(dismissal.deviceId)?.health ?? null;
        this.#falseAlarms.hold(dismissal, health?.tsMs ?? dismissal.tsMs, health?.score ?? null);
        this.#log.info({ device: dismissal.deviceId, mode: dismissal.mode, workOrder: dismissal.workOrderId }, 'false alarm dismissed: mode held');
      }),
    );
  }

  stop(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  setLeadTimeMs(ms: number): void {
    this.#leadTimeMs = ms;
  }

  health(deviceId: string): HealthReport | undefined {
    return this.#devices.get(deviceId)?.health ?? undefined;
  }

  /** Devices with detector state. */
  get deviceCount(): number {
    return this.#devices.size;
  }

  /** The metrics a device has detector state for, in the order they were first seen. */
  metricNames(deviceId: string): string[] {
    const d = this.#devices.get(deviceId);
    return d ? [...d.metrics.keys()] : [];
  }

  /** Drops everything learnt about a device: its next reading starts a new warm-up. */
  forget(deviceId: string): void {
    this.#devices.delete(deviceId);
  }

  resetBaseline(deviceId: string): void {
    const d = this.#devices.get(deviceId);
    if (!d) return;
    for (const m of d.metrics.values()) {
      m.detector.reset();
      m.anomalyStreak = 0;
    }
  }

  /** Feeds readings (in order) through the detectors; emits health per device and dispatch decisions. */
  process(readings: readonly Reading[]): void {
    let lastDevice: DeviceState | null = null;
    let lastReading: Reading | null = null;
    for (const r of readings) {
      const d = this.#device(r.deviceId);
      if (lastDevice && lastDevice !== d) this.#assess(lastReading!, lastDevice);
      const values = r.values;
      let position = 0;
      for (const metric in values) this.#sample(d, metric, position++, r.tsMs, valueOf(values, metric));
      lastDevice = d;
      lastReading = r;
    }
    if (lastDevice) this.#assess(lastReading!, lastDevice);
  }

  snapshot(): unknown {
    const devices: Record<string, SavedDevice> = {};
    for (const [id, d] of this.#devices) {
      const metrics: Record<string, SavedMetric> = {};
      for (const [name, m] of d.metrics) metrics[name] = { ...m.detector.snapshot(), anomalyStreak: m.anomalyStreak, ...(m.scorer ? { scorer: m.scorer.snapshot() } : {}) };
      devices[id] = { metrics, dispatched: [...d.dispatched], lastDueTsMs: d.lastDueTsMs };
    }
    return { version: 1, devices };
  }

  /**
   * Restores a snapshot. A device keeps at most `maxMetricsPerDevice` metrics, the first ones in
   * the snapshot (ingest admits no more): a snapshot taken before that bound must not bring back a
   * flood of junk metric names. Returns how many metrics were left out.
   */
  restore(snapshot: unknown, maxMetricsPerDevice = Number.POSITIVE_INFINITY): { droppedMetrics: number } {
    const s = snapshot as { version?: number; devices?: Record<string, SavedDevice> };
    if (s?.version !== 1 || !s.devices) throw new Error('unknown analytics snapshot format');
    let droppedMetrics = 0;
    for (const [id, saved] of Object.entries(s.devices)) {
      const d = this.#device(id);
      for (const [name, m] of Object.entries(saved.metrics)) {
        if (d.metrics.size >= maxMetricsPerDevice) {
          droppedMetrics++;
          continue;
        }
        const state = newMetricState(name, d.model, m.lastValue);
        state.detector.restore(m);
        state.anomalyStreak = m.anomalyStreak;
        // The unit-free scorer carries on too (its daily and weekly profiles took days to learn);
        // a snapshot from before it was saved starts it afresh.
        if (state.scorer && m.scorer) state.scorer.restore(m.scorer);
        d.metrics.set(name, state);
      }
      for (const mode of saved.dispatched) d.dispatched.add(mode);
      d.lastDueTsMs = saved.lastDueTsMs ?? 0;
    }
    return { droppedMetrics };
  }

  #device(deviceId: string): DeviceState {
    let d = this.#devices.get(deviceId);
    if (!d) {
      d = { metrics: new Map(), byPosition: [], health: null, dispatched: new Set(), healthyStreak: 0, lastDueTsMs: 0, model: this.#modelOf(deviceId), stopped: false, startedAtMs: Number.NEGATIVE_INFINITY };
      this.#devices.set(deviceId, d);
    }
    return d;
  }

  #sample(d: DeviceState, metric: string, position: number, tsMs: number, value: number): void {
    let m: MetricState | undefined = d.byPosition[position];
    if (m === undefined || m.name !== metric) {
      m = d.metrics.get(metric);
      if (!m) {
        m = newMetricState(metric, d.model, value);
        d.metrics.set(metric, m);
      }
      d.byPosition[position] = m;
    }
    const previous = m.lastValue;
    m.lastValue = value;
    m.outOfRange *= 0.99;
    this.samplesProcessed++;
    const range = metric === 'temperature' ? d.model.physicalRange.temperatureC : metric === 'vibration' ? d.model.physicalRange.vibrationMmS : null;
    if (range && (value < range[0] || value > range[1])) {
      // A physically impossible reading says nothing about the machine: keep it out of the baseline.
      m.outOfRange += 1;
      return;
    }
    if (metric === 'vibration') {
      if (this.#isStopped(d, m, tsMs, value, previous)) return;
    } else if (metric === 'temperature' && (d.stopped || tsMs - d.startedAtMs < THERMAL_SETTLE_MS)) {
      // Judged from the vibration of the reading before (a reading lists temperature first): one
      // reading late at each change, which the settling time covers.
      if (d.stopped) this.#checkStopIsReal(d, m, tsMs, value);
      return;
    }
    // The detector keeps the result in place until the next sample (the verdict reads it then).
    const res = m.detector.keep(tsMs, value);
    if (m.scorer) m.anomalyScore = m.scorer.update(tsMs, value);
    // For metrics whose failure lies upwards (vibration, temperature) only a rise is a machine
    // anomaly: a drop (load falls, the machine cools) is not a failure coming.
    const z = hasDomainThresholds(metric) ? res.z : Math.abs(res.z);
    m.anomalyStreak = !res.warmingUp && z >= ANOMALY_Z ? m.anomalyStreak + 1 : 0;
    m.last = res;
  }

  /**
   * Reads the machine's running state from a vibration reading (and keeps the device's): stopped
   * when it is under a quarter of the learnt running normal, or, before that is learnt, of the
   * model's nominal one, so a machine stopped while the detector warms up does not teach it that
   * standing still is normal. If it looks stopped for longer than any duty stop from the start,
   * the nominal is wrong for this machine (a smoother unit) and it learns from what it shows. An
   * exact repeat is never a stop: a dead sensor repeats itself, and the stuck-sensor rule must see it.
   */
  #isStopped(d: DeviceState, m: MetricState, tsMs: number, value: number, previous: number): boolean {
    const learnt = m.last !== null && !m.last.warmingUp;
    if (m.stoppedSamples > 0 && tsMs - m.stoppedSinceMs >= NOMINAL_STOP_LIMIT_MS) m.nominalTrusted = false;
    const runningNormal = learnt ? m.last!.longMean : m.nominalTrusted ? d.model.healthy.vibrationMmS : 0;
    const stopped = value !== previous && value < STOPPED_SHARE * runningNormal;
    if (d.stopped && !stopped) d.startedAtMs = tsMs;
    d.stopped = stopped;
    if (stopped) {
      if (m.stoppedSamples === 0) m.stoppedSinceMs = tsMs;
      m.stoppedSamples++;
    } else {
      m.stoppedSamples = 0;
      m.warmSinceMs = Number.NaN;
      m.warmWhileStoppedMs = 0;
    }
    return stopped;
  }

  /**
   * A machine whose vibration says stopped but whose temperature stays at its running level for
   * hours is running: the vibration sensor reads nothing (a loose or dead sensor's noise).
   */
  #checkStopIsReal(d: DeviceState, temperature: MetricState, tsMs: number, value: number): void {
    const vibration = d.metrics.get('vibration');
    const t = temperature.last;
    if (!vibration || !t || t.warmingUp) return;
    const runningLevel = t.longMean - 2 * Math.max(t.longStd, sigmaFloor('temperature', d.model));
    // Only where running makes a difference: a machine that runs near ambient would not cool.
    const warm = value >= runningLevel && t.longMean - d.model.healthy.ambientC > 5;
    if (!warm) vibration.warmSinceMs = Number.NaN;
    else if (Number.isNaN(vibration.warmSinceMs)) vibration.warmSinceMs = tsMs;
    vibration.warmWhileStoppedMs = warm ? tsMs - vibration.warmSinceMs : 0;
  }

  #verdict(metric: string, m: MetricState, model: DeviceModelSpec): MetricVerdict {
    const res = m.last!;
    const value = m.lastValue;
    const sigma = Math.max(res.longStd, sigmaFloor(metric, model));
    const elevation = sigma > 0 ? (res.smoothed - res.longMean) / sigma : 0;
    m.elevatedStreak = elevation >= ELEVATED_SIGMAS ? m.elevatedStreak + 1 : 0;
    const elevated = m.elevatedStreak >= ELEVATED_STREAK;
    // A metric with domain thresholds gets its evidence added as the rules below find it. A
    // unit-free metric's is written in one literal at the end, with the same keys in the same
    // order: one shape from the start, no properties added to it one by one.
    const unitFree = m.scorer !== null;
    const evidence: Record<string, number> | null = unitFree
      ? null
      : baseEvidence(value, res, sigma, elevation);

    const range = metric === 'temperature' ? model.physicalRange.temperatureC : metric === 'vibration' ? model.physicalRange.vibrationMmS : null;
    if (range && (value < range[0] || value > range[1])) {
      const ev = evidence ?? baseEvidence(value, res, sigma, elevation);
      ev.outOfRangeRecent = m.outOfRange;
      return verdictOf(metric, m.outOfRange >= OUT_OF_RANGE_DISPATCH, 50, 'physical-range', 'sensor_fault', false, true, null, null, `${metric} ${fmt(value)} is outside the sensor's physical range ${range[0]}…${range[1]}: sensor fault, not the machine`, ev);
    }
    if (m.detector.samples >= STUCK_REPEATS && res.repeatCount >= STUCK_REPEATS) {
      const ev = evidence ?? baseEvidence(value, res, sigma, elevation);
      ev.repeats = res.repeatCount;
      return verdictOf(metric, true, 60, 'stuck-sensor', 'sensor_fault', false, true, null, null, `${metric} has repeated ${fmt(value)} exactly ${res.repeatCount} times: stuck sensor`, ev);
    }
    if (m.warmWhileStoppedMs >= IMPLAUSIBLE_STOP_MS) {
      const ev = evidence ?? baseEvidence(value, res, sigma, elevation);
      ev.warmWhileStoppedMs = m.warmWhileStoppedMs;
      return verdictOf(metric, true, 55, 'silent-vibration-sensor', 'sensor_fault', false, true, null, null, `vibration reads ${fmt(value)} mm/s as if the machine were stopped, but its temperature has stayed at its running level for ${formatDuration(m.warmWhileStoppedMs)}: vibration sensor fault`, ev);
    }

    let threshold: number | null = null;
    let score = 100;
    let rule = 'baseline';
    // The common case says it without formatting numbers (the evidence carries them): this runs
    // for every metric of every reading, and toFixed was a tenth of the analytics path's time.
    let explanation = m.normalText;
    let zoneDue = false;
    const mode: FailureMode = metric === 'vibration' ? 'bearing_wear' : metric === 'temperature' ? 'cooling_failure' : 'unknown_anomaly';
    if (metric === 'vibration') {
      const z = ISO10816_ZONES_MM_S[model.machineClass];
      threshold = z.cd;
      const v = res.smoothed;
      if (v >= z.cd) [score, rule, explanation] = [5, 'iso10816-zone-d', `vibration ${fmt(v)} mm/s is in ISO 10816 zone D (≥ ${z.cd} mm/s, class ${model.machineClass}): damage is occurring`];
      else if (v >= z.bc) {
        [score, rule, explanation] = [45 - 30 * ((v - z.bc) / (z.cd - z.bc)), 'iso10816-zone-c', `vibration ${fmt(v)} mm/s is in ISO 10816 zone C (${z.bc}–${z.cd} mm/s, class ${model.machineClass}): restricted operation, plan maintenance`];
        zoneDue = elevated;
      } else if (v >= z.ab) [score, rule, explanation] = [95, 'iso10816-zone-b', ZONE_B_TEXT[model.machineClass]];
      evidence!.zoneBC = z.bc;
      evidence!.zoneCD = z.cd;
      if (m.stoppedSamples > 0) evidence!.stoppedSamples = m.stoppedSamples;
    } else if (metric === 'temperature') {
      threshold = model.ratedMaxTemperatureC;
      const v = res.smoothed;
      if (v >= threshold) [score, rule, explanation] = [5, 'rated-max-temperature', `temperature ${fmt(v, 1)} °C is above the rated maximum ${threshold} °C`];
      else if (v >= threshold - 5) {
        [score, rule, explanation] = [40, 'near-rated-max-temperature', `temperature ${fmt(v, 1)} °C is within 5 °C of the rated maximum ${threshold} °C`];
        zoneDue = elevated;
      }
      evidence!.ratedMax = threshold;
    }

    let timeToThresholdMs: number | null = null;
    let earliestMs: number | null = null;
    if (threshold !== null) {
      const margin = threshold - res.smoothed;
      if (margin <= 0) timeToThresholdMs = earliestMs = 0;
      else if (res.slopePerMs > 0) {
        timeToThresholdMs = margin / res.slopePerMs;
        earliestMs = margin / (res.slopePerMs + 2 * res.slopeStdErrPerMs);
        evidence!.timeToThresholdMs = timeToThresholdMs;
        evidence!.timeToThresholdEarliestMs = earliestMs;
      }
    }
    if (m.scorer) {
      if (m.anomalyScore >= 0.99 && score > 70) {
        score = 70;
        rule = 'anomaly-likelihood';
        const broken = m.scorer.brokenRange;
        explanation = broken
          ? `${metric} ${fmt(value)} is outside anything this device has shown before (${fmt(broken[0])} to ${fmt(broken[1])})`
          : `${metric} ${fmt(value)} is unusual for this device (anomaly likelihood ${fmt(m.anomalyScore, 3)})`;
      }
    }
    if (score > 85 && m.anomalyStreak >= ANOMALY_STREAK) {
      score = 85;
      rule = 'zscore';
      explanation = `${metric} ${fmt(value)} is ${fmt(res.z, 1)} σ from its recent level, within its normal range so far`;
    }
    // A lasting shift too small for the elevation rule, found by the CUSUM: worth watching, not a visit.
    const shift = Math.max(res.cusumUp, hasDomainThresholds(metric) ? 0 : res.cusumDown);
    if (evidence) evidence.cusum = shift;
    if (shift >= CUSUM_ALARM && score > 80) {
      score = 80;
      rule = 'cusum-shift';
      explanation = `${metric} has shifted ${res.cusumUp >= res.cusumDown ? 'up' : 'down'} from this device's normal ${fmt(res.longMean)} and stayed there (CUSUM ${fmt(shift, 0)} σ beyond the ${DEFAULT_DETECTOR_PARAMS.cusumK} σ allowance)`;
    }
    if (elevated && score > 70) {
      score = 70;
      rule = 'elevated';
      explanation = `${metric} ${fmt(res.smoothed)} is ${fmt(elevation, 1)} σ above this device's normal ${fmt(res.longMean)}`;
    }
    let due = zoneDue || timeToThresholdMs === 0;
    if (elevated && earliestMs !== null && earliestMs > 0 && earliestMs <= LEAD_SAFETY * this.#leadTimeMs) {
      due = true;
      const forecastScore = 20 + 30 * Math.min(1, timeToThresholdMs! / (LEAD_SAFETY * this.#leadTimeMs));
      if (forecastScore < score) {
        score = forecastScore;
        rule = 'trend-forecast';
        explanation = `${metric} ${fmt(res.smoothed)} is rising, ${fmt(elevation, 1)} σ above normal; forecast to reach ${threshold} in ${formatDuration(timeToThresholdMs!)} (earliest ${formatDuration(earliestMs)})`;
      }
    }
    const ev = evidence ?? { value, baselineMean: res.longMean, baselineStd: sigma, z: res.z, elevationSigmas: elevation, smoothed: res.smoothed, anomalyLikelihood: m.anomalyScore, cusum: shift };
    return verdictOf(metric, due, score, rule, mode, elevated, false, timeToThresholdMs, threshold, explanation, ev);
  }

  #assess(reading: Reading, d: DeviceState): void {
    const model = d.model;
    let worst: MetricVerdict | null = null;
    let warmingUp = false;
    let dueVerdict: MetricVerdict | null = null;
    // The only modes that matter together (no Set per assessment).
    let bearingWear = false;
    let coolingFailure = false;
    for (const [metric, m] of d.metrics) {
      if (!m.last) continue;
      if (m.last.warmingUp) {
        warmingUp = true;
        continue;
      }
      const v = this.#verdict(metric, m, model);
      if (v.anomalous && v.mode === 'bearing_wear') bearingWear = true;
      if (v.anomalous && v.mode === 'cooling_failure') coolingFailure = true;
      if (v.due && (!dueVerdict || v.score < dueVerdict.score)) dueVerdict = v;
      if (!worst || v.score < worst.score) worst = v;
    }
    if (!worst) {
      if (warmingUp) this.#emitHealth(d, { deviceId: reading.deviceId, tsMs: reading.tsMs, score: 100, state: 'warming_up', evidence: {}, explanation: 'learning this device’s normal behaviour' });
      return;
    }
    let mode = worst.mode;
    if (bearingWear && coolingFailure) mode = 'lubrication_loss';
    const state: HealthState = worst.sensorFault ? 'sensor_fault' : worst.score >= 90 ? 'healthy' : worst.score >= 70 ? 'watch' : worst.score >= 40 ? 'warning' : 'critical';
    const report: HealthReport = {
      deviceId: reading.deviceId,
      tsMs: reading.tsMs,
      score: Math.round(worst.score * 10) / 10,
      state,
      metric: worst.metric,
      rule: worst.rule,
      mode: state === 'healthy' ? undefined : mode,
      evidence: worst.evidence,
      timeToThresholdMs: worst.timeToThresholdMs,
      explanation: worst.explanation,
    };
    this.#emitHealth(d, report);
    this.#decide(d, report, dueVerdict, mode);
  }

  #emitHealth(d: DeviceState, report: HealthReport): void {
    d.health = report;
    this.#bus.emit('health', report);
  }

  /** Dispatch when the forecast crossing comes before a technician with the part could arrive. */
  #decide(d: DeviceState, report: HealthReport, due: MetricVerdict | null, deviceMode: FailureMode): void {
    if (due) {
      // Both vibration and temperature rising together point at lubrication, not one part.
      const mode: FailureMode = due.mode !== 'sensor_fault' && deviceMode === 'lubrication_loss' ? 'lubrication_loss' : due.mode;
      d.healthyStreak = 0;
      d.lastDueTsMs = report.tsMs;
      if (d.dispatched.has(mode) || this.#falseAlarms.holds(mode, report)) return;
      d.dispatched.add(mode);
      const predictedFailureAtMs = due.timeToThresholdMs === null ? null : report.tsMs + due.timeToThresholdMs;
      this.#log.info({ device: report.deviceId, mode, rule: due.rule, score: report.score }, 'dispatch requested');
      this.#bus.emit('dispatch', { deviceId: report.deviceId, mode, tsMs: report.tsMs, health: report, predictedFailureAtMs });
      return;
    }
    if (report.state === 'healthy' && d.dispatched.size > (d.dispatched.has('sensor_fault') ? 1 : 0)) {
      if (++d.healthyStreak >= RECOVERY_SAMPLES && report.tsMs - d.lastDueTsMs >= RECOVERY_MS) {
        // A sensor that sent impossible or frozen values is broken until someone fixes it, however
        // normal it looks in between: its request stays until the work order is closed.
        for (const m of d.dispatched) {
          if (m === 'sensor_fault') continue;
          this.#bus.emit('dispatchCancel', { deviceId: report.deviceId, mode: m, tsMs: report.tsMs, reason: `recovered: nothing due for ${formatDuration(report.tsMs - d.lastDueTsMs)} and healthy for the last ${d.healthyStreak} samples` });
          d.dispatched.delete(m);
        }
        d.healthyStreak = 0;
      }
    } else d.healthyStreak = 0;
  }
}
