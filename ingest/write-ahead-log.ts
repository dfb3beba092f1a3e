// The write-ahead log: an accepted QoS 1 message is acknowledged only once its readings are on
// local disk. Appends are group-committed: every append that arrives while a write+fdatasync
// is in progress goes into the next one, so one fsync covers many messages.
//
// Records are the message as received, behind a one-line header `deviceId\treceivedAtMs\tbytes\n`
// (no re-serialisation on the hot path; replay parses it again with its receive time). A torn
// last record (the process died mid-write) was never synced, hence never acknowledged, and is
// skipped on replay.
// Segments are deleted once the telemetry writer has confirmed every reading in them stored:
// the writer stores readings in the order they were appended, so confirmation is a count.

import { closeSync, fdatasync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, write } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/log.ts';
import type { Reading } from '../core/types.ts';
import { DEFAULT_PAYLOAD_LIMITS, parseTelemetry, type PayloadLimits } from './payload.ts';

/** Replay re-parses what was accepted then: no age or clock-skew limit may refuse it now. */
const REPLAY_LIMITS: PayloadLimits = { ...DEFAULT_PAYLOAD_LIMITS, maxFutureSkewMs: Number.MAX_SAFE_INTEGER, maxAgeMs: Number.MAX_SAFE_INTEGER };

export interface WriteAheadLogOptions {
  dir: string;
  log: Logger;
  /** A segment is closed and a new one begun past this size. */
  segmentBytes?: number;
  /** Unconfirmed bytes on disk above which appends wait (back-pressure), never drop. */
  maxBytes: number;
}

interface Segment {
  seq: number;
  path: string;
  bytes: number;
  readings: number;
  confirmed: number;
}

type Done = (err?: Error | null) => void;

interface Pending {
  /** The record header, `deviceId\treceivedAtMs\tbytes\n`. */
  header: string;
  headerBytes: number;
  payload: Buffer;
  /** headerBytes + payload.length */
  bytes: number;
  readings: number;
  done: Done;
}

export class WriteAheadLog {
  readonly #opts: Required<WriteAheadLogOptions>;
  readonly #segments: Segment[] = [];
  #fd: number | null = null;
  #nextSeq = 1;
  #batch: Pending[] = [];
  #flushing = false;
  /** Appends held back while the log is over its bound. */
  #waiting: Pending[] = [];
  #unconfirmedBytes = 0;
  /** Stats for metrics. */
  fsyncs = 0;
  appended = 0;

  constructor(opts: WriteAheadLogOptions) {
    this.#opts = { segmentBytes: 16 * 1024 * 1024, ...opts };
  }

  get unconfirmedBytes(): number {
    return this.#unconfirmedBytes;
  }

  get backPressure(): boolean {
    return this.#waiting.length > 0;
  }

  /**
   * Opens the log and returns the readings of segments left by a previous run (not yet
   * confirmed stored), oldest first. The caller must hand them to the writer before any new
   * append, so the writer's confirmations line up with the log's order.
   */
  open(): Reading[] {
    mkdirSync(this.#opts.dir, { recursive: true });
    const files = readdirSync(this.#opts.dir).filter((f) => /^segment-\d{12}\.wal$/.test(f)).sort();
    const replay: Reading[] = [];
    let skipped = 0;
    for (const file of files) {
      const path = join(this.#opts.dir, file);
      const seq = Number(file.slice(8, 20));
      const buf = readFileSync(path);
      let readings = 0;
      let pos = 0;
      while (pos < buf.length) {
        // Record: "<deviceId>\t<receivedAtMs>\t<payloadBytes>\n" then the payload as received.
        const nl = buf.indexOf(0x0a, pos);
        if (nl < 0) break;
        const [deviceId, receivedAt, length] = buf.toString('utf8', pos, nl).split('\t');
        const start = nl + 1;
        const end = start + Number(length);
        if (!deviceId || !Number.isFinite(Number(length)) || end > buf.length) {
          skipped++; // a torn final record: never synced, never acknowledged
          break;
        }
        // Validated when it arrived; parsed again with its own receive time, limits off.
        const result = parseTelemetry(buf.subarray(start, end), deviceId, Number(receivedAt), REPLAY_LIMITS);
        if (result.ok) {
          for (const r of result.readings) replay.push(r);
          readings += result.readings.length;
        } else skipped++;
        pos = end;
      }
      const bytes = statSync(path).size;
      this.#segments.push({ seq, path, bytes, readings, confirmed: 0 });
      this.#unconfirmedBytes += bytes;
      this.#nextSeq = Math.max(this.#nextSeq, seq + 1);
    }
    if (files.length > 0) this.#opts.log.info({ segments: files.length, readings: replay.length, tornLines: skipped }, 'replaying write-ahead log');
    this.#rotate();
    return replay;
  }

  /**
   * Appends one accepted message as it was received (no re-serialisation on the hot path);
   * `done` runs once it is on disk (fdatasync). `readings` is how many readings it holds.
   */
  append(deviceId: string, receivedAtMs: number, payload: Buffer, readings: number, done: Done): void {
    // Kept as a string and the payload as received; #flush copies both once into one buffer per fsync.
    const header = `${deviceId}\t${receivedAtMs}\t${payload.length}\n`;
    const headerBytes = Buffer.byteLength(header);
    const pending: Pending = { header, headerBytes, payload, bytes: headerBytes + payload.length, readings, done };
    if (this.#waiting.length > 0 || this.#unconfirmedBytes + pending.bytes > this.#opts.maxBytes) {
      if (this.#waiting.length === 0) this.#opts.log.warn({ unconfirmedBytes: this.#unconfirmedBytes, maxBytes: this.#opts.maxBytes }, 'write-ahead log full: holding publishers back until the store catches up');
      this.#waiting.push(pending);
      return;
    }
    this.#enqueue(pending);
  }

  /** The writer confirmed the next `count` readings (in append order) stored. */
  confirm(count: number): void {
    let left = count;
    while (left > 0 && this.#segments.length > 0) {
      const seg = this.#segments[0];
      const take = Math.min(left, seg.readings - seg.confirmed);
      seg.confirmed += take;
      left -= take;
      const isActive = this.#segments.length === 1;
      if (seg.confirmed < seg.readings || isActive) break;
      this.#segments.shift();
      this.#unconfirmedBytes -= seg.bytes;
      rmSync(seg.path, { force: true });
    }
    // An active segment that is entirely confirmed and large enough is rotated, then deleted.
    const active = this.#segments.at(-1);
    if (active && this.#segments.length === 1 && active.confirmed === active.readings && active.bytes > this.#opts.segmentBytes / 4 && !this.#flushing && this.#batch.length === 0) {
      this.#rotate();
      this.confirm(0);
    }
    this.#release();
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }

  #release(): void {
    while (this.#waiting.length > 0 && this.#unconfirmedBytes + this.#waiting[0].bytes <= this.#opts.maxBytes) {
      this.#enqueue(this.#waiting.shift()!);
    }
    if (this.#waiting.length === 0 && this.#unconfirmedBytes < this.#opts.maxBytes) return;
  }

  #enqueue(p: Pending): void {
    this.#batch.push(p);
    this.#unconfirmedBytes += p.bytes;
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0) {
      this.#flushing = false;
      return;
    }
    const seg = this.#segments.at(-1)!;
    let size = 0;
    let readings = 0;
    for (const p of batch) {
      size += p.bytes;
      readings += p.readings;
    }
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    for (const p of batch) {
      at += buf.write(p.header, at, 'utf8');
      at += p.payload.copy(buf, at);
    }
    seg.bytes += buf.length;
    seg.readings += readings;
    const fd = this.#fd!;
    write(fd, buf, 0, buf.length, null, (err) => {
      if (err) return this.#finish(batch, err);
      fdatasync(fd, (syncErr) => this.#finish(batch, syncErr));
    });
  }

  #finish(batch: Pending[], err: Error | null): void {
    this.fsyncs++;
    this.appended += batch.length;
    if (err) this.#opts.log.error({ err: err.message }, 'write-ahead log write failed');
    for (const p of batch) p.done(err);
    if (this.#segments.at(-1)!.bytes >= this.#opts.segmentBytes) this.#rotate();
    if (this.#batch.length > 0) this.#flush();
    else this.#flushing = false;
  }

  #rotate(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    const seq = this.#nextSeq++;
    const path = join(this.#opts.dir, `segment-${String(seq).padStart(12, '0')}.wal`);
    this.#fd = openSync(path, 'a');
    this.#segments.push({ seq, path, bytes: 0, readings: 0, confirmed: 0 });
  }
}
