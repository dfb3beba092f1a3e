// The control room's own SQLite file (control-room.db in the data dir): the health history the
// device page draws, the device events it annotates with, and the planners' alert list. Apart
// from the service store (work orders, SLA timers) so that a health report a second per device
// never queues behind a dispatch transaction; apart from telemetry for the same reason.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** Each migration once, in order; PRAGMA user_version counts those applied. */
const MIGRATIONS: readonly string[] = [
  `
  -- At most one row per device a minute (one per 15 minutes while nothing changes, one at once on a
  -- state change): see health-history.ts. evidence is the report's evidence as JSON.
  CREATE TABLE health_history (
    device TEXT NOT NULL,
    ts INTEGER NOT NULL,
    score REAL NOT NULL,
    state TEXT NOT NULL,
    metric TEXT,
    rule TEXT,
    mode TEXT,
    time_to_threshold_ms REAL,
    evidence TEXT NOT NULL,
    PRIMARY KEY (device, ts)
  ) WITHOUT ROWID;
  -- A device's story for the chart annotations: health transitions, connection changes, sensor faults.
  CREATE TABLE device_events (
    device TEXT NOT NULL,
    ts INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('health', 'connection', 'sensor_fault')),
    from_state TEXT,
    to_state TEXT NOT NULL,
    detail TEXT,
    PRIMARY KEY (device, ts, seq)
  ) WITHOUT ROWID;
  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('health', 'connection', 'work_order')),
    level TEXT NOT NULL,
    from_state TEXT,
    work_order_id TEXT,
    report TEXT,
    raised_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    resolved_at_ms INTEGER,
    acknowledged_by TEXT,
    acknowledged_at_ms INTEGER,
    comment TEXT,
    assigned_to TEXT,
    assigned_by TEXT,
    assigned_at_ms INTEGER
  );
  -- The open alert of a device and kind (one at a time), found on every worse report.
  CREATE INDEX alerts_open ON alerts (device, kind) WHERE resolved_at_ms IS NULL;
  CREATE INDEX alerts_updated ON alerts (updated_at_ms);
  CREATE INDEX alerts_work_order ON alerts (work_order_id) WHERE work_order_id IS NOT NULL;
  `,
];

export function openControlRoomDb(path: string): DatabaseSync {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  const applied = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  for (let v = applied; v < MIGRATIONS.length; v++) {
    db.exec('BEGIN');
    try {
      db.exec(MIGRATIONS[v]);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
  return db;
}
