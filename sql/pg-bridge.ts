import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { SqlError } from './sql-db.ts';

/**
 * A synchronous PostgreSQL client: the `pg` connection lives in a worker thread
 * (pg-bridge-worker.ts); `query` posts the statement and blocks this thread on a shared word
 * with Atomics.wait until the worker has answered, then takes the answer with
 * receiveMessageOnPort (the pattern of the synckit package, in the 100 lines it needs here). It
 * lets the service domain's synchronous store code run unchanged on PostgreSQL; what it costs per
 * statement is measured by bench/sql-bridge.ts.
 *
 * A wait has a deadline: a database that does not answer is an error naming it, never a hang.
 * After a timeout the connection's state is unknown, so the worker is ended and the next
 * statement starts a new one (an open transaction is lost, as PostgreSQL rolls it back).
 */

export type BridgeRequest =
  | { id: number; op: 'query'; text: string; params: unknown[] | null }
  | { id: number; op: 'close' };

export type BridgeReply =
  | { id: number; ok: true; rows: Record<string, unknown>[]; rowCount: number }
  | {
      id: number;
      ok: false;
      error: { message: string; code: string | null; constraint: string | null; detail: string | null };
    };

export interface BridgeOptions {
  /** How long one statement may take before it is an error, ms. */
  timeoutMs?: number;
  /** How long connecting may take, ms. */
  connectTimeoutMs?: number;
}

/** SQLSTATE 08006 (connection failure): what a statement that could not reach the database is reported as. */
export const CONNECTION_FAILURE = '08006';

interface Live {
  /** Its last statement was answered (so it is connected; a failure may have been a broken connection). */
  answered: boolean;
  worker: Worker;
  port: MessagePort;
  word: Int32Array;
}

export class PgBridge {
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #connectTimeoutMs: number;
  /** The URL without its password, for error messages and logs. */
  readonly where: string;
  #live: Live | null = null;
  #nextId = 1;
  #closed = false;

  constructor(url: string, opts: BridgeOptions = {}) {
    this.#url = url;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    const u = new URL(url);
    u.password = '';
    this.where = `${u.host}${u.pathname}`;
  }

  /** Runs one statement (params null: the simple protocol, several statements, no parameters). */
  query(text: string, params: unknown[] | null): { rows: Record<string, unknown>[]; rowCount: number } {
    if (this.#closed) throw new Error(`PostgreSQL connection to ${this.where} is closed`);
    const live = this.#start();
    const id = this.#nextId++;
    const seen = Atomics.load(live.word, 0);
    live.port.postMessage({ id, op: 'query', text, params } satisfies BridgeRequest);
    // The first statement of a worker also waits for its connection.
    const reply = this.#await(live, id, seen, this.#timeoutMs + (live.answered ? 0 : this.#connectTimeoutMs));
    live.answered = reply.ok;
    if (reply.ok) return reply;
    const e = reply.error;
    throw new SqlError(
      `PostgreSQL (${this.where}): ${e.message}${e.detail ? ` (${e.detail})` : ''}`,
      e.code && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : CONNECTION_FAILURE,
      e.constraint ?? undefined,
    );
  }

  /** Closes the connection and ends the worker. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const live = this.#live;
    this.#live = null;
    if (!live) return;
    const id = this.#nextId++;
    const seen = Atomics.load(live.word, 0);
    live.port.postMessage({ id, op: 'close' } satisfies BridgeRequest);
    try {
      this.#await(live, id, seen, 5_000);
    } finally {
      live.port.close();
      void live.worker.terminate();
    }
  }

  #start(): Live {
    if (this.#live) return this.#live;
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    const worker = new Worker(new URL('./pg-bridge-worker.ts', import.meta.url), {
      workerData: { url: this.#url, port: port2, signal, connectTimeoutMs: this.#connectTimeoutMs },
      transferList: [port2],
    });
    // The worker must not keep the process alive, nor its failure crash it: a dead worker shows
    // as the next statement's timeout.
    worker.unref();
    worker.on('error', () => {});
    this.#live = { answered: false, worker, port: port1, word: new Int32Array(signal) };
    return this.#live;
  }

  #await(live: Live, id: number, seen: number, timeoutMs: number): BridgeReply {
    const deadline = Date.now() + timeoutMs;
    let word = seen;
    for (;;) {
      const msg = receiveMessageOnPort(live.port);
      if (msg) {
        const reply = msg.message as BridgeReply;
        if (reply.id === id) return reply;
        continue; // the late answer to a statement that timed out earlier
      }
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(live.word, 0, word, left) === 'timed-out') {
        const last = receiveMessageOnPort(live.port)?.message as BridgeReply | undefined;
        if (last?.id === id) return last;
        this.#live = null;
        live.port.close();
        void live.worker.terminate();
        throw new SqlError(
          `PostgreSQL (${this.where}) did not answer within ${timeoutMs} ms; is the database up?`,
          CONNECTION_FAILURE,
        );
      }
      word = Atomics.load(live.word, 0);
    }
  }
}
