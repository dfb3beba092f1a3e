// A job's checklist: copied from the catalogue when the job opens (checklistFor), per device (one
// maintenance visit covers several), ticked off or recorded by the technician, and checked before
// the job may be resolved. Runs inside the caller's transaction.

import type { SqlDb } from '../../sql/sql-db.ts';
import type { ChecklistItem } from '../../core/product-catalogue.ts';
import { prepared } from '../db.ts';
import { badRequest, notFound } from '../types.ts';

export interface ChecklistEntry {
  deviceId: string;
  itemId: string;
  label: string;
  /** A reading to record, in the metric's unit, and the range it must fall in. */
  reading: { metric: string; min: number; max: number } | null;
  required: boolean;
  doneAtMs: number | null;
  doneBy: string | null;
  /** The reading recorded (null: a check, or not recorded yet). */
  value: number | null;
  /** Done, and for a reading within its range. */
  ok: boolean;
  note: string | null;
}

export interface ChecklistRecord {
  deviceId?: string;
  itemId: string;
  /** A check: done or not (untick). */
  done?: boolean;
  /** A reading, in the metric's unit. */
  value?: number;
  note?: string;
}

interface Row {
  device_id: string;
  item_id: string;
  label: string;
  metric: string | null;
  min_value: number | null;
  max_value: number | null;
  required: number;
  done_at_ms: number | null;
  done_by: string | null;
  value: number | null;
  note: string | null;
}

function toEntry(r: Row): ChecklistEntry {
  const reading = r.metric === null ? null : { metric: r.metric, min: r.min_value!, max: r.max_value! };
  const done = r.done_at_ms !== null;
  return {
    deviceId: r.device_id,
    itemId: r.item_id,
    label: r.label,
    reading,
    required: r.required === 1,
    doneAtMs: r.done_at_ms,
    doneBy: r.done_by,
    value: r.value,
    ok: done && (reading === null || (r.value !== null && r.value >= reading.min && r.value <= reading.max)),
    note: r.note,
  };
}

export class Checklists {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  /** Adds a device's items to a job (after those already there); an item already on the job for that device is kept. */
  add(workOrderId: string, deviceId: string, items: readonly ChecklistItem[], opts: { required?: boolean } = {}): void {
    const start = (
      prepared(
        this.#db,
        'SELECT COALESCE(MAX(position), -1) + 1 AS n FROM work_order_checklist WHERE work_order_id = ?',
      ).get(workOrderId) as { n: number }
    ).n;
    const insert = prepared(
      this.#db,
      `INSERT OR IGNORE INTO work_order_checklist (work_order_id, device_id, item_id, position, label, metric, min_value, max_value, required)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    items.forEach((i, k) => {
      const required = opts.required ?? i.required ?? true;
      insert.run(
        workOrderId,
        deviceId,
        i.id,
        start + k,
        i.label,
        i.reading?.metric ?? null,
        i.reading?.min ?? null,
        i.reading?.max ?? null,
        required ? 1 : 0,
      );
    });
  }

  list(workOrderId: string): ChecklistEntry[] {
    return (
      prepared(this.#db, 'SELECT * FROM work_order_checklist WHERE work_order_id = ? ORDER BY position').all(
        workOrderId,
      ) as unknown as Row[]
    ).map(toEntry);
  }

  /** Records one item: a check ticked (or unticked), a reading's value. 404 for an item the job lacks; 400 for the wrong kind of answer. */
  record(workOrderId: string, defaultDeviceId: string, r: ChecklistRecord, by: string, nowMs: number): ChecklistEntry {
    const deviceId = r.deviceId ?? defaultDeviceId;
    const row = prepared(
      this.#db,
      'SELECT * FROM work_order_checklist WHERE work_order_id = ? AND device_id = ? AND item_id = ?',
    ).get(workOrderId, deviceId, r.itemId) as Row | undefined;
    if (!row) throw notFound(`checklist item of ${workOrderId} for ${deviceId}`, r.itemId);
    let value: number | null = null;
    let doneAt: number | null = nowMs;
    if (row.metric !== null) {
      if (r.value === undefined) throw badRequest(`value: '${r.itemId}' is a reading of ${row.metric}: send its value`);
      value = r.value;
    } else {
      if (r.value !== undefined) throw badRequest(`value: '${r.itemId}' is a check, not a reading: send done`);
      if (r.done === false) doneAt = null;
    }
    prepared(
      this.#db,
      `UPDATE work_order_checklist SET done_at_ms = ?, done_by = ?, value = ?, note = ?
      WHERE work_order_id = ? AND device_id = ? AND item_id = ?`,
    ).run(doneAt, doneAt === null ? null : by, value, r.note ?? null, workOrderId, deviceId, r.itemId);
    return this.list(workOrderId).find((e) => e.deviceId === deviceId && e.itemId === r.itemId)!;
  }

  /** What stops the job being resolved: each required item not done, or a reading outside its range. */
  problems(workOrderId: string): string[] {
    return this.list(workOrderId)
      .filter((e) => e.required && !e.ok)
      .map((e) =>
        e.doneAtMs === null
          ? `'${e.itemId}' (${e.deviceId}) is not done`
          : `'${e.itemId}' (${e.deviceId}) read ${e.value} ${e.reading ? `outside ${e.reading.min}–${e.reading.max}` : ''}`.trim(),
      );
  }
}
