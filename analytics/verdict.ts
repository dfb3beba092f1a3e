// One metric's verdict: an ordered list of named rules, each a plain function that reads the
// metric's state and writes the one verdict object the rules share. The sensor-fault rules come
// first and end the verdict when they find one (a broken sensor says nothing about the machine);
// the rules after them each lower the score and say why, when they find something worse.

import type { ProductModelVersion } from '../core/product-catalogue.ts';
import type { FailureMode } from '../core/types.ts';
import { type DeviceState, type MetricState, QUIET_SENSOR_MS, quietMs } from './device-state.ts';
import { fmt, formatDuration } from './format.ts';
import { DEFAULT_DETECTOR_PARAMS } from './metric-detector.ts';
import type { MetricFacts } from './metric-kinds.ts';
import type { JointModel } from './joint-model.ts';
import { IMPLAUSIBLE_STOP_MS, SL_EXCESS, SL_MEAN, SL_STREAK } from './running-state.ts';

/** How many |z| ≥ 4 samples in a row (see Analytics) make more than a blip. */
const ANOMALY_STREAK = 3;
/** Standard deviations above the long-term normal, and for how many assessments, that make a metric elevated. */
const ELEVATED_SIGMAS = 4;
const ELEVATED_STREAK = 3;
/** CUSUM (in σ beyond its allowance) from which a shift is reported. */
const CUSUM_ALARM = 50;
/** A sensor repeating exactly the same value this many times is stuck. */
const STUCK_REPEATS = 60;
/** ...and, on a device with a joint model, its normal has moved this many of its residual's spreads meanwhile. */
const STUCK_NORMAL_MOVED = 3;
/** Out-of-range readings (decaying count) that make a spiking sensor worth a visit. */
const OUT_OF_RANGE_DISPATCH = 3;
/** Dispatch when the forecast's early bound is within this multiple of the lead time: a margin for the forecast's error. */
const LEAD_SAFETY = 1.5;

/**
 * The verdict the rules write. Analytics keeps a few of these and rewrites them for every metric
 * it judges: every field is set from the start and keeps its type, so the object keeps one shape
 * (no per-metric literal, no property added later), and a judgement allocates nothing but the
 * explanations it formats. The evidence a health report carries is made from it by `evidenceOf`,
 * for the one verdict that drives the report.
 */
export class MetricVerdict {
  metric = '';
  /** What the metric is compared against (set with each verdict). */
  facts: MetricFacts | null = null;
  /** This metric alone asks for a technician now. */
  due = false;
  score = 100;
  rule = 'baseline';
  mode: FailureMode = 'unknown_anomaly';
  /** Elevated above the device's normal: a machine anomaly (never for a sensor fault). */
  anomalous = false;
  sensorFault = false;
  /** Forecast time to the failure threshold, and its early bound, ms (NaN: not heading there). */
  timeToThresholdMs = Number.NaN;
  earliestMs = Number.NaN;
  /** The forecast comes from a rising trend (not from the threshold already crossed). */
  trending = false;
  explanation = '';
  // The numbers behind it (the report's evidence).
  value = Number.NaN;
  baselineMean = Number.NaN;
  baselineStd = Number.NaN;
  z = Number.NaN;
  elevationSigmas = Number.NaN;
  smoothed = Number.NaN;
  stoppedSamples = 0;
  anomalyLikelihood = Number.NaN;
  cusum = Number.NaN;
  /** A sensor fault's own evidence: its name and number. */
  faultEvidence = '';
  faultEvidenceValue = Number.NaN;
  /** The device-level rule's numbers: T²/d against its usual level, the metric's share of it, how long (ms). */
  jointRatio = Number.NaN;
  jointShare = Number.NaN;
  jointAlarmMs = Number.NaN;

  copyFrom(v: MetricVerdict): void {
    this.metric = v.metric;
    this.facts = v.facts;
    this.due = v.due;
    this.score = v.score;
    this.rule = v.rule;
    this.mode = v.mode;
    this.anomalous = v.anomalous;
    this.sensorFault = v.sensorFault;
    this.timeToThresholdMs = v.timeToThresholdMs;
    this.earliestMs = v.earliestMs;
    this.trending = v.trending;
    this.explanation = v.explanation;
    this.value = v.value;
    this.baselineMean = v.baselineMean;
    this.baselineStd = v.baselineStd;
    this.z = v.z;
    this.elevationSigmas = v.elevationSigmas;
    this.smoothed = v.smoothed;
    this.stoppedSamples = v.stoppedSamples;
    this.anomalyLikelihood = v.anomalyLikelihood;
    this.cusum = v.cusum;
    this.faultEvidence = v.faultEvidence;
    this.faultEvidenceValue = v.faultEvidenceValue;
    this.jointRatio = v.jointRatio;
    this.jointShare = v.jointShare;
    this.jointAlarmMs = v.jointAlarmMs;
  }
}

/** A rule: reads the metric's state (and its device's, for context), writes the verdict; true ends the verdict (a sensor fault). */
export type VerdictRule = (v: MetricVerdict, m: MetricState, leadTimeMs: number, d: DeviceState) => boolean;

function sensorFault(
  v: MetricVerdict,
  due: boolean,
  score: number,
  rule: string,
  explanation: string,
  evidence: string,
  evidenceValue: number,
): true {
  v.due = due;
  v.score = score;
  v.rule = rule;
  v.mode = 'sensor_fault';
  v.anomalous = false;
  v.sensorFault = true;
  v.explanation = explanation;
  v.faultEvidence = evidence;
  v.faultEvidenceValue = evidenceValue;
  return true;
}

function lower(v: MetricVerdict, score: number, rule: string, explanation: string): void {
  v.score = score;
  v.rule = rule;
  v.explanation = explanation;
}

/**
 * A metric that has gone quiet while its device goes on reporting the others: its sensor, its
 * wiring or the board that publishes it. Once it has been missing (device-state.ts quietMs) for
 * QUIET_SENSOR_MS and for QUIET_INTERVALS of its own mean interval (a metric read hourly beside one
 * read every five minutes is not quiet between its readings), having been read QUIET_MIN_SAMPLES
 * times (its cadence known). A visit to look at it; scored above the joint model's warning, so
 * that a fault the others show while it is quiet is still the device's verdict and goes out as
 * itself.
 */
export function quietSensor(v: MetricVerdict, m: MetricState, d: DeviceState): boolean {
  const quiet = quietMs(d, m);
  if (!(quiet >= QUIET_SENSOR_MS)) return false;
  if (!(m.detector.samples >= QUIET_MIN_SAMPLES && quiet >= QUIET_INTERVALS * m.detector.meanIntervalMs)) return false;
  return sensorFault(
    v,
    true,
    QUIET_SCORE,
    'quiet-sensor',
    `${v.metric}: no reading for ${formatDuration(quiet)} while the device goes on reporting its other metrics: its sensor, wiring or board`,
    'quietMs',
    quiet,
  );
}
const QUIET_SCORE = 65;
/** Missing for this many of its mean intervals, having been read at least this often, a metric of any device is quiet. */
const QUIET_INTERVALS = 10;
const QUIET_MIN_SAMPLES = 20;

/** A reading outside the sensor's physical range: the sensor, not the machine (a visit once it keeps happening). */
export function physicalRange(v: MetricVerdict, m: MetricState): boolean {
  const f = m.facts;
  if (!(v.value < f.physicalMin || v.value > f.physicalMax)) return false;
  return sensorFault(
    v,
    m.outOfRange >= OUT_OF_RANGE_DISPATCH,
    50,
    'physical-range',
    `${v.metric} ${fmt(v.value)} is outside the sensor's physical range ${f.physicalMin}…${f.physicalMax}: sensor fault, not the machine`,
    'outOfRangeRecent',
    m.outOfRange,
  );
}

/**
 * The same value exactly, over and over: a stuck sensor. On a device with a joint model, only
 * once it judges and while the other metrics say the reading should have moved (its normal by
 * STUCK_NORMAL_MOVED of its residual's spreads, beyond one step of the sensor's resolution, since
 * it last changed): a quantised sensor (a temperature in 0.5 °C steps, a mains voltage) repeats
 * itself at a steady running point.
 */
export function stuckSensor(v: MetricVerdict, m: MetricState, d: DeviceState): boolean {
  const repeats = m.last!.repeatCount;
  if (m.detector.samples < STUCK_REPEATS || repeats < STUCK_REPEATS) return false;
  const joint = d.joint;
  // A metric of a joint model still learning waits for it (NaN: not judging): at 1 Hz a sensor in
  // 0.5 °C steps repeats itself 60 times in a minute's steady running, and was a stuck sensor for
  // thousands of readings of every rig seed's first two hours.
  const at = joint ? joint.indexOf(m.name) : -1;
  if (at >= 0 && !(joint!.normalMovedSinceChange(at) >= STUCK_NORMAL_MOVED)) return false;
  return sensorFault(
    v,
    true,
    60,
    'stuck-sensor',
    `${v.metric} has repeated ${fmt(v.value)} exactly ${repeats} times: stuck sensor`,
    'repeats',
    repeats,
  );
}

/** Vibration reads "stopped" while the temperature stays at its running level (running-state.ts). */
export function silentVibrationSensor(v: MetricVerdict, m: MetricState): boolean {
  if (m.warmWhileStoppedMs < IMPLAUSIBLE_STOP_MS) return false;
  return sensorFault(
    v,
    true,
    55,
    'silent-vibration-sensor',
    `vibration reads ${fmt(v.value)} mm/s as if the machine were stopped, but its temperature has been at its running level for ${formatDuration(m.warmWhileStoppedMs)} in all since: vibration sensor fault`,
    'warmWhileStoppedMs',
    m.warmWhileStoppedMs,
  );
}

/** Settled stopped readings in a row above the stopped level, and the running reading's σ above its normal, that make an offset. */
const OFFSET_STREAK = 3;
const OFFSET_RUNNING_SIGMAS = 1.5;

/**
 * A temperature that stays above what this machine shows once it has cooled in a stop, while its
 * running reading is up too: a stopped machine cools to ambient whatever its cooling (a lost
 * cooling's excess fades with the heat that made it), a sensor's offset stays, stopped or running
 * (running-state.ts `learnStoppedLevel`). Only a machine that stops for over an hour can show it.
 */
export function sensorOffset(v: MetricVerdict, m: MetricState): boolean {
  const s = m.stoppedLevel;
  if (s === null || s[SL_STREAK] < OFFSET_STREAK || !(m.elevationSigned >= OFFSET_RUNNING_SIGMAS)) return false;
  return sensorFault(
    v,
    true,
    55,
    'sensor-offset',
    `${v.metric} stays ${fmt(s[SL_EXCESS], 1)} σ above what this machine shows once it has cooled in a stop (${fmt(s[SL_MEAN], 1)}), and reads ${fmt(m.elevationSigned, 1)} σ above its normal running: a stopped machine cools whatever its cooling, an offset stays: check the ${v.metric} sensor`,
    'stoppedExcessSigmas',
    s[SL_EXCESS],
  );
}

/** A vibration this many times its long-term normal, or more, can be told a drifting gain from wear... */
const GAIN_MIN_LEVEL = 1.4;
/** ...when its reading-to-reading noise grew at least as its level to this power (a gain scales both alike: 1), and at least this much... */
const GAIN_NOISE_EXPONENT = 0.5;
const GAIN_NOISE_FLOOR = 1.3;
/** ...and it stays a drifting gain until the noise falls under the level to this power (wear's noise stays where it was: 0). */
const GAIN_NOISE_EXPONENT_OFF = 0.25;
/** The device's other metrics with domain thresholds within this many σ of their normal, their failure way. */
const GAIN_CONTEXT_SIGMAS = 3;

/**
 * A vibration sensor whose gain drifts: the level well above its normal, its noise grown with it,
 * the machine's other metrics at their normal. A gain error scales all the sensor reads, the
 * machine's own reading-to-reading fluctuation with its level; wear adds vibration over the same
 * fluctuation, and heats the machine as it goes on (lubrication loss at once). The noise is the
 * reading's departure from the line through the two before (a rise is not noise), its mean over
 * 12 hours against the normal one, and so is the level. On bench:fleet seeds 1–4 (where these
 * constants were chosen): drifting sensors' noise 1.38–1.68 × its normal when their level first
 * reaches 1.45 ×, wearing bearings' at most 1.31 × at any level from 1.3 × to their failure.
 */
export function sensorGainDrift(v: MetricVerdict, m: MetricState, d: DeviceState): boolean {
  if (m.facts.zones === null) return false;
  const res = m.last!;
  // The level over the same 12 hours as the noise: both as late, so a gain moves them alike.
  const level = m.detector.recentLevelRatio;
  const noise = m.detector.noiseRatio;
  const gain = m.gainDrift
    ? level > 1 && noise >= level ** GAIN_NOISE_EXPONENT_OFF
    : level >= GAIN_MIN_LEVEL && noise >= Math.max(GAIN_NOISE_FLOOR, level ** GAIN_NOISE_EXPONENT);
  if (!gain) {
    m.gainDrift = false;
    return false;
  }
  let context = '';
  for (const o of d.metrics.values()) {
    if (o === m || o.facts.unitFree || !o.last || o.last.warmingUp) continue;
    const moved = o.facts.risesOnly
      ? o.elevationSigned
      : o.facts.fallsOnly
        ? -o.elevationSigned
        : Math.abs(o.elevationSigned);
    if (moved >= GAIN_CONTEXT_SIGMAS) {
      m.gainDrift = false;
      return false;
    }
    context += `${context ? ', ' : ''}${o.name}`;
  }
  m.gainDrift = true;
  return sensorFault(
    v,
    true,
    55,
    'sensor-gain-drift',
    `${v.metric} ${fmt(res.smoothed)} has been ${fmt(level, 2)} × this device's normal ${fmt(res.longMean)} over the last 12 h and its reading-to-reading noise grew with it (${fmt(noise, 2)} ×)${context ? ` while ${context} stay${context.includes(',') ? '' : 's'} at ${context.includes(',') ? 'their' : 'its'} normal` : ''}: the sensor's gain is drifting (wear adds vibration over the same noise), check the sensor`,
    'noiseRatio',
    noise,
  );
}

/**
 * Another metric of a failure mode's signature counts as moved from this many σ of its normal its
 * way. On bench:fleet --fleet mixed seeds 1–4 (2026 held out), when a metric first left its normal:
 * the partners of a real motor overload, seal leak or belt slip 2.3–5.7 σ their way (they reach
 * their limits together), those of a drifting sensor −1.0 to 0.65 σ (their load and daily swing);
 * 1.5 lies between. 1 and 2 gave the same dispatches there, 3 sent nine real failures a sensor check.
 */
const SIGNATURE_CONTEXT_SIGMAS = 1.5;

/**
 * A catalogue metric elevated its way that no failure mode of its model explains: every mode whose
 * signature has it moving that way names other metrics too, and none of them moved (a motor
 * overload heats the motor: a temperature rising while its current stays at its normal is not
 * one, nor a current rising without the heat it makes). The reading drifts alone, with the
 * machine otherwise unchanged: the sensor, not the machine. A metric that a mode's signature
 * names alone (a fan's bearing wear: vibration up) is explained by it, and so is a metric no
 * signature names (the built-in rules decide then).
 */
export function unexplainedDrift(v: MetricVerdict, m: MetricState, d: DeviceState): boolean {
  const model = d.catalogue;
  const f = m.facts;
  const direction = m.elevationSigned < 0 ? 'down' : 'up';
  // Against the one way a metric fails (a running machine's temperature well below its normal):
  // no failure mode moves it so, unless its catalogue model's signature says one does.
  const against = f.unitFree ? 0 : f.risesOnly ? -m.elevationSigned : f.fallsOnly ? m.elevationSigned : 0;
  m.againstStreak =
    against >= ELEVATED_SIGMAS && (model === null || !signatureNames(model, m.name, direction))
      ? m.againstStreak + 1
      : 0;
  if (m.againstStreak >= ELEVATED_STREAK)
    return sensorFault(
      v,
      true,
      55,
      'unexplained-drift',
      `${v.metric} ${fmt(v.smoothed)} is ${fmt(against, 1)} σ ${direction === 'up' ? 'above' : 'below'} this device's normal ${fmt(v.baselineMean)} while the machine runs: no failure mode moves it that way, check the sensor`,
      'elevationSigmas',
      m.elevationSigned,
    );
  if (model === null || !v.anomalous) {
    m.loneDrift = false;
    return false;
  }
  // The context is read once, when the metric first leaves its normal, and holds while it stays
  // away: later the slow baselines of a failing machine's other metrics have learnt part of the
  // fault (their spread grows with it: a seal leak's flow 3.3 → 17.9 L/min over ten days), and
  // a partner that had moved 2.6 σ read 2.1 σ a day before the failure.
  if (m.elevatedStreak === ELEVATED_STREAK) m.loneDrift = movesAlone(model, m, d, direction);
  if (!m.loneDrift) return false;
  let partners = '';
  for (const mode of model.failureModes)
    if (mode.signature.some((t) => t.metric === m.name && t.direction === direction))
      for (const t of mode.signature)
        if (t.metric !== m.name && !partners.split(', ').includes(t.metric))
          partners += `${partners ? ', ' : ''}${t.metric}`;
  return sensorFault(
    v,
    true,
    55,
    'unexplained-drift',
    `${v.metric} ${fmt(v.smoothed)} is ${fmt(Math.abs(m.elevationSigned), 1)} σ ${direction === 'up' ? 'above' : 'below'} this device's normal ${fmt(v.baselineMean)} while ${partners} stay${partners.includes(',') ? '' : 's'} at ${partners.includes(',') ? 'their' : 'its'} normal: no failure mode of this model moves ${v.metric} alone, check the sensor`,
    'elevationSigmas',
    m.elevationSigned,
  );
}

/**
 * Whether `m`, moved `direction`, moves alone: a failure mode's signature names it so, and every
 * such signature names other metrics, none of which moved their way.
 */
function movesAlone(model: ProductModelVersion, m: MetricState, d: DeviceState, direction: 'up' | 'down'): boolean {
  let named = false;
  for (const mode of model.failureModes) {
    let names = false;
    let others = 0;
    let moved = 0;
    for (const t of mode.signature) {
      if (t.metric === m.name) {
        if (t.direction === direction) names = true;
        continue;
      }
      others++;
      const o = d.metrics.get(t.metric);
      if (!o?.last || o.last.warmingUp) return false; // nothing known of it: no context
      if ((t.direction === 'up' ? o.elevationSigned : -o.elevationSigned) >= SIGNATURE_CONTEXT_SIGMAS) moved++;
    }
    if (!names) continue;
    // A signature with nothing else in it, or with another of its metrics moved its way, explains it.
    if (others === 0 || moved > 0) return false;
    named = true;
  }
  return named;
}

/** Whether a failure mode of the model has `metric` moving `direction` in its signature. */
function signatureNames(model: ProductModelVersion, metric: string, direction: 'up' | 'down'): boolean {
  for (const mode of model.failureModes)
    for (const t of mode.signature) if (t.metric === metric && t.direction === direction) return true;
  return false;
}

/** ISO 10816 zones of the machine's class: zone D is damage, zone C a visit once the metric is elevated. */
export function iso10816Zone(v: MetricVerdict, m: MetricState): boolean {
  const f = m.facts;
  const z = f.zones;
  if (z === null) return false;
  const s = v.smoothed;
  if (s >= z.cd)
    lower(
      v,
      5,
      'iso10816-zone-d',
      `vibration ${fmt(s)} mm/s is in ISO 10816 zone D (≥ ${z.cd} mm/s, class ${f.machineClass}): damage is occurring`,
    );
  else if (s >= z.bc) {
    lower(
      v,
      45 - 30 * ((s - z.bc) / (z.cd - z.bc)),
      'iso10816-zone-c',
      `vibration ${fmt(s)} mm/s is in ISO 10816 zone C (${z.bc}–${z.cd} mm/s, class ${f.machineClass}): restricted operation, plan maintenance`,
    );
    if (v.anomalous) v.due = true;
  } else if (s >= z.ab) lower(v, 95, 'iso10816-zone-b', f.zoneBText);
  return false;
}

/** The model's rated maximum temperature: above it failing, within 5 °C a visit once the metric is elevated. */
export function ratedMaxTemperature(v: MetricVerdict, m: MetricState): boolean {
  const f = m.facts;
  if (f.kind.threshold !== 'rated-max-temperature') return false;
  const threshold = f.threshold;
  const s = v.smoothed;
  if (s >= threshold)
    lower(v, 5, 'rated-max-temperature', `temperature ${fmt(s, 1)} °C is above the rated maximum ${threshold} °C`);
  else if (s >= threshold - 5) {
    lower(
      v,
      40,
      'near-rated-max-temperature',
      `temperature ${fmt(s, 1)} °C is within 5 °C of the rated maximum ${threshold} °C`,
    );
    if (v.anomalous) v.due = true;
  }
  return false;
}

/** A catalogue metric's rated limits: beyond one, the product is failing. */
export function ratedLimit(v: MetricVerdict, m: MetricState): boolean {
  const f = m.facts;
  if (f.kind.threshold !== 'rated-limits') return false;
  const s = v.smoothed;
  const unit = f.unit;
  if (s >= f.threshold)
    lower(v, 5, 'rated-limit', `${v.metric} ${fmt(s)} ${unit} is above its rated limit ${f.threshold} ${unit}`);
  else if (s <= f.lowerThreshold)
    lower(v, 5, 'rated-limit', `${v.metric} ${fmt(s)} ${unit} is below its rated limit ${f.lowerThreshold} ${unit}`);
  return false;
}

/**
 * When the trend reaches the failure threshold, and its early bound (the trend's standard error);
 * due once it is there. A rated lower limit is forecast the same way for a falling trend.
 */
export function thresholdForecast(v: MetricVerdict, m: MetricState): boolean {
  const threshold = m.facts.threshold;
  const lowerThreshold = m.facts.lowerThreshold;
  if (Number.isNaN(threshold) && Number.isNaN(lowerThreshold)) return false;
  const res = m.last!;
  const margin = threshold - res.smoothed;
  const marginBelow = res.smoothed - lowerThreshold;
  if (margin <= 0 || marginBelow <= 0) v.timeToThresholdMs = v.earliestMs = 0;
  else if (res.slopePerMs > 0 && margin > 0) {
    v.timeToThresholdMs = margin / res.slopePerMs;
    v.earliestMs = margin / (res.slopePerMs + 2 * res.slopeStdErrPerMs);
    v.trending = true;
  } else if (res.slopePerMs < 0 && marginBelow > 0) {
    v.timeToThresholdMs = marginBelow / -res.slopePerMs;
    v.earliestMs = marginBelow / (-res.slopePerMs + 2 * res.slopeStdErrPerMs);
    v.trending = true;
  }
  if (v.timeToThresholdMs === 0) v.due = true;
  return false;
}

/** Metrics without domain thresholds: the unit-free score says the value is unusual for this device. */
export function anomalyLikelihood(v: MetricVerdict, m: MetricState): boolean {
  if (m.scorer === null) return false;
  v.anomalyLikelihood = m.anomalyScore;
  if (m.anomalyScore >= 0.99 && v.score > 70) {
    const broken = m.scorer.brokenRange;
    lower(
      v,
      70,
      'anomaly-likelihood',
      broken
        ? `${v.metric} ${fmt(v.value)} is outside anything this device has shown before (${fmt(broken[0])} to ${fmt(broken[1])})`
        : `${v.metric} ${fmt(v.value)} is unusual for this device (anomaly likelihood ${fmt(m.anomalyScore, 3)})`,
    );
  }
  return false;
}

/** Several samples in a row far from the recent level: unusual, though within the normal range so far. */
export function zScore(v: MetricVerdict, m: MetricState): boolean {
  if (v.score > 85 && m.anomalyStreak >= ANOMALY_STREAK)
    lower(
      v,
      85,
      'zscore',
      `${v.metric} ${fmt(v.value)} is ${fmt(Math.abs(v.z), 1)} σ ${v.z < 0 ? 'below' : 'above'} its recent level, within its normal range so far`,
    );
  return false;
}

/** A lasting shift too small for the elevation rule, found by the CUSUM: worth watching, not a visit. */
export function cusumShift(v: MetricVerdict, m: MetricState): boolean {
  const res = m.last!;
  const shift = Math.max(m.facts.fallsOnly ? 0 : res.cusumUp, m.facts.risesOnly ? 0 : res.cusumDown);
  v.cusum = shift;
  if (shift >= CUSUM_ALARM && v.score > 80) {
    lower(
      v,
      80,
      'cusum-shift',
      `${v.metric} has shifted ${res.cusumUp >= res.cusumDown ? 'up' : 'down'} from this device's normal ${fmt(res.longMean)} and stayed there (CUSUM ${fmt(shift, 0)} σ beyond the ${DEFAULT_DETECTOR_PARAMS.cusumK} σ allowance)`,
    );
  }
  return false;
}

/** The smoothed value well above the device's long-term normal, for several assessments. */
export function elevated(v: MetricVerdict, m: MetricState): boolean {
  if (v.anomalous && v.score > 70)
    lower(
      v,
      70,
      'elevated',
      `${v.metric} ${fmt(v.smoothed)} is ${fmt(v.elevationSigmas, 1)} σ ${m.elevationSigned < 0 ? 'below' : 'above'} this device's normal ${fmt(v.baselineMean)}`,
    );
  return false;
}

/** Elevated and forecast to fail before a technician with the part could be there: dispatch now. */
export function trendForecast(v: MetricVerdict, m: MetricState, leadTimeMs: number): boolean {
  if (!(v.anomalous && v.earliestMs > 0 && v.earliestMs <= LEAD_SAFETY * leadTimeMs)) return false;
  v.due = true;
  const forecastScore = 20 + 30 * Math.min(1, v.timeToThresholdMs / (LEAD_SAFETY * leadTimeMs));
  if (forecastScore < v.score) {
    const falling = m.last!.slopePerMs < 0;
    lower(
      v,
      forecastScore,
      'trend-forecast',
      `${v.metric} ${fmt(v.smoothed)} is ${falling ? 'falling' : 'rising'}, ${fmt(v.elevationSigmas, 1)} σ ${falling ? 'below' : 'above'} normal; forecast to reach ${falling ? m.facts.lowerThreshold : m.facts.threshold} in ${formatDuration(v.timeToThresholdMs)} (earliest ${formatDuration(v.earliestMs)})`,
    );
  }
  return false;
}

// The rules, in the order they run, each called by name: a loop over an array of them had one call
// site that saw sixteen functions, for every metric of every reading; called one by one, each
// site sees one and can inline it (bench:detector's 8-metric devices: a few per cent).

/** The rules that say a sensor is broken: the ones a unit-free metric is judged by while its device's joint model explains its moves. */
function sensorRules(v: MetricVerdict, m: MetricState, d: DeviceState): boolean {
  return (
    quietSensor(v, m, d) ||
    physicalRange(v, m) ||
    stuckSensor(v, m, d) ||
    silentVibrationSensor(v, m) ||
    sensorGainDrift(v, m, d) ||
    sensorOffset(v, m) ||
    unexplainedDrift(v, m, d)
  );
}

/** The rules of the machine: its domain thresholds, forecasts and the statistical rules. */
function machineRules(v: MetricVerdict, m: MetricState, leadTimeMs: number): boolean {
  return (
    iso10816Zone(v, m) ||
    ratedMaxTemperature(v, m) ||
    ratedLimit(v, m) ||
    thresholdForecast(v, m) ||
    anomalyLikelihood(v, m) ||
    zScore(v, m) ||
    cusumShift(v, m) ||
    elevated(v, m) ||
    trendForecast(v, m, leadTimeMs)
  );
}

/**
 * Judges a metric from its last result: starts the verdict from the metric's standing against its
 * long-term normal (and counts the assessments it has been elevated), then runs the rules.
 * `explained`: the device's joint model says the device is at its normal for its running point
 * (or is still learning it); a unit-free metric is then judged by the sensor-fault rules only,
 * since its level moves with the load, which its own baseline cannot tell from a fault.
 */
export function judge(
  v: MetricVerdict,
  m: MetricState,
  leadTimeMs: number,
  d: DeviceState,
  explained = false,
): MetricVerdict {
  const res = m.last!;
  const f = m.facts;
  const sigma = Math.max(res.longStd, f.sigmaFloor);
  const signed = sigma > 0 ? (res.smoothed - res.longMean) / sigma : 0;
  m.elevationSigned = signed;
  // Elevation counts in the direction the metric fails (a pressure falling towards its lower
  // limit), either way for a metric that fails both ways or of which nothing is known (unit-free).
  const elevation = f.fallsOnly ? -signed : f.risesOnly ? signed : Math.abs(signed);
  m.elevatedStreak = elevation >= ELEVATED_SIGMAS ? m.elevatedStreak + 1 : 0;
  v.metric = m.name;
  v.facts = f;
  v.due = false;
  v.score = 100;
  v.rule = 'baseline';
  v.mode = f.failureMode;
  const onlySensorRules = explained && f.unitFree;
  v.anomalous = !onlySensorRules && m.elevatedStreak >= ELEVATED_STREAK;
  v.sensorFault = false;
  v.timeToThresholdMs = Number.NaN;
  v.earliestMs = Number.NaN;
  v.trending = false;
  // The common case says it without formatting numbers (the evidence carries them): this runs
  // for every metric of every reading, and toFixed was a tenth of the analytics path's time.
  v.explanation = m.normalText;
  v.value = m.lastValue;
  v.baselineMean = res.longMean;
  v.baselineStd = sigma;
  v.z = res.z;
  v.elevationSigmas = elevation;
  v.smoothed = res.smoothed;
  v.stoppedSamples = m.stoppedSamples;
  v.anomalyLikelihood = Number.NaN;
  v.cusum = Number.NaN;
  v.faultEvidence = '';
  v.faultEvidenceValue = Number.NaN;
  v.jointRatio = Number.NaN;
  v.jointShare = Number.NaN;
  v.jointAlarmMs = Number.NaN;
  if (!sensorRules(v, m, d) && !onlySensorRules) machineRules(v, m, leadTimeMs);
  return v;
}

export const JOINT_RULE = 'joint-residual';
/** A device off its joint normal: a warning (below the watch rules, above the forecast)... */
const JOINT_SCORE = 60;
/** ...and a visit once it has lasted this long and this many readings (an event of minutes, not a blip). */
const JOINT_DUE_MS = 180_000;
const JOINT_DUE_SAMPLES = 3;
/** Metrics named in the explanation: at most this many, each with at least this share of the residual. */
const JOINT_NAMED = 3;
const JOINT_NAMED_SHARE = 0.1;

/**
 * The device-level rule: its metrics together are off their normal for the running point
 * (joint-model.ts). Written for the metric with the largest share of the residual; the
 * explanation names the metrics that broke the pattern and which way each moved.
 */
export function jointResidual(v: MetricVerdict, d: DeviceState, joint: JointModel): MetricVerdict {
  const metrics = d.jointMetrics;
  let top = 0;
  for (let i = 1; i < metrics.length; i++) if (joint.share(i) > joint.share(top)) top = i;
  const m = metrics[top];
  const res = m.last;
  // In time of readings: an alarm that spans a gap is as old as the readings it has had.
  const lastedMs = joint.alarmMs;
  v.metric = m.name;
  v.facts = m.facts;
  v.due = lastedMs >= JOINT_DUE_MS && joint.alarmSamples >= JOINT_DUE_SAMPLES;
  v.score = JOINT_SCORE;
  v.rule = JOINT_RULE;
  v.mode = 'unknown_anomaly';
  v.anomalous = true;
  v.sensorFault = false;
  v.timeToThresholdMs = Number.NaN;
  v.earliestMs = Number.NaN;
  v.trending = false;
  v.value = m.lastValue;
  v.baselineMean = res ? res.longMean : Number.NaN;
  v.baselineStd = res ? res.longStd : Number.NaN;
  v.z = joint.residual(top);
  v.elevationSigmas = Number.NaN;
  v.smoothed = res ? res.smoothed : Number.NaN;
  v.stoppedSamples = 0;
  v.anomalyLikelihood = Number.NaN;
  v.cusum = Number.NaN;
  v.faultEvidence = '';
  v.faultEvidenceValue = Number.NaN;
  v.jointRatio = joint.ratio;
  v.jointShare = joint.share(top);
  v.jointAlarmMs = lastedMs;
  // The named metrics, largest share first (a few comparisons; no sort, no array per reading).
  let text = '';
  let named = 0;
  let floor = Number.POSITIVE_INFINITY;
  while (named < JOINT_NAMED) {
    let best = -1;
    for (let i = 0; i < metrics.length; i++) {
      const share = joint.share(i);
      if (share >= JOINT_NAMED_SHARE && share < floor && (best < 0 || share > joint.share(best))) best = i;
    }
    if (best < 0) break;
    floor = joint.share(best);
    text += `${named > 0 ? ', ' : ''}${metrics[best].name} ${joint.residual(best) < 0 ? 'low' : 'high'} (${fmt(100 * joint.share(best), 0)} %)`;
    named++;
  }
  v.explanation = `${named > 1 ? 'these metrics together are' : `${m.name} is`} off this device's normal for its running point: ${text || m.name} — ${fmt(joint.ratio, 1)} × the usual residual, for ${formatDuration(lastedMs)}`;
  return v;
}

/**
 * The evidence of a health report, from its verdict: always the same keys in the same order for
 * the same rule and kind of metric (a sensor fault: its own number; a metric with domain
 * thresholds: its zone or rated maximum, the forecast when there is one, the CUSUM; a unit-free
 * metric: the anomaly likelihood and the CUSUM).
 */
export function evidenceOf(v: MetricVerdict): Record<string, number> {
  const f = v.facts!;
  if (v.rule === JOINT_RULE)
    return {
      value: v.value,
      baselineMean: v.baselineMean,
      baselineStd: v.baselineStd,
      smoothed: v.smoothed,
      residualSigmas: v.z,
      jointRatio: v.jointRatio,
      jointShare: v.jointShare,
      jointAlarmMs: v.jointAlarmMs,
    };
  // A unit-free metric's evidence is written in one literal, with the same keys in the same order:
  // one shape from the start, no properties added to it one by one (measured in bench:detector:
  // properties added to a literal live in a separate store: 40 bytes more per device's last report).
  if (f.unitFree && !v.sensorFault) {
    return {
      value: v.value,
      baselineMean: v.baselineMean,
      baselineStd: v.baselineStd,
      z: v.z,
      elevationSigmas: v.elevationSigmas,
      smoothed: v.smoothed,
      anomalyLikelihood: unboxedZero(v.anomalyLikelihood),
      cusum: unboxedZero(v.cusum),
    };
  }
  const ev: Record<string, number> = {
    value: v.value,
    baselineMean: v.baselineMean,
    baselineStd: v.baselineStd,
    z: v.z,
    elevationSigmas: v.elevationSigmas,
    smoothed: v.smoothed,
  };
  if (v.sensorFault) {
    ev[v.faultEvidence] = v.faultEvidenceValue;
    return ev;
  }
  if (f.zones !== null) {
    ev.zoneBC = f.zones.bc;
    ev.zoneCD = f.zones.cd;
    if (v.stoppedSamples > 0) ev.stoppedSamples = v.stoppedSamples;
  } else if (f.kind.threshold === 'rated-max-temperature') ev.ratedMax = f.threshold;
  else if (f.kind.threshold === 'rated-limits') {
    if (!Number.isNaN(f.threshold)) ev.ratedUpper = f.threshold;
    if (!Number.isNaN(f.lowerThreshold)) ev.ratedLower = f.lowerThreshold;
  }
  if (v.trending) {
    ev.timeToThresholdMs = v.timeToThresholdMs;
    ev.timeToThresholdEarliestMs = v.earliestMs;
  }
  ev.cusum = unboxedZero(v.cusum);
  return ev;
}

/**
 * A number that is mostly 0 (the CUSUM and the anomaly likelihood of a healthy metric), written
 * as the small integer 0 when it is: read from the verdict's double field, each became a boxed
 * double in every device's last report (8 bytes per device × metric each in bench:detector).
 */
function unboxedZero(x: number): number {
  return Object.is(x, 0) ? 0 : x;
}
