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
  /**
   * EWMA weight of the long-term baseline (the device's normal over load and day cycles) per
   * `referenceIntervalMs` of time: a device sampling more often moves it less per sample.
   */
  longAlpha: number;
  /** Samples over which the long-term baseline is first learnt as a plain average... */
  longLearnSamples: number;
  /** ...and at least this much time (a whole day, whatever the sampling rate). */
  longLearnMs: number;
  /** The sampling interval the per-sample constants were set for. */
  referenceIntervalMs: number;
  /** CUSUM allowance k, in long-term σ: deviations below it (a daily swing) never add up. */
  cusumK: number;
  /**
   * Time constant of the recent reading-to-reading noise, ms (0: the noise is not tracked). A
   * sensor whose gain drifts scales all it reads, its noise with its level; wear adds vibration
   * over the same noise (verdict.ts `sensorGainDrift` compares the two).
   */
  noiseRecentMs: number;
}

export const DEFAULT_DETECTOR_PARAMS: DetectorParams = {
  warmupSamples: 30,
  alpha: 0.02,
  freezeZ: 3,
  smoothAlpha: 0.3,
  trendWindow: 30,
  longAlpha: 0.0002,
  longLearnSamples: 288,
  longLearnMs: 86_400_000,
  referenceIntervalMs: 300_000,
  cusumK: 2,
  noiseRecentMs: 0,
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
  /** Absent in snapshots from before the time-based long-term baseline. */
  firstTsMs?: number;
  /** The noise's normal and recent levels (mean squared step) and the time its normal was learnt on; absent before they were kept. */
  noiseNormal?: number;
  noiseRecent?: number;
  noiseLearntMs?: number;
  noiseLevel?: number;
  /**
   * The reading before the last one (the noise is a second difference, so it needs both); null
   * before there was one. Without it a restored detector skipped its first noise update.
   */
  noisePrevious?: number | null;
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

/** Slots of a detector's floating-point state (the counters are integer fields: V8 keeps those unboxed). */
const MEAN = 0,
  M2 = 1 /* warm-up: Welford's sum of squares */,
  VARIANCE = 2,
  SMOOTHED = 3,
  LAST_VALUE = 4,
  LAST_TS = 5;
const LONG_MEAN = 6,
  LONG_VARIANCE = 7,
  SLOPE_SE = 8,
  CUSUM_UP = 9,
  CUSUM_DOWN = 10,
  SIGMA_FLOOR = 11;
/** Slots of the result `keep` holds (warmingUp as 0 or 1), beside the state it came from. */
const R_WARMING_UP = 12,
  R_Z = 13,
  R_MEAN = 14,
  R_STD = 15,
  R_SMOOTHED = 16,
  R_SLOPE = 17,
  R_SLOPE_SE = 18;
const R_REPEATS = 19,
  R_LONG_MEAN = 20,
  R_LONG_STD = 21,
  R_CUSUM_UP = 22,
  R_CUSUM_DOWN = 23;
/** First sample's time; the last interval between samples and the weights it gives (long-term, CUSUM). */
const FIRST_TS = 24,
  LONG_DT = 25,
  LONG_RATE = 26,
  CUSUM_WEIGHT = 27;
/**
 * The noise (mean absolute step from one reading to the next): its normal, its recent level, the
 * time its normal has learnt on, the recent weight of the last interval; the recent mean of the
 * value over the same time (a level to compare the noise with, as late as the noise).
 */
const NOISE_NORMAL = 28,
  NOISE_RECENT = 29,
  NOISE_LEARNT = 30,
  NOISE_RATE = 31,
  NOISE_LEVEL = 32,
  NOISE_PREVIOUS = 33;
/** The noise's slots as a detector that tracks it starts them. */
const NOISE_SLOTS: readonly number[] = [0, 0, 0, 0, 0, Number.NaN];
/** A step over this many times the recent mean step is not noise (a load change, a spike). */
const NOISE_CLIP = 4;
/**
 * A reading weighs at most this much time in the noise's means: the first reading after a stop of
 * hours (a pump's shift) is one reading, not half of the last 12 hours.
 */
const NOISE_MAX_STEP_MS = 30 * 60_000;
/** ...once the noise has been learnt this long. */
const NOISE_CLIP_AFTER_MS = 6 * 3_600_000;
/** The normal noise is learnt while the smoothed value is within this many long-term σ (its own spread, no floor) of the long-term mean. */
const NOISE_NORMAL_SIGMAS = 2;

/**
 * The result `keep` holds, read in place: a live view of the detector's slots, so keeping it
 * costs no object (and no boxed number) per sample.
 */
class KeptResult implements SampleResult {
  readonly #s: number[];
  constructor(s: number[]) {
    this.#s = s;
  }
  get warmingUp(): boolean {
    return this.#s[R_WARMING_UP] === 1;
  }
  get z(): number {
    return this.#s[R_Z];
  }
  get mean(): number {
    return this.#s[R_MEAN];
  }
  get std(): number {
    return this.#s[R_STD];
  }
  get smoothed(): number {
    return this.#s[R_SMOOTHED];
  }
  get slopePerMs(): number {
    return this.#s[R_SLOPE];
  }
  get slopeStdErrPerMs(): number {
    return this.#s[R_SLOPE_SE];
  }
  get repeatCount(): number {
    return this.#s[R_REPEATS];
  }
  get longMean(): number {
    return this.#s[R_LONG_MEAN];
  }
  get longStd(): number {
    return this.#s[R_LONG_STD];
  }
  get cusumUp(): number {
    return this.#s[R_CUSUM_UP];
  }
  get cusumDown(): number {
    return this.#s[R_CUSUM_DOWN];
  }
}

export class MetricDetector {
  readonly params: DetectorParams;
  /**
   * The floating-point state, one slot per quantity (indices above). One array of unboxed
   * doubles, not a field each: V8 keeps every floating-point field in a box of its own, so the
   * state was a dozen small objects scattered over the heap, and with thousands of devices each
   * sample's fields were cache misses.
   */
  readonly #s: number[];
  #kept: KeptResult | null = null;
  #n = 0;
  #repeatCount = 0;
  readonly #ringTs: Float64Array;
  readonly #ringValue: Float64Array;
  #ringHead = 0;
  #ringSize = 0;

  constructor(params: DetectorParams = DEFAULT_DETECTOR_PARAMS) {
    this.params = params;
    // The NaN makes the literal an array of doubles from the start (no conversion on first use).
    this.#s = [
      0,
      0,
      0,
      0,
      Number.NaN,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      /* kept result: */ 0,
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
      /* time: */ 0,
      0,
      0,
      0,
    ];
    // The noise's slots only where it is tracked (vibration): 48 bytes less for every other metric.
    if (params.noiseRecentMs > 0) this.#s = this.#s.concat(NOISE_SLOTS);
    // A window too short to fit a trend is not kept at all (metrics with no threshold to forecast).
    const ring = params.trendWindow >= MIN_TREND_POINTS ? params.trendWindow : 0;
    this.#ringTs = ring ? new Float64Array(ring) : NO_RING;
    this.#ringValue = ring ? new Float64Array(ring) : NO_RING;
  }

  /** The smallest spread the long-term baseline assumes (a domain prior), in the metric's unit. */
  get sigmaFloor(): number {
    return this.#s[SIGMA_FLOOR];
  }

  set sigmaFloor(v: number) {
    this.#s[SIGMA_FLOOR] = v;
  }

  get samples(): number {
    return this.#n;
  }

  /**
   * Learns one sample and returns its result, held in the detector's own slots: the returned
   * object is a view of them (the same object every time, showing the latest result), valid until
   * the next sample. `reset` leaves it as it was. A result object per sample, kept until the next,
   * outlived young-generation collections only to be dropped later.
   */
  keep(tsMs: number, value: number): SampleResult {
    const s = this.#s;
    s[R_Z] = this.#advance(tsMs, value);
    s[R_WARMING_UP] = this.warmingUp ? 1 : 0;
    s[R_MEAN] = s[MEAN];
    s[R_STD] = Math.sqrt(s[VARIANCE]);
    s[R_SMOOTHED] = s[SMOOTHED];
    s[R_SLOPE] = this.#slope();
    s[R_SLOPE_SE] = s[SLOPE_SE];
    s[R_REPEATS] = this.#repeatCount;
    s[R_LONG_MEAN] = s[LONG_MEAN];
    s[R_LONG_STD] = Math.sqrt(s[LONG_VARIANCE]);
    s[R_CUSUM_UP] = s[CUSUM_UP];
    s[R_CUSUM_DOWN] = s[CUSUM_DOWN];
    return (this.#kept ??= new KeptResult(s));
  }

  /**
   * `keep` for a caller that needs only the z-score (then `warmingUp` and `std`): the same state
   * change, nothing written for a result.
   */
  updateZ(tsMs: number, value: number): number {
    return this.#advance(tsMs, value);
  }

  /** The time of the last sample learnt, ms (0 before the first). */
  get lastTsMs(): number {
    return this.#s[LAST_TS];
  }

  /** The mean time between the samples learnt, ms, gaps included (NaN before the second). */
  get meanIntervalMs(): number {
    return this.#n > 1 ? (this.#s[LAST_TS] - this.#s[FIRST_TS]) / (this.#n - 1) : Number.NaN;
  }

  /** Whether the last sample was still in the warm-up (the baseline not yet trusted). */
  get warmingUp(): boolean {
    return this.#n <= this.params.warmupSamples;
  }

  /**
   * Moves the fast baseline's mean to `mean`, its spread kept: a change of level the caller has
   * confirmed (values beyond `freezeZ` never teach the baseline, so it would not follow one).
   */
  rebaseline(mean: number): void {
    this.#s[MEAN] = mean;
  }

  /** The fast baseline's standard deviation now. */
  get std(): number {
    return Math.sqrt(this.#s[VARIANCE]);
  }

  /** Learns one sample; returns its z-score against the baseline before it (0 in the warm-up). */
  #advance(tsMs: number, value: number): number {
    const p = this.params;
    const previous = this.#s[LAST_VALUE];
    this.#repeatCount = value === previous ? this.#repeatCount + 1 : 1;
    this.#s[LAST_VALUE] = value;
    const dt = this.#n > 0 && tsMs > this.#s[LAST_TS] ? tsMs - this.#s[LAST_TS] : p.referenceIntervalMs;
    if (this.#n === 0) this.#s[FIRST_TS] = tsMs;
    this.#s[LAST_TS] = tsMs;
    this.#n++;
    let z = 0;
    const warmingUp = this.#n <= p.warmupSamples;
    if (warmingUp) {
      const delta = value - this.#s[MEAN];
      this.#s[MEAN] += delta / this.#n;
      this.#s[M2] += delta * (value - this.#s[MEAN]);
      this.#s[VARIANCE] = this.#n > 1 ? this.#s[M2] / (this.#n - 1) : 0;
      this.#s[SMOOTHED] = this.#n === 1 ? value : this.#s[SMOOTHED] + p.smoothAlpha * (value - this.#s[SMOOTHED]);
      this.#s[LONG_MEAN] = this.#s[MEAN];
      this.#s[LONG_VARIANCE] = this.#s[VARIANCE];
    } else {
      const std = Math.sqrt(this.#s[VARIANCE]) || Math.max(Math.abs(this.#s[MEAN]) * 1e-3, 1e-9);
      z = (value - this.#s[MEAN]) / std;
      if (Math.abs(z) < p.freezeZ) {
        const diff = value - this.#s[MEAN];
        this.#s[MEAN] += p.alpha * diff;
        this.#s[VARIANCE] = (1 - p.alpha) * (this.#s[VARIANCE] + p.alpha * diff * diff);
      }
      this.#s[SMOOTHED] += p.smoothAlpha * (value - this.#s[SMOOTHED]);
      // The long-term baseline learns slowly, and ten times slower still from values far outside
      // it: a degradation must not become the new normal before it is acted on.
      const longStd = Math.max(Math.sqrt(this.#s[LONG_VARIANCE]), this.#s[SIGMA_FLOOR]);
      const dLong = value - this.#s[LONG_MEAN];
      // A plain running average while it learns (the first `longLearnSamples`: every load and
      // hour of the day weighs the same), then an EWMA slow enough that a degradation over days
      // stays visible. Values beyond 3 σ move the mean ten times slower and the spread not at
      // all: a creeping fault must not teach the baseline that it is normal.
      // The warm-up's samples count as learnt already; a sample the fast baseline finds unusual
      // (|z| ≥ 3) is not "normal" either, whatever the long spread says.
      const longAlpha = this.#longAlphaFor(dt);
      // Evidence adds up per reference interval, not per sample: sampled every minute, an hour's
      // drift (ambient, load) is 60 correlated samples, and counting each in full made 41 of 243
      // healthy devices in bench:fleet look shifted (1 at 5 minutes).
      const w = this.#s[CUSUM_WEIGHT];
      const e = Math.max(-CUSUM_CLIP, Math.min(CUSUM_CLIP, dLong / (longStd || 1)));
      this.#s[CUSUM_UP] = Math.min(CUSUM_CAP, Math.max(0, this.#s[CUSUM_UP] + w * (e - p.cusumK)));
      this.#s[CUSUM_DOWN] = Math.min(CUSUM_CAP, Math.max(0, this.#s[CUSUM_DOWN] + w * (-e - p.cusumK)));
      const k = this.#n - p.warmupSamples;
      const learning = k <= p.longLearnSamples || tsMs - this.#s[FIRST_TS] < p.longLearnMs;
      const rate = learning ? Math.max(longAlpha, 1 / (k + p.warmupSamples)) : longAlpha;
      if (Math.abs(dLong) < 3 * longStd || longStd === 0) {
        this.#s[LONG_MEAN] += rate * dLong;
        this.#s[LONG_VARIANCE] = (1 - rate) * (this.#s[LONG_VARIANCE] + rate * dLong * dLong);
      } else {
        this.#s[LONG_MEAN] += (rate / 10) * dLong;
      }
      // The reading's departure from the line through the two before (a second difference): a rise,
      // fast (a sudden failure's precursor) or slow, is not noise, and a jump touches two readings.
      if (p.noiseRecentMs > 0) {
        this.#learnNoise(value - 2 * previous + this.#s[NOISE_PREVIOUS], Math.min(dt, NOISE_MAX_STEP_MS), longAlpha);
        this.#s[NOISE_PREVIOUS] = previous;
      }
    }
    if (this.#ringTs.length > 0) {
      this.#ringTs[this.#ringHead] = tsMs;
      this.#ringValue[this.#ringHead] = this.#s[SMOOTHED];
      this.#ringHead = (this.#ringHead + 1) % p.trendWindow;
      if (this.#ringSize < p.trendWindow) this.#ringSize++;
    }
    return z;
  }

  /**
   * The reading-to-reading noise: the squared step, clipped, as a recent mean (time constant
   * `noiseRecentMs`) and as the normal one, learnt at the long-term baseline's pace while the
   * smoothed value is near its long-term mean (a fault under way must not teach it).
   */
  #learnNoise(step: number, dt: number, longRate: number): void {
    const s = this.#s;
    if (Number.isNaN(step)) return;
    const normal = s[NOISE_NORMAL];
    const recent = s[NOISE_RECENT];
    const learnt = s[NOISE_LEARNT];
    // A step far beyond the recent ones is not noise (a load change, a spike, a stopped machine's
    // floor reading): left out, against the recent level rather than the normal (a gain grown 2×
    // doubles every step), once both are worth comparing against.
    const size = Math.abs(step);
    if (learnt >= NOISE_CLIP_AFTER_MS && size > NOISE_CLIP * Math.max(recent, normal)) return;
    // Plain averages while they are young, then the recent one forgets over its time constant and
    // the normal one at the long-term baseline's pace.
    const young = dt / (learnt + dt);
    const rate = Math.max(s[NOISE_RATE], young);
    s[NOISE_RECENT] = recent + rate * (size - recent);
    s[NOISE_LEVEL] += rate * (s[LAST_VALUE] - s[NOISE_LEVEL]);
    const longStd = Math.sqrt(s[LONG_VARIANCE]);
    if (learnt > 0 && Math.abs(s[SMOOTHED] - s[LONG_MEAN]) > NOISE_NORMAL_SIGMAS * longStd) return;
    s[NOISE_NORMAL] = normal + (learnt < this.params.longLearnMs ? young : longRate) * (size - normal);
    s[NOISE_LEARNT] = learnt + dt;
  }

  /** The recent reading-to-reading noise against its normal (NaN while the normal is not learnt for a day). */
  get noiseRatio(): number {
    const s = this.#s;
    if (!(s[NOISE_LEARNT] >= this.params.longLearnMs && s[NOISE_NORMAL] > 0)) return Number.NaN;
    return s[NOISE_RECENT] / s[NOISE_NORMAL];
  }

  /** The recent mean value over the noise's time constant, against the long-term mean (NaN: not tracked). */
  get recentLevelRatio(): number {
    const s = this.#s;
    if (!(s[NOISE_LEARNT] >= this.params.longLearnMs && s[LONG_MEAN] > 0)) return Number.NaN;
    return s[NOISE_LEVEL] / s[LONG_MEAN];
  }

  /** Forgets the baseline (a part was replaced: the machine's normal has changed). */
  reset(): void {
    this.#n = 0;
    this.#s[MEAN] = 0;
    this.#s[M2] = 0;
    this.#s[VARIANCE] = 0;
    this.#ringSize = 0;
    this.#ringHead = 0;
    this.#repeatCount = 0;
    this.#s[LAST_VALUE] = Number.NaN;
    this.#s[LONG_MEAN] = 0;
    this.#s[LONG_VARIANCE] = 0;
    this.#s[CUSUM_UP] = 0;
    this.#s[CUSUM_DOWN] = 0;
    if (this.params.noiseRecentMs > 0)
      for (let i = 0; i < NOISE_SLOTS.length; i++) this.#s[NOISE_NORMAL + i] = NOISE_SLOTS[i];
  }

  #slope(): number {
    const size = this.#ringSize;
    // No ring (no trend kept): no slope, and the standard error stays as it was.
    if (this.#ringTs.length === 0) return 0;
    if (size < Math.max(MIN_TREND_POINTS, this.params.trendWindow / 3)) return 0;
    // Least squares over (t - t0, value); t0 keeps the numbers small.
    const t0 = this.#ringTs[(this.#ringHead - size + this.params.trendWindow) % this.params.trendWindow];
    let sx = 0,
      sy = 0,
      sxx = 0,
      sxy = 0;
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
    this.#s[SLOPE_SE] = size > 2 && sxxCentered > 0 ? Math.sqrt(sse / (size - 2) / sxxCentered) : 0;
    return slope;
  }

  /**
   * The long-term weight of one sample `dt` after the last: `longAlpha` per reference interval,
   * compounded over the time that passed, so the baseline forgets at the same pace in days at any
   * sampling rate. At one sample a minute, a per-sample weight made it learn a degradation five
   * times sooner, and bench:fleet's median warning fell from 90 h to under 5 h. Also sets the
   * CUSUM's weight for this sample: the share of a reference interval it stands for (at most 1).
   */
  #longAlphaFor(dt: number): number {
    const s = this.#s;
    if (dt !== s[LONG_DT]) {
      const ref = this.params.referenceIntervalMs;
      s[LONG_DT] = dt;
      s[LONG_RATE] = dt === ref ? this.params.longAlpha : 1 - (1 - this.params.longAlpha) ** (dt / ref);
      s[CUSUM_WEIGHT] = Math.min(1, dt / ref);
      if (this.params.noiseRecentMs > 0)
        s[NOISE_RATE] = 1 - Math.exp(-Math.min(dt, NOISE_MAX_STEP_MS) / this.params.noiseRecentMs);
    }
    return s[LONG_RATE];
  }

  snapshot(): DetectorState {
    return {
      n: this.#n,
      mean: this.#s[MEAN],
      variance: this.#s[VARIANCE],
      smoothed: this.#s[SMOOTHED],
      lastValue: this.#s[LAST_VALUE],
      repeatCount: this.#repeatCount,
      lastTsMs: this.#s[LAST_TS],
      ringTs: Array.from(this.#ringTs),
      ringValue: Array.from(this.#ringValue),
      ringHead: this.#ringHead,
      ringSize: this.#ringSize,
      longMean: this.#s[LONG_MEAN],
      longVariance: this.#s[LONG_VARIANCE],
      cusumUp: this.#s[CUSUM_UP],
      cusumDown: this.#s[CUSUM_DOWN],
      firstTsMs: this.#s[FIRST_TS],
      ...(this.params.noiseRecentMs > 0
        ? {
            noiseNormal: this.#s[NOISE_NORMAL],
            noiseRecent: this.#s[NOISE_RECENT],
            noiseLearntMs: this.#s[NOISE_LEARNT],
            noiseLevel: this.#s[NOISE_LEVEL],
            // NaN (none yet) as null: JSON has no NaN.
            noisePrevious: Number.isNaN(this.#s[NOISE_PREVIOUS]) ? null : this.#s[NOISE_PREVIOUS],
          }
        : {}),
    };
  }

  restore(s: DetectorState): void {
    this.#n = s.n;
    this.#s[MEAN] = s.mean;
    this.#s[VARIANCE] = s.variance;
    this.#s[M2] = s.variance * Math.max(0, s.n - 1);
    this.#s[SMOOTHED] = s.smoothed;
    this.#s[LAST_VALUE] = s.lastValue;
    this.#repeatCount = s.repeatCount;
    this.#s[LAST_TS] = s.lastTsMs;
    this.#ringTs.set(s.ringTs.slice(0, this.#ringTs.length));
    this.#ringValue.set(s.ringValue.slice(0, this.#ringValue.length));
    this.#ringHead = this.#ringTs.length > 0 ? s.ringHead % this.#ringTs.length : 0;
    this.#ringSize = Math.min(s.ringSize, this.#ringTs.length);
    this.#s[LONG_MEAN] = s.longMean ?? s.mean;
    this.#s[LONG_VARIANCE] = s.longVariance ?? s.variance;
    this.#s[CUSUM_UP] = s.cusumUp ?? 0;
    this.#s[CUSUM_DOWN] = s.cusumDown ?? 0;
    // Older snapshots: the learning day counts from the snapshot's last sample.
    this.#s[FIRST_TS] = s.firstTsMs ?? s.lastTsMs;
    this.#s[LONG_DT] = 0;
    if (this.params.noiseRecentMs > 0) {
      this.#s[NOISE_NORMAL] = s.noiseNormal ?? 0;
      this.#s[NOISE_RECENT] = s.noiseRecent ?? 0;
      this.#s[NOISE_LEARNT] = s.noiseLearntMs ?? 0;
      this.#s[NOISE_LEVEL] = s.noiseLevel ?? 0;
      this.#s[NOISE_PREVIOUS] = s.noisePrevious ?? Number.NaN;
    }
  }
}
