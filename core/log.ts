import { write, writeSync } from 'node:fs';
import { pino, type Logger } from 'pino';

export type { Logger };

/** Lines waiting for the disk or the reader at most; past it new lines are dropped (and counted). */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** After a failed write, the next try waits this long (not one failing syscall per log line). */
const RETRY_AFTER_ERROR_MS = 1000;
/** A pipe whose reader is slow (EAGAIN) is tried again this soon. */
const RETRY_BUSY_MS = 10;

/**
 * Where log lines go: a file descriptor (stdout), written asynchronously from a bounded queue.
 * Logging must never stop the process: on a full disk, a closed pipe or a stalled reader, lines
 * are dropped and counted (`droppedLines`, purna_log_lines_dropped_total), never retried in a
 * loop or waited for. (pino's default destination writes synchronously and retries a failed
 * write in a sleep loop: a full log disk froze HTTP and MQTT, and SIGTERM never exited.) Once
 * writes succeed again, one line says how many were dropped.
 */
export class LogDestination {
  readonly #fd: number;
  #queue: string[] = [];
  #queuedBytes = 0;
  /** Bytes of the write in progress (they count against the bound until it is done). */
  #inFlightBytes = 0;
  #writing = false;
  #retryTimer: NodeJS.Timeout | null = null;
  /** A short write left half a line: the next write starts on a new line. */
  #torn = false;
  #droppedUnreported = 0;
  droppedLines = 0;
  writeErrors = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }

  /** pino calls this with one serialised line (ending in a newline). */
  write(line: string): void {
    if (this.#queuedBytes + this.#inFlightBytes + line.length > MAX_QUEUED_BYTES) {
      this.#drop(1);
      return;
    }
    this.#queue.push(line);
    this.#queuedBytes += line.length;
    if (!this.#writing && !this.#retryTimer) this.#drain();
  }

  /** At exit: what is queued is written once, synchronously; whatever cannot be is dropped. */
  flushSync(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const lines = this.#queue.length;
    if (lines === 0) return;
    const buf = Buffer.from(this.#take());
    let at = 0;
    // A pipe that is busy for a moment gets a few short, bounded tries; any other error ends it.
    for (let busyTries = 0; at < buf.length && busyTries < 20; ) {
      try {
        at += writeSync(this.#fd, buf, at);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') break;
        busyTries++;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      }
    }
    if (at < buf.length) this.#drop(lines);
  }

  #drop(lines: number): void {
    this.droppedLines += lines;
    this.#droppedUnreported += lines;
  }

  /** The queued lines as one string (with the notice of dropped lines first, and a newline after a torn line). */
  #take(): string {
    let text = this.#queue.join('');
    if (this.#droppedUnreported > 0) {
      text = `${JSON.stringify({ level: 40, time: Date.now(), app: 'purna', part: 'log', droppedLines: this.#droppedUnreported, msg: 'log lines dropped: the log could not be written' })}\n${text}`;
      this.#droppedUnreported = 0;
    }
    if (this.#torn) text = `\n${text}`;
    this.#torn = false;
    this.#queue = [];
    this.#queuedBytes = 0;
    return text;
  }

  #drain(): void {
    const lines = this.#queue.length;
    const buf = Buffer.from(this.#take());
    this.#writing = true;
    this.#inFlightBytes = buf.length;
    this.#writeFrom(buf, 0, lines);
  }

  #writeFrom(buf: Buffer, from: number, lines: number): void {
    write(this.#fd, buf, from, buf.length - from, null, (err, written) => {
      if (err?.code === 'EAGAIN') {
        setTimeout(() => this.#writeFrom(buf, from, lines), RETRY_BUSY_MS).unref();
        return;
      }
      if (!err && from + written < buf.length) {
        this.#writeFrom(buf, from + written, lines);
        return;
      }
      this.#writing = false;
      this.#inFlightBytes = 0;
      if (err) {
        this.writeErrors++;
        this.#torn = from > 0;
        this.#drop(lines);
        this.#retryTimer = setTimeout(() => {
          this.#retryTimer = null;
          if (this.#queue.length > 0) this.#drain();
        }, RETRY_AFTER_ERROR_MS);
        this.#retryTimer.unref();
        return;
      }
      if (this.#queue.length > 0) this.#drain();
    });
  }
}

let stdout: LogDestination | null = null;

/** The process's one stdout destination, made on first use and flushed at exit. */
export function stdoutDestination(): LogDestination {
  if (!stdout) {
    const dest = new LogDestination(1);
    process.on('exit', () => dest.flushSync());
    stdout = dest;
  }
  return stdout;
}

/** The root structured logger; parts take child loggers: `log.child({ part: 'ingest' })`. */
export function createLogger(level: string, destination: LogDestination = stdoutDestination()): Logger {
  return pino({ level, base: { app: 'purna' } }, destination);
}
