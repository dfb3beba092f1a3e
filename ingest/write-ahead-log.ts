// The write-ahead log: an accepted QoS 1 message is acknowledged only once its readings are on
// local disk, whole. Appends are group-committed: every append that arrives while a write+fdatasync
// is in progress goes into the next one, so one fsync covers many messages.
//
// Records are the message as received, behind a one-line header
// `crc32\tdeviceId\treceivedAtMs\tpayloadBytes\n` (no re-serialisation on the hot path; replay
// parses it again with its receive time). The CRC-32 (8 hex digits) covers everything after it,
// the rest of the header and the payload, so replay tells a whole record from a torn or damaged
// one; leading, it covers one contiguous run of bytes (one call per record).
//
// A group is acknowledged only when every byte of it is written (a short write is continued)
// and synced. If the write or the sync fails, no append of the group is acknowledged and the
// segment is cut back to its last whole record. A disk without room (ENOSPC, EDQUOT, EFBIG) makes
// the log refuse appends at once — no PUBACK, so the device resends — until the filesystem has
// room again (checked every second); a full disk is never a reason to drop or to block.
//
// On open every record is verified and a segment is cut at its first record that is not whole
// (the process died mid-write: never synced, never acknowledged). Writes are sequential and a
// failed write is cut back or continued in a new segment, so nothing acknowledged follows it.
//
// Segments are deleted once the telemetry writer has confirmed every reading in them stored:
// the writer stores readings in the order they were appended, so confirmation is a count. The
// bound counts whole segment files, so a fully confirmed active segment is rotated away (and
// deleted) whenever publishers are held back: any bound drains to (near) zero.

import {
  closeSync,
  fdatasync,
  ftruncate,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfs,
  truncateSync,
  write,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from '../core/log.ts';
import type { Reading } from '../core/types.ts';
import { DEFAULT_PAYLOAD_LIMITS, parseTelemetry, type PayloadLimits } from './payload.ts';

/** Replay re-parses what was accepted then: no age or clock-skew limit may refuse it now. */
const REPLAY_LIMITS: PayloadLimits = {
  ...DEFAULT_PAYLOAD_LIMITS,
  maxFutureSkewMs: Number.MAX_SAFE_INTEGER,
  maxAgeMs: Number.MAX_SAFE_INTEGER,
};

const MAX_SEGMENT_BYTES = 16 * 1024 * 1024;
/** No room left on the device or under the process's file-size limit. */
const NO_ROOM = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);
/** A device id, a receive time and a length fit in far less; a longer "header" is damage. */
const MAX_HEADER_BYTES = 512;
const HEADER = /^([0-9a-f]{8})\t([^\t]+)\t(\d{1,16})\t(\d{1,10})$/;
/** Records written before the checksum existed (kept readable for an upgrade with a backlog). */
const LEGACY_HEADER = /^()([^\t]+)\t(\d{1,16})\t(\d{1,10})$/;
/** `crc32\t`: written last, once the rest of the record is in the buffer. */
const CRC_FIELD_BYTES = 9;

export interface WriteAheadLogOptions {
  dir: string;
  log: Logger;
  /** A segment is closed and a new one begun past this size (default: an eighth of maxBytes, at most 16 MiB). */
  segmentBytes?: number;
  /** Unconfirmed bytes on disk above which appends wait (back-pressure), never drop. */
  maxBytes: number;
  /** After a full disk, appends are taken again once the filesystem has this much free (default 1 MiB: no flapping on the last few KiB). */
  resumeFreeBytes?: number;
  /** How often a full log looks for free space again, ms. */
  probeEveryMs?: number;
  /**
   * A group commit waits this long after its first message for more, ms (default 0: the next
   * turn of the event loop). Each commit is a write and an fdatasync on the thread pool, about
   * 0.35 ms of CPU whatever it holds: an idle-enough node committed 300 times a second at 1,500
   * messages/s (5 each) and spent 141 us of CPU per message, 74 us at 16 commits a second.
   */
  groupCommitMs?: number;
}

interface Segment {
  seq: number;
  path: string;
  /** Bytes of whole, synced records. */
  bytes: number;
  readings: number;
  confirmed: number;
}

type Done = (err?: Error | null) => void;

interface Pending {
  /** The record header after its checksum, `deviceId\treceivedAtMs\tbytes\n`. */
  header: string;
  /** With the checksum field. */
  headerBytes: number;
  payload: Buffer;
  /** headerBytes + payload.length */
  bytes: number;
  readings: number;
  done: Done;
}

interface WalRecord {
  deviceId: string;
  receivedAtMs: number;
  payload: Buffer;
}

function checksum(covered: Buffer): string {
  return crc32(covered).toString(16).padStart(8, '0');
}

/** The whole, intact records at the start of a segment, and where they end (what follows is a torn or damaged tail). */
function wholeRecords(buf: Buffer): { records: WalRecord[]; wholeBytes: number } {
  const records: WalRecord[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0 || nl - pos > MAX_HEADER_BYTES) break;
    const line = buf.toString('utf8', pos, nl);
    const m = HEADER.exec(line) ?? LEGACY_HEADER.exec(line);
    if (!m) break;
    const start = nl + 1;
    const end = start + Number(m[4]);
    if (end > buf.length) break;
    if (m[1] !== '' && m[1] !== checksum(buf.subarray(pos + CRC_FIELD_BYTES, end))) break;
    records.push({ deviceId: m[2], receivedAtMs: Number(m[3]), payload: buf.subarray(start, end) });
    pos = end;
  }
  return { records, wholeBytes: pos };
}

export class WriteAheadLog {
  readonly #opts: Required<WriteAheadLogOptions>;
  readonly #segments: Segment[] = [];
  #fd: number | null = null;
  #nextSeq = 1;
  #batch: Pending[] = [];
  /** performance.now() when the first message of #batch came. */
  #batchSince = 0;
  #flushing = false;
  /** Appends held back while the log is over its bound. */
  #waiting: Pending[] = [];
  #unconfirmedBytes = 0;
  /** Set while the disk has no room: appends are refused with `error`. */
  #full: { sinceMs: number; code: string; error: Error } | null = null;
  #probeTimer: NodeJS.Timeout | null = null;
  /** Stats for metrics. */
  fsyncs = 0;
  appended = 0;
  /** Writes (groups) that failed: none of their appends was acknowledged. */
  failedWrites = 0;
  /** Appends refused at once because the disk was full. */
  refused = 0;

  constructor(opts: WriteAheadLogOptions) {
    this.#opts = {
      segmentBytes: Math.min(MAX_SEGMENT_BYTES, Math.max(4096, Math.floor(opts.maxBytes / 8))),
      resumeFreeBytes: 1024 * 1024,
      probeEveryMs: 1000,
      groupCommitMs: 0,
      ...opts,
    };
  }

  /** Bytes of segment files not yet deleted plus what is being written. */
  get unconfirmedBytes(): number {
    return this.#unconfirmedBytes;
  }

  get backPressure(): boolean {
    return this.#waiting.length > 0;
  }

  /** Non-null while the disk is full and appends are refused. */
  get diskFull(): { sinceMs: number; code: string } | null {
    return this.#full && { sinceMs: this.#full.sinceMs, code: this.#full.code };
  }

  /**
   * Opens the log and returns the readings of segments left by a previous run (not yet
   * confirmed stored), oldest first. The caller must hand them to the writer before any new
   * append, so the writer's confirmations line up with the log's order.
   */
  open(): Reading[] {
    mkdirSync(this.#opts.dir, { recursive: true });
    const files = readdirSync(this.#opts.dir)
      .filter((f) => /^segment-\d{12}\.wal$/.test(f))
      .sort();
    const replay: Reading[] = [];
    let unparsable = 0;
    for (const file of files) {
      const path = join(this.#opts.dir, file);
      const seq = Number(file.slice(8, 20));
      const buf = readFileSync(path);
      const { records, wholeBytes } = wholeRecords(buf);
      if (wholeBytes < buf.length) {
        // Cut, never skipped past: an append after this point would follow a hole.
        truncateSync(path, wholeBytes);
        this.#opts.log.warn(
          { segment: file, cutBytes: buf.length - wholeBytes, keptRecords: records.length },
          'write-ahead log: cut a torn or damaged tail (never acknowledged)',
        );
      }
      let readings = 0;
      for (const record of records) {
        // Validated when it arrived; parsed again with its own receive time, limits off.
        const result = parseTelemetry(record.payload, record.deviceId, record.receivedAtMs, REPLAY_LIMITS);
        if (result.ok) {
          for (const r of result.readings) replay.push(r);
          readings += result.readings.length;
        } else unparsable++;
      }
      this.#segments.push({ seq, path, bytes: wholeBytes, readings, confirmed: 0 });
      this.#unconfirmedBytes += wholeBytes;
      this.#nextSeq = Math.max(this.#nextSeq, seq + 1);
    }
    if (files.length > 0)
      this.#opts.log.info({ segments: files.length, readings: replay.length, unparsable }, 'replaying write-ahead log');
    try {
      this.#rotate();
    } catch (err) {
      // Started on a full disk: refuse until there is room (the next write opens the segment).
      if (!NO_ROOM.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
      this.#enterFull(err as NodeJS.ErrnoException);
    }
    this.#dropConfirmed(); // segments left without a reading (empty, or cut to nothing)
    return replay;
  }

  /**
   * Appends one accepted message as it was received (no re-serialisation on the hot path);
   * `done` runs once it is on disk (fdatasync), or with an error if it is not (then it must not
   * be acknowledged). `readings` is how many readings it holds.
   */
  append(deviceId: string, receivedAtMs: number, payload: Buffer, readings: number, done: Done): void {
    if (this.#full) {
      this.refused++;
      done(this.#full.error);
      return;
    }
    // Kept as a string and the payload as received; #flush copies both once into one buffer per
    // fsync and puts the checksum in front.
    const header = `${deviceId}\t${receivedAtMs}\t${payload.length}\n`;
    const headerBytes = CRC_FIELD_BYTES + Buffer.byteLength(header);
    const pending: Pending = { header, headerBytes, payload, bytes: headerBytes + payload.length, readings, done };
    if (this.#waiting.length > 0 || this.#overBound(pending.bytes)) {
      if (this.#waiting.length === 0)
        this.#opts.log.warn(
          { unconfirmedBytes: this.#unconfirmedBytes, maxBytes: this.#opts.maxBytes },
          'write-ahead log full: holding publishers back until the store catches up',
        );
      this.#waiting.push(pending);
      return;
    }
    this.#enqueue(pending);
  }

  /** The writer confirmed the next `count` readings (in append order) stored. */
  confirm(count: number): void {
    let left = count;
    for (let i = 0; i < this.#segments.length && left > 0; i++) {
      const seg = this.#segments[i];
      const take = Math.min(left, seg.readings - seg.confirmed);
      seg.confirmed += take;
      left -= take;
    }
    this.#dropConfirmed();
    this.#compact();
    this.#release();
  }

  close(): void {
    if (this.#probeTimer) clearInterval(this.#probeTimer);
    this.#probeTimer = null;
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
    // Confirmation within a segment is not persisted, so a stored-but-kept active segment would
    // replay at the next start (harmless to the store, but its refused readings would be reported
    // to the devices again). At a clean stop with nothing in flight and everything confirmed, the
    // log holds nothing anyone needs: remove it.
    const idle = !this.#flushing && this.#batch.length === 0 && this.#waiting.length === 0;
    if (idle && this.#segments.every((seg) => seg.confirmed >= seg.readings)) {
      for (const seg of this.#segments.splice(0)) rmSync(seg.path, { force: true });
      this.#unconfirmedBytes = 0;
    }
  }

  /** An empty log takes any one message, whatever its size: a bound smaller than a message must not stop ingest for good. */
  #overBound(bytes: number): boolean {
    return this.#unconfirmedBytes > 0 && this.#unconfirmedBytes + bytes > this.#opts.maxBytes;
  }

  #release(): void {
    while (this.#waiting.length > 0 && !this.#overBound(this.#waiting[0].bytes)) {
      this.#enqueue(this.#waiting.shift()!);
    }
  }

  /** Deletes fully confirmed segments from the head; the active one stays (it is being written). */
  #dropConfirmed(): void {
    while (this.#segments.length > 1 && this.#segments[0].confirmed >= this.#segments[0].readings) {
      const seg = this.#segments.shift()!;
      this.#unconfirmedBytes -= seg.bytes;
      rmSync(seg.path, { force: true });
    }
  }

  /**
   * Rotates a fully confirmed active segment away, so it can be deleted: once it is a quarter of
   * a segment (fewer file creations under light traffic), or at once while publishers are held
   * back (its bytes count against the bound even though they are all stored).
   */
  #compact(): void {
    const active = this.#segments.at(-1);
    if (!active || this.#segments.length !== 1 || this.#flushing || this.#batch.length > 0) return;
    if (active.bytes === 0 || active.confirmed < active.readings) return;
    if (active.bytes < this.#opts.segmentBytes / 4 && this.#waiting.length === 0) return;
    try {
      this.#rotate();
    } catch (err) {
      this.#opts.log.warn(
        { err: (err as Error).message },
        'write-ahead log: could not begin a new segment; keeping the current one',
      );
      return;
    }
    this.#dropConfirmed();
  }

  #enqueue(p: Pending): void {
    this.#batch.push(p);
    this.#unconfirmedBytes += p.bytes;
    if (!this.#flushing) {
      this.#flushing = true;
      this.#batchSince = performance.now();
      if (this.#opts.groupCommitMs > 0) setTimeout(() => this.#flush(), this.#opts.groupCommitMs);
      else setImmediate(() => this.#flush());
    } else if (this.#batch.length === 1) this.#batchSince = performance.now();
  }

  #flush(): void {
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0) {
      this.#next();
      return;
    }
    if (this.#fd === null) {
      // The last segment could not be cut back after a failed write, or the disk was full at open.
      try {
        this.#rotate();
      } catch (err) {
        this.#failed(batch, err as NodeJS.ErrnoException);
        return;
      }
    }
    const seg = this.#segments.at(-1)!;
    const fd = this.#fd!;
    let size = 0;
    let readings = 0;
    for (const p of batch) {
      size += p.bytes;
      readings += p.readings;
    }
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    for (const p of batch) {
      const recordAt = at;
      at += CRC_FIELD_BYTES;
      at += buf.write(p.header, at, 'utf8');
      at += p.payload.copy(buf, at);
      buf.write(checksum(buf.subarray(recordAt + CRC_FIELD_BYTES, at)), recordAt, 'latin1');
      buf[recordAt + CRC_FIELD_BYTES - 1] = 0x09; // tab
    }
    const wholeBytes = seg.bytes;
    const onError = (err: NodeJS.ErrnoException) => this.#cutBack(fd, seg, wholeBytes, () => this.#failed(batch, err));
    this.#writeAll(fd, buf, 0, (err) => {
      if (err) return onError(err);
      fdatasync(fd, (syncErr) => {
        if (syncErr) return onError(syncErr);
        seg.bytes += size;
        seg.readings += readings;
        this.fsyncs++;
        this.appended += batch.length;
        for (const p of batch) p.done(null);
        if (seg.bytes >= this.#opts.segmentBytes && this.#fd === fd) {
          try {
            this.#rotate();
          } catch (rotateErr) {
            this.#opts.log.warn(
              { err: (rotateErr as Error).message },
              'write-ahead log: could not begin a new segment; keeping the current one',
            );
          }
        }
        this.#next();
      });
    });
  }

  /** Writes all of `buf`: a short write (the disk filling up, a signal) is continued, never taken for the whole. */
  #writeAll(fd: number, buf: Buffer, from: number, cb: (err: NodeJS.ErrnoException | null) => void): void {
    write(fd, buf, from, buf.length - from, null, (err, written) => {
      if (err) return cb(err);
      if (written === 0)
        return cb(Object.assign(new Error('write-ahead log: write made no progress'), { code: 'EIO' }));
      if (from + written < buf.length) return this.#writeAll(fd, buf, from + written, cb);
      cb(null);
    });
  }

  /** Cuts a segment back to its whole records after a failed write; if even that fails, it is never written again. */
  #cutBack(fd: number, seg: Segment, wholeBytes: number, then: () => void): void {
    ftruncate(fd, wholeBytes, (err) => {
      if (err && this.#fd === fd) {
        // Replay cuts the torn tail; what comes next goes to a new segment, so nothing follows it here.
        this.#opts.log.error(
          { err: err.message, segment: seg.path },
          'write-ahead log: could not cut a failed write back; continuing in a new segment',
        );
        closeSync(fd);
        this.#fd = null;
      }
      then();
    });
  }

  /** A group that is not on disk: none of it is acknowledged (the devices resend). */
  #failed(batch: Pending[], err: NodeJS.ErrnoException): void {
    this.failedWrites++;
    for (const p of batch) this.#unconfirmedBytes -= p.bytes;
    if (NO_ROOM.has(err.code ?? '')) this.#enterFull(err);
    else
      this.#opts.log.error(
        { err: err.message, code: err.code, messages: batch.length },
        'write-ahead log write failed; messages not acknowledged',
      );
    for (const p of batch) p.done(err);
    this.#next();
  }

  /** No room on disk: refuse everything queued or held back, and every append until there is room again. */
  #enterFull(err: NodeJS.ErrnoException): void {
    const code = err.code ?? 'ENOSPC';
    if (!this.#full) {
      this.#full = {
        sinceMs: Date.now(),
        code,
        error: new Error(`write-ahead log: disk full (${code}); message not acknowledged`),
      };
      this.#opts.log.error(
        { code, dir: this.#opts.dir, resumeFreeBytes: this.#opts.resumeFreeBytes },
        'write-ahead log: disk full; refusing QoS 1 telemetry (no PUBACK) until space returns',
      );
      this.#probeTimer = setInterval(() => this.#probe(), this.#opts.probeEveryMs);
      this.#probeTimer.unref();
    }
    const refused = [...this.#batch, ...this.#waiting];
    for (const p of this.#batch) this.#unconfirmedBytes -= p.bytes;
    this.#batch = [];
    this.#waiting = [];
    this.refused += refused.length;
    for (const p of refused) p.done(this.#full.error);
  }

  #probe(): void {
    statfs(this.#opts.dir, (err, stats) => {
      if (err || !this.#full) return;
      const freeBytes = stats.bavail * stats.bsize;
      if (freeBytes < this.#opts.resumeFreeBytes) return;
      this.#opts.log.warn(
        { freeBytes, fullForMs: Date.now() - this.#full.sinceMs, refused: this.refused },
        'write-ahead log: disk space back; taking telemetry again',
      );
      this.#full = null;
      if (this.#probeTimer) clearInterval(this.#probeTimer);
      this.#probeTimer = null;
    });
  }

  #next(): void {
    if (this.#batch.length > 0) {
      // What came in during the last commit goes now, or once its first message has waited the group's time.
      const waitMs = this.#batchSince + this.#opts.groupCommitMs - performance.now();
      if (waitMs >= 1) setTimeout(() => this.#flush(), waitMs);
      else this.#flush();
      return;
    }
    this.#flushing = false;
    this.#compact();
  }

  #rotate(): void {
    const seq = this.#nextSeq;
    const path = join(this.#opts.dir, `segment-${String(seq).padStart(12, '0')}.wal`);
    // Open the new segment before closing the old: if it cannot be created, the old one stays usable.
    const fd = openSync(path, 'a');
    this.#nextSeq++;
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = fd;
    this.#segments.push({ seq, path, bytes: 0, readings: 0, confirmed: 0 });
  }
}
