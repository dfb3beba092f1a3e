// A unit-free streaming anomaly score in [0, 1] for any metric (the NAB benchmark's series, and
// the metrics Purna has no domain thresholds for). Each sample gets a surprise from the model that
// explains this series best: an EWMA level, or a daily / weekly profile when the series follows the
// clock (a value normal for the day but wrong for the hour is then surprising). The step from the
// previous sample, against its own spread, adds to it. An "anomaly likelihood" (after Numenta's)
// turns the recent surprise into the probability that it is unusual for *this* series, so one
// threshold means the same on every series; a second, slow mean of the surprise catches changes
// too small for the fast one that last. After an alarm the score is held down for a refractory
// period: one event, one alarm.

import { MetricDetector, DEFAULT_DETECTOR_PARAMS } from './metric-detector.ts';
import { SeasonalProfile, type SeasonalProfileState } from './seasonal-profile.ts';
import type { DetectorState } from './metric-detector.ts';

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
  /** Smallest and largest value seen (null before the first). */
  range?: [number | null, number | null];
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
  /** Likelihood that counts as an alarm (for the refractory period). */
  alarmLikelihood: number;
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
}

export const DEFAULT_ANOMALY_SCORE_PARAMS: AnomalyScoreParams = {
  warmupSamples: 150,
  shortAlpha: 0.25,
  slowAlpha: 0.01,
  longAlpha: 0.002,
  refractorySamples: 60,
  alarmLikelihood: 0.99,
  diffWeight: 0.7,
  seasonalGain: 0.5,
  seasonalAlpha: 0.5,
  errorAlpha: 0.01,
  weekly: true,
  rangeTolerance: 0.05,
};

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** Largest surprise counted (one absurd value must not dominate the statistics for days). */
const MAX_SURPRISE = 50;

/** Standard normal CDF. */
function normalCdf(x: number): number {
  // Abramowitz–Stegun 7.1.26 via erf.
  const t = 1 / (1 + 0.3275911 * Math.abs(x / Math.SQRT2));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** A seasonal explanation of the series and how well it has predicted it. */
interface SeasonalModel {
  profile: SeasonalProfile;
  mse: number;
  samples: number;
}

/** Mean and variance by EWMA (plain averages while `n` ≤ the warm-up). */
class RunningMoments {
  mean = 0;
  variance = 0;

  add(x: number, weight: number): void {
    const d = x - this.mean;
    this.mean += weight * d;
    this.variance = (1 - weight) * (this.variance + weight * d * d);
  }

  /** P(X ≤ x) under a normal fit. */
  cdf(x: number): number {
    return normalCdf((x - this.mean) / (Math.sqrt(this.variance) || 1e-6));
  }
}

export class AnomalyScorer {
  readonly #p: AnomalyScoreParams;
  // No trend forecast here (a window too short for one is never fitted): only the level is used.
  readonly #level = new MetricDetector({ ...DEFAULT_DETECTOR_PARAMS, warmupSamples: 50, alpha: 0.01, freezeZ: 6, trendWindow: 2 });
  #n = 0;
  #prev = Number.NaN;
  #prevTs = Number.NaN;
  #intervalMs = 0;
  readonly #step = new RunningMoments();
  #levelMse = 0;
  readonly #seasonal: SeasonalModel[] = [];
  #short = 0;
  #slow = 0;
  /** The distribution of the surprise itself, and of its slow mean. */
  readonly #surprise = new RunningMoments();
  readonly #slowMoments = new RunningMoments();
  #refractory = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  /** The range the last sample broke out of, when that is what scored it (for explanations). */
  #brokenRange: [number, number] | null = null;

  constructor(params: AnomalyScoreParams = DEFAULT_ANOMALY_SCORE_PARAMS) {
    this.#p = params;
  }

  /** Feeds one sample; returns its anomaly score in [0, 1]. */
  update(tsMs: number, value: number): number {
    const p = this.#p;
    this.#n++;
    this.#learnInterval(tsMs);

    const level = this.#level.update(tsMs, value);
    let surprise = level.warmingUp ? 0 : Math.min(Math.abs(level.z), MAX_SURPRISE);
    if (!level.warmingUp) {
      const err = level.z * level.std;
      this.#levelMse += p.errorAlpha * (err * err - this.#levelMse);
    }

    // A daily or weekly profile that predicts this series much better than its level does says
    // what is surprising instead.
    let bestMse = Number.POSITIVE_INFINITY;
    for (const m of this.#seasonal) {
      const expected = m.profile.expected(tsMs);
      if (!Number.isNaN(expected)) {
        const err = value - expected;
        const z = m.mse > 0 ? Math.abs(err) / Math.sqrt(m.mse) : 0;
        const trusted = m.profile.periods(tsMs) >= 2 && m.samples > 50;
        if (trusted && m.mse < p.seasonalGain * this.#levelMse && m.mse < bestMse) {
          bestMse = m.mse;
          surprise = Math.min(z, MAX_SURPRISE);
        }
        // Large errors do not teach the error scale that they are normal.
        const clipped = m.mse > 0 && z > 6 ? 6 * Math.sqrt(m.mse) : err;
        m.mse += p.errorAlpha * (clipped * clipped - m.mse);
        m.samples++;
      }
      m.profile.learn(tsMs, value);
    }

    // The step from the previous value, against the usual step.
    if (!Number.isNaN(this.#prev)) {
      const step = Math.abs(value - this.#prev);
      const sd = Math.sqrt(this.#step.variance);
      if (this.#n > 20 && sd > 0) surprise = Math.max(surprise, p.diffWeight * Math.min(Math.abs(step - this.#step.mean) / sd, MAX_SURPRISE));
      this.#step.add(step, this.#n < 100 ? 1 / this.#n : 0.01);
    }
    this.#prev = value;

    // Anomaly likelihood: how unusual is the recent surprise, given this series' history of it.
    this.#short += p.shortAlpha * (surprise - this.#short);
    let likelihood = this.#n > p.warmupSamples ? this.#surprise.cdf(this.#short) : 0;
    this.#surprise.add(surprise, this.#n <= p.warmupSamples ? 1 / this.#n : p.longAlpha);
    if (p.slowAlpha > 0) {
      this.#slow += p.slowAlpha * (surprise - this.#slow);
      const slowWarmup = 2 * p.warmupSamples;
      if (this.#n > slowWarmup) likelihood = Math.max(likelihood, this.#slowMoments.cdf(this.#slow));
      this.#slowMoments.add(this.#slow, this.#n <= slowWarmup ? 1 / this.#n : p.longAlpha);
    }

    if (p.rangeTolerance > 0) {
      const tolerance = p.rangeTolerance * (this.#max - this.#min);
      const breach = this.#max > this.#min && (value > this.#max + tolerance || value < this.#min - tolerance);
      this.#brokenRange = null;
      if (breach && this.#n > p.warmupSamples) {
        likelihood = 1;
        this.#brokenRange = [this.#min, this.#max];
      }
      if (value > this.#max) this.#max = value;
      if (value < this.#min) this.#min = value;
    }

    if (this.#refractory > 0) {
      this.#refractory--;
      return 0;
    }
    if (likelihood >= p.alarmLikelihood) this.#refractory = p.refractorySamples;
    return likelihood;
  }

  /** The range seen before the last sample, when the last sample scored by leaving it; else null. */
  get brokenRange(): [number, number] | null {
    return this.#brokenRange;
  }

  snapshot(): AnomalyScorerState {
    const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
    return {
      n: this.#n,
      prev: finite(this.#prev),
      prevTs: finite(this.#prevTs),
      intervalMs: this.#intervalMs,
      level: this.#level.snapshot(),
      step: [this.#step.mean, this.#step.variance],
      levelMse: this.#levelMse,
      seasonal: this.#seasonal.map((m) => ({ profile: m.profile.snapshot(), mse: m.mse, samples: m.samples })),
      short: this.#short,
      slow: this.#slow,
      surprise: [this.#surprise.mean, this.#surprise.variance],
      slowMoments: [this.#slowMoments.mean, this.#slowMoments.variance],
      refractory: this.#refractory,
      range: [finite(this.#min), finite(this.#max)],
    };
  }

  restore(s: AnomalyScorerState): void {
    this.#n = s.n;
    this.#prev = s.prev ?? Number.NaN;
    this.#prevTs = s.prevTs ?? Number.NaN;
    this.#intervalMs = s.intervalMs;
    this.#level.restore(s.level);
    [this.#step.mean, this.#step.variance] = s.step;
    this.#levelMse = s.levelMse;
    this.#seasonal.length = 0;
    for (const m of s.seasonal) this.#seasonal.push({ profile: SeasonalProfile.restore(m.profile, this.#p.seasonalAlpha), mse: m.mse, samples: m.samples });
    this.#short = s.short;
    this.#slow = s.slow;
    [this.#surprise.mean, this.#surprise.variance] = s.surprise;
    [this.#slowMoments.mean, this.#slowMoments.variance] = s.slowMoments;
    this.#refractory = s.refractory;
    // Snapshots from before the range check have none: it starts over.
    const [min, max] = s.range ?? [null, null];
    this.#min = min ?? Number.POSITIVE_INFINITY;
    this.#max = max ?? Number.NEGATIVE_INFINITY;
  }

  /** The sampling interval, learnt from the timestamps; profiles start once it is known. */
  #learnInterval(tsMs: number): void {
    if (!Number.isNaN(this.#prevTs) && tsMs > this.#prevTs) {
      const dt = tsMs - this.#prevTs;
      this.#intervalMs = this.#intervalMs === 0 ? dt : this.#intervalMs + 0.05 * (dt - this.#intervalMs);
    }
    this.#prevTs = tsMs;
    if (this.#n !== 20 || this.#intervalMs <= 0) return;
    // A period needs at least 12 samples to have a shape; bins are capped to bound memory.
    if (DAY_MS / this.#intervalMs >= 12) this.#seasonal.push({ profile: new SeasonalProfile(DAY_MS, this.#intervalMs, 288, this.#p.seasonalAlpha), mse: 0, samples: 0 });
    if (this.#p.weekly && WEEK_MS / this.#intervalMs >= 12) this.#seasonal.push({ profile: new SeasonalProfile(WEEK_MS, this.#intervalMs, 168, this.#p.seasonalAlpha), mse: 0, samples: 0 });
  }
}
