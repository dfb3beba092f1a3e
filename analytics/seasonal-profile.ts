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

  #bin(tsMs: number): number {
    const phase = (((tsMs % this.periodMs) + this.periodMs) % this.periodMs) / this.periodMs;
    return Math.min(this.#bins.length - 1, Math.floor(phase * this.#bins.length));
  }

  /** Whole periods of history behind the profile. */
  periods(tsMs: number): number {
    return Number.isNaN(this.#firstTs) ? 0 : (tsMs - this.#firstTs) / this.periodMs;
  }

  /** The usual value at this time, or NaN if this bin has not been seen yet. */
  expected(tsMs: number): number {
    return this.#bins[this.#bin(tsMs)];
  }

  learn(tsMs: number, value: number): void {
    if (Number.isNaN(this.#firstTs)) this.#firstTs = tsMs;
    const b = this.#bin(tsMs);
    const old = this.#bins[b];
    this.#bins[b] = Number.isNaN(old) ? value : old + this.#alpha * (value - old);
  }

  snapshot(): SeasonalProfileState {
    return { periodMs: this.periodMs, bins: Array.from(this.#bins, (v) => (Number.isNaN(v) ? null : v)), firstTs: Number.isNaN(this.#firstTs) ? null : this.#firstTs };
  }

  /** A profile as saved; its bin count is kept, whatever the interval now. */
  static restore(s: SeasonalProfileState, alpha: number): SeasonalProfile {
    const profile = new SeasonalProfile(s.periodMs, s.periodMs / s.bins.length, s.bins.length, alpha);
    profile.#bins.set(s.bins.map((v) => v ?? Number.NaN));
    profile.#firstTs = s.firstTs ?? Number.NaN;
    return profile;
  }
}
