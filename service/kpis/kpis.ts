import type { SqlDb } from '../../sql/sql-db.ts';
import { FAILURE_JOB_TYPES, PLANNED_JOB_TYPES } from '../../core/job-types.ts';
import type { ServiceKpis } from '../../core/types.ts';
import { sumRupiah } from '../billing/money.ts';
import { sqlList } from '../db.ts';
import { badRequest } from '../types.ts';

export type { ServiceKpis };

/** A follow-up job on the same device and failure mode within this long means the first fix did not hold. */
export const REPEAT_WINDOW_MS = 30 * 24 * 3600_000;
const YEAR_MS = 365 * 24 * 3600_000;

interface Row {
  id: string;
  device_id: string;
  mode: string;
  state: string;
  created_at_ms: number;
  on_site_at_ms: number | null;
  resolved_at_ms: number | null;
  resolution_code: string | null;
  predicted_failure_at_ms: number | null;
  sla_respond_by_ms: number | null;
  sla_resolve_by_ms: number | null;
  model_id: string | null;
  technician_id: string | null;
  technician_name: string | null;
  csat: number | null;
  job_type: string;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const pct = (n: number, d: number) => (d ? (100 * n) / d : null);

/**
 * Service KPIs over [fromMs, toMs). The cohort is the work orders *created* in the period, so
 * every rate has one denominator a planner can count on the board; `nowMs` judges the SLA of
 * jobs still active. Surveys count by the time they were answered.
 */
export function computeKpis(db: SqlDb, fromMs: number, toMs: number, nowMs: number): ServiceKpis {
  const rows = db
    .prepare(`SELECT w.id, w.device_id, w.mode, w.state, w.created_at_ms, w.on_site_at_ms, w.resolved_at_ms, w.resolution_code,
      w.predicted_failure_at_ms, w.sla_respond_by_ms, w.sla_resolve_by_ms, d.model_id,
      w.technician_id, t.name AS technician_name, s.csat, w.job_type
    FROM work_orders w LEFT JOIN devices d ON d.id = w.device_id
    LEFT JOIN technicians t ON t.id = w.technician_id
    LEFT JOIN surveys s ON s.work_order_id = w.id AND s.answered_at_ms IS NOT NULL
    WHERE w.created_at_ms >= ? AND w.created_at_ms < ?`)
    .all(fromMs, toMs) as unknown as Row[];

  const resolved = rows.filter((r) => r.state === 'resolved');
  const confirmed = resolved.filter((r) => r.resolution_code !== 'no_fault_found');
  const failuresPrevented = confirmed.filter(
    (r) => r.predicted_failure_at_ms != null && r.resolved_at_ms! <= r.predicted_failure_at_ms,
  ).length;
  const failuresNotPrevented = confirmed.filter(
    (r) => r.predicted_failure_at_ms != null && r.resolved_at_ms! > r.predicted_failure_at_ms,
  ).length;

  const responded = rows.filter((r) => r.on_site_at_ms != null);
  const meanTimeToRespondMs = mean(responded.map((r) => r.on_site_at_ms! - r.created_at_ms));
  const meanTimeToResolveMs = mean(resolved.map((r) => r.resolved_at_ms! - r.created_at_ms));

  let slaJudged = 0;
  let slaMet = 0;
  for (const r of rows) {
    if (r.sla_resolve_by_ms == null) continue;
    if (r.state === 'resolved') {
      slaJudged++;
      const respondedInTime =
        r.sla_respond_by_ms == null || (r.on_site_at_ms != null && r.on_site_at_ms <= r.sla_respond_by_ms);
      if (respondedInTime && r.resolved_at_ms! <= r.sla_resolve_by_ms) slaMet++;
    } else if (r.state !== 'cancelled' && nowMs > r.sla_resolve_by_ms) {
      slaJudged++; // still open past its deadline: already a breach
    }
  }

  // First-time fix: a confirmed fix with no follow-up job on the same device+mode within the repeat window.
  const followUp = db.prepare(
    'SELECT 1 FROM work_orders WHERE device_id = ? AND mode = ? AND id != ? AND created_at_ms > ? AND created_at_ms <= ? LIMIT 1',
  );
  const firstTime = (r: Row) =>
    !followUp.get(r.device_id, r.mode, r.id, r.resolved_at_ms!, r.resolved_at_ms! + REPEAT_WINDOW_MS);
  const fixedFirstTime = confirmed.filter(firstTime).length;

  const byTech = new Map<string, Row[]>();
  for (const r of resolved) {
    if (!r.technician_id) continue;
    const list = byTech.get(r.technician_id) ?? [];
    list.push(r);
    byTech.set(r.technician_id, list);
  }
  const byTechnician = [...byTech.entries()]
    .map(([technicianId, jobs]) => {
      const fixes = jobs.filter((r) => r.resolution_code !== 'no_fault_found');
      const rated = jobs.filter((r) => r.csat != null);
      return {
        technicianId,
        name: jobs[0].technician_name ?? technicianId,
        resolved: jobs.length,
        firstTimeFixRatePct: pct(fixes.filter(firstTime).length, fixes.length),
        csatAverage: mean(rated.map((r) => r.csat!)),
        ratings: rated.length,
      };
    })
    .sort((a, b) => b.resolved - a.resolved || a.name.localeCompare(b.name));

  const stockOuts = (
    db
      .prepare("SELECT COUNT(*) AS n FROM stock_events WHERE kind = 'stockout' AND at_ms >= ? AND at_ms < ?")
      .get(fromMs, toMs) as { n: number }
  ).n;

  const answers = db
    .prepare('SELECT csat, nps FROM surveys WHERE answered_at_ms >= ? AND answered_at_ms < ?')
    .all(fromMs, toMs) as { csat: number; nps: number | null }[];
  // A rating on the tracking page may come without the recommendation score: NPS counts those who gave one.
  const recommendations = answers.filter((a) => a.nps !== null) as { nps: number }[];
  const promoters = recommendations.filter((a) => a.nps >= 9).length;
  const detractors = recommendations.filter((a) => a.nps <= 6).length;

  const devicesByModel = db
    .prepare('SELECT model_id, COUNT(*) AS n FROM devices GROUP BY model_id ORDER BY model_id')
    .all() as { model_id: string; n: number }[];
  const periodYears = Math.max(toMs - fromMs, 1) / YEAR_MS;
  const failureRateByModel = devicesByModel
    .map((m) => {
      const failures = confirmed.filter((r) => r.model_id === m.model_id).length;
      return {
        modelId: m.model_id,
        devices: m.n,
        confirmedFailures: failures,
        failuresPerDevice: failures / m.n,
        failuresPerDeviceYear: failures / m.n / periodYears,
      };
    })
    .sort((a, b) => b.failuresPerDevice - a.failuresPerDevice || a.modelId.localeCompare(b.modelId));

  const plannedCount = rows.filter((r) => (PLANNED_JOB_TYPES as readonly string[]).includes(r.job_type)).length;
  const maintenance = maintenanceCompliance(db, fromMs, toMs, nowMs);
  const visits = repeatVisits(db, fromMs, toMs);

  return {
    fromMs,
    toMs,
    planned: {
      planned: plannedCount,
      unplanned: rows.length - plannedCount,
      plannedSharePct: pct(plannedCount, rows.length),
    },
    maintenanceCompliancePct: pct(maintenance.met, maintenance.judged),
    maintenanceJudged: maintenance.judged,
    warrantyCostByModel: warrantyCost(db, fromMs, toMs),
    serviceRevenueIdr: sumRupiah(
      (
        db
          .prepare(
            "SELECT total_idr FROM quotes WHERE status = 'approved' AND decided_at_ms >= ? AND decided_at_ms < ?",
          )
          .all(fromMs, toMs) as { total_idr: number }[]
      ).map((q) => q.total_idr),
    ),
    repeatVisits30d: visits.repeats,
    repairVisits: visits.visits,
    repeatVisitRatePct: pct(visits.repeats, visits.visits),
    workOrders: {
      created: rows.length,
      resolved: resolved.length,
      cancelled: rows.filter((r) => r.state === 'cancelled').length,
      active: rows.filter((r) => r.state !== 'resolved' && r.state !== 'cancelled').length,
    },
    failuresPrevented,
    failuresNotPrevented,
    meanTimeToRespondMs,
    meanTimeToResolveMs,
    slaCompliancePct: pct(slaMet, slaJudged),
    firstTimeFixRatePct: pct(fixedFirstTime, confirmed.length),
    noFaultFoundRatePct: pct(resolved.length - confirmed.length, resolved.length),
    partsStockOuts: stockOuts,
    csatAverage: mean(answers.map((a) => a.csat)),
    nps: recommendations.length ? pct(promoters - detractors, recommendations.length) : null,
    surveysAnswered: answers.length,
    byTechnician,
    failureRateByModel,
  };
}

/**
 * Maintenance due in [fromMs, toMs) by its calendar date (or, for a running-hours item, planned
 * then): met when done by its due date (running hours: at or before the due count); judged once
 * done, or once its date has passed undone.
 */
function maintenanceCompliance(db: SqlDb, fromMs: number, toMs: number, nowMs: number) {
  const items = db
    .prepare(`SELECT reason, due_at_ms, due_running_ms, done_at_ms, done_running_ms FROM maintenance_items
      WHERE COALESCE(due_at_ms, created_at_ms) >= ? AND COALESCE(due_at_ms, created_at_ms) < ?`)
    .all(fromMs, toMs) as {
    reason: string;
    due_at_ms: number | null;
    due_running_ms: number | null;
    done_at_ms: number | null;
    done_running_ms: number | null;
  }[];
  let judged = 0;
  let met = 0;
  for (const i of items) {
    if (i.done_at_ms === null) {
      if (i.reason === 'calendar' && i.due_at_ms !== null && nowMs > i.due_at_ms) judged++;
      continue;
    }
    judged++;
    // Judged by what made it due (a plan with both intervals is due at whichever comes first).
    if (
      i.reason === 'running_hours' && i.due_running_ms !== null
        ? (i.done_running_ms ?? 0) <= i.due_running_ms
        : i.due_at_ms === null || i.done_at_ms <= i.due_at_ms
    )
      met++;
  }
  return { judged, met };
}

function warrantyCost(db: SqlDb, fromMs: number, toMs: number): ServiceKpis['warrantyCostByModel'] {
  const rows = db
    .prepare(`SELECT model_id, status, total_idr FROM warranty_claims
      WHERE created_at_ms >= ? AND created_at_ms < ? AND status != 'rejected' ORDER BY model_id`)
    .all(fromMs, toMs) as { model_id: string; status: string; total_idr: number }[];
  const byModel = new Map<string, { claims: number; approved: number[]; submitted: number[] }>();
  for (const r of rows) {
    const m = byModel.get(r.model_id) ?? { claims: 0, approved: [], submitted: [] };
    m.claims++;
    (r.status === 'approved' ? m.approved : m.submitted).push(r.total_idr);
    byModel.set(r.model_id, m);
  }
  return [...byModel].map(([modelId, m]) => ({
    modelId,
    claims: m.claims,
    approvedIdr: sumRupiah(m.approved),
    submittedIdr: sumRupiah(m.submitted),
  }));
}

/**
 * Repair visits (someone on site for a failure job) in the period, and how many came less than
 * REPEAT_WINDOW_MS after a visit of any kind to the same device: the customer had to call the
 * service back. A planned visit is not counted as a repeat: it was booked, not called for.
 */
function repeatVisits(db: SqlDb, fromMs: number, toMs: number): { visits: number; repeats: number } {
  return db
    .prepare(`SELECT COUNT(*) AS visits, COALESCE(SUM(EXISTS (
        SELECT 1 FROM work_orders p WHERE p.device_id = w.device_id AND p.id != w.id AND p.on_site_at_ms IS NOT NULL
          AND p.on_site_at_ms < w.on_site_at_ms AND p.on_site_at_ms > w.on_site_at_ms - ?)), 0) AS repeats
      FROM work_orders w WHERE w.on_site_at_ms >= ? AND w.on_site_at_ms < ? AND w.job_type IN (${sqlList(FAILURE_JOB_TYPES)})`)
    .get(REPEAT_WINDOW_MS, fromMs, toMs) as { visits: number; repeats: number };
}

/** At most this many buckets per trend: a year of days. */
const MAX_TREND_BUCKETS = 366;

/**
 * The KPIs per consecutive bucket of [fromMs, toMs) (e.g. weeks over a quarter) for the trend
 * charts; the last bucket ends at toMs.
 */
export function computeKpiTrend(
  db: SqlDb,
  fromMs: number,
  toMs: number,
  bucketMs: number,
  nowMs: number,
): ServiceKpis[] {
  if (!(bucketMs > 0) || !(toMs > fromMs)) throw badRequest('need from < to and a positive bucket');
  if ((toMs - fromMs) / bucketMs > MAX_TREND_BUCKETS)
    throw badRequest('at most 366 buckets: choose a longer bucket or a shorter period');
  const out: ServiceKpis[] = [];
  for (let start = fromMs; start < toMs; start += bucketMs)
    out.push(computeKpis(db, start, Math.min(toMs, start + bucketMs), nowMs));
  return out;
}
