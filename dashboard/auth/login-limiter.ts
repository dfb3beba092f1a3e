// Per-account limit on failed logins. Each attempt is counted when it arrives, before its
// password is hashed, so concurrent guesses cannot all slip in while the first ones are still
// being checked; a success clears only its own account, so an attacker's successful login to
// their own account does not reset the count on the account they are guessing.

export interface LoginLimiterOptions {
  /** Attempts that did not succeed allowed per account per window. */
  maxFailures: number;
  windowMs: number;
  nowMs: () => number;
  /** Accounts tracked at most; past it the oldest window is forgotten (a flood of made-up emails cannot grow memory). */
  maxAccounts?: number;
}

export class LoginLimiter {
  readonly #opts: Required<LoginLimiterOptions>;
  /** Insertion order is window start order: the first entry is always the oldest. */
  readonly #accounts = new Map<string, { attempts: number; sinceMs: number }>();

  constructor(opts: LoginLimiterOptions) {
    this.#opts = { maxAccounts: 100_000, ...opts };
  }

  /**
   * Counts one attempt on `account` (as a failure until `succeeded` says otherwise). Returns
   * null when it may proceed, or the ms until the account's window ends when it is locked.
   */
  begin(account: string): number | null {
    const key = account.trim().toLowerCase();
    const now = this.#opts.nowMs();
    let entry = this.#accounts.get(key);
    if (entry && now - entry.sinceMs >= this.#opts.windowMs) {
      this.#accounts.delete(key);
      entry = undefined;
    }
    if (!entry) {
      if (this.#accounts.size >= this.#opts.maxAccounts) this.#accounts.delete(this.#accounts.keys().next().value!);
      entry = { attempts: 0, sinceMs: now };
      this.#accounts.set(key, entry);
    }
    if (entry.attempts >= this.#opts.maxFailures) return entry.sinceMs + this.#opts.windowMs - now;
    entry.attempts++;
    return null;
  }

  /** The attempt never reached the password check (the hash was too busy): it does not count. */
  refund(account: string): void {
    const entry = this.#accounts.get(account.trim().toLowerCase());
    if (entry && entry.attempts > 0) entry.attempts--;
  }

  /** The account's password was right: its count starts again. */
  succeeded(account: string): void {
    this.#accounts.delete(account.trim().toLowerCase());
  }
}
