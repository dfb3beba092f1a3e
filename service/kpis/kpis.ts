import type { DatabaseSync } from 'node:sqlite';
import type { ServiceKpis } from '../../core/types.ts';
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
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const pct = (n: number, d: number) => (d ? (100 * n) / d : null);

/**
 * Service KPIs over [fromMs, toMs). The cohort is the work orders *created* in the period, so
 * every rate has one denominator a planner can count on the board; `nowMs` judges the SLA of
 * jobs still active. Surveys count by the time they were answered.
 */
export function computeKpis(db: DatabaseSync, fromMs: number, toMs: number, nowMs: number): ServiceKpis {
  const rows = db
    .prepare(`SELECT w.id, w.device_id, w.mode, w.state, w.created_at_ms, w.on_site_at_ms, w.resolved_at_ms, w.resolution_code,
      w.predicted_failure_at_ms, w.sla_respond_by_ms, w.sla_resolve_by_ms, d.model_id,
      w.technician_id, t.name AS technician_name, s.csat
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

  return {
    fromMs,
    toMs,
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

/** At most this many buckets per trend: a year of days. */
const MAX_TREND_BUCKETS = 366;

/**
 * The KPIs per consecutive bucket of [fromMs, toMs) (e.g. weeks over a quarter) for the trend
 * charts; the last bucket ends at toMs.
 */
export function computeKpiTrend(
  db: DatabaseSync,
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
