import type { Logger } from '../core/log.ts';
import type { Reading } from '../core/types.ts';
import { RefusedWriteError, RetryableStoreError, type TelemetryStore } from '../store/telemetry-store.ts';

export interface TelemetryWriterOptions {
  store: TelemetryStore;
  log: Logger;
  /** Points per write (InfluxDB's sweet spot is a few thousand lines). */
  batchSize: number;
  /** A partial batch is written once its oldest reading has waited this long, ms. */
  maxBatchAgeMs: number;
  /** Store writes in flight at once (default 2). Confirmations are released in order whatever this is. */
  maxInFlight?: number;
  /** Retry backoff bounds, ms. */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** Called after each batch is stored (for metrics, tests); batches may complete out of order. */
  onStored?: (readings: readonly Reading[], latencyMs: number) => void;
  /** Called when the oldest `count` queued readings are done with: stored, or refused by the store for good (write-ahead log truncation). Always in enqueue order. */
  onSettled?: (count: number) => void;
  /** Called with readings the store refused for good and the store's reason (they are settled all the same). */
  onRefused?: (readings: readonly Reading[], reason: string) => void;
  /** The writer is not ready (readiness()) once its writes have failed this long without one succeeding, ms (default 60 s). */
  stuckAfterMs?: number;
}

export interface WriterStats {
  pending: number;
  storedReadings: number;
  /** Write attempts that failed and will be tried again (the store away, or an error it did not explain). */
  failedWrites: number;
  /** Readings the store refused for good (too large even alone, points it will not take): not stored, reported, settled. */
  refusedReadings: number;
  /** Writes the store refused that were split in two to find what it takes. */
  splitWrites: number;
  retrying: boolean;
}

/** A batch taken off the queue and not yet settled, in enqueue order. */
interface Slot {
  /** Readings the batch took off the queue: what onSettled confirms once every part is done. */
  size: number;
  /** What is still to write, oldest first: the batch, or what is left of it after splits. */
  parts: Reading[][];
  state: 'writing' | 'failed' | 'done';
  /** Settles (never rejects) when the current attempt ends. */
  attempt: Promise<void>;
}

/**
 * Batches accepted readings to the telemetry store: by size or by age, up to `maxInFlight`
 * writes at a time. Batches may complete out of order, but they are settled (onSettled, which
 * lets the write-ahead log delete what is stored) strictly in enqueue order: a later batch that
 * finishes first waits for every earlier one.
 *
 * A store that is away (RetryableStoreError, or any error it did not explain) is retried with
 * exponential backoff and full jitter, honouring the server's Retry-After. While it is away only
 * the retry timer tries, and one batch at a time (the oldest failed one): traffic does not add
 * tries. Once that probe is stored, the other failed batches go again, oldest first, before
 * anything newer.
 *
 * A write the store refuses for its content (RefusedWriteError: too large, a field type
 * conflict) is split in half and each half written, recursively, so one poison reading cannot
 * hold the rest back: what the store refuses even alone is reported (onRefused, a counter, a log
 * line) and settled unstored, since retrying it would wedge the writer for ever.
 */
export class TelemetryWriter {
  readonly #opts: Required<Omit<TelemetryWriterOptions, 'onStored' | 'onSettled' | 'onRefused'>> &
    Pick<TelemetryWriterOptions, 'onStored' | 'onSettled' | 'onRefused'>;
  /** Readings not yet in a batch: #queue from index #head on. */
  #queue: Reading[] = [];
  #head = 0;
  /** When the oldest reading of #queue arrived (performance.now()). */
  #queuedSince = 0;
  /** Batches in flight, failed or finished but waiting for an earlier one; oldest first. */
  readonly #slots: Slot[] = [];
  #inFlight = 0;
  #ageTimer: NodeJS.Timeout | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  /** The one batch tried while the store is away. */
  #probe: Slot | null = null;
  /** >0 while flush() runs: partial batches go at once. */
  #flushing = 0;
  #attempt = 0;
  #stopping = false;
  #stopped = false;
  /** performance.now() of the first failed write since the last one that succeeded; null while writes succeed. */
  #failingSince: number | null = null;
  #lastError = '';
  readonly stats: WriterStats = {
    pending: 0,
    storedReadings: 0,
    failedWrites: 0,
    refusedReadings: 0,
    splitWrites: 0,
    retrying: false,
  };

  constructor(opts: TelemetryWriterOptions) {
    // A 5 s cap: after an outage the backlog starts draining within seconds of the store's return.
    this.#opts = { minRetryMs: 100, maxRetryMs: 5_000, maxInFlight: 2, stuckAfterMs: 60_000, ...opts };
    if (!(this.#opts.maxInFlight >= 1))
      throw new Error(`maxInFlight must be at least 1, got ${this.#opts.maxInFlight}`);
  }

  enqueue(readings: readonly Reading[]): void {
    if (readings.length === 0) return;
    if (this.#queued === 0) this.#queuedSince = performance.now();
    for (let i = 0; i < readings.length; i++) this.#queue.push(readings[i]);
    this.stats.pending += readings.length;
    // While the store is away the retry timer decides when to try again, not the traffic.
    if (this.stats.retrying) return;
    if (this.#queued >= this.#opts.batchSize && this.#inFlight < this.#opts.maxInFlight) this.#pump();
    else if (!this.#ageTimer) this.#armAgeTimer();
  }

  /** Writes everything queued; resolves when all is settled (or the store keeps failing past `deadlineMs`, or is away while stopping). */
  async flush(deadlineMs = 30_000): Promise<void> {
    const until = Date.now() + deadlineMs;
    this.#flushing++;
    try {
      while (
        (this.#queued > 0 || this.#slots.length > 0) &&
        Date.now() < until &&
        !(this.#stopping && this.stats.retrying)
      ) {
        this.#pump();
        const writing = this.#slots.find((s) => s.state === 'writing');
        if (writing) await writing.attempt;
        else await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      this.#flushing--;
    }
  }

  /**
   * Ready unless readings wait behind writes that have failed for longer than `stuckAfterMs`
   * (the store away, or refusing in a way it does not explain): the detail says for how long and why.
   */
  readiness(): { ok: boolean; detail: string } {
    const pending = `${this.stats.pending} readings pending`;
    if (this.#failingSince === null || this.#slots.length === 0) return { ok: true, detail: pending };
    const failingMs = performance.now() - this.#failingSince;
    const ok = failingMs < this.#opts.stuckAfterMs;
    return {
      ok,
      detail: `${ok ? '' : 'stuck: '}the oldest unstored batch has been failing for ${Math.round(failingMs / 1000)} s (${this.#lastError.slice(0, 200)}); ${pending}`,
    };
  }

  /**
   * Writes what it can, then stops. While the store is away it does not wait: the write-ahead
   * log holds every unstored reading and the next start replays it (a restart during an outage
   * used to wait out the whole 30 s flush deadline first).
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.flush();
    this.#stopped = true;
    if (this.#ageTimer) clearTimeout(this.#ageTimer);
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#ageTimer = null;
    this.#retryTimer = null;
  }

  /** Starts as many writes as allowed: failed batches first (they are older), then full batches, then a partial one that is old enough. */
  #pump(): void {
    if (this.#stopped || this.stats.retrying) return;
    const max = this.#opts.maxInFlight;
    for (let i = 0; i < this.#slots.length && this.#inFlight < max; i++) {
      if (this.#slots[i].state === 'failed') this.#launch(this.#slots[i]);
    }
    while (this.#inFlight < max && this.#queued > 0) {
      const full = this.#queued >= this.#opts.batchSize;
      if (!full && this.#flushing === 0 && performance.now() - this.#queuedSince < this.#opts.maxBatchAgeMs) break;
      const batch = this.#takeBatch();
      const slot: Slot = { size: batch.length, parts: [batch], state: 'writing', attempt: Promise.resolve() };
      this.#slots.push(slot);
      this.#launch(slot);
    }
    if (this.#ageTimer) {
      clearTimeout(this.#ageTimer);
      this.#ageTimer = null;
    }
    this.#armAgeTimer();
  }

  get #queued(): number {
    return this.#queue.length - this.#head;
  }

  /** The next batch off the queue (no copying of what stays: a backlog can be millions of readings). */
  #takeBatch(): Reading[] {
    const size = this.#opts.batchSize;
    if (this.#head === 0 && this.#queue.length <= size) {
      const all = this.#queue;
      this.#queue = [];
      return all;
    }
    const end = Math.min(this.#queue.length, this.#head + size);
    const batch = this.#queue.slice(this.#head, end);
    this.#head = end;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else {
      if (this.#head > 100_000 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      // What is left arrived no later than now; its true age is not tracked per reading.
      this.#queuedSince = performance.now();
    }
    return batch;
  }

  /** A timer for the partial batch in the queue, if one could be written when it is due. */
  #armAgeTimer(): void {
    if (this.#ageTimer || this.#queued === 0 || this.#stopped || this.stats.retrying) return;
    const dueInMs = this.#queuedSince + this.#opts.maxBatchAgeMs - performance.now();
    // Already due but every slot busy: the next write to finish pumps.
    if (dueInMs <= 0 && this.#inFlight >= this.#opts.maxInFlight) return;
    this.#ageTimer = setTimeout(
      () => {
        this.#ageTimer = null;
        this.#pump();
      },
      Math.max(1, dueInMs),
    );
  }

  #launch(slot: Slot): void {
    slot.state = 'writing';
    this.#inFlight++;
    slot.attempt = this.#write(slot);
  }

  /** Writes the slot's parts in order; returns at the first failure, leaving what is unwritten for the retry. */
  async #write(slot: Slot): Promise<void> {
    const parts = slot.parts;
    while (parts.length > 0) {
      const part = parts[0];
      const started = performance.now();
      try {
        await this.#opts.store.write(part);
      } catch (err) {
        if (err instanceof RefusedWriteError) {
          this.#refused(parts, err);
          continue;
        }
        this.#failed(slot, err as Error);
        return;
      }
      parts.shift();
      this.#failingSince = null;
      this.stats.storedReadings += part.length;
      this.#opts.onStored?.(part, performance.now() - started);
    }
    this.#inFlight--;
    slot.state = 'done';
    if (slot === this.#probe) this.#endOutage(); // the store is back
    this.#settle();
    this.#pump();
  }

  /**
   * The store refused parts[0] for its content: halves are tried next (a 413 passes once small
   * enough; a bad point is found in log2(n) writes), and what it refuses alone, or wholly, is
   * given up with the store's reason.
   */
  #refused(parts: Reading[][], err: RefusedWriteError): void {
    const part = parts[0];
    if (part.length > 1 && !err.allRefused) {
      const half = part.length >>> 1;
      parts.splice(0, 1, part.slice(0, half), part.slice(half));
      this.stats.splitWrites++;
      return;
    }
    parts.shift();
    this.stats.refusedReadings += part.length;
    const devices = [...new Set(part.map((r) => r.deviceId))];
    this.#opts.log.error(
      { err: err.message, readings: part.length, devices: devices.slice(0, 20) },
      'telemetry store refused readings: not stored',
    );
    this.#opts.onRefused?.(part, err.message);
  }

  /** A write failed for a reason retrying may cure: back off (only the first failure of an outage schedules a retry). */
  #failed(slot: Slot, err: Error): void {
    this.#inFlight--;
    this.stats.failedWrites++;
    slot.state = 'failed';
    this.#failingSince ??= performance.now();
    this.#lastError = err.message;
    // A write started before the store went away: the retry already scheduled covers it.
    if (this.stats.retrying && slot !== this.#probe) return;
    this.#probe = null;
    const retryable = err instanceof RetryableStoreError;
    const delay = this.#backoff(retryable ? err.retryAfterMs : null);
    this.stats.retrying = true;
    if (this.#ageTimer) clearTimeout(this.#ageTimer);
    this.#ageTimer = null;
    const fields = {
      err: err.message,
      batch: slot.parts.reduce((n, p) => n + p.length, 0),
      retryInMs: Math.round(delay),
      attempt: this.#attempt,
    };
    // An error the store did not classify is retried too: the readings are acknowledged, and
    // dropping them on an unexplained error would lose data; readiness reports it if it lasts.
    if (retryable) this.#opts.log.warn(fields, 'telemetry store unavailable; will retry');
    else this.#opts.log.error(fields, 'telemetry store write failed unexpectedly; will retry');
    this.#retryTimer = setTimeout(() => this.#retry(), delay);
  }

  /** The retry timer fired: try the oldest failed batch alone; the rest waits for its outcome. */
  #retry(): void {
    this.#retryTimer = null;
    if (this.#stopped) return;
    const head = this.#slots.find((s) => s.state === 'failed');
    if (!head) {
      this.#endOutage();
      this.#pump();
      return;
    }
    this.#probe = head;
    this.#launch(head);
  }

  #endOutage(): void {
    this.#probe = null;
    this.#attempt = 0;
    this.stats.retrying = false;
  }

  /** Releases finished batches from the head, in order; a later batch finished first waits. */
  #settle(): void {
    // A write that ends after stop() confirms nothing: the log may be closed; it replays, and writes are idempotent.
    if (this.#stopped) return;
    while (this.#slots.length > 0) {
      const head = this.#slots[0];
      if (head.state !== 'done') break;
      this.#slots.shift();
      this.stats.pending -= head.size;
      this.#opts.onSettled?.(head.size);
    }
  }

  /** Exponential backoff with full jitter; a server's Retry-After is a floor. */
  #backoff(retryAfterMs: number | null): number {
    const cap = Math.min(this.#opts.maxRetryMs, this.#opts.minRetryMs * 2 ** this.#attempt++);
    const jittered = Math.random() * cap;
    return Math.max(jittered, retryAfterMs ?? 0, this.#opts.minRetryMs);
  }
}
