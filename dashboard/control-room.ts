// The control room's memory, one part over its own SQLite file (history/db.ts): the health
// history and device events the device page draws, and the planners' alert list. Built by
// app.ts; both listen on the bus from start() until stop().

import type { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/log.ts';
import { AlertBook } from './alerts/alert-book.ts';
import { openControlRoomDb } from './history/db.ts';
import { HealthHistory } from './history/health-history.ts';

export interface ControlRoomOptions {
  bus: EventBus;
  /** control-room.db in the data dir. */
  dbPath: string;
  /** How long history and alerts are kept (PURNA_HISTORY_RETENTION_DAYS), ms. */
  retentionMs: number;
  log: Logger;
  nowMs: () => number;
  /** Puts a stop on the wiring's list (stopped in reverse order of registration). */
  onStop: (stop: () => Promise<void> | void) => void;
}

/** Opens the file and starts the health history and the alert book on it. */
export function startControlRoom(o: ControlRoomOptions): { healthHistory: HealthHistory; alerts: AlertBook } {
  const { bus, retentionMs, nowMs } = o;
  const db = openControlRoomDb(o.dbPath);
  o.onStop(() => db.close());
  const healthHistory = new HealthHistory({ bus, db, log: o.log.child({ part: 'history' }), nowMs, retentionMs });
  healthHistory.start();
  o.onStop(() => healthHistory.stop());
  const alerts = new AlertBook({ bus, db, log: o.log.child({ part: 'alerts' }), nowMs, retentionMs });
  alerts.start();
  o.onStop(() => alerts.stop());
  return { healthHistory, alerts };
}
