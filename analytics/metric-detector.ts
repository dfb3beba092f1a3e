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
}

export const DEFAULT_DETECTOR_PARAMS: DetectorParams = {
  warmupSamples: 30,
  alpha: 0.02,
  freezeZ: 3,
  smoothAlpha: 0.3,
  trendWindow: 30,
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
}

export interface SampleResult {
  warmingUp: boolean;
  z: number;
  mean: number;
  std: number;
  smoothed: number;
  /** Units per millisecond, from the trend window; 0 until the window has enough points. */
  slopePerMs: number;
  /** How many identical values in a row (a stuck sensor repeats itself). */
  repeatCount: number;
}

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

  constructor(params: DetectorParams = DEFAULT_DETECTOR_PARAMS) {
    this.params = params;
    this.#ringTs = new Float64Array(params.trendWindow);
    this.#ringValue = new Float64Array(params.trendWindow);
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
    } else {
      const std = Math.sqrt(this.#variance) || Math.max(Math.abs(this.#mean) * 1e-3, 1e-9);
      z = (value - this.#mean) / std;
      if (Math.abs(z) < p.freezeZ) {
        const diff = value - this.#mean;
        this.#mean += p.alpha * diff;
        this.#variance = (1 - p.alpha) * (this.#variance + p.alpha * diff * diff);
      }
      this.#smoothed += p.smoothAlpha * (value - this.#smoothed);
    }
    this.#ringTs[this.#ringHead] = tsMs;
    this.#ringValue[this.#ringHead] = this.#smoothed;
    this.#ringHead = (this.#ringHead + 1) % p.trendWindow;
    if (this.#ringSize < p.trendWindow) this.#ringSize++;
    return {
      warmingUp,
      z,
      mean: this.#mean,
      std: Math.sqrt(this.#variance),
      smoothed: this.#smoothed,
      slopePerMs: this.#slope(),
      repeatCount: this.#repeatCount,
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
  }

  #slope(): number {
    const size = this.#ringSize;
    if (size < Math.max(5, this.params.trendWindow / 3)) return 0;
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
    return denom > 0 ? (size * sxy - sx * sy) / denom : 0;
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
    this.#ringHead = s.ringHead % this.#ringTs.length;
    this.#ringSize = Math.min(s.ringSize, this.#ringTs.length);
  }
}
