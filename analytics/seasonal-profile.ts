// The usual value of a metric at this time of day (or of the week): a profile of B bins over the
// period, each an EWMA of the values seen in it on earlier periods. Many signals follow the clock
// (ambient temperature, shift patterns, traffic); against this profile a value that is normal
// for the day but wrong for the hour stands out. Fixed memory: at most `maxBins` 4-byte floats.

export interface SeasonalProfileState {
  periodMs: number;
  /** null: a bin not seen yet. */
  bins: (number | null)[];
  /** null once through JSON (NaN is not JSON). */
  firstTs: number | null;
}

export class SeasonalProfile {
  readonly periodMs: number;
  /** NaN marks a bin not seen yet. */
  readonly #bins: Float32Array;
  readonly #alpha: number;
  #firstTs = Number.NaN;

  /** `intervalMs`: the metric's usual sampling interval; bins are never finer than it. */
  constructor(periodMs: number, intervalMs: number, maxBins: number, alpha: number) {
    this.periodMs = periodMs;
    const bins = Math.max(1, Math.min(maxBins, Math.round(periodMs / Math.max(intervalMs, 1))));
    this.#bins = new Float32Array(bins).fill(Number.NaN);
    this.#alpha = alpha;
  }

  /**
   * The bin of a time. A scorer asks for it once per sample and passes it to `expectedIn` and
   * `learnIn`: the floating-point remainder is a call into C, and it was a tenth of the unit-free
   * analytics path's time when each of them computed it again.
   */
  bin(tsMs: number): number {
    const period = this.periodMs;
    let offset: number;
    // An integral timestamp (the usual case: milliseconds) gets its remainder from a floor instead
    // of `%`: with integers below 2^50 the product and the difference are exact (even when the
    // quotient is off by one), so whenever the result lies in [0, period) it is the remainder `%`
    // gives, and ((r + period) % period) is r as well. Anything else takes the general formula.
    if (tsMs >= 0 && tsMs < 2 ** 50 && Math.floor(tsMs) === tsMs && Math.floor(period) === period && period < 2 ** 50) {
      offset = tsMs - Math.floor(tsMs / period) * period;
      if (!(offset >= 0 && offset < period)) offset = ((tsMs % period) + period) % period;
    } else offset = ((tsMs % period) + period) % period;
    const phase = offset / period;
    return Math.min(this.#bins.length - 1, Math.floor(phase * this.#bins.length));
  }

  /** Whole periods of history behind the profile. */
  periods(tsMs: number): number {
    return Number.isNaN(this.#firstTs) ? 0 : (tsMs - this.#firstTs) / this.periodMs;
  }

  /** The usual value at this time, or NaN if this bin has not been seen yet. */
  expected(tsMs: number): number {
    return this.#bins[this.bin(tsMs)];
  }

  /** The usual value in bin `b` (from `bin`), or NaN if it has not been seen yet. */
  expectedIn(b: number): number {
    return this.#bins[b];
  }

  learn(tsMs: number, value: number): void {
    this.learnIn(this.bin(tsMs), tsMs, value);
  }

  /** `learn` for a sample at `tsMs` whose bin `b` the caller has already computed. */
  learnIn(b: number, tsMs: number, value: number): void {
    if (Number.isNaN(this.#firstTs)) this.#firstTs = tsMs;
    const old = this.#bins[b];
    this.#bins[b] = Number.isNaN(old) ? value : old + this.#alpha * (value - old);
  }

  snapshot(): SeasonalProfileState {
    return {
      periodMs: this.periodMs,
      bins: Array.from(this.#bins, (v) => (Number.isNaN(v) ? null : v)),
      firstTs: Number.isNaN(this.#firstTs) ? null : this.#firstTs,
    };
  }

  /** A profile as saved; its bin count is kept, whatever the interval now. */
  static restore(s: SeasonalProfileState, alpha: number): SeasonalProfile {
    const profile = new SeasonalProfile(s.periodMs, s.periodMs / s.bins.length, s.bins.length, alpha);
    profile.#bins.set(s.bins.map((v) => v ?? Number.NaN));
    profile.#firstTs = s.firstTs ?? Number.NaN;
    return profile;
  }
}
