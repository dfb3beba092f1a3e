// A unit-free streaming anomaly score in [0, 1] for any metric (the NAB benchmark's series, and
// the metrics Purna has no domain thresholds for). The same MetricDetector gives each sample a
// surprise (|z| against the EWMA baseline, and the change from the previous sample against its
// own spread); an "anomaly likelihood" (after Numenta's) turns the recent surprise into the
// probability that it is unusual for *this* series, so one threshold means the same on every
// series. After an alarm the score is held down for a refractory period: one event, one alarm.

import { MetricDetector, DEFAULT_DETECTOR_PARAMS } from './metric-detector.ts';

export interface AnomalyScoreParams {
  /** Samples before any score is given. */
  warmupSamples: number;
  /** Weight of the short-term mean of the surprise. */
  shortAlpha: number;
  /** Weight of the long-term distribution of the surprise. */
  longAlpha: number;
  /** Samples the score is held down after an alarm. */
  refractorySamples: number;
  /** Likelihood that counts as an alarm (for the refractory period). */
  alarmLikelihood: number;
}

export const DEFAULT_ANOMALY_SCORE_PARAMS: AnomalyScoreParams = {
  warmupSamples: 150,
  shortAlpha: 0.25,
  longAlpha: 0.002,
  refractorySamples: 60,
  alarmLikelihood: 0.99,
};

/** Standard normal upper-tail complement: P(Z <= x). */
function normalCdf(x: number): number {
  // Abramowitz–Stegun 7.1.26 via erf.
  const t = 1 / (1 + 0.3275911 * Math.abs(x / Math.SQRT2));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

export class AnomalyScorer {
  readonly #p: AnomalyScoreParams;
  readonly #level = new MetricDetector({ ...DEFAULT_DETECTOR_PARAMS, warmupSamples: 50, alpha: 0.01, freezeZ: 6 });
  #n = 0;
  #prev = Number.NaN;
  #diffMean = 0;
  #diffVar = 0;
  #short = 0;
  #sMean = 0;
  #sVar = 0;
  #refractory = 0;

  constructor(params: AnomalyScoreParams = DEFAULT_ANOMALY_SCORE_PARAMS) {
    this.#p = params;
  }

  /** Feeds one sample; returns its anomaly score in [0, 1]. */
  update(tsMs: number, value: number): number {
    const p = this.#p;
    this.#n++;
    const res = this.#level.update(tsMs, value);
    // Surprise of the level and of the step from the previous value.
    const levelZ = res.warmingUp ? 0 : Math.min(Math.abs(res.z), 50);
    let diffZ = 0;
    if (!Number.isNaN(this.#prev)) {
      const d = Math.abs(value - this.#prev);
      const sd = Math.sqrt(this.#diffVar);
      diffZ = this.#n > 20 && sd > 0 ? Math.min(Math.abs(d - this.#diffMean) / sd, 50) : 0;
      const a = this.#n < 100 ? 1 / this.#n : 0.01;
      const dd = d - this.#diffMean;
      this.#diffMean += a * dd;
      this.#diffVar = (1 - a) * (this.#diffVar + a * dd * dd);
    }
    this.#prev = value;
    const surprise = Math.max(levelZ, 0.7 * diffZ);

    // Anomaly likelihood: how unusual is the recent surprise, given this series' history of it.
    this.#short += p.shortAlpha * (surprise - this.#short);
    let likelihood = 0;
    if (this.#n > p.warmupSamples) {
      const sd = Math.sqrt(this.#sVar) || 1e-6;
      likelihood = normalCdf((this.#short - this.#sMean) / sd);
    }
    const a = this.#n <= p.warmupSamples ? 1 / this.#n : p.longAlpha;
    const ds = surprise - this.#sMean;
    this.#sMean += a * ds;
    this.#sVar = (1 - a) * (this.#sVar + a * ds * ds);

    if (this.#refractory > 0) {
      this.#refractory--;
      return 0;
    }
    if (likelihood >= p.alarmLikelihood) this.#refractory = p.refractorySamples;
    return likelihood;
  }
}
