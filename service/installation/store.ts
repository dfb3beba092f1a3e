import type { SqlDb } from '../../sql/sql-db.ts';
import { prepared } from '../db.ts';

/** A device installed through Purna: its commissioning job, and once that resolved, when and with which acceptance readings. */
export interface Installation {
  deviceId: string;
  workOrderId: string;
  requestedAtMs: number;
  requestedBy: string;
  commissionedAtMs: number | null;
  /** The acceptance readings the commissioning checklist recorded, metric → value in the model's unit. */
  acceptance: Record<string, number> | null;
}

interface Row {
  device_id: string;
  work_order_id: string;
  requested_at_ms: number;
  requested_by: string;
  commissioned_at_ms: number | null;
  acceptance_json: string | null;
}

const toInstallation = (r: Row): Installation => ({
  deviceId: r.device_id,
  workOrderId: r.work_order_id,
  requestedAtMs: r.requested_at_ms,
  requestedBy: r.requested_by,
  commissionedAtMs: r.commissioned_at_ms,
  acceptance: r.acceptance_json ? (JSON.parse(r.acceptance_json) as Record<string, number>) : null,
});

/** Persistence of installations. Callers own the transaction. */
export class InstallationStore {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  get(deviceId: string): Installation | undefined {
    const row = prepared(this.#db, 'SELECT * FROM installations WHERE device_id = ?').get(deviceId) as Row | undefined;
    return row ? toInstallation(row) : undefined;
  }

  byWorkOrder(workOrderId: string): Installation | undefined {
    const row = prepared(this.#db, 'SELECT * FROM installations WHERE work_order_id = ?').get(workOrderId) as
      | Row
      | undefined;
    return row ? toInstallation(row) : undefined;
  }

  /** Records (or, after a cancelled commissioning, replaces) a device's installation request. */
  save(deviceId: string, workOrderId: string, by: string, nowMs: number): void {
    prepared(
      this.#db,
      `INSERT INTO installations (device_id, work_order_id, requested_at_ms, requested_by) VALUES (?, ?, ?, ?)
      ON CONFLICT(device_id) DO UPDATE SET work_order_id = excluded.work_order_id, requested_at_ms = excluded.requested_at_ms,
        requested_by = excluded.requested_by, commissioned_at_ms = NULL, acceptance_json = NULL`,
    ).run(deviceId, workOrderId, nowMs, by);
  }

  commissioned(deviceId: string, atMs: number, acceptance: Record<string, number>): void {
    prepared(this.#db, 'UPDATE installations SET commissioned_at_ms = ?, acceptance_json = ? WHERE device_id = ?').run(
      atMs,
      JSON.stringify(acceptance),
      deviceId,
    );
  }
}
