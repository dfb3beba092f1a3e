import { DEFAULT_DEVICE_MODEL, type DeviceModelSpec } from '../core/device-models.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/log.ts';
import type { ProductModelVersion } from '../core/product-catalogue.ts';
import type { FailureMode, HealthReport, HealthState, Reading } from '../core/types.ts';
import {
  applyCatalogueVersion,
  dropJointModel,
  jointCarryMs,
  jointInputOf,
  jointValueRenewed,
  noteJointInput,
  noteMissingJointMetrics,
  noteSeen,
  jointModelCurrent,
  JOINT_CARRY_MS,
  JOINT_CARRY_SLOWEST_MS,
  JOINT_MAX_INTERVAL_MS,
  JOINT_MAX_METRICS,
  JOINT_MIN_METRICS,
  newDeviceState,
  newJointModel,
  nextIntervalMs,
  newMetricState,
  type DeviceState,
  type MetricState,
} from './device-state.ts';
import { diagnose, diagnoseJoint } from './diagnosis.ts';
import { DispatchDecision } from './dispatch.ts';
import { FalseAlarmHolds } from './false-alarm-hold.ts';
import { countRunningTime, leftOutByRunningState } from './running-state.ts';
import { restoreSnapshot, snapshotOf } from './snapshot.ts';
import { evidenceOf, JOINT_RULE, judge, jointResidual, MetricVerdict } from './verdict.ts';

export interface AnalyticsOptions {
  bus: EventBus;
  log: Logger;
  /** Which product model a device is (thresholds); unknown devices get DEFAULT_DEVICE_MODEL. */
  deviceModelOf?: (deviceId: string) => DeviceModelSpec;
  /**
   * The device's product model in the catalogue at its current version (null: none). Its metrics'
   * rated limits, failure modes and running metric then decide; the bus's `catalogueChanged`
   * brings a new version to the next readings.
   */
  modelOf?: (deviceId: string) => ProductModelVersion | null;
  /** Parts + travel lead time used by the dispatch decision, ms (default 48 h). */
  leadTimeMs?: number;
  /** How long a dismissed false alarm is held while its evidence does not grow, ms (default 72 h). */
  falseAlarmQuietMs?: number;
}

/** Which of a joint reading's values are new (JointModel.update's `renewed`): one array for every device, used within one call. */
const JOINT_RENEWED = new Uint8Array(JOINT_MAX_METRICS);

/** |z| above which a sample is unusual (the z-score rule wants a few in a row). */
const ANOMALY_Z = 4;

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

/**
 * Streaming analytics: a detector per device × metric, the domain thresholds of the device's
 * model (ISO 10816 zones for vibration, rated maximum for temperature), a health score that
 * explains itself, and the dispatch decision (one request per device and failure mode).
 */
export class Analytics {
  readonly #bus: EventBus;
  readonly #modelOf: (deviceId: string) => DeviceModelSpec;
  readonly #catalogueOf: (deviceId: string) => ProductModelVersion | null;
  #leadTimeMs: number;
  readonly #devices = new Map<string, DeviceState>();
  readonly #dispatch: DispatchDecision;
  readonly #falseAlarms: FalseAlarmHolds;
  readonly #log: Logger;
  readonly #unsubscribe: (() => void)[] = [];
  /**
   * The verdicts an assessment writes (see MetricVerdict): the metric being judged, the worst so
   * far and the worst that is due. Judged and worst swap places when the judged one is worse.
   */
  #judged = new MetricVerdict();
  #worst = new MetricVerdict();
  readonly #due = new MetricVerdict();
  samplesProcessed = 0;
  /** Samples older than their metric's last one, left out (see #sample). */
  lateSamples = 0;

  constructor(opts: AnalyticsOptions) {
    this.#bus = opts.bus;
    this.#modelOf = opts.deviceModelOf ?? (() => DEFAULT_DEVICE_MODEL);
    this.#catalogueOf = opts.modelOf ?? (() => null);
    this.#leadTimeMs = opts.leadTimeMs ?? 48 * 3600_000;
    this.#log = opts.log;
    this.#falseAlarms = new FalseAlarmHolds(opts.falseAlarmQuietMs ?? 72 * 3600_000);
    this.#dispatch = new DispatchDecision(opts.bus, opts.log, this.#falseAlarms);
  }

  start(): void {
    this.#unsubscribe.push(
      this.#bus.on('telemetry', (readings) => this.process(readings)),
      // Ingest rejects a physically impossible value as a reading and reports it here, alone: the
      // physical-range rule counts it as a sensor fault and never teaches it to a baseline.
      this.#bus.on('sensorFault', (report) => this.process(report.readings)),
      this.#bus.on('baselineReset', (e) => this.resetBaseline(e.deviceId)),
      this.#bus.on('catalogueChanged', (c) => {
        if (c.change !== 'deleted') this.applyCatalogueVersion(c.model);
      }),
      this.#bus.on('workOrder', (order) => {
        // A closed work order lets the same failure mode be dispatched again later.
        if (order.state === 'resolved' || order.state === 'cancelled')
          this.#devices.get(order.deviceId)?.dispatched.delete(order.mode);
      }),
      this.#bus.on('falseAlarm', (dismissal) => {
        const health = this.#devices.get(dismissal.deviceId)?.health ?? null;
        this.#falseAlarms.hold(dismissal, health?.tsMs ?? dismissal.tsMs, health?.score ?? null);
        this.#log.info(
          { device: dismissal.deviceId, mode: dismissal.mode, workOrder: dismissal.workOrderId },
          'false alarm dismissed: mode held',
        );
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

  /** A new version of a catalogue model: its devices' next readings are judged by it, keeping what was learnt. */
  applyCatalogueVersion(model: ProductModelVersion): void {
    for (const d of this.#devices.values())
      if (d.catalogue?.id === model.id && d.catalogue.version !== model.version) applyCatalogueVersion(d, model);
  }

  /** Drops everything learnt about a device: its next reading starts a new warm-up. */
  forget(deviceId: string): void {
    this.#devices.delete(deviceId);
  }

  /** Drops the devices `which` picks (a worker that lost a partition drops that partition's devices); returns how many. */
  forgetWhere(which: (deviceId: string) => boolean): number {
    let n = 0;
    for (const id of [...this.#devices.keys()])
      if (which(id)) {
        this.#devices.delete(id);
        n++;
      }
    return n;
  }

  resetBaseline(deviceId: string): void {
    const d = this.#devices.get(deviceId);
    if (!d) return;
    for (const m of d.metrics.values()) {
      m.detector.reset();
      m.anomalyStreak = 0;
      m.gainDrift = false;
    }
    d.joint?.reset();
  }

  /** Feeds readings (in order) through the detectors; emits health per device and dispatch decisions. */
  process(readings: readonly Reading[]): void {
    let lastDevice: DeviceState | null = null;
    let lastReading: Reading | null = null;
    for (const r of readings) {
      const d = this.#device(r.deviceId);
      if (lastDevice && lastDevice !== d) this.#assess(lastReading!, lastDevice);
      countRunningTime(d, r.tsMs);
      noteSeen(d, r.tsMs);
      const values = r.values;
      let position = 0;
      for (const metric in values) this.#sample(d, metric, position++, r.tsMs, valueOf(values, metric));
      if (position >= JOINT_MIN_METRICS) this.#joint(d, r.tsMs, position);
      lastDevice = d;
      lastReading = r;
    }
    if (lastDevice) this.#assess(lastReading!, lastDevice);
  }

  /** Everything learnt, as JSON-safe data; only the devices `only` picks when given (one partition's). */
  snapshot(only?: (deviceId: string) => boolean): unknown {
    if (!only) return snapshotOf(this.#devices);
    const picked = new Map<string, DeviceState>();
    for (const [id, d] of this.#devices) if (only(id)) picked.set(id, d);
    return snapshotOf(picked);
  }

  /**
   * Restores a snapshot. A device keeps at most `maxMetricsPerDevice` metrics, the first ones in
   * the snapshot (ingest admits no more): a snapshot taken before that bound must not bring back a
   * flood of junk metric names. Returns how many metrics were left out.
   */
  restore(snapshot: unknown, maxMetricsPerDevice = Number.POSITIVE_INFINITY): { droppedMetrics: number } {
    return restoreSnapshot(snapshot, (deviceId) => this.#device(deviceId), maxMetricsPerDevice);
  }

  #device(deviceId: string): DeviceState {
    let d = this.#devices.get(deviceId);
    if (!d) {
      d = newDeviceState(this.#modelOf(deviceId), this.#catalogueOf(deviceId));
      this.#devices.set(deviceId, d);
    }
    return d;
  }

  #sample(d: DeviceState, metric: string, position: number, tsMs: number, value: number): void {
    let m: MetricState | undefined = d.byPosition[position];
    if (m === undefined || m.name !== metric) {
      m = d.metrics.get(metric);
      if (!m) {
        m = newMetricState(metric, d, value);
        d.metrics.set(metric, m);
      }
      d.byPosition[position] = m;
    }
    // A reading older than the last one this metric learnt comes late (a worker's share of a
    // device queued at the broker while it was down, replayed into the stream after newer ones):
    // judged now it would run the baselines, the trend and the noise backwards in time. It is
    // stored all the same; the detectors judge the present.
    if (tsMs < m.detector.lastTsMs) {
      this.lateSamples++;
      return;
    }
    const previous = m.lastValue;
    // Back after going quiet: it rejoins the joint model once read twice within its slowest carry.
    if (m.jointExcluded && tsMs - m.lastValueTsMs <= JOINT_CARRY_SLOWEST_MS) m.jointExcluded = false;
    // NaN for the first reading since a start or restore.
    if (m.jointIndex >= 0) noteJointInput(d, m, tsMs - m.lastValueTsMs, value, previous);
    m.lastValue = value;
    m.lastValueTsMs = tsMs;
    m.outOfRange *= 0.99;
    this.samplesProcessed++;
    const facts = m.facts;
    if (value < facts.physicalMin || value > facts.physicalMax) {
      // A physically impossible reading says nothing about the machine: keep it out of the baseline.
      m.outOfRange += 1;
      return;
    }
    if (leftOutByRunningState(d, m, tsMs, value, previous)) return;
    // The detector keeps the result in place until the next sample (the verdict reads it then).
    const res = m.detector.keep(tsMs, value);
    if (m.scorer) m.anomalyScore = m.scorer.update(tsMs, value);
    // For metrics whose failure lies upwards (vibration, temperature) only a rise is a machine
    // anomaly: a drop (load falls, the machine cools) is not a failure coming.
    const z = facts.risesOnly ? res.z : facts.fallsOnly ? -res.z : Math.abs(res.z);
    m.anomalyStreak = !res.warmingUp && z >= ANOMALY_Z ? m.anomalyStreak + 1 : 0;
    m.last = res;
  }

  /**
   * A reading of a device with three or more metrics teaches and judges its joint model, when it
   * carries all of them (or those it lacks were heard from lately: jointCarryMs), all within
   * their sensors' ranges, and the machine runs (a stopped machine's metrics say nothing of its
   * running normal). A new metric makes a new joint model.
   */
  #joint(d: DeviceState, tsMs: number, metricsInReading: number): void {
    const dt = tsMs - d.lastReadingMs;
    if (dt < 0) return; // late: see #sample
    d.lastReadingMs = tsMs;
    // A gap (the device was off, or recordings of different days follow each other) is not its
    // reading interval: taken into it, one day's gap made a 1-Hz device look like one reporting
    // every 70 minutes and dropped its joint model, learnt again from nothing some 120 readings
    // later (bench:multivariate --gap-min 60: F1 0).
    d.readingIntervalMs = nextIntervalMs(d.readingIntervalMs, dt);
    if (!(d.readingIntervalMs <= JOINT_MAX_INTERVAL_MS)) {
      if (d.joint !== null) dropJointModel(d);
      return;
    }
    // A reading with every metric of the device, and a model over as many (the first 16): the
    // model is current (the common case, checked without a loop). Otherwise a metric may be new,
    // back or gone quiet.
    const all = metricsInReading === d.metrics.size;
    if (d.joint !== null && !all && noteMissingJointMetrics(d)) newJointModel(d);
    if (
      d.joint === null ||
      (!(all && d.joint.d === Math.min(d.metrics.size, JOINT_MAX_METRICS)) && !jointModelCurrent(d))
    )
      if (!newJointModel(d)) return;
    if (d.stopped) return;
    if (metricsInReading < d.metrics.size) {
      // Only some of the metrics: the others' last values stand in while they are fresh. One at
      // the same instant as the reading before (the rest of that instant's sensors, published
      // apart) is not a second reading of it: its values join the next one.
      if (dt === 0) return;
      for (const m of d.jointMetrics) if (!(tsMs - m.lastValueTsMs <= jointCarryMs(d, m))) return;
    }
    const metrics = d.jointMetrics;
    const values = d.jointValues!;
    const renewed = JOINT_RENEWED;
    for (let i = 0; i < metrics.length; i++) {
      const m = metrics[i];
      const v = jointInputOf(d, m);
      if (v < m.facts.physicalMin || v > m.facts.physicalMax) return;
      values[i] = v;
    }
    // Which values are new since the model's last reading, noted only for a reading it is given.
    for (let i = 0; i < metrics.length; i++) renewed[i] = jointValueRenewed(d, metrics[i]);
    d.joint!.update(tsMs, values, renewed);
    d.jointFedMs = tsMs;
  }

  #assess(reading: Reading, d: DeviceState): void {
    let judged = this.#judged;
    let worst = this.#worst;
    const due = this.#due;
    let judgedAny = false;
    let anyDue = false;
    let warmingUp = false;
    // The only modes that matter together (no Set per assessment).
    let bearingWear = false;
    let coolingFailure = false;
    // A device's joint model explains its unit-free metrics' moves while it says the device is at
    // its normal for its running point (or is still learning it): a load change moves them all.
    const joint = d.joint;
    // A joint model not fed for longer than a metric's last value stands in (one of its metrics is
    // missing, not yet quiet for long enough to be left out) judges nothing: its last alarm is old.
    const jointAlarm = joint?.alarm === true && reading.tsMs - d.jointFedMs <= JOINT_CARRY_MS;
    const explained = joint !== null && !jointAlarm;
    for (const m of d.metrics.values()) {
      if (!m.last) continue;
      if (m.last.warmingUp) {
        warmingUp = true;
        continue;
      }
      const v = judge(judged, m, this.#leadTimeMs, d, explained);
      if (v.anomalous && v.mode === 'bearing_wear') bearingWear = true;
      if (v.anomalous && v.mode === 'cooling_failure') coolingFailure = true;
      if (v.due && (!anyDue || v.score < due.score)) {
        due.copyFrom(v);
        anyDue = true;
      }
      if (!judgedAny || v.score < worst.score) {
        judged = worst;
        worst = v;
        judgedAny = true;
      }
    }
    // The device-level rule: the joint model off its normal (joint-model.ts), judged beside the metrics.
    if (jointAlarm && judgedAny) {
      const v = jointResidual(judged, d, joint!);
      if (v.due && (!anyDue || v.score < due.score)) {
        due.copyFrom(v);
        anyDue = true;
      }
      if (v.score < worst.score) {
        judged = worst;
        worst = v;
      }
    }
    this.#judged = judged;
    this.#worst = worst;
    if (!judgedAny) {
      if (warmingUp)
        this.#emitHealth(d, {
          deviceId: reading.deviceId,
          tsMs: reading.tsMs,
          score: 100,
          state: 'warming_up',
          evidence: {},
          explanation: 'learning this device’s normal behaviour',
        });
      return;
    }
    let mode = worst.mode;
    // A catalogue model names its modes by signature (diagnosis.ts); without one, both vibration
    // and temperature rising together point at lubrication.
    const catalogue = d.catalogue;
    if (catalogue && !worst.sensorFault)
      mode =
        (worst.rule === JOINT_RULE ? diagnoseJoint(d, catalogue) : diagnose(d, catalogue, worst.metric))?.id ?? mode;
    else if (bearingWear && coolingFailure) mode = 'lubrication_loss';
    const state: HealthState = worst.sensorFault
      ? 'sensor_fault'
      : worst.score >= 90
        ? 'healthy'
        : worst.score >= 70
          ? 'watch'
          : worst.score >= 40
            ? 'warning'
            : 'critical';
    const report: HealthReport = {
      deviceId: reading.deviceId,
      tsMs: reading.tsMs,
      score: Math.round(worst.score * 10) / 10,
      state,
      metric: worst.metric,
      rule: worst.rule,
      mode: state === 'healthy' ? undefined : mode,
      evidence: evidenceOf(worst),
      timeToThresholdMs: Number.isNaN(worst.timeToThresholdMs) ? null : worst.timeToThresholdMs,
      explanation: worst.explanation,
    };
    // Read before the report goes out: a listener may feed analytics again, and the verdicts are rewritten then.
    const diagnosed =
      catalogue && anyDue && !due.sensorFault
        ? due.rule === JOINT_RULE
          ? diagnoseJoint(d, catalogue)
          : diagnose(d, catalogue, due.metric)
        : null;
    const dueMode: FailureMode | null = anyDue ? (diagnosed?.id ?? due.mode) : null;
    const dueRule = due.rule;
    const dueTimeToThresholdMs = Number.isNaN(due.timeToThresholdMs) ? null : due.timeToThresholdMs;
    this.#emitHealth(d, report);
    this.#dispatch.decide(
      d,
      report,
      dueMode,
      dueRule,
      dueTimeToThresholdMs,
      catalogue ? (dueMode ?? mode) : mode,
      diagnosed,
    );
  }

  #emitHealth(d: DeviceState, report: HealthReport): void {
    // The running state this reading left, and the time run so far (running-state.ts): maintenance counts running hours by it.
    report.running = !d.stopped;
    report.runningMs = d.runningMs;
    d.health = report;
    this.#bus.emit('health', report);
  }
}
