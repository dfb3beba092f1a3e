// A machine's running state for the whole device, read from its vibration: readings of a stopped
// machine (and its temperature for a while after a start) say nothing about its bearings or its
// cooling, so they do not move the detectors; a "stop" its temperature contradicts for hours is
// a vibration sensor that reads nothing.

import type { DeviceState, MetricState } from './device-state.ts';

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
export const IMPLAUSIBLE_STOP_MS = 2 * 3_600_000;
/** Longer than any stop of a duty cycle: a machine "stopped" this long from the start is running smoother than its model says. */
const NOMINAL_STOP_LIMIT_MS = 2 * 86_400_000;

/**
 * A gap between two readings longer than this is not counted as time run even when the machine
 * ran at the first: nobody heard it run (a dead gateway, the mains off). Readings come every few
 * seconds to a few minutes; half an hour covers the slowest.
 */
export const MAX_COUNTED_GAP_MS = 30 * 60_000;

/**
 * Counts the time from the device's previous reading to this one as run when the machine ran at
 * the previous one (`d.stopped` as that reading left it): called before the reading's samples.
 * Per reading, not per health report, so a gateway's buffered hour counts minute by minute.
 */
export function countRunningTime(d: DeviceState, tsMs: number): void {
  const gap = tsMs - d.runningCountedToMs;
  if (!(gap > 0)) {
    if (Number.isNaN(d.runningCountedToMs)) d.runningCountedToMs = tsMs;
    return;
  }
  if (!d.stopped && gap <= MAX_COUNTED_GAP_MS) d.runningMs += gap;
  d.runningCountedToMs = tsMs;
}

/**
 * Whether the machine's running state keeps this reading away from the detector (for a metric
 * with a part in it: its kind's `runningState`); keeps the device's running state on the way.
 */
export function leftOutByRunningState(
  d: DeviceState,
  m: MetricState,
  tsMs: number,
  value: number,
  previous: number,
): boolean {
  const role = m.facts.runningState;
  if (role === 'tells') return isStopped(d, m, tsMs, value, previous);
  if (role === 'settles' && (d.stopped || tsMs - d.startedAtMs < THERMAL_SETTLE_MS)) {
    // Judged from the vibration of the reading before (a reading lists temperature first): one
    // reading late at each change, which the settling time covers.
    if (d.stopped) {
      checkStopIsReal(d, m, tsMs, value);
      learnStoppedLevel(d, m, tsMs, value);
    }
    return true;
  }
  return false;
}

/**
 * Reads the machine's running state from a vibration reading (and keeps the device's): stopped
 * when it is under a quarter of the learnt running normal, or, before that is learnt, of the
 * model's nominal one, so a machine stopped while the detector warms up does not teach it that
 * standing still is normal. If it looks stopped for longer than any duty stop from the start,
 * the nominal is wrong for this machine (a smoother unit) and it learns from what it shows. An
 * exact repeat keeps the reading before's state: a sensor stuck at a running value repeats itself
 * and the stuck-sensor rule must see it; a stopped machine under its sensor's floor repeats the floor.
 */
function isStopped(d: DeviceState, m: MetricState, tsMs: number, value: number, previous: number): boolean {
  const learnt = m.last !== null && !m.last.warmingUp;
  if (m.stoppedSamples > 0 && tsMs - m.stoppedSinceMs >= NOMINAL_STOP_LIMIT_MS) m.nominalTrusted = false;
  const runningNormal = learnt ? m.last!.longMean : m.nominalTrusted ? m.facts.runningNominal : 0;
  // A catalogue model may say where stopped is (a motor current under 1 A), in the metric's unit.
  const stoppedBelow = Number.isNaN(m.facts.stoppedBelow) ? STOPPED_SHARE * runningNormal : m.facts.stoppedBelow;
  // An exact repeat keeps the state the reading before left: a sensor stuck while the machine runs
  // stays running (the stuck-sensor rule sees it); a stopped machine's vibration under the
  // sensor's floor, which reads the floor exactly over and over (0.01 mm/s), stays stopped (taken
  // for running, its repeats taught the detector and sent a stopped pump a stuck-sensor check
  // after 60). A sensor stuck at its floor while the machine runs is then a stop its temperature
  // contradicts: a silent vibration sensor after IMPLAUSIBLE_STOP_MS.
  const stopped = value < stoppedBelow && (value !== previous || d.stopped);
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
 * A machine whose vibration says stopped but whose temperature is at its running level for hours
 * of that "stop" is running: the vibration sensor reads nothing (a loose or dead sensor's noise,
 * or the same value over and over).
 */
function checkStopIsReal(d: DeviceState, temperature: MetricState, tsMs: number, value: number): void {
  const vibration = runningStateSource(d);
  const t = temperature.last;
  if (!vibration || !t || t.warmingUp) return;
  const runningLevel = t.longMean - 2 * Math.max(t.longStd, temperature.facts.sigmaFloor);
  // Only where running makes a difference: a machine that runs near ambient would not cool.
  const warm = value >= runningLevel && t.longMean - d.model.healthy.ambientC > 5;
  // Warm time adds up over the whole "stop", cool readings between (a short-cycling machine's off
  // half hours: a compressor that runs 1.5 h and stands 30 min is warm for about 40 minutes of
  // each cycle) neither count nor start it again. A true stop is warm only for its first minutes.
  const last = vibration.warmSinceMs;
  if (warm && tsMs - last <= MAX_COUNTED_GAP_MS) vibration.warmWhileStoppedMs += tsMs - last;
  vibration.warmSinceMs = warm ? tsMs : Number.NaN;
}

/** Slots of `MetricState.stoppedLevel`. */
export const SL_MEAN = 0,
  SL_VARIANCE = 1,
  SL_LEARNT = 2,
  SL_LAST = 3,
  SL_STREAK = 4,
  SL_EXCESS = 5;
/** The stopped level is judged once this much settled stopped time is learnt (a pump's 8-h stop gives 7, a motor's 4-h stop 3)... */
const STOPPED_LEVEL_LEARN_MS = 4 * 3_600_000;
/** ...learnt as a plain average over its first day of stopped time, then forgetting over a week of it (the season's ambient). */
const STOPPED_LEVEL_PLAIN_MS = 86_400_000;
const STOPPED_LEVEL_TAU_MS = 7 * 86_400_000;
/** A settled stopped reading this many σ of the stopped level (at least the metric's spread floor) above it is above it. */
const STOPPED_OFFSET_SIGMAS = 2;

/**
 * A stopped machine cools to ambient within a few thermal time constants, whatever its cooling: a
 * lost cooling's excess fades with the heat that made it, a temperature sensor's offset stays. Its
 * temperature once settled (an hour into a stop), against its normal then: learnt while the running
 * temperature is at its normal (under 2 σ) and the reading near it (under 3 σ); counts the settled
 * readings in a row STOPPED_OFFSET_SIGMAS or more above it.
 */
function learnStoppedLevel(d: DeviceState, m: MetricState, tsMs: number, value: number): void {
  const s = m.stoppedLevel;
  const vibration = runningStateSource(d);
  if (s === null || !vibration) return;
  if (tsMs - vibration.stoppedSinceMs < THERMAL_SETTLE_MS) {
    s[SL_LAST] = Number.NaN;
    return;
  }
  const dt = Number.isNaN(s[SL_LAST]) ? 0 : Math.min(Math.max(0, tsMs - s[SL_LAST]), MAX_COUNTED_GAP_MS);
  s[SL_LAST] = tsMs;
  const sigma = Math.max(Math.sqrt(s[SL_VARIANCE]), m.facts.sigmaFloor);
  const learnt = s[SL_LEARNT] >= STOPPED_LEVEL_LEARN_MS;
  const excess = learnt ? (value - s[SL_MEAN]) / sigma : 0;
  s[SL_EXCESS] = excess;
  s[SL_STREAK] = excess >= STOPPED_OFFSET_SIGMAS ? s[SL_STREAK] + 1 : 0;
  if (dt === 0 || Math.abs(m.elevationSigned) >= 2 || Math.abs(excess) >= 3) return;
  const rate =
    s[SL_LEARNT] < STOPPED_LEVEL_PLAIN_MS ? dt / (s[SL_LEARNT] + dt) : 1 - Math.exp(-dt / STOPPED_LEVEL_TAU_MS);
  const diff = value - s[SL_MEAN];
  s[SL_MEAN] += rate * diff;
  s[SL_VARIANCE] = (1 - rate) * (s[SL_VARIANCE] + rate * diff * diff);
  s[SL_LEARNT] += dt;
}

/** The metric whose readings tell whether the machine runs (vibration). Looked for only while the machine is stopped. */
function runningStateSource(d: DeviceState): MetricState | undefined {
  for (const m of d.metrics.values()) if (m.facts.runningState === 'tells') return m;
  return undefined;
}
