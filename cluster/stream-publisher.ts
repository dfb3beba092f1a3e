// Ingest's second sink with PURNA_NATS_URL: every accepted reading is published to the stream
// (subject of its partition) and counted settled once JetStream acknowledged it (stored, or a
// duplicate of one stored). Like the telemetry writer, it settles strictly in enqueue order, so
// the write-ahead log can drop a reading only when both the store and the stream have it
// (ingest/sink-confirmations.ts). While NATS is away nothing is dropped: publishes that failed
// are retried with backoff, nothing newer is sent meanwhile, and the write-ahead log holds the
// publishers back once its bound is reached.

import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from '../core/log.ts';
import type { Reading } from '../core/types.ts';
import type { ReadingSink } from '../ingest/reading-sink.ts';
import { partitionOf, subjectOf } from './partition.ts';
import { encodeReading, messageIdOf } from './reading-stream.ts';

export interface StreamPublisherOptions {
  /** The JetStream client, or null while not connected (a publish then fails and is retried). */
  js: () => JetStreamClient | null;
  partitions: number;
  log: Logger;
  /** Publishes awaiting their acknowledgement at once (default 1024): the stream's round trip is pipelined. */
  maxInFlight?: number;
  /** How long a publish waits for its acknowledgement before it is tried again, ms (default 5000). */
  ackTimeoutMs?: number;
  minRetryMs?: number;
  maxRetryMs?: number;
}

export interface StreamPublisherStats {
  /** Readings enqueued and not yet settled. */
  pending: number;
  published: number;
  /** Acknowledged as duplicates: the stream had them already (a replay). */
  duplicates: number;
  failedPublishes: number;
  retrying: boolean;
}

const WAITING = 0;
const IN_FLIGHT = 1;
const DONE = 2;
const FAILED = 3;

export class StreamPublisher implements ReadingSink {
  readonly #opts: Required<StreamPublisherOptions>;
  /** Readings not yet settled, oldest first, from #head on; #state beside them. */
  #readings: Reading[] = [];
  #state: number[] = [];
  #head = 0;
  /** The next reading never sent. */
  #next = 0;
  #inFlight = 0;
  /** Entries compacted away from the front of the arrays so far: a publish's callback finds its entry by absolute index. */
  #shift = 0;
  /** Entries in state FAILED. */
  #failedCount = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #attempt = 0;
  #stopped = false;
  #onSettled: ((count: number) => void) | null = null;
  readonly stats: StreamPublisherStats = {
    pending: 0,
    published: 0,
    duplicates: 0,
    failedPublishes: 0,
    retrying: false,
  };

  constructor(opts: StreamPublisherOptions) {
    this.#opts = { maxInFlight: 1024, ackTimeoutMs: 5000, minRetryMs: 100, maxRetryMs: 5000, ...opts };
  }

  onSettled(settled: (count: number) => void): void {
    this.#onSettled = settled;
  }

  enqueue(readings: readonly Reading[]): void {
    for (let i = 0; i < readings.length; i++) {
      this.#readings.push(readings[i]);
      this.#state.push(WAITING);
    }
    this.stats.pending += readings.length;
    this.#pump();
  }

  /** Waits until everything enqueued is settled, or `deadlineMs` passed (what is left replays from the write-ahead log). */
  async flush(deadlineMs = 10_000): Promise<void> {
    const until = Date.now() + deadlineMs;
    while (this.stats.pending > 0 && Date.now() < until && !this.#stopped) await new Promise((r) => setTimeout(r, 10));
  }

  async stop(deadlineMs = 5000): Promise<void> {
    if (!this.stats.retrying) await this.flush(deadlineMs);
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  /** Sends what may be sent: nothing new while the stream is away (the retry timer probes). */
  #pump(): void {
    if (this.#stopped || this.stats.retrying) return;
    const max = this.#opts.maxInFlight;
    while (this.#inFlight < max && this.#next < this.#readings.length) {
      this.#send(this.#next++);
    }
  }

  #send(i: number): void {
    const r = this.#readings[i];
    if (this.#state[i] === FAILED) this.#failedCount--;
    this.#state[i] = IN_FLIGHT;
    this.#inFlight++;
    const abs = i + this.#shift;
    const js = this.#opts.js();
    if (!js) {
      queueMicrotask(() => this.#failed(abs, new Error('not connected to NATS')));
      return;
    }
    js.publish(subjectOf(partitionOf(r.deviceId, this.#opts.partitions)), encodeReading(r), {
      msgID: messageIdOf(r),
      timeout: this.#opts.ackTimeoutMs,
    }).then(
      (ack) => this.#acked(abs, ack.duplicate),
      (err: Error) => this.#failed(abs, err),
    );
  }

  #acked(abs: number, duplicate: boolean): void {
    this.#inFlight--;
    if (this.#stopped) return;
    this.#state[abs - this.#shift] = DONE;
    this.stats.published++;
    if (duplicate) this.stats.duplicates++;
    this.#settle();
    if (this.stats.retrying && this.#failedCount === 0) this.#endOutage();
    this.#pump();
  }

  #failed(abs: number, err: Error): void {
    this.#inFlight--;
    if (this.#stopped) return;
    this.#state[abs - this.#shift] = FAILED;
    this.#failedCount++;
    this.stats.failedPublishes++;
    if (this.stats.retrying) return; // the retry scheduled covers it
    this.stats.retrying = true;
    const delay = this.#backoff();
    this.#opts.log.warn(
      { err: err.message, pending: this.stats.pending, retryInMs: Math.round(delay) },
      'reading stream unavailable; will publish again',
    );
    this.#retryTimer = setTimeout(() => this.#retry(), delay);
  }

  /** Sends every failed reading again, oldest first (the stream drops what it already has by Nats-Msg-Id). */
  #retry(): void {
    this.#retryTimer = null;
    if (this.#stopped) return;
    let sent = 0;
    for (let at = this.#head; at < this.#next && sent < this.#opts.maxInFlight; at++) {
      if (this.#state[at] === FAILED) {
        this.#send(at);
        sent++;
      }
    }
    if (sent === 0) this.#endOutage();
    else if (this.#inFlight > 0) {
      // Their outcome decides: an ack ends the outage once none is failed, a failure backs off again.
      this.stats.retrying = true;
      this.#retryTimer = setTimeout(() => this.#retryIfStillFailed(), this.#opts.ackTimeoutMs + this.#backoff());
    }
    this.#pump();
  }

  /** A retry whose publishes all failed again schedules the next one through #failed; this catches a mix. */
  #retryIfStillFailed(): void {
    this.#retryTimer = null;
    if (this.#stopped) return;
    if (this.#failedCount > 0) this.#retry();
    else this.#endOutage();
  }

  #endOutage(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    if (this.stats.retrying) this.#opts.log.info({ pending: this.stats.pending }, 'reading stream back');
    this.stats.retrying = false;
    this.#attempt = 0;
  }

  /** Releases acknowledged readings from the head, in order. */
  #settle(): void {
    let count = 0;
    while (this.#head < this.#readings.length && this.#state[this.#head] === DONE) {
      this.#head++;
      count++;
    }
    if (count === 0) return;
    this.stats.pending -= count;
    if (this.#head === this.#readings.length || (this.#head > 65_536 && this.#head * 2 > this.#readings.length)) {
      this.#readings = this.#readings.slice(this.#head);
      this.#state = this.#state.slice(this.#head);
      this.#next -= this.#head;
      this.#shift += this.#head;
      this.#head = 0;
    }
    this.#onSettled?.(count);
  }

  #backoff(): number {
    const cap = Math.min(this.#opts.maxRetryMs, this.#opts.minRetryMs * 2 ** this.#attempt++);
    return Math.max(Math.random() * cap, this.#opts.minRetryMs);
  }
}
