import { prepared, sqlList } from '../db.ts';
import type { SqlDb, SqlValue } from '../../sql/sql-db.ts';
import type { JobType } from '../../core/job-types.ts';
import type { FailureMode, HealthReport } from '../../core/types.ts';
import { CLOSED_STATES, type WorkOrderState } from '../../core/work-order-states.ts';
import { transitionError } from './lifecycle.ts';
import {
  conflict,
  notFound,
  type DispatchPlan,
  type PartStatus,
  type ResolutionCode,
  type ServiceWorkOrder,
  type Severity,
  type WorkOrderEvent,
  type WorkOrderFilter,
  type WorkOrderPart,
} from '../types.ts';

interface WorkOrderRow {
  id: string;
  device_id: string;
  mode: string;
  state: string;
  severity: string;
  evidence_json: string;
  predicted_failure_at_ms: number | null;
  created_at_ms: number;
  updated_at_ms: number;
  version: number;
  technician_id: string | null;
  sla_respond_by_ms: number | null;
  sla_resolve_by_ms: number | null;
  assigned_at_ms: number | null;
  on_site_at_ms: number | null;
  resolved_at_ms: number | null;
  cancelled_at_ms: number | null;
  resolution_code: string | null;
  part_sku: string | null;
  part_name: string | null;
  part_depot_id: string | null;
  part_status: string;
  part_lead_time_ms: number | null;
  warranty_covered: number;
  source: string;
  note: string | null;
  technician_eta_ms: number | null;
  plan_json: string | null;
  sla_respond_breached_at_ms: number | null;
  sla_resolve_breached_at_ms: number | null;
  model_id: string | null;
  model_version: number | null;
  customer_report: string | null;
  job_type: string;
  approved_amount_idr: number | null;
  pending_quote_idr: number | null;
}

/** Lead time analytics assumes until the service network has a history: a day, the standard-tier response. */
export const DEFAULT_LEAD_TIME_MS = 24 * 3600_000;

/** The closed states as an SQL list (constants, not input). */
const CLOSED = sqlList(CLOSED_STATES);

// The pending quote's total (billing/): the job waits for the customer's approval while there is one.
const SELECT = `SELECT w.*, p.name AS part_name,
  (SELECT q.total_idr FROM quotes q WHERE q.work_order_id = w.id AND q.status = 'pending') AS pending_quote_idr
  FROM work_orders w LEFT JOIN parts p ON p.sku = w.part_sku`;

interface PartRow {
  sku: string;
  name: string;
  quantity: number;
  status: WorkOrderPart['status'];
  depot_id: string | null;
  lead_time_ms: number | null;
}

function toWorkOrder(r: WorkOrderRow, partRows: PartRow[]): ServiceWorkOrder {
  // A job from before the parts list (or an imported one) has its one part in the summary columns.
  const parts: WorkOrderPart[] = partRows.length
    ? partRows.map((p) => ({
        sku: p.sku,
        name: p.name,
        quantity: p.quantity,
        status: p.status,
        depotId: p.depot_id,
        leadTimeMs: p.lead_time_ms,
      }))
    : r.part_sku && r.part_status !== 'none'
      ? [
          {
            sku: r.part_sku,
            name: r.part_name ?? r.part_sku,
            quantity: 1,
            status: r.part_status as WorkOrderPart['status'],
            depotId: r.part_depot_id,
            leadTimeMs: r.part_lead_time_ms,
          },
        ]
      : [];
  return {
    id: r.id,
    deviceId: r.device_id,
    jobType: r.job_type as JobType,
    mode: r.mode as FailureMode,
    state: r.state as WorkOrderState,
    evidence: JSON.parse(r.evidence_json) as HealthReport,
    predictedFailureAtMs: r.predicted_failure_at_ms,
    createdAtMs: r.created_at_ms,
    updatedAtMs: r.updated_at_ms,
    version: r.version,
    technicianId: r.technician_id,
    severity: r.severity as Severity,
    slaRespondByMs: r.sla_respond_by_ms,
    slaResolveByMs: r.sla_resolve_by_ms,
    slaRespondBreachedAtMs: r.sla_respond_breached_at_ms,
    slaResolveBreachedAtMs: r.sla_resolve_breached_at_ms,
    assignedAtMs: r.assigned_at_ms,
    onSiteAtMs: r.on_site_at_ms,
    resolvedAtMs: r.resolved_at_ms,
    cancelledAtMs: r.cancelled_at_ms,
    resolutionCode: r.resolution_code as ResolutionCode | null,
    partSku: r.part_sku,
    partName: r.part_name,
    partDepotId: r.part_depot_id,
    partStatus: r.part_status as PartStatus,
    partLeadTimeMs: r.part_lead_time_ms,
    warrantyCovered: r.warranty_covered === 1,
    approvedAmountIdr: r.approved_amount_idr,
    awaitingApprovalIdr: r.pending_quote_idr ?? null,
    source: r.source,
    note: r.note,
    customerReport: r.customer_report,
    technicianEtaMs: r.technician_eta_ms,
    plannedLeadTimeMs:
      r.part_status === 'backorder' ? null : Math.max(r.technician_eta_ms ?? 0, r.part_lead_time_ms ?? 0),
    plan: r.plan_json ? (JSON.parse(r.plan_json) as DispatchPlan) : null,
    modelId: r.model_id,
    modelVersion: r.model_version,
    parts,
  };
}

export interface NewWorkOrder {
  deviceId: string;
  /** Default predicted_failure. */
  jobType?: JobType;
  mode: FailureMode;
  severity: Severity;
  evidence: HealthReport;
  predictedFailureAtMs: number | null;
  slaRespondByMs: number | null;
  slaResolveByMs: number | null;
  warrantyCovered: boolean;
  source: string;
  note?: string | null;
  /** A job the customer reported: their words, kept as they gave them. */
  customerReport?: string | null;
  /** The catalogue version the job was judged by. */
  model?: { id: string; version: number } | null;
}

/** Column updates a transition or plan may carry along with the state change. */
export interface WorkOrderPatch {
  /** A diagnosis: what a customer-reported job turned out to be. */
  mode?: string;
  technician_id?: string | null;
  assigned_at_ms?: number | null;
  on_site_at_ms?: number | null;
  resolved_at_ms?: number | null;
  cancelled_at_ms?: number | null;
  resolution_code?: string | null;
  part_sku?: string | null;
  part_depot_id?: string | null;
  part_status?: PartStatus;
  part_lead_time_ms?: number | null;
  note?: string | null;
  technician_eta_ms?: number | null;
  plan_json?: string | null;
  severity?: string;
  sla_respond_by_ms?: number | null;
  sla_resolve_by_ms?: number | null;
  predicted_failure_at_ms?: number | null;
  evidence_json?: string;
  approved_amount_idr?: number | null;
}

/** Persistence of work orders and their transition history. Callers own the transaction. */
export class WorkOrderStore {
  readonly #db: SqlDb;

  constructor(db: SqlDb) {
    this.#db = db;
  }

  get(id: string): ServiceWorkOrder | undefined {
    const row = prepared(this.#db, `${SELECT} WHERE w.id = ?`).get(id) as WorkOrderRow | undefined;
    return row ? this.#toWorkOrder(row) : undefined;
  }

  require(id: string): ServiceWorkOrder {
    const wo = this.get(id);
    if (!wo) throw notFound('work order', id);
    return wo;
  }

  findActive(deviceId: string, mode: string): ServiceWorkOrder | undefined {
    const row = prepared(this.#db, `${SELECT} WHERE w.device_id = ? AND w.mode = ? AND w.state NOT IN (${CLOSED})`).get(
      deviceId,
      mode,
    ) as WorkOrderRow | undefined;
    return row ? this.#toWorkOrder(row) : undefined;
  }

  list(filter: WorkOrderFilter = {}): ServiceWorkOrder[] {
    const where: string[] = [];
    const args: SqlValue[] = [];
    if (filter.state?.length) {
      where.push(`w.state IN (${filter.state.map(() => '?').join(', ')})`);
      args.push(...filter.state);
    }
    if (filter.deviceId) {
      where.push('w.device_id = ?');
      args.push(filter.deviceId);
    }
    if (filter.customerId) {
      where.push(
        'w.device_id IN (SELECT d.id FROM devices d JOIN sites s ON s.id = d.site_id WHERE s.customer_id = ?)',
      );
      args.push(filter.customerId);
    }
    if (filter.technicianId) {
      where.push('w.technician_id = ?');
      args.push(filter.technicianId);
    }
    if (filter.mode) {
      where.push('w.mode = ?');
      args.push(filter.mode);
    }
    if (filter.jobType?.length) {
      where.push(`w.job_type IN (${filter.jobType.map(() => '?').join(', ')})`);
      args.push(...filter.jobType);
    }
    if (filter.fromMs !== undefined) {
      where.push('w.created_at_ms >= ?');
      args.push(filter.fromMs);
    }
    if (filter.toMs !== undefined) {
      where.push('w.created_at_ms <= ?');
      args.push(filter.toMs);
    }
    let sql = `${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY w.created_at_ms DESC, w.id DESC`;
    if (filter.limit !== undefined) {
      sql += ' LIMIT ?';
      args.push(filter.limit);
    }
    return (prepared(this.#db, sql).all(...args) as unknown as WorkOrderRow[]).map((r) => this.#toWorkOrder(r));
  }

  /** Inserts an open work order and its first history entry. Must run inside a transaction. */
  insert(input: NewWorkOrder, actor: string, nowMs: number): ServiceWorkOrder {
    // Sequential, readable ids (WO-000042). SQLite: safe because the caller holds the write lock.
    // PostgreSQL: workers write at once, so the number comes from a sequence (a rolled-back job
    // leaves a gap).
    const next = (
      prepared(
        this.#db,
        this.#db.dialect === 'postgres'
          ? "SELECT nextval('work_order_number') AS n"
          : 'SELECT COALESCE(MAX(rowid), 0) + 1 AS n FROM work_orders',
      ).get() as { n: number }
    ).n;
    const id = `WO-${String(next).padStart(6, '0')}`;
    prepared(
      this.#db,
      `INSERT INTO work_orders (id, device_id, mode, state, severity, evidence_json, predicted_failure_at_ms,
        created_at_ms, updated_at_ms, version, sla_respond_by_ms, sla_resolve_by_ms, warranty_covered, source, note, model_id, model_version, job_type,
        customer_report)
      VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      input.deviceId,
      input.mode,
      input.severity,
      JSON.stringify(input.evidence),
      input.predictedFailureAtMs,
      nowMs,
      nowMs,
      input.slaRespondByMs,
      input.slaResolveByMs,
      input.warrantyCovered ? 1 : 0,
      input.source,
      input.note ?? null,
      input.model?.id ?? null,
      input.model?.version ?? null,
      input.jobType ?? 'predicted_failure',
      input.customerReport ?? null,
    );
    this.#record(id, null, 'open', actor, nowMs, input.note ?? null);
    return this.require(id);
  }

  /**
   * Moves a work order to `to` if the lifecycle allows it. The UPDATE matches the version read
   * here, so of two concurrent writers exactly one succeeds and the other gets a 409.
   */
  transition(
    id: string,
    to: WorkOrderState,
    opts: { actor: string; nowMs: number; note?: string | null; patch?: WorkOrderPatch },
  ): ServiceWorkOrder {
    const current = this.require(id);
    const reason = transitionError(current.state, to);
    if (reason) throw conflict(reason);
    this.#update(current, { state: to, ...opts.patch }, opts.nowMs);
    this.#record(id, current.state, to, opts.actor, opts.nowMs, opts.note ?? null);
    return this.require(id);
  }

  /** Changes fields without a state change (a plan, a reassignment); still versioned and recorded. */
  patch(id: string, patch: WorkOrderPatch, opts: { actor: string; nowMs: number; note: string }): ServiceWorkOrder {
    const current = this.require(id);
    this.#update(current, patch, opts.nowMs);
    this.#record(id, current.state, current.state, opts.actor, opts.nowMs, opts.note);
    return this.require(id);
  }

  /**
   * Active jobs past a deadline not yet marked: nobody on site by the response deadline, or not
   * resolved by the resolution deadline. Earliest resolution deadline first, at most `limit`.
   */
  unmarkedSlaBreaches(nowMs: number, limit: number): ServiceWorkOrder[] {
    return (
      prepared(
        this.#db,
        `${SELECT} WHERE w.state NOT IN (${CLOSED}) AND (
        (w.sla_respond_breached_at_ms IS NULL AND w.on_site_at_ms IS NULL AND w.sla_respond_by_ms < ?)
        OR (w.sla_resolve_breached_at_ms IS NULL AND w.sla_resolve_by_ms < ?))
      ORDER BY w.sla_resolve_by_ms, w.created_at_ms, w.id LIMIT ?`,
      ).all(nowMs, nowMs, limit) as unknown as WorkOrderRow[]
    ).map((r) => this.#toWorkOrder(r));
  }

  /**
   * Active jobs nobody is on the way to whose response deadline falls within `horizonMs`: the
   * technician may well be late, and the customer should hear it before the deadline passes.
   */
  atRiskOfLateArrival(nowMs: number, horizonMs: number, limit: number): ServiceWorkOrder[] {
    return (
      prepared(
        this.#db,
        `${SELECT} WHERE w.state IN ('open', 'assigned', 'acknowledged') AND w.on_site_at_ms IS NULL
        AND w.sla_respond_by_ms > ? AND w.sla_respond_by_ms <= ? ORDER BY w.sla_respond_by_ms, w.id LIMIT ?`,
      ).all(nowMs, nowMs + horizonMs, limit) as unknown as WorkOrderRow[]
    ).map((r) => this.#toWorkOrder(r));
  }

  /**
   * Marks a missed deadline. Deliberately no version bump: the mark is the system's annotation,
   * not a change a client could lose, and bumping would make the technician's next step a 409.
   * Recorded in the history like every change.
   */
  markSlaBreach(id: string, kind: 'respond' | 'resolve', breachedAtMs: number, nowMs: number): ServiceWorkOrder {
    const column = kind === 'respond' ? 'sla_respond_breached_at_ms' : 'sla_resolve_breached_at_ms';
    const current = this.require(id);
    prepared(this.#db, `UPDATE work_orders SET ${column} = ? WHERE id = ? AND ${column} IS NULL`).run(breachedAtMs, id);
    this.#record(
      id,
      current.state,
      current.state,
      'system:sla',
      nowMs,
      kind === 'respond'
        ? 'SLA breached: nobody on site by the response deadline'
        : 'SLA breached: not resolved by the resolution deadline',
    );
    return this.require(id);
  }

  /**
   * The lead time analytics should dispatch ahead of a forecast failure: how long it actually
   * takes from a work order opening to a technician on site, the 90th percentile of the last 50
   * visits (a mean would promise the typical day and miss the bad ones). With fewer than 5
   * visits on record, the 90th percentile of the planned lead times of the last 200 jobs
   * (backordered ones have none); with neither, a day.
   */
  currentLeadTimeMs(): number {
    const actual = (
      prepared(
        this.#db,
        `SELECT on_site_at_ms - created_at_ms AS ms FROM work_orders WHERE on_site_at_ms IS NOT NULL
      ORDER BY on_site_at_ms DESC LIMIT 50`,
      ).all() as { ms: number }[]
    ).map((r) => r.ms);
    if (actual.length >= 5) return p90(actual);
    // Planned: the later of technician arrival and part arrival (as ServiceWorkOrder.plannedLeadTimeMs), in SQL:
    // this runs on every work-order change when wired to analytics.
    const planned = (
      prepared(
        this.#db,
        `SELECT MAX(COALESCE(technician_eta_ms, 0), COALESCE(part_lead_time_ms, 0)) AS ms FROM work_orders
      WHERE part_status != 'backorder' ORDER BY created_at_ms DESC LIMIT 200`,
      ).all() as { ms: number }[]
    )
      .map((r) => r.ms)
      .filter((ms) => ms > 0);
    if (planned.length) return p90(planned);
    return DEFAULT_LEAD_TIME_MS;
  }

  /**
   * A note on the record (a call with the customer, what the technician found). No version bump,
   * like an SLA mark: a note changes no field a client could overwrite, and bumping would turn
   * the technician's next step into a 409.
   */
  addNote(id: string, actor: string, nowMs: number, note: string): WorkOrderEvent {
    const current = this.require(id);
    this.#record(id, current.state, current.state, actor, nowMs, note);
    return this.history(id).at(-1)!;
  }

  history(id: string): WorkOrderEvent[] {
    return prepared(
      this.#db,
      `SELECT id, work_order_id AS workOrderId, from_state AS fromState, to_state AS toState, actor, at_ms AS atMs, note
      FROM work_order_events WHERE work_order_id = ? ORDER BY id`,
    ).all(id) as unknown as WorkOrderEvent[];
  }

  /**
   * Replaces the job's parts list (the dispatcher's reservations, the lifecycle's consumption or
   * release). The summary columns are the caller's to patch. Must run inside a transaction.
   */
  saveParts(id: string, parts: readonly WorkOrderPart[]): void {
    prepared(this.#db, 'DELETE FROM work_order_parts WHERE work_order_id = ?').run(id);
    const add = prepared(
      this.#db,
      `INSERT INTO work_order_parts (work_order_id, position, sku, name, quantity, status, depot_id, lead_time_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    parts.forEach((p, i) => add.run(id, i, p.sku, p.name, p.quantity, p.status, p.depotId, p.leadTimeMs));
  }

  #toWorkOrder(row: WorkOrderRow): ServiceWorkOrder {
    const parts = prepared(
      this.#db,
      'SELECT sku, name, quantity, status, depot_id, lead_time_ms FROM work_order_parts WHERE work_order_id = ? ORDER BY position',
    ).all(row.id) as unknown as PartRow[];
    return toWorkOrder(row, parts);
  }

  #update(current: ServiceWorkOrder, cols: WorkOrderPatch & { state?: string }, nowMs: number): void {
    const keys = Object.keys(cols) as (keyof typeof cols)[];
    const sets = keys.map((k) => `${k} = ?`);
    const values = keys.map((k) => (cols[k] ?? null) as SqlValue);
    const result = prepared(
      this.#db,
      `UPDATE work_orders SET ${[...sets, 'updated_at_ms = ?', 'version = version + 1'].join(', ')}
      WHERE id = ? AND version = ?`,
    ).run(...values, nowMs, current.id, current.version);
    if (result.changes !== 1) throw conflict(`work order ${current.id} changed concurrently; reload and retry`);
  }

  #record(id: string, from: string | null, to: string, actor: string, atMs: number, note: string | null): void {
    prepared(
      this.#db,
      'INSERT INTO work_order_events (work_order_id, from_state, to_state, actor, at_ms, note) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(id, from, to, actor, atMs, note);
  }
}

function p90(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)];
}
