// The SQLite telemetry store's writes, on a thread of their own (store/sqlite-store.ts starts
// it). node:sqlite is synchronous: on the event loop a commit held every MQTT connection while
// SQLite wrote its pages (one leaf page per device in the commit: 17 ms of a 10,000-device
// second). Here the event loop only posts the readings; reads stay on the main connection
// (WAL mode lets them run beside this writer).
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import type { Reading } from '../core/types.ts';

export interface WriteRequest {
  id: number;
  readings: readonly Reading[];
}
export type WriteAnswer = { id: number; ok: true } | { id: number; ok: false; message: string; errcode: number };

const db = new DatabaseSync((workerData as { path: string }).path);
// The same settings as the main connection (store/sqlite-store.ts); the schema exists by now.
db.exec('PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA busy_timeout = 5000;');
const insert = db.prepare('INSERT OR REPLACE INTO telemetry (device, ts, metric, value) VALUES (?, ?, ?, ?)');

parentPort!.on('message', (req: WriteRequest | 'close') => {
  if (req === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  let answer: WriteAnswer;
  db.exec('BEGIN');
  try {
    for (const r of req.readings) {
      for (const metric in r.values) insert.run(r.deviceId, r.tsMs, metric, r.values[metric]);
    }
    db.exec('COMMIT');
    answer = { id: req.id, ok: true };
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    const e = err as Error & { errcode?: number };
    answer = { id: req.id, ok: false, message: e.message, errcode: e.errcode ?? 0 };
  }
  parentPort!.postMessage(answer);
});
