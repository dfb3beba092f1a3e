// The planners' alert list, kept on the server so a reload, another planner's screen and a restart
// all see the same alerts: raised from bus events (a device getting worse, going offline or silent,
// a new work order), resolved when the device recovers or the job ends, acknowledged with a
// comment and assigned to a planner by people. One open alert per device and kind at a time: a
// device that gets worse again escalates its open alert (and needs acknowledging again) rather
// than adding another line.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { EventBus } from '../../core/event-bus.ts';
import { HttpError } from '../../core/http-errors.ts';
import { every, type PeriodicJob } from '../../core/periodic.ts';
import type { Logger } from '../../core/log.ts';
import type { DeviceStatusEvent, HealthReport, WorkOrder } from '../../core/types.ts';
import { ACTIVE_STATES } from '../../core/work-order-states.ts';

export type AlertKind = 'health' | 'connection' | 'work_order';

/** What the list shows of the health report that raised (or last escalated) an alert: enough to say why in any language. */
export type AlertReport = Pick<
  HealthReport,
  'state' | 'score' | 'rule' | 'metric' | 'mode' | 'evidence' | 'explanation' | 'timeToThresholdMs'
>;

export interface Alert {
  id: number;
  deviceId: string;
  kind: AlertKind;
  /** health: the worst state reached (watch, warning, sensor_fault, critical); connection: offline or silent; work_order: the failure mode. */
  level: string;
  /** The state the device was in before (health, connection). */
  fromState: string | null;
  workOrderId: string | null;
  report: AlertReport | null;
  raisedAtMs: number;
  updatedAtMs: number;
  resolvedAtMs: number | null;
  acknowledgedBy: string | null;
  acknowledgedAtMs: number | null;
  comment: string | null;
  /** The planner (user id) it is assigned to. */
  assignedTo: string | null;
  assignedBy: string | null;
  assignedAtMs: number | null;
}

export interface AlertBookOptions {
  bus: EventBus;
  db: DatabaseSync;
  log: Logger;
  nowMs: () => number;
  /** Resolved alerts older than this are deleted (ms). */
  retentionMs: number;
}

/** How bad a health state is: an alert is raised when a device moves up this scale. */
const RANK: Readonly<Record<string, number>> = {
  healthy: 0,
  warming_up: 0,
  watch: 1,
  warning: 2,
  sensor_fault: 2,
  critical: 3,
  silent: 0,
};
const rank = (state: string) => RANK[state] ?? 0;
const ACTIVE = new Set<string>(ACTIVE_STATES);
/** Resolved alerts stay in the list this long, so a planner sees what settled while away. */
export const RESOLVED_SHOWN_MS = 24 * 3600_000;
export const MAX_COMMENT_LENGTH = 500;
const LIST_LIMIT = 500;

interface Row {
  id: number;
  device: string;
  kind: AlertKind;
  level: string;
  from_state: string | null;
  work_order_id: string | null;
  report: string | null;
  raised_at_ms: number;
  updated_at_ms: number;
  resolved_at_ms: number | null;
  acknowledged_by: string | null;
  acknowledged_at_ms: number | null;
  comment: string | null;
  assigned_to: string | null;
  assigned_by: string | null;
  assigned_at_ms: number | null;
}

export class AlertBook {
  readonly #o: AlertBookOptions;
  readonly #s: Record<
    'byOrder' | 'byId' | 'insert' | 'escalate' | 'resolve' | 'acknowledge' | 'assign' | 'list',
    StatementSync
  >;
  /** The latest health state seen per device (not stored: after a restart the first report is the baseline). */
  readonly #lastState = new Map<string, string>();
  readonly #changed = new Set<number>();
  /**
   * The open alert (id, level) per device and kind, as the table has it: a healthy report a second
   * per device asks whether there is one to resolve, and at 10,000 devices a query each was 6 % of
   * the process (bench:dashboard's profile).
   */
  readonly #open = new Map<string, { id: number; level: string }>();
  readonly #off: (() => void)[] = [];
  #prune: PeriodicJob | null = null;

  constructor(opts: AlertBookOptions) {
    this.#o = opts;
    const db = opts.db;
    this.#s = {
      byOrder: db.prepare(
        "SELECT * FROM alerts WHERE kind = 'work_order' AND work_order_id = ? ORDER BY id DESC LIMIT 1",
      ),
      byId: db.prepare('SELECT * FROM alerts WHERE id = ?'),
      insert: db.prepare(
        'INSERT INTO alerts (device, kind, level, from_state, work_order_id, report, raised_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
      ),
      // Worse again: a new level and reason, and someone must look again.
      escalate: db.prepare(
        'UPDATE alerts SET level = ?, report = ?, updated_at_ms = ?, acknowledged_by = NULL, acknowledged_at_ms = NULL WHERE id = ?',
      ),
      resolve: db.prepare('UPDATE alerts SET resolved_at_ms = ?, updated_at_ms = ? WHERE id = ?'),
      acknowledge: db.prepare(
        'UPDATE alerts SET acknowledged_by = ?, acknowledged_at_ms = ?, comment = ?, updated_at_ms = ? WHERE id = ?',
      ),
      assign: db.prepare(
        'UPDATE alerts SET assigned_to = ?, assigned_by = ?, assigned_at_ms = ?, updated_at_ms = ? WHERE id = ?',
      ),
      list: db.prepare(
        'SELECT * FROM alerts WHERE resolved_at_ms IS NULL OR resolved_at_ms >= ? ORDER BY updated_at_ms DESC, id DESC LIMIT ?',
      ),
    };
  }

  start(): void {
    this.#open.clear();
    for (const row of this.#o.db
      .prepare(
        "SELECT id, device, kind, level FROM alerts WHERE resolved_at_ms IS NULL AND kind != 'work_order' ORDER BY id",
      )
      .all() as { id: number; device: string; kind: AlertKind; level: string }[])
      this.#open.set(openKey(row.device, row.kind), { id: row.id, level: row.level });
    this.#off.push(
      this.#o.bus.on('health', (r) => this.#onHealth(r)),
      this.#o.bus.on('deviceStatus', (e) => this.#onStatus(e)),
      this.#o.bus.on('workOrder', (o) => this.#onWorkOrder(o)),
    );
    this.#prune = every('alert retention', 3600_000, () => this.prune(), this.#o.log);
  }

  stop(): void {
    for (const off of this.#off.splice(0)) off();
    this.#prune?.stop();
  }

  /** Unresolved alerts and those resolved in the last day, most recently changed first. */
  list(): Alert[] {
    return (this.#s.list.all(this.#o.nowMs() - RESOLVED_SHOWN_MS, LIST_LIMIT) as unknown as Row[]).map(toAlert);
  }

  get(id: number): Alert | undefined {
    const row = this.#s.byId.get(id) as Row | undefined;
    return row ? toAlert(row) : undefined;
  }

  /** Alerts raised or changed since the previous call (for the live frames). */
  takeChanges(): Alert[] {
    const out: Alert[] = [];
    for (const id of this.#changed) {
      const a = this.get(id);
      if (a) out.push(a);
    }
    this.#changed.clear();
    return out;
  }

  acknowledge(id: number, userId: string, comment: string | undefined): Alert {
    const alert = this.#require(id);
    const text = comment?.trim() || null;
    if (text && text.length > MAX_COMMENT_LENGTH)
      throw new HttpError(400, `comment must have at most ${MAX_COMMENT_LENGTH} characters`);
    const now = this.#o.nowMs();
    this.#s.acknowledge.run(userId, now, text ?? alert.comment, now, id);
    return this.#touched(id);
  }

  /** Assigns the alert to a planner (`toUserId`, already checked to be one) or, with null, to nobody. */
  assign(id: number, byUserId: string, toUserId: string | null): Alert {
    this.#require(id);
    const now = this.#o.nowMs();
    this.#s.assign.run(toUserId, toUserId ? byUserId : null, toUserId ? now : null, now, id);
    return this.#touched(id);
  }

  /** Deletes alerts resolved longer ago than the retention. */
  prune(nowMs = this.#o.nowMs()): void {
    this.#o.db
      .prepare('DELETE FROM alerts WHERE resolved_at_ms IS NOT NULL AND resolved_at_ms < ?')
      .run(nowMs - this.#o.retentionMs);
  }

  #onHealth(r: HealthReport): void {
    const before = this.#lastState.get(r.deviceId);
    this.#lastState.set(r.deviceId, r.state);
    if (rank(r.state) === 0) {
      // Back to normal (or learning again): the device's health alert is over.
      if (r.state !== 'silent') this.#resolveOpen(r.deviceId, 'health');
      return;
    }
    if (before === undefined || rank(r.state) <= rank(before)) return;
    const report = JSON.stringify(reportOf(r));
    const now = this.#o.nowMs();
    const open = this.#open.get(openKey(r.deviceId, 'health'));
    if (!open) this.#raise(r.deviceId, 'health', r.state, before, null, report, now);
    else if (rank(r.state) > rank(open.level)) {
      this.#s.escalate.run(r.state, report, now, open.id);
      open.level = r.state;
      this.#changed.add(open.id);
    }
  }

  #onStatus(e: DeviceStatusEvent): void {
    if (e.status === 'online') return this.#resolveOpen(e.deviceId, 'connection');
    const open = this.#open.get(openKey(e.deviceId, 'connection'));
    const now = this.#o.nowMs();
    if (!open) this.#raise(e.deviceId, 'connection', e.status, null, null, null, now);
    else if (open.level !== e.status) {
      // silent → offline: the same outage, now with the broker's word for it.
      this.#s.escalate.run(e.status, null, now, open.id);
      open.level = e.status;
      this.#changed.add(open.id);
    }
  }

  #onWorkOrder(o: WorkOrder): void {
    const existing = this.#s.byOrder.get(o.id) as Row | undefined;
    if (!ACTIVE.has(o.state)) {
      if (existing && existing.resolved_at_ms === null) this.#resolve(existing.id);
      return;
    }
    // Raised when it opens (its first event), not for a job first seen later in its life.
    if (existing || o.state !== 'open') return;
    this.#raise(o.deviceId, 'work_order', o.mode, null, o.id, JSON.stringify(reportOf(o.evidence)), this.#o.nowMs());
  }

  #raise(
    deviceId: string,
    kind: AlertKind,
    level: string,
    from: string | null,
    workOrderId: string | null,
    report: string | null,
    now: number,
  ): void {
    const { id } = this.#s.insert.get(deviceId, kind, level, from, workOrderId, report, now, now) as { id: number };
    // A job's alert is found by its work order, not as the device's open one.
    if (kind !== 'work_order') this.#open.set(openKey(deviceId, kind), { id, level });
    this.#changed.add(id);
  }

  #resolveOpen(deviceId: string, kind: AlertKind): void {
    const key = openKey(deviceId, kind);
    const open = this.#open.get(key);
    if (!open) return;
    this.#open.delete(key);
    this.#resolve(open.id);
  }

  #resolve(id: number): void {
    const now = this.#o.nowMs();
    this.#s.resolve.run(now, now, id);
    this.#changed.add(id);
  }

  #require(id: number): Alert {
    const alert = this.get(id);
    if (!alert) throw new HttpError(404, `no alert ${id}`);
    return alert;
  }

  #touched(id: number): Alert {
    this.#changed.add(id);
    return this.get(id)!;
  }
}

const openKey = (deviceId: string, kind: AlertKind) => `${kind}\u0000${deviceId}`;

function reportOf(r: HealthReport): AlertReport {
  return {
    state: r.state,
    score: r.score,
    rule: r.rule,
    metric: r.metric,
    mode: r.mode,
    evidence: r.evidence,
    explanation: r.explanation,
    timeToThresholdMs: r.timeToThresholdMs ?? null,
  };
}

function toAlert(row: Row): Alert {
  return {
    id: row.id,
    deviceId: row.device,
    kind: row.kind,
    level: row.level,
    fromState: row.from_state,
    workOrderId: row.work_order_id,
    report: row.report ? JSON.parse(row.report) : null,
    raisedAtMs: row.raised_at_ms,
    updatedAtMs: row.updated_at_ms,
    resolvedAtMs: row.resolved_at_ms,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAtMs: row.acknowledged_at_ms,
    comment: row.comment,
    assignedTo: row.assigned_to,
    assignedBy: row.assigned_by,
    assignedAtMs: row.assigned_at_ms,
  };
}
