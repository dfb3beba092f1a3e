/**
 * Per-key token buckets: each key may spend `perMinute` tokens in a burst, and they come back at
 * `perMinute` a minute. Unlike fixed one-minute windows it has no boundary at which the count
 * drops to zero (where a fixed window lets twice the limit through), and a key costs two numbers.
 * Keys whose bucket has refilled are forgotten, so the map holds only keys active in the last minutes.
 */
export class RateLimiter {
  readonly #perMinute: number;
  readonly #buckets = new Map<string, { tokens: number; atMs: number }>();
  #sweptAtMs = 0;

  constructor(perMinute: number) {
    this.#perMinute = perMinute;
  }

  /** Spends one token of `key`; false (and nothing spent) when it has none left. */
  take(key: string, nowMs: number): boolean {
    this.#sweep(nowMs);
    const tokens = this.#tokens(key, nowMs);
    if (tokens < 1) return false;
    this.#buckets.set(key, { tokens: tokens - 1, atMs: nowMs });
    return true;
  }

  /**
   * Spends one token of `key` even when it has none: the debt (down to one minute's worth) keeps
   * a key that goes on past its limit exhausted until it has stayed under the rate for a while.
   */
  spend(key: string, nowMs: number): void {
    this.#sweep(nowMs);
    this.#buckets.set(key, { tokens: Math.max(-this.#perMinute, this.#tokens(key, nowMs) - 1), atMs: nowMs });
  }

  /** True when `key` has no token left (nothing spent). */
  exhausted(key: string, nowMs: number): boolean {
    return this.#tokens(key, nowMs) < 1;
  }

  #tokens(key: string, nowMs: number): number {
    const b = this.#buckets.get(key);
    if (!b) return this.#perMinute;
    return Math.min(this.#perMinute, b.tokens + ((nowMs - b.atMs) * this.#perMinute) / 60_000);
  }

  #sweep(nowMs: number): void {
    if (nowMs - this.#sweptAtMs < 60_000) return;
    this.#sweptAtMs = nowMs;
    // Untouched for two minutes: refilled even from the deepest debt.
    for (const [key, b] of this.#buckets) if (nowMs - b.atMs >= 120_000) this.#buckets.delete(key);
  }
}
