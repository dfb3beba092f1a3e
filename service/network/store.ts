import type { SqlDb } from '../../sql/sql-db.ts';
import { ASSIGNED_STATES } from '../../core/work-order-states.ts';
import { inTransaction, prepared, sqlList } from '../db.ts';
import {
  badRequest,
  notFound,
  type Depot,
  type InventoryItem,
  type Technician,
  type TechnicianSkill,
} from '../types.ts';

/** The service network: depots with their parts inventory, and the technicians. */

interface TechnicianRow {
  id: string;
  name: string;
  phone: string | null;
  email: string | null;
  home_lat: number;
  home_lon: number;
  depot_id: string | null;
  shift_start_min: number;
  shift_end_min: number;
  utc_offset_min: number;
  work_days_mask: number;
  max_open_jobs: number;
  active: number;
  open_jobs: number;
}

export type TechnicianInput = Omit<
  Technician,
  | 'openJobs'
  | 'phone'
  | 'email'
  | 'depotId'
  | 'shiftStartMin'
  | 'shiftEndMin'
  | 'utcOffsetMin'
  | 'workDaysMask'
  | 'maxOpenJobs'
  | 'active'
  | 'skillTags'
> &
  Partial<
    Pick<
      Technician,
      | 'phone'
      | 'email'
      | 'depotId'
      | 'shiftStartMin'
      | 'shiftEndMin'
      | 'utcOffsetMin'
      | 'workDaysMask'
      | 'maxOpenJobs'
      | 'active'
      | 'skillTags'
    >
  >;

export interface InventoryInput {
  depotId: string;
  sku: string;
  onHand: number;
  reorderPoint?: number;
  leadTimeMs?: number;
}

const OPEN_JOBS = `(SELECT COUNT(*) FROM work_orders w WHERE w.technician_id = t.id AND w.state IN (${sqlList(ASSIGNED_STATES)}))`;

export class Network {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  // ── depots ──

  upsertDepot(d: Depot): void {
    prepared(
      this.#db,
      `INSERT INTO depots (id, name, city, lat, lon) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, city = excluded.city, lat = excluded.lat, lon = excluded.lon`,
    ).run(d.id, d.name, d.city, d.lat, d.lon);
  }

  listDepots(): Depot[] {
    return prepared(this.#db, 'SELECT id, name, city, lat, lon FROM depots ORDER BY id').all() as unknown as Depot[];
  }

  depotExists(id: string): boolean {
    return prepared(this.#db, 'SELECT 1 FROM depots WHERE id = ?').get(id) !== undefined;
  }

  // ── technicians ──

  upsertTechnician(t: TechnicianInput): void {
    if (t.depotId && !this.depotExists(t.depotId))
      throw badRequest(`technician '${t.id}': unknown depot '${t.depotId}'`);
    const db = this.#db;
    inTransaction(db, () => {
      prepared(
        db,
        `INSERT INTO technicians (id, name, phone, email, home_lat, home_lon, depot_id, shift_start_min, shift_end_min,
          utc_offset_min, work_days_mask, max_open_jobs, active)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET name = excluded.name, phone = excluded.phone, email = excluded.email,
          home_lat = excluded.home_lat, home_lon = excluded.home_lon, depot_id = excluded.depot_id,
          shift_start_min = excluded.shift_start_min, shift_end_min = excluded.shift_end_min, utc_offset_min = excluded.utc_offset_min,
          work_days_mask = excluded.work_days_mask, max_open_jobs = excluded.max_open_jobs, active = excluded.active`,
      ).run(
        t.id,
        t.name,
        t.phone ?? null,
        t.email ?? null,
        t.homeLat,
        t.homeLon,
        t.depotId ?? null,
        t.shiftStartMin ?? 480,
        t.shiftEndMin ?? 1020,
        t.utcOffsetMin ?? 420,
        t.workDaysMask ?? 126,
        t.maxOpenJobs ?? 3,
        t.active === false ? 0 : 1,
      );
      prepared(db, 'DELETE FROM technician_skills WHERE technician_id = ?').run(t.id);
      const addSkill = prepared(
        db,
        'INSERT OR IGNORE INTO technician_skills (technician_id, model_id, mode) VALUES (?, ?, ?)',
      );
      for (const s of t.skills) addSkill.run(t.id, s.modelId, s.mode);
      // Absent: the skill tags stay as they were (a caller that never heard of them keeps them).
      if (t.skillTags) {
        prepared(db, 'DELETE FROM technician_skill_tags WHERE technician_id = ?').run(t.id);
        const addTag = prepared(db, 'INSERT OR IGNORE INTO technician_skill_tags (technician_id, tag) VALUES (?, ?)');
        for (const tag of t.skillTags) addTag.run(t.id, tag);
      }
    });
  }

  listTechnicians(): Technician[] {
    const rows = prepared(
      this.#db,
      `SELECT t.*, ${OPEN_JOBS} AS open_jobs FROM technicians t ORDER BY t.id`,
    ).all() as unknown as TechnicianRow[];
    const skills = prepared(
      this.#db,
      'SELECT technician_id, model_id, mode FROM technician_skills ORDER BY model_id, mode',
    ).all() as {
      technician_id: string;
      model_id: string;
      mode: string;
    }[];
    const byTech = new Map<string, TechnicianSkill[]>();
    for (const s of skills) {
      const list = byTech.get(s.technician_id) ?? [];
      list.push({ modelId: s.model_id, mode: s.mode });
      byTech.set(s.technician_id, list);
    }
    const tags = new Map<string, string[]>();
    for (const r of prepared(this.#db, 'SELECT technician_id, tag FROM technician_skill_tags ORDER BY tag').all() as {
      technician_id: string;
      tag: string;
    }[])
      tags.set(r.technician_id, [...(tags.get(r.technician_id) ?? []), r.tag]);
    return rows.map((r) => toTechnician(r, byTech.get(r.id) ?? [], tags.get(r.id) ?? []));
  }

  getTechnician(id: string): Technician | undefined {
    const r = prepared(this.#db, `SELECT t.*, ${OPEN_JOBS} AS open_jobs FROM technicians t WHERE t.id = ?`).get(id) as
      | TechnicianRow
      | undefined;
    if (!r) return undefined;
    const skills = prepared(
      this.#db,
      'SELECT model_id AS modelId, mode FROM technician_skills WHERE technician_id = ? ORDER BY model_id, mode',
    ).all(id) as unknown as TechnicianSkill[];
    const tags = (
      prepared(this.#db, 'SELECT tag FROM technician_skill_tags WHERE technician_id = ? ORDER BY tag').all(id) as {
        tag: string;
      }[]
    ).map((x) => x.tag);
    return toTechnician(r, skills, tags);
  }

  // ── inventory ──

  upsertInventory(i: InventoryInput): void {
    if (!this.depotExists(i.depotId)) throw badRequest(`unknown depot '${i.depotId}'`);
    if (!prepared(this.#db, 'SELECT 1 FROM parts WHERE sku = ?').get(i.sku))
      throw badRequest(`unknown part '${i.sku}'`);
    const reserved =
      (
        prepared(this.#db, 'SELECT reserved FROM inventory WHERE depot_id = ? AND sku = ?').get(i.depotId, i.sku) as
          | { reserved: number }
          | undefined
      )?.reserved ?? 0;
    if (i.onHand < reserved)
      throw badRequest(
        `depot '${i.depotId}' part '${i.sku}': on hand ${i.onHand} is below the ${reserved} already reserved`,
      );
    prepared(
      this.#db,
      `INSERT INTO inventory (depot_id, sku, on_hand, reserved, reorder_point, lead_time_ms) VALUES (?, ?, ?, 0, ?, ?)
      ON CONFLICT(depot_id, sku) DO UPDATE SET on_hand = excluded.on_hand,
        reorder_point = COALESCE(?, inventory.reorder_point), lead_time_ms = COALESCE(?, inventory.lead_time_ms)`,
    ).run(
      i.depotId,
      i.sku,
      i.onHand,
      i.reorderPoint ?? 0,
      i.leadTimeMs ?? 0,
      i.reorderPoint ?? null,
      i.leadTimeMs ?? null,
    );
  }

  listInventory(filter: { depotId?: string; sku?: string } = {}): InventoryItem[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.depotId) {
      where.push('i.depot_id = ?');
      args.push(filter.depotId);
    }
    if (filter.sku) {
      where.push('i.sku = ?');
      args.push(filter.sku);
    }
    const rows = prepared(
      this.#db,
      `SELECT i.depot_id, i.sku, p.name, i.on_hand, i.reserved, i.reorder_point, i.lead_time_ms
      FROM inventory i JOIN parts p ON p.sku = i.sku${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY i.depot_id, i.sku`,
    ).all(...args) as {
      depot_id: string;
      sku: string;
      name: string;
      on_hand: number;
      reserved: number;
      reorder_point: number;
      lead_time_ms: number;
    }[];
    return rows.map((r) => ({
      depotId: r.depot_id,
      sku: r.sku,
      partName: r.name,
      onHand: r.on_hand,
      reserved: r.reserved,
      available: r.on_hand - r.reserved,
      reorderPoint: r.reorder_point,
      leadTimeMs: r.lead_time_ms,
      belowReorderPoint: r.on_hand - r.reserved <= r.reorder_point,
    }));
  }

  /**
   * Reserves one unit if one is free. The single conditional UPDATE is the whole race guard:
   * two writers (threads, processes) serialise on SQLite's write lock, the second sees the
   * first's reservation and matches no row. The CHECK (reserved <= on_hand) backs it up.
   */
  tryReserve(depotId: string, sku: string, workOrderId: string, nowMs: number, quantity = 1): boolean {
    const r = prepared(
      this.#db,
      'UPDATE inventory SET reserved = reserved + ? WHERE depot_id = ? AND sku = ? AND on_hand - reserved >= ?',
    ).run(quantity, depotId, sku, quantity);
    if (r.changes !== 1) return false;
    this.#stockEvent(nowMs, depotId, sku, 'reserve', quantity, workOrderId);
    return true;
  }

  release(depotId: string, sku: string, workOrderId: string, nowMs: number, quantity = 1): void {
    prepared(
      this.#db,
      'UPDATE inventory SET reserved = reserved - ? WHERE depot_id = ? AND sku = ? AND reserved >= ?',
    ).run(quantity, depotId, sku, quantity);
    this.#stockEvent(nowMs, depotId, sku, 'release', quantity, workOrderId);
  }

  /** The reserved units left the depot in the technician's van and were fitted. */
  consume(depotId: string, sku: string, workOrderId: string, nowMs: number, quantity = 1): void {
    prepared(
      this.#db,
      'UPDATE inventory SET reserved = reserved - ?, on_hand = on_hand - ? WHERE depot_id = ? AND sku = ? AND reserved >= ?',
    ).run(quantity, quantity, depotId, sku, quantity);
    this.#stockEvent(nowMs, depotId, sku, 'consume', quantity, workOrderId);
  }

  /**
   * Units fitted that nothing had reserved (the technician found the job needed more, or another
   * part): they leave the free stock of `depotId` (a depot, or a van kept as one). False, and
   * nothing taken, when fewer are free; like tryReserve, the conditional UPDATE is the race guard.
   */
  tryTake(depotId: string, sku: string, workOrderId: string, nowMs: number, quantity: number): boolean {
    const r = prepared(
      this.#db,
      'UPDATE inventory SET on_hand = on_hand - ? WHERE depot_id = ? AND sku = ? AND on_hand - reserved >= ?',
    ).run(quantity, depotId, sku, quantity);
    if (r.changes !== 1) return false;
    this.#stockEvent(nowMs, depotId, sku, 'consume', quantity, workOrderId);
    return true;
  }

  /** A job needed a part no depot had: the stock-out KPI counts these. */
  recordStockOut(sku: string, workOrderId: string, nowMs: number): void {
    this.#stockEvent(nowMs, null, sku, 'stockout', 1, workOrderId);
  }

  #stockEvent(
    atMs: number,
    depotId: string | null,
    sku: string,
    kind: string,
    quantity: number,
    workOrderId: string | null,
  ): void {
    prepared(
      this.#db,
      'INSERT INTO stock_events (at_ms, depot_id, sku, kind, quantity, work_order_id) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(atMs, depotId, sku, kind, quantity, workOrderId);
  }

  requireTechnician(id: string): Technician {
    const t = this.getTechnician(id);
    if (!t) throw notFound('technician', id);
    return t;
  }
}

function toTechnician(r: TechnicianRow, skills: TechnicianSkill[], skillTags: string[]): Technician {
  return {
    id: r.id,
    name: r.name,
    phone: r.phone,
    email: r.email,
    homeLat: r.home_lat,
    homeLon: r.home_lon,
    depotId: r.depot_id,
    shiftStartMin: r.shift_start_min,
    shiftEndMin: r.shift_end_min,
    utcOffsetMin: r.utc_offset_min,
    workDaysMask: r.work_days_mask,
    maxOpenJobs: r.max_open_jobs,
    active: r.active === 1,
    skills,
    skillTags,
    openJobs: r.open_jobs,
  };
}
