// The worker side of the synchronous PostgreSQL bridge (pg-bridge.ts): holds one `pg` client,
// runs each request it is posted in order, posts the answer on the reply port and then bumps
// the shared signal word, waking the thread blocked in Atomics.wait.
import { type MessagePort, workerData } from 'node:worker_threads';
import pg from 'pg';
import type { BridgeReply, BridgeRequest } from './pg-bridge.ts';

const { url, port, signal, connectTimeoutMs } = workerData as {
  url: string;
  port: MessagePort;
  signal: SharedArrayBuffer;
  connectTimeoutMs: number;
};
const word = new Int32Array(signal);

// Results as node:sqlite gives them: BIGINT (epoch ms, ids, COUNT) and NUMERIC (SUM, AVG) as JS
// numbers (epoch ms fit a double exactly until the year 287396), booleans as 1/0.
const INT8 = 20;
const NUMERIC = 1700;
const BOOL = 16;
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
    if (oid === BOOL) return (v: string) => (v === 't' ? 1 : 0);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

let client: pg.Client | null = null;

/** The connection, opened again after it broke (a database restart ends it; the next request reconnects). */
async function connection(): Promise<pg.Client> {
  if (client) return client;
  const c = new pg.Client({ connectionString: url, types, connectionTimeoutMillis: connectTimeoutMs });
  c.on('error', () => {
    // The server went away between requests: the next one reconnects.
    if (client === c) client = null;
  });
  await c.connect();
  client = c;
  return c;
}

function answer(reply: BridgeReply): void {
  port.postMessage(reply);
  Atomics.add(word, 0, 1);
  Atomics.notify(word, 0);
}

function toParam(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  // Structured cloning turns a Buffer into a plain Uint8Array; pg sends bytea from a Buffer.
  if (v instanceof Uint8Array && !Buffer.isBuffer(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return v;
}

async function handle(req: BridgeRequest): Promise<void> {
  try {
    if (req.op === 'close') {
      const c = client;
      client = null;
      await c?.end();
      answer({ id: req.id, ok: true, rows: [], rowCount: 0 });
      return;
    }
    const c = await connection();
    const res =
      req.params === null
        ? await c.query(req.text) // simple protocol: several statements allowed (DDL, BEGIN)
        : await c.query({ text: req.text, values: req.params.map(toParam) });
    const last = Array.isArray(res) ? res[res.length - 1] : res;
    answer({ id: req.id, ok: true, rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0 });
  } catch (err) {
    const e = err as { message?: string; code?: string; constraint?: string; detail?: string };
    // A broken connection (not an SQL error: no SQLSTATE) is dropped; the next request reconnects.
    if (!e.code || !/^[0-9A-Z]{5}$/.test(e.code)) {
      const c = client;
      client = null;
      c?.end().catch(() => {});
    }
    answer({
      id: req.id,
      ok: false,
      error: {
        message: e.message ?? String(err),
        code: e.code ?? null,
        constraint: e.constraint ?? null,
        detail: e.detail ?? null,
      },
    });
  }
}

// One request at a time, in the order posted (the caller is blocked on each anyway).
let chain: Promise<void> = Promise.resolve();
port.on('message', (req: BridgeRequest) => {
  chain = chain.then(() => handle(req));
});
