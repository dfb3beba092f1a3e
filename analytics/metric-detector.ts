// One streaming detector per device × metric: an EWMA baseline (mean and variance) learned
// after a warm-up, a z-score of each sample against it, and a least-squares trend over a ring
// of recent smoothed values that forecasts when the metric reaches its failure threshold.
// O(1) work per sample, fixed memory (typed ring buffer).

export interface DetectorParams {
  /** Samples before the baseline is trusted. */
  warmupSamples: number;
  /** EWMA weight of a new sample in the baseline. */
  alpha: number;
  /** Samples beyond this |z| do not move the baseline (a fault must not become normal). */
  freezeZ: number;
  /** Smoothing of the signal fed to the trend. */
  smoothAlpha: number;
  /** Samples in the trend window. */
  trendWindow: number;
  /** EWMA weight of the long-term baseline (the device's normal over load and day cycles). */
  longAlpha: number;
  /** Samples over which the long-term baseline is first learnt as a plain average. */
  longLearnSamples: number;
  /** CUSUM allowance k, in long-term σ: deviations below it (a daily swing) never add up. */
  cusumK: number;
}

export const DEFAULT_DETECTOR_PARAMS: DetectorParams = {
  warmupSamples: 30,
  alpha: 0.02,
  freezeZ: 3,
  smoothAlpha: 0.3,
  trendWindow: 30,
  longAlpha: 0.0002,
  longLearnSamples: 288,
  cusumK: 2,
};

export interface DetectorState {
  n: number;
  mean: number;
  variance: number;
  smoothed: number;
  lastValue: number;
  repeatCount: number;
  lastTsMs: number;
  ringTs: number[];
  ringValue: number[];
  ringHead: number;
  ringSize: number;
  longMean: number;
  longVariance: number;
  /** Absent in snapshots from before CUSUM. */
  cusumUp?: number;
  cusumDown?: number;
}

export interface SampleResult {
  warmingUp: boolean;
  z: number;
  mean: number;
  std: number;
  smoothed: number;
  /** Units per millisecond, from the trend window; 0 until the window has enough points. */
  slopePerMs: number;
  /** Standard error of that slope (for the forecast's uncertainty band). */
  slopeStdErrPerMs: number;
  /** The long-term baseline: mean and standard deviation over load and daily cycles. */
  longMean: number;
  longStd: number;
  /** How many identical values in a row (a stuck sensor repeats itself). */
  repeatCount: number;
  /**
   * Two-sided CUSUM of the deviation from the long-term baseline, in σ beyond the allowance:
   * a shift too small for the elevation rule adds up here until it is unmistakable.
   */
  cusumUp: number;
  cusumDown: number;
}

/** Fewer points than this fit no trend worth forecasting from. */
const MIN_TREND_POINTS = 5;
const NO_RING = new Float64Array(0);
/** One sample adds at most this many σ to the CUSUM (a spike is not a shift)... */
const CUSUM_CLIP = 6;
/** ...and the sum stops here, so that it falls back soon after the shift ends. */
const CUSUM_CAP = 150;

export class MetricDetector {
  readonly params: DetectorParams;
  #n = 0;
  #mean = 0;
  #m2 = 0; // warm-up: Welford's sum of squares
  #variance = 0;
  #smoothed = 0;
  #lastValue = Number.NaN;
  #repeatCount = 0;
  #lastTsMs = 0;
  readonly #ringTs: Float64Array;
  readonly #ringValue: Float64Array;
  #ringHead = 0;
  #ringSize = 0;
  #longMean = 0;
  #longVariance = 0;
  #slopeSE = 0;
  #cusumUp = 0;
  #cusumDown = 0;
  /** The smallest spread the long-term baseline assumes (a domain prior), in the metric's unit. */
  sigmaFloor = 0;

  constructor(params: DetectorParams = DEFAULT_DETECTOR_PARAMS) {
    this.params = params;
    // A window too short to fit a trend is not kept at all (metrics with no threshold to forecast).
    const ring = params.trendWindow >= MIN_TREND_POINTS ? params.trendWindow : 0;
    this.#ringTs = ring ? new Float64Array(ring) : NO_RING;
    this.#ringValue = ring ? new Float64Array(ring) : NO_RING;
  }

  get samples(): number {
    return this.#n;
  }

  update(tsMs: number, value: number): SampleResult {
    const p = this.params;
    this.#repeatCount = value === this.#lastValue ? this.#repeatCount + 1 : 1;
    this.#lastValue = value;
    this.#lastTsMs = tsMs;
    this.#n++;
    let z = 0;
    const warmingUp = this.#n <= p.warmupSamples;
    if (warmingUp) {
      const delta = value - this.#mean;
      this.#mean += delta / this.#n;
      this.#m2 += delta * (value - this.#mean);
      this.#variance = this.#n > 1 ? this.#m2 / (this.#n - 1) : 0;
      this.#smoothed = this.#n === 1 ? value : this.#smoothed + p.smoothAlpha * (value - this.#smoothed);
      this.#longMean = this.#mean;
      this.#longVariance = this.#variance;
    } else {
      const std = Math.sqrt(this.#variance) || Math.max(Math.abs(this.#mean) * 1e-3, 1e-9);
      z = (value - this.#mean) / std;
      if (Math.abs(z) < p.freezeZ) {
        const diff = value - this.#mean;
        this.#mean += p.alpha * diff;
        this.#variance = (1 - p.alpha) * (this.#variance + p.alpha * diff * diff);
      }
      this.#smoothed += p.smoothAlpha * (value - this.#smoothed);
      // The long-term baseline learns slowly, and ten times slower still from values far outside
      // it: a degradation must not become the new normal before it is acted on.
      const longStd = Math.max(Math.sqrt(this.#longVariance), this.sigmaFloor);
      const dLong = value - this.#longMean;
      // A plain running average while it learns (the first `longLearnSamples`: every load and
      // hour of the day weighs the same), then an EWMA slow enough that a degradation over days
      // stays visible. Values beyond 3 σ move the mean ten times slower and the spread not at
      // all: a creeping fault must not teach the baseline that it is normal.
      // The warm-up's samples count as learnt already; a sample the fast baseline finds unusual
      // (|z| ≥ 3) is not "normal" either, whatever the long spread says.
      const e = Math.max(-CUSUM_CLIP, Math.min(CUSUM_CLIP, dLong / (longStd || 1)));
      this.#cusumUp = Math.min(CUSUM_CAP, Math.max(0, this.#cusumUp + e - p.cusumK));
      this.#cusumDown = Math.min(CUSUM_CAP, Math.max(0, this.#cusumDown - e - p.cusumK));
      const k = this.#n - p.warmupSamples;
      const rate = k <= p.longLearnSamples ? Math.max(p.longAlpha, 1 / (k + p.warmupSamples)) : p.longAlpha;
      if (Math.abs(dLong) < 3 * longStd || longStd === 0) {
        this.#longMean += rate * dLong;
        this.#longVariance = (1 - rate) * (this.#longVariance + rate * dLong * dLong);
      } else {
        this.#longMean += (rate / 10) * dLong;
      }
    }
    if (this.#ringTs.length > 0) {
      this.#ringTs[this.#ringHead] = tsMs;
      this.#ringValue[this.#ringHead] = this.#smoothed;
      this.#ringHead = (this.#ringHead + 1) % p.trendWindow;
      if (this.#ringSize < p.trendWindow) this.#ringSize++;
    }
    return {
      warmingUp,
      z,
      mean: this.#mean,
      std: Math.sqrt(this.#variance),
      smoothed: this.#smoothed,
      slopePerMs: this.#slope(),
      slopeStdErrPerMs: this.#slopeSE,
      repeatCount: this.#repeatCount,
      longMean: this.#longMean,
      longStd: Math.sqrt(this.#longVariance),
      cusumUp: this.#cusumUp,
      cusumDown: this.#cusumDown,
    };
  }

  /** Forgets the baseline (a part was replaced: the machine's normal has changed). */
  reset(): void {
    this.#n = 0;
    this.#mean = 0;
    this.#m2 = 0;
    this.#variance = 0;
    this.#ringSize = 0;
    this.#ringHead = 0;
    this.#repeatCount = 0;
    this.#lastValue = Number.NaN;
    this.#longMean = 0;
    this.#longVariance = 0;
    this.#cusumUp = 0;
    this.#cusumDown = 0;
  }

  #slope(): number {
    const size = this.#ringSize;
    if (size < Math.max(MIN_TREND_POINTS, this.params.trendWindow / 3)) return 0;
    // Least squares over (t - t0, value); t0 keeps the numbers small.
    const t0 = this.#ringTs[(this.#ringHead - size + this.params.trendWindow) % this.params.trendWindow];
    let sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (let i = 0; i < size; i++) {
      const x = this.#ringTs[i] - t0;
      const y = this.#ringValue[i];
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    const denom = size * sxx - sx * sx;
    if (denom <= 0) return 0;
    const slope = (size * sxy - sx * sy) / denom;
    const intercept = (sy - slope * sx) / size;
    let sse = 0;
    for (let i = 0; i < size; i++) {
      const r = this.#ringValue[i] - (intercept + slope * (this.#ringTs[i] - t0));
      sse += r * r;
    }
    const sxxCentered = sxx - (sx * sx) / size;
    this.#slopeSE = size > 2 && sxxCentered > 0 ? Math.sqrt(sse / (size - 2) / sxxCentered) : 0;
    return slope;
  }

  snapshot(): DetectorState {
    return {
      n: this.#n,
      mean: this.#mean,
      variance: this.#variance,
      smoothed: this.#smoothed,
      lastValue: this.#lastValue,
      repeatCount: this.#repeatCount,
      lastTsMs: this.#lastTsMs,
      ringTs: Array.from(this.#ringTs),
      ringValue: Array.from(this.#ringValue),
      ringHead: this.#ringHead,
      ringSize: this.#ringSize,
      longMean: this.#longMean,
      longVariance: this.#longVariance,
      cusumUp: this.#cusumUp,
      cusumDown: this.#cusumDown,
    };
  }

  restore(s: DetectorState): void {
    this.#n = s.n;
    this.#mean = s.mean;
    this.#variance = s.variance;
    this.#m2 = s.variance * Math.max(0, s.n - 1);
    this.#smoothed = s.smoothed;
    this.#lastValue = s.lastValue;
    this.#repeatCount = s.repeatCount;
    this.#lastTsMs = s.lastTsMs;
    this.#ringTs.set(s.ringTs.slice(0, this.#ringTs.length));
    this.#ringValue.set(s.ringValue.slice(0, this.#ringValue.length));
    this.#ringHead = this.#ringTs.length > 0 ? s.ringHead % this.#ringTs.length : 0;
    this.#ringSize = Math.min(s.ringSize, this.#ringTs.length);
    this.#longMean = s.longMean ?? s.mean;
    this.#longVariance = s.longVariance ?? s.variance;
    this.#cusumUp = s.cusumUp ?? 0;
    this.#cusumDown = s.cusumDown ?? 0;
  }
}
