// Password hashing (scrypt) runs on libuv's thread pool, 4 threads by default, which the
// write-ahead log's write + fdatasync needs before every QoS 1 PUBACK. A burst of logins that
// queues hundreds of hashes there holds every PUBACK behind them (bench:login-flood: 200 wrong
// logins at once took PUBACK p50 from 21 ms to 31 s, max 65 s). So at most `maxInFlight` hashes are on the
// pool at once, at most `maxQueued` wait their turn, and anything beyond is refused at once.

import { HttpError } from '../../core/http-errors.ts';

/** A saturated password hash (a login flood) is the client's to retry: a 503 the API answers as it is. */
export class HashBusyError extends HttpError {
  constructor() {
    super(503, 'too many password checks in progress; try again in a second');
  }
}

export class HashSlots {
  readonly #maxInFlight: number;
  readonly #maxQueued: number;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(maxInFlight: number, maxQueued: number) {
    this.#maxInFlight = maxInFlight;
    this.#maxQueued = maxQueued;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Runs `hash` when a slot is free; rejects with HashBusyError at once when the queue is full. */
  async run<T>(hash: () => Promise<T>): Promise<T> {
    if (this.#inFlight >= this.#maxInFlight) {
      if (this.#waiting.length >= this.#maxQueued) throw new HashBusyError();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#inFlight++;
    }
    try {
      return await hash();
    } finally {
      // Hand the slot straight to the next waiter (the count stays), or free it.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#inFlight--;
    }
  }
}
