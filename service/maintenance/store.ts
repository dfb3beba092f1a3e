import type { SqlDb } from '../../sql/sql-db.ts';
import { prepared, sqlList } from '../db.ts';
import { CLOSED_STATES } from '../../core/work-order-states.ts';

/** A maintenance plan: for a model (every device of it) or one device (its override). */
export interface MaintenancePlan {
  /** `model:<id>` or `device:<id>`. */
  id: string;
  modelId: string | null;
  deviceId: string | null;
  intervalDays: number | null;
  intervalRunningHours: number | null;
  /** A visit is planned this many days before the calendar due date. */
  leadDays: number;
  /** … and this many running hours before the running-hours one (null: a tenth of the interval). */
  leadRunningHours: number | null;
  updatedBy: string;
  updatedAtMs: number;
}

export interface PlanInput {
  intervalDays?: number | null;
  intervalRunningHours?: number | null;
  leadDays?: number;
  leadRunningHours?: number | null;
}

/** Maintenance a visit carries for one device: why it was due, when, and when it was done. */
export interface MaintenanceItem {
  workOrderId: string;
  deviceId: string;
  dueAtMs: number | null;
  dueRunningMs: number | null;
  reason: 'calendar' | 'running_hours';
  /** Riding on a repair job already planned at the device (no second visit). */
  merged: boolean;
  createdAtMs: number;
  doneAtMs: number | null;
  doneRunningMs: number | null;
}

interface PlanRow {
  id: string;
  model_id: string | null;
  device_id: string | null;
  interval_days: number | null;
  interval_running_hours: number | null;
  lead_days: number;
  lead_running_hours: number | null;
  updated_by: string;
  updated_at_ms: number;
}

interface ItemRow {
  work_order_id: string;
  device_id: string;
  due_at_ms: number | null;
  due_running_ms: number | null;
  reason: string;
  merged: number;
  created_at_ms: number;
  done_at_ms: number | null;
  done_running_ms: number | null;
}

const toPlan = (r: PlanRow): MaintenancePlan => ({
  id: r.id,
  modelId: r.model_id,
  deviceId: r.device_id,
  intervalDays: r.interval_days,
  intervalRunningHours: r.interval_running_hours,
  leadDays: r.lead_days,
  leadRunningHours: r.lead_running_hours,
  updatedBy: r.updated_by,
  updatedAtMs: r.updated_at_ms,
});

const toItem = (r: ItemRow): MaintenanceItem => ({
  workOrderId: r.work_order_id,
  deviceId: r.device_id,
  dueAtMs: r.due_at_ms,
  dueRunningMs: r.due_running_ms,
  reason: r.reason as MaintenanceItem['reason'],
  merged: r.merged === 1,
  createdAtMs: r.created_at_ms,
  doneAtMs: r.done_at_ms,
  doneRunningMs: r.done_running_ms,
});

const CLOSED = sqlList(CLOSED_STATES);

/** Persistence of plans, running hours, services done and the maintenance visits carry. Callers own the transaction. */
export class MaintenanceStore {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  listPlans(): MaintenancePlan[] {
    return (prepared(this.#db, 'SELECT * FROM maintenance_plans ORDER BY id').all() as unknown as PlanRow[]).map(
      toPlan,
    );
  }

  plan(id: string): MaintenancePlan | undefined {
    const row = prepared(this.#db, 'SELECT * FROM maintenance_plans WHERE id = ?').get(id) as PlanRow | undefined;
    return row ? toPlan(row) : undefined;
  }

  savePlan(
    target: { modelId: string } | { deviceId: string },
    p: PlanInput,
    by: string,
    nowMs: number,
  ): MaintenancePlan {
    const id = 'modelId' in target ? `model:${target.modelId}` : `device:${target.deviceId}`;
    prepared(
      this.#db,
      `INSERT INTO maintenance_plans (id, model_id, device_id, interval_days, interval_running_hours, lead_days, lead_running_hours, updated_by, updated_at_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET interval_days = excluded.interval_days, interval_running_hours = excluded.interval_running_hours,
        lead_days = excluded.lead_days, lead_running_hours = excluded.lead_running_hours, updated_by = excluded.updated_by,
        updated_at_ms = excluded.updated_at_ms`,
    ).run(
      id,
      'modelId' in target ? target.modelId : null,
      'deviceId' in target ? target.deviceId : null,
      p.intervalDays ?? null,
      p.intervalRunningHours ?? null,
      p.leadDays ?? 14,
      p.leadRunningHours ?? null,
      by,
      nowMs,
    );
    return this.plan(id)!;
  }

  deletePlan(id: string): boolean {
    return prepared(this.#db, 'DELETE FROM maintenance_plans WHERE id = ?').run(id).changes === 1;
  }

  /** Every device's counted running time and the last report that counted. */
  allRunning(): { deviceId: string; runningMs: number; lastTsMs: number; lastRunning: boolean }[] {
    return (
      prepared(this.#db, 'SELECT device_id, running_ms, last_ts_ms, last_running FROM running_hours').all() as {
        device_id: string;
        running_ms: number;
        last_ts_ms: number;
        last_running: number;
      }[]
    ).map((r) => ({
      deviceId: r.device_id,
      runningMs: r.running_ms,
      lastTsMs: r.last_ts_ms,
      lastRunning: r.last_running === 1,
    }));
  }

  saveRunning(deviceId: string, runningMs: number, lastTsMs: number, lastRunning: boolean): void {
    prepared(
      this.#db,
      `INSERT INTO running_hours (device_id, running_ms, last_ts_ms, last_running) VALUES (?, ?, ?, ?)
      ON CONFLICT(device_id) DO UPDATE SET running_ms = excluded.running_ms, last_ts_ms = excluded.last_ts_ms,
        last_running = excluded.last_running`,
    ).run(deviceId, runningMs, lastTsMs, lastRunning ? 1 : 0);
  }

  lastService(deviceId: string): { doneAtMs: number; doneRunningMs: number; workOrderId: string | null } | undefined {
    const r = prepared(
      this.#db,
      'SELECT done_at_ms, done_running_ms, work_order_id FROM maintenance_services WHERE device_id = ?',
    ).get(deviceId) as { done_at_ms: number; done_running_ms: number; work_order_id: string | null } | undefined;
    return r ? { doneAtMs: r.done_at_ms, doneRunningMs: r.done_running_ms, workOrderId: r.work_order_id } : undefined;
  }

  /** When Purna first heard of the device (its registration), epoch ms. */
  registeredAt(deviceId: string): number | undefined {
    return (
      prepared(this.#db, 'SELECT created_at_ms FROM devices WHERE id = ?').get(deviceId) as
        | { created_at_ms: number }
        | undefined
    )?.created_at_ms;
  }

  /** The maintenance items of jobs still under way, by device: a device in one is not planned again. */
  openItemDevices(): Set<string> {
    return new Set(
      (
        prepared(
          this.#db,
          `SELECT i.device_id FROM maintenance_items i JOIN work_orders w ON w.id = i.work_order_id
          WHERE i.done_at_ms IS NULL AND w.state NOT IN (${CLOSED})`,
        ).all() as { device_id: string }[]
      ).map((r) => r.device_id),
    );
  }

  openItemOf(deviceId: string): MaintenanceItem | undefined {
    const row = prepared(
      this.#db,
      `SELECT i.* FROM maintenance_items i JOIN work_orders w ON w.id = i.work_order_id
      WHERE i.device_id = ? AND i.done_at_ms IS NULL AND w.state NOT IN (${CLOSED})`,
    ).get(deviceId) as ItemRow | undefined;
    return row ? toItem(row) : undefined;
  }

  addItem(item: Omit<MaintenanceItem, 'doneAtMs' | 'doneRunningMs'>): void {
    prepared(
      this.#db,
      `INSERT INTO maintenance_items (work_order_id, device_id, due_at_ms, due_running_ms, reason, merged, created_at_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      item.workOrderId,
      item.deviceId,
      item.dueAtMs,
      item.dueRunningMs,
      item.reason,
      item.merged ? 1 : 0,
      item.createdAtMs,
    );
  }

  itemsOf(workOrderId: string): MaintenanceItem[] {
    return (
      prepared(
        this.#db,
        'SELECT * FROM maintenance_items WHERE work_order_id = ? ORDER BY created_at_ms, device_id',
      ).all(workOrderId) as unknown as ItemRow[]
    ).map(toItem);
  }

  /** The visit was made: each of its items done, and each device's last service is now. */
  complete(workOrderId: string, nowMs: number, runningMsOf: (deviceId: string) => number): MaintenanceItem[] {
    const items = this.itemsOf(workOrderId).filter((i) => i.doneAtMs === null);
    for (const i of items) {
      const running = runningMsOf(i.deviceId);
      prepared(
        this.#db,
        'UPDATE maintenance_items SET done_at_ms = ?, done_running_ms = ? WHERE work_order_id = ? AND device_id = ?',
      ).run(nowMs, running, workOrderId, i.deviceId);
      prepared(
        this.#db,
        `INSERT INTO maintenance_services (device_id, done_at_ms, done_running_ms, work_order_id) VALUES (?, ?, ?, ?)
        ON CONFLICT(device_id) DO UPDATE SET done_at_ms = excluded.done_at_ms, done_running_ms = excluded.done_running_ms,
          work_order_id = excluded.work_order_id`,
      ).run(i.deviceId, nowMs, running, workOrderId);
    }
    return this.itemsOf(workOrderId);
  }
}
