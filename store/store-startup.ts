import type { Logger } from '../core/log.ts';
import { RetryableStoreError, type TelemetryStore } from './telemetry-store.ts';

export interface StoreStartupOptions {
  store: TelemetryStore;
  log: Logger;
  /** Backoff bounds between tries, ms. */
  minRetryMs?: number;
  maxRetryMs?: number;
}

/**
 * Brings the telemetry store up (InfluxDB: CREATE DATABASE) without letting an outage keep Purna
 * down: a restart while InfluxDB was away used to exit at once, and a supervisor restarting it
 * kept the broker down for the whole outage.
 *
 * The first try is awaited, so a store that answers is ready before the broker listens, and an
 * error that is a setting to fix (credentials InfluxDB refuses) still stops start-up naming it.
 * A store that cannot be reached (RetryableStoreError) is tried again in the background with
 * exponential backoff and full jitter while Purna accepts telemetry into the write-ahead log;
 * writes wait for the store on their own (the InfluxDB store creates its database before its
 * first write, and the writer retries until it can).
 */
export class StoreStartup {
  readonly #opts: Required<StoreStartupOptions>;
  #ready = false;
  #lastError = '';
  /** performance.now() of the first failed try. */
  #failingSince = 0;
  #attempt = 0;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(opts: StoreStartupOptions) {
    // A 30 s cap: the store is found within half a minute of its return even after a long outage
    // (the writer's own tries usually find it sooner).
    this.#opts = { minRetryMs: 500, maxRetryMs: 30_000, ...opts };
  }

  get ready(): boolean {
    return this.#ready;
  }

  async start(): Promise<void> {
    try {
      await this.#opts.store.start();
    } catch (err) {
      if (!(err instanceof RetryableStoreError)) throw err;
      this.#failingSince = performance.now();
      this.#failed(err);
      return;
    }
    this.#started();
  }

  /** For /readyz: not ready until started, then as long as the store answers. */
  async readiness(): Promise<{ ok: boolean; detail: string }> {
    const kind = this.#opts.store.kind;
    if (!this.#ready && this.#timer && (await this.#opts.store.ping()) && this.#timer) {
      // It answers again: try now, not at the next backoff tick (up to 30 s away).
      clearTimeout(this.#timer);
      await this.#retry();
    }
    if (!this.#ready) {
      const seconds = Math.round((performance.now() - this.#failingSince) / 1000);
      return { ok: false, detail: `${kind} not started for ${seconds} s, retrying: ${this.#lastError.slice(0, 200)}` };
    }
    const answers = await this.#opts.store.ping();
    return { ok: answers, detail: answers ? kind : `${kind} does not answer` };
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #started(): void {
    this.#ready = true;
    this.#opts.log.info({ store: this.#opts.store.kind, tries: this.#attempt + 1 }, 'telemetry store ready');
  }

  #failed(err: Error): void {
    this.#lastError = err.message;
    const cap = Math.min(this.#opts.maxRetryMs, this.#opts.minRetryMs * 2 ** this.#attempt++);
    const delay = Math.max(this.#opts.minRetryMs, Math.random() * cap);
    const fields = {
      store: this.#opts.store.kind,
      err: err.message,
      retryInMs: Math.round(delay),
      attempt: this.#attempt,
    };
    // Unreachable is expected during an outage; anything else (credentials refused once it is back) an operator must see.
    if (err instanceof RetryableStoreError)
      this.#opts.log.warn(
        fields,
        'telemetry store not reachable; accepting telemetry into the write-ahead log and retrying',
      );
    else this.#opts.log.error(fields, 'telemetry store failed to start; retrying');
    this.#timer = setTimeout(() => void this.#retry(), delay);
  }

  async #retry(): Promise<void> {
    this.#timer = null;
    if (this.#stopped) return;
    try {
      await this.#opts.store.start();
    } catch (err) {
      if (!this.#stopped) this.#failed(err as Error);
      return;
    }
    if (!this.#stopped) this.#started();
  }
}
