// A unit-free streaming anomaly score in [0, 1] for any metric (the NAB benchmark's series, and
// the metrics Purna has no domain thresholds for). Each sample gets a surprise from the model that
// explains this series best: an EWMA level, or a daily / weekly profile when the series follows the
// clock (a value normal for the day but wrong for the hour is then surprising). The step from the
// previous sample, against its own spread, adds to it. An "anomaly likelihood" (after Numenta's)
// turns the recent surprise into the probability that it is unusual for *this* series, so one
// threshold means the same on every series; a second, slow mean of the surprise catches changes
// too small for the fast one that last, and a sign test the slow creep that the level follows too
// closely for either (a drift: each sample a little above where the level expects it, never by
// much). A value beyond the whole range the series has shown is an
// alarm on its own, unless new records are routine for this series (a trend); so is a value that
// stops changing for far longer than it ever has (a stuck sensor).
//
// The scorer decides, not the reader: an alarm scores 1 and anything else half its likelihood at
// most, so every threshold between one half and 1 gives the same alarms. NAB's optimiser had picked
// the threshold on the development files and lost 18 points with it on the rest of NAB; a decision
// taken against each series' own history carries over. After an alarm the score is held down for
// a refractory period: one event, one alarm. A new level is one event too: the level model does
// not learn values far outside it (a spike must not move it), so once values stay beyond that on
// one side for as many samples as confirm an alarm, the level moves to them instead of scoring
// every later sample as surprising (which taught the likelihood that huge surprises are usual and
// left it deaf for thousands of samples).

import { MetricDetector, DEFAULT_DETECTOR_PARAMS } from './metric-detector.ts';
import { SeasonalProfile, type SeasonalProfileState } from './seasonal-profile.ts';
import type { DetectorParams, DetectorState } from './metric-detector.ts';

/** Everything the scorer has learnt, JSON-safe, so a restart does not start it over. */
export interface AnomalyScorerState {
  n: number;
  prev: number | null;
  prevTs: number | null;
  intervalMs: number;
  level: DetectorState;
  step: [number, number];
  levelMse: number;
  seasonal: { profile: SeasonalProfileState; mse: number; samples: number }[];
  short: number;
  slow: number;
  surprise: [number, number];
  slowMoments: [number, number];
  refractory: number;
  /** Samples in a row the likelihood has reached the alarm level (absent in older snapshots: 0). */
  overAlarm?: number;
  /** Smallest and largest value seen (null before the first). */
  range?: [number | null, number | null];
  /** Share of recent samples that set a new record (absent in older snapshots: starts over). */
  recordRate?: number;
  /**
   * Repeats of the current value, the longest run of repeats seen, the sample the current run
   * started at and the sample run-keeping started at (absent in older snapshots: starts over).
   */
  runs?: [number, number, number, number];
  /**
   * Samples in a row beyond the level's freeze limit (signed by side) and their sum (absent in
   * older snapshots: starts over).
   */
  shift?: [number, number];
  /**
   * The sign test: the mean of the signs of the errors, its mean square and the weight the mean
   * has gathered (absent in older snapshots: starts over).
   */
  sign?: [number, number, number];
}

export interface AnomalyScoreParams {
  /** Samples before any score is given. */
  warmupSamples: number;
  /** Weight of the short-term mean of the surprise. */
  shortAlpha: number;
  /** Weight of the slow mean of the surprise (0: no slow likelihood). */
  slowAlpha: number;
  /** Weight of the long-term distribution of the surprise. */
  longAlpha: number;
  /** Samples the score is held down after an alarm. */
  refractorySamples: number;
  /** Likelihood that is an alarm: scored 1, then held down for the refractory period. */
  alarmLikelihood: number;
  /**
   * Samples in a row the likelihood must reach `alarmLikelihood` to be an alarm: one sample of a
   * heavy-tailed series over it is usually its tail, an anomaly stays (a likelihood of 1, a range
   * break and a stuck sensor are alarms at once).
   */
  alarmSamples: number;
  /** Weight of the step surprise against the level surprise. */
  diffWeight: number;
  /** A profile is trusted when its mean squared error is below this fraction of the level's. */
  seasonalGain: number;
  /** EWMA weight of a new value in its profile bin (per visit: a day or a week apart). */
  seasonalAlpha: number;
  /** EWMA weight in the models' error tracking. */
  errorAlpha: number;
  /** Use a weekly profile besides the daily one. */
  weekly: boolean;
  /**
   * A value beyond everything the series has shown, by this share of its seen range, is an anomaly
   * whatever the models say (0: off): on a wide, noisy series a jump to a level never seen can be
   * only 2 σ from the mean. After Numenta's "spatial anomaly" in their NAB detector, with their
   * tolerance (5 %).
   */
  rangeTolerance: number;
  /**
   * The range check is off while more than this share of recent samples set a new record: on a
   * trend, or a series still widening its range, a value beyond the range is routine.
   */
  routineRecordRate: number;
  /** Repeats of one value that can be a stuck sensor, when the series never repeated half as long (0: off). */
  stuckSamples: number;
}

export const DEFAULT_ANOMALY_SCORE_PARAMS: AnomalyScoreParams = {
  warmupSamples: 150,
  shortAlpha: 0.25,
  slowAlpha: 0.01,
  longAlpha: 0.002,
  refractorySamples: 60,
  alarmLikelihood: 0.997,
  alarmSamples: 2,
  diffWeight: 0.7,
  seasonalGain: 0.5,
  seasonalAlpha: 0.5,
  errorAlpha: 0.01,
  weekly: true,
  rangeTolerance: 0.05,
  routineRecordRate: 0.005,
  stuckSamples: 12,
};

/** Score of an alarm; anything else is at most half its likelihood. */
export const ALARM_SCORE = 1;

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** Largest surprise counted (one absurd value must not dominate the statistics for days). */
const MAX_SURPRISE = 50;
/** EWMA weight of the record rate (about the last 100 samples). */
const RECORD_ALPHA = 0.01;
/** A run of repeats is a stuck sensor when this many times the longest run seen before. */
const STUCK_FACTOR = 2;
/** A likelihood held back from being an alarm is scored as just under the alarm level. */
const BELOW_ALARM = 0.9999;

/** The level model's parameters, one object for every scorer (detectors only read them). */
const LEVEL_PARAMS: DetectorParams = {
  ...DEFAULT_DETECTOR_PARAMS,
  warmupSamples: 50,
  alpha: 0.01,
  freezeZ: 6,
  trendWindow: 2,
};

/** Standard normal CDF. */
function normalCdf(x: number): number {
  // Abramowitz–Stegun 7.1.26 via erf.
  const t = 1 / (1 + 0.3275911 * Math.abs(x / Math.SQRT2));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/**
 * Slots of a scorer's floating-point state. One array of unboxed doubles rather than a field
 * each (and rather than small objects for the moments and the seasonal models): V8 keeps every
 * floating-point field in a box of its own, and with thousands of series the boxes, scattered
 * over the heap, made each sample a string of cache misses.
 */
const PREV = 0,
  PREV_TS = 1,
  INTERVAL = 2,
  LEVEL_MSE = 3,
  SHORT = 4,
  SLOW = 5,
  MIN = 6,
  MAX = 7;
/** Mean and variance by EWMA of: the step between samples, the surprise, its slow mean. */
const STEP = 8,
  SURPRISE = 10,
  SLOW_MOMENTS = 12;
/** Record rate; the current run of repeats, the longest before, where the run and run-keeping started. */
const RECORD_RATE = 14,
  RUN = 15,
  LONGEST_RUN = 16,
  RUN_START = 17,
  RUNS_FROM = 18;
/** Per seasonal model (daily, then weekly): its mean squared error and samples scored, two slots each. */
const SEASONAL = 19;
/** Samples in a row beyond the level's freeze limit, signed by side, and their sum (after the seasonal slots). */
const SHIFT_RUN = 23,
  SHIFT_SUM = 24;
/**
 * The sign test: the mean of the signs of the errors, that mean's mean square, and the weight the
 * mean has gathered since it started at 0 (1 − (1 − longAlpha)^n: it divides the mean's start bias out).
 */
const SIGN = 25,
  SIGN_SQUARE = 26,
  SIGN_WEIGHT = 27;

/** Adds `x` with `weight` to the EWMA mean and variance held at `s[at]`, `s[at + 1]`. */
function addMoments(s: number[], at: number, x: number, weight: number): void {
  const d = x - s[at];
  s[at] += weight * d;
  s[at + 1] = (1 - weight) * (s[at + 1] + weight * d * d);
}

/** P(X ≤ x) under a normal fit to the moments at `s[at]`, `s[at + 1]`. */
function momentsCdf(s: number[], at: number, x: number): number {
  return normalCdf((x - s[at]) / (Math.sqrt(s[at + 1]) || 1e-6));
}

export class AnomalyScorer {
  readonly #p: AnomalyScoreParams;
  // No trend forecast here (a window too short for one is never fitted): only the level is used.
  readonly #level = new MetricDetector(LEVEL_PARAMS);
  #n = 0;
  #refractory = 0;
  #overAlarm = 0;
  /** The floating-point state (slots above); the NaNs make it an array of doubles from the start. */
  readonly #s: number[] = [
    Number.NaN,
    Number.NaN,
    0,
    0,
    0,
    0,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ];
  /** Daily and weekly profiles, once the interval is known (their errors are in `#s`). */
  readonly #seasonal: SeasonalProfile[] = [];
  /** The range the last sample broke out of, when that is what scored it (for explanations). */
  #brokenRange: [number, number] | null = null;

  constructor(params: AnomalyScoreParams = DEFAULT_ANOMALY_SCORE_PARAMS) {
    this.#p = params;
  }

  /** Feeds one sample; returns its anomaly score in [0, 1]. */
  update(tsMs: number, value: number): number {
    const p = this.#p;
    const s = this.#s;
    this.#n++;
    this.#learnInterval(tsMs);

    // Only the level's z-score and spread are used here: no result object per sample.
    const levelZ = this.#level.updateZ(tsMs, value);
    const levelWarmingUp = this.#level.warmingUp;
    let surprise = levelWarmingUp ? 0 : Math.min(Math.abs(levelZ), MAX_SURPRISE);
    // Which side of its expected value the sample is, by the model that scores it.
    let sign = levelWarmingUp ? 0 : Math.sign(levelZ);
    if (!levelWarmingUp) {
      const err = levelZ * this.#level.std;
      s[LEVEL_MSE] += p.errorAlpha * (err * err - s[LEVEL_MSE]);
      this.#followShift(levelZ, value);
    }

    // A daily or weekly profile that predicts this series much better than its level does says
    // what is surprising instead.
    let bestMse = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.#seasonal.length; i++) {
      const profile = this.#seasonal[i];
      const at = SEASONAL + 2 * i;
      // The bin is found once for reading and learning (the remainder behind it is costly).
      const bin = profile.bin(tsMs);
      const expected = profile.expectedIn(bin);
      if (!Number.isNaN(expected)) {
        const mse = s[at];
        const err = value - expected;
        const rmse = mse > 0 ? Math.sqrt(mse) : 0;
        const z = mse > 0 ? Math.abs(err) / rmse : 0;
        const trusted = profile.periods(tsMs) >= 2 && s[at + 1] > 50;
        if (trusted && mse < p.seasonalGain * s[LEVEL_MSE] && mse < bestMse) {
          bestMse = mse;
          surprise = Math.min(z, MAX_SURPRISE);
          sign = Math.sign(err);
        }
        // Large errors do not teach the error scale that they are normal.
        const clipped = mse > 0 && z > 6 ? 6 * rmse : err;
        s[at] = mse + p.errorAlpha * (clipped * clipped - mse);
        s[at + 1]++;
      }
      profile.learnIn(bin, tsMs, value);
    }

    // The step from the previous value, against the usual step.
    if (!Number.isNaN(s[PREV])) {
      const step = Math.abs(value - s[PREV]);
      const sd = Math.sqrt(s[STEP + 1]);
      if (this.#n > 20 && sd > 0)
        surprise = Math.max(surprise, p.diffWeight * Math.min(Math.abs(step - s[STEP]) / sd, MAX_SURPRISE));
      addMoments(s, STEP, step, this.#n < 100 ? 1 / this.#n : 0.01);
    }
    const stuck = p.stuckSamples > 0 && this.#stuck(value);
    const repeat = value === s[PREV];
    s[PREV] = value;

    // Anomaly likelihood: how unusual is the recent surprise, given this series' history of it.
    // Held down after an alarm, the score is 0 whatever the likelihood: its normal CDFs (an exp
    // and a square root each) are then not evaluated; the statistics learn all the same.
    const scoring = this.#refractory === 0;
    s[SHORT] += p.shortAlpha * (surprise - s[SHORT]);
    let likelihood = scoring && this.#n > p.warmupSamples ? momentsCdf(s, SURPRISE, s[SHORT]) : 0;
    addMoments(s, SURPRISE, surprise, this.#n <= p.warmupSamples ? 1 / this.#n : p.longAlpha);
    if (p.slowAlpha > 0) {
      s[SLOW] += p.slowAlpha * (surprise - s[SLOW]);
      const slowWarmup = 2 * p.warmupSamples;
      if (scoring && this.#n > slowWarmup) likelihood = Math.max(likelihood, momentsCdf(s, SLOW_MOMENTS, s[SLOW]));
      addMoments(s, SLOW_MOMENTS, s[SLOW], this.#n <= slowWarmup ? 1 / this.#n : p.longAlpha);
    }

    // The sign test: over the likelihood's memory, are the samples on one side of what the model
    // expects more often than this series' own history says they can be? Its own spread is learnt
    // around 0 (a series without a creep has as many samples on each side, give or take its own
    // skew); two-sided. No magnitude enters, so a heavy tail or a burst cannot widen it. A repeated
    // value counts on neither side (a stuck sensor sits on one side of a level that nears it for
    // ever: its own check has told). The mean is bias-corrected for its start from 0 (an EWMA
    // started at 0 understates itself for its first thousand samples, and the spread learnt then
    // was too narrow: uniform noise alarmed); its spread is at least what one sample moves it.
    if (repeat) sign = 0;
    s[SIGN] += p.longAlpha * (sign - s[SIGN]);
    s[SIGN_WEIGHT] += p.longAlpha * (1 - s[SIGN_WEIGHT]);
    const signMean = s[SIGN] / s[SIGN_WEIGHT];
    const signWarmup = 2 * p.warmupSamples;
    if (scoring && this.#n > signWarmup) {
      const z = Math.abs(signMean) / Math.max(Math.sqrt(s[SIGN_SQUARE]), p.longAlpha);
      // 2Φ(z) − 1 ≤ z·√(2/π): most samples cannot raise the likelihood, and skip the CDF's exp.
      if (z * Math.sqrt(2 / Math.PI) > likelihood) likelihood = Math.max(likelihood, 2 * normalCdf(z) - 1);
    }
    s[SIGN_SQUARE] += (this.#n <= signWarmup ? 1 / this.#n : p.longAlpha) * (signMean * signMean - s[SIGN_SQUARE]);

    // One sample over the alarm level is not yet an alarm, unless the likelihood is certain.
    this.#overAlarm = likelihood >= p.alarmLikelihood ? this.#overAlarm + 1 : 0;
    if (this.#overAlarm > 0 && this.#overAlarm < p.alarmSamples && likelihood < 1)
      likelihood = Math.min(likelihood, BELOW_ALARM * p.alarmLikelihood);

    if (p.rangeTolerance > 0) {
      const min = s[MIN];
      const max = s[MAX];
      const tolerance = p.rangeTolerance * (max - min);
      const breach = max > min && (value > max + tolerance || value < min - tolerance);
      const routine = s[RECORD_RATE] > p.routineRecordRate;
      this.#brokenRange = null;
      if (breach && !routine && this.#n > p.warmupSamples) {
        likelihood = 1;
        this.#brokenRange = [min, max];
      }
      const record = value > max || value < min;
      s[RECORD_RATE] += RECORD_ALPHA * ((record ? 1 : 0) - s[RECORD_RATE]);
      if (value > max) s[MAX] = value;
      if (value < min) s[MIN] = value;
    }
    if (stuck) likelihood = 1;

    if (this.#refractory > 0) {
      this.#refractory--;
      return 0;
    }
    if (likelihood < p.alarmLikelihood) return likelihood / 2;
    this.#refractory = p.refractorySamples;
    return ALARM_SCORE;
  }

  /**
   * Whether `value`, repeating the previous one, makes the run of repeats a stuck sensor: once, at
   * the length that is both `stuckSamples` and twice the longest run seen before. Only runs that
   * start after the warm-up count (a series flat from its first sample is flat, not stuck).
   */
  #stuck(value: number): boolean {
    const s = this.#s;
    if (value !== s[PREV]) {
      if (s[RUN] > s[LONGEST_RUN]) s[LONGEST_RUN] = s[RUN];
      s[RUN] = 0;
      s[RUN_START] = this.#n;
      return false;
    }
    s[RUN]++;
    return (
      s[RUN_START] > s[RUNS_FROM] + this.#p.warmupSamples &&
      s[RUN] === Math.max(this.#p.stuckSamples, Math.ceil(STUCK_FACTOR * s[LONGEST_RUN]))
    );
  }

  /**
   * A change of level: values the level model does not learn from (beyond its freeze limit), on one
   * side, for `alarmSamples` in a row move its mean to theirs (its spread kept). Without this the
   * level stayed where it was and every later sample scored the surprise cap.
   */
  #followShift(levelZ: number, value: number): void {
    const s = this.#s;
    const freeze = LEVEL_PARAMS.freezeZ;
    const side = levelZ >= freeze ? 1 : levelZ <= -freeze ? -1 : 0;
    if (side === 0 || Math.sign(s[SHIFT_RUN]) !== side) {
      s[SHIFT_RUN] = side;
      s[SHIFT_SUM] = side === 0 ? 0 : value;
      if (side === 0 || this.#p.alarmSamples > 1) return;
    } else {
      s[SHIFT_RUN] += side;
      s[SHIFT_SUM] += value;
    }
    const run = Math.abs(s[SHIFT_RUN]);
    if (run < this.#p.alarmSamples) return;
    this.#level.rebaseline(s[SHIFT_SUM] / run);
    // The signs so far were the old level's errors: the sign test starts over (its spread kept).
    s[SIGN] = 0;
    s[SHIFT_RUN] = 0;
    s[SHIFT_SUM] = 0;
  }

  /** The range seen before the last sample, when the last sample scored by leaving it; else null. */
  get brokenRange(): [number, number] | null {
    return this.#brokenRange;
  }

  snapshot(): AnomalyScorerState {
    const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
    const s = this.#s;
    return {
      n: this.#n,
      prev: finite(s[PREV]),
      prevTs: finite(s[PREV_TS]),
      intervalMs: s[INTERVAL],
      level: this.#level.snapshot(),
      step: [s[STEP], s[STEP + 1]],
      levelMse: s[LEVEL_MSE],
      seasonal: this.#seasonal.map((profile, i) => ({
        profile: profile.snapshot(),
        mse: s[SEASONAL + 2 * i],
        samples: s[SEASONAL + 2 * i + 1],
      })),
      short: s[SHORT],
      slow: s[SLOW],
      surprise: [s[SURPRISE], s[SURPRISE + 1]],
      slowMoments: [s[SLOW_MOMENTS], s[SLOW_MOMENTS + 1]],
      refractory: this.#refractory,
      overAlarm: this.#overAlarm,
      range: [finite(s[MIN]), finite(s[MAX])],
      recordRate: s[RECORD_RATE],
      runs: [s[RUN], s[LONGEST_RUN], s[RUN_START], s[RUNS_FROM]],
      shift: [s[SHIFT_RUN], s[SHIFT_SUM]],
      sign: [s[SIGN], s[SIGN_SQUARE], s[SIGN_WEIGHT]],
    };
  }

  restore(saved: AnomalyScorerState): void {
    const s = this.#s;
    this.#n = saved.n;
    s[PREV] = saved.prev ?? Number.NaN;
    s[PREV_TS] = saved.prevTs ?? Number.NaN;
    s[INTERVAL] = saved.intervalMs;
    this.#level.restore(saved.level);
    [s[STEP], s[STEP + 1]] = saved.step;
    s[LEVEL_MSE] = saved.levelMse;
    this.#seasonal.length = 0;
    for (const m of saved.seasonal) {
      s[SEASONAL + 2 * this.#seasonal.length] = m.mse;
      s[SEASONAL + 2 * this.#seasonal.length + 1] = m.samples;
      this.#seasonal.push(SeasonalProfile.restore(m.profile, this.#p.seasonalAlpha));
    }
    s[SHORT] = saved.short;
    s[SLOW] = saved.slow;
    [s[SURPRISE], s[SURPRISE + 1]] = saved.surprise;
    [s[SLOW_MOMENTS], s[SLOW_MOMENTS + 1]] = saved.slowMoments;
    this.#refractory = saved.refractory;
    this.#overAlarm = saved.overAlarm ?? 0;
    // Snapshots from before the range check have none: it starts over.
    const [min, max] = saved.range ?? [null, null];
    s[MIN] = min ?? Number.POSITIVE_INFINITY;
    s[MAX] = max ?? Number.NEGATIVE_INFINITY;
    s[RECORD_RATE] = saved.recordRate ?? 0;
    // Without runs, run-keeping starts over here: no stuck alarm until it has seen a warm-up's runs.
    [s[RUN], s[LONGEST_RUN], s[RUN_START], s[RUNS_FROM]] = saved.runs ?? [0, 0, saved.n, saved.n];
    [s[SHIFT_RUN], s[SHIFT_SUM]] = saved.shift ?? [0, 0];
    // Without it the sign test starts over, with the widest spread a mean of signs can have (it
    // cannot alarm until it has learnt the series' own).
    [s[SIGN], s[SIGN_SQUARE], s[SIGN_WEIGHT]] = saved.sign ?? [0, 1, 0];
  }

  /** The sampling interval, learnt from the timestamps; profiles start once it is known. */
  #learnInterval(tsMs: number): void {
    const s = this.#s;
    if (!Number.isNaN(s[PREV_TS]) && tsMs > s[PREV_TS]) {
      const dt = tsMs - s[PREV_TS];
      s[INTERVAL] = s[INTERVAL] === 0 ? dt : s[INTERVAL] + 0.05 * (dt - s[INTERVAL]);
    }
    s[PREV_TS] = tsMs;
    const intervalMs = s[INTERVAL];
    if (this.#n !== 20 || intervalMs <= 0) return;
    // A period needs at least 12 samples to have a shape; bins are capped to bound memory. A new
    // model's error and count start at 0.
    if (DAY_MS / intervalMs >= 12)
      this.#addSeasonal(new SeasonalProfile(DAY_MS, intervalMs, 288, this.#p.seasonalAlpha));
    if (this.#p.weekly && WEEK_MS / intervalMs >= 12)
      this.#addSeasonal(new SeasonalProfile(WEEK_MS, intervalMs, 168, this.#p.seasonalAlpha));
  }

  #addSeasonal(profile: SeasonalProfile): void {
    const at = SEASONAL + 2 * this.#seasonal.length;
    this.#s[at] = 0;
    this.#s[at + 1] = 0;
    this.#seasonal.push(profile);
  }
}
