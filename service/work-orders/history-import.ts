// Importing closed work orders from before Purna: a legacy service system's records (or the
// demo's past), so KPIs, first-time-fix and the lead time fed back to analytics start from a
// real history instead of from zero.

import type { FailureMode, HealthReport, WorkOrderState } from '../../core/types.ts';
import type { CatalogueStore } from '../catalogue/store.ts';
import type { Network } from '../network/store.ts';
import type { Registry } from '../customers/registry.ts';
import { slaDeadlines } from '../planning/sla.ts';
import type { Surveys } from '../customers/surveys.ts';
import {
  RESOLUTION_CODES,
  SEVERITIES,
  badRequest,
  type ResolutionCode,
  type ServiceWorkOrder,
  type Severity,
} from '../types.ts';
import type { WorkOrderPatch, WorkOrderStore } from './store.ts';

/** One finished job as a legacy system knows it. Times are epoch ms and must not go backwards. */
export interface HistoricalWorkOrder {
  deviceId: string;
  mode: FailureMode;
  severity: Severity;
  createdAtMs: number;
  /** The failure time forecast when the job opened (proactive jobs), for "failures prevented". */
  predictedFailureAtMs?: number | null;
  /** Who raised it: 'analytics' (a forecast), 'planner' (a customer call), … Default 'import'. */
  source?: string;
  technicianId?: string | null;
  assignedAtMs?: number;
  acknowledgedAtMs?: number;
  enRouteAtMs?: number;
  onSiteAtMs?: number;
  /** A job ends either resolved (with a code) or cancelled. */
  resolvedAtMs?: number;
  resolutionCode?: ResolutionCode;
  cancelledAtMs?: number;
  /** The part fitted (resolved with a part) and the depot it came from. */
  partSku?: string | null;
  partDepotId?: string | null;
  /** No depot had the part when the job opened: counted as a stock-out at createdAtMs. */
  stockOut?: boolean;
  survey?: { answeredAtMs: number; csat: number; nps: number; comment?: string };
  note?: string;
}

export interface HistoryStores {
  catalogue: CatalogueStore;
  registry: Registry;
  network: Network;
  orders: WorkOrderStore;
  surveys: Surveys;
}

/**
 * Writes finished jobs with their own timestamps: each step is a row in the transition history
 * at the time it happened, SLA deadlines and warranty come from the device as for a live job.
 * Deliberately without side effects on the present: no bus events (a baseline reset or a
 * dispatch to a technician for a job closed last month would be wrong), no notifications, no
 * stock movement (today's stock count is what it is). Runs inside the caller's transaction;
 * the first invalid entry throws a 400 naming its index, so the caller's import is all or nothing.
 */
/**
 * The entry with its times as whole milliseconds, as every `*_ms` column holds them (the demo's
 * generated history computes fractional ones; SQLite kept them as REAL in an INTEGER column,
 * PostgreSQL's BIGINT refuses them).
 */
function wholeMs(h: HistoricalWorkOrder): HistoricalWorkOrder {
  const out: Record<string, unknown> = { ...h };
  for (const [k, v] of Object.entries(h)) if (k.endsWith('AtMs') && typeof v === 'number') out[k] = Math.round(v);
  if (h.survey) out.survey = { ...h.survey, answeredAtMs: Math.round(h.survey.answeredAtMs) };
  return out as unknown as HistoricalWorkOrder;
}

export function importHistory(stores: HistoryStores, entries: readonly HistoricalWorkOrder[]): string[] {
  const ids: string[] = [];
  entries.map(wholeMs).forEach((h, i) => {
    const fail = (why: string) => badRequest(`history entry ${i} (${h.deviceId ?? '?'}): ${why}`);
    const device = stores.registry.getDevice(h.deviceId);
    if (!device) throw fail('unknown device');
    const wrongMode = stores.catalogue.modeProblem(device.modelId, h.mode);
    if (wrongMode) throw fail(wrongMode);
    if (!SEVERITIES.includes(h.severity)) throw fail(`unknown severity '${h.severity}'`);
    const closedBy = h.resolvedAtMs !== undefined ? 'resolved' : h.cancelledAtMs !== undefined ? 'cancelled' : null;
    if (!closedBy || (h.resolvedAtMs !== undefined && h.cancelledAtMs !== undefined))
      throw fail('must end either resolved or cancelled (import active jobs through the dispatcher)');
    if (closedBy === 'resolved' && (!h.resolutionCode || !RESOLUTION_CODES.includes(h.resolutionCode)))
      throw fail('a resolved job needs a resolution code');
    if (closedBy === 'resolved' && h.onSiteAtMs === undefined)
      throw fail('a resolved job needs the time the technician was on site');
    if (h.technicianId && !stores.network.getTechnician(h.technicianId))
      throw fail(`unknown technician '${h.technicianId}'`);
    if (h.onSiteAtMs !== undefined && !h.technicianId) throw fail('someone was on site: technicianId is required');
    if (stores.orders.findActive(h.deviceId, h.mode))
      throw fail(`the device has an active ${h.mode} work order; import history before going live`);

    // The lifecycle steps that happened, in order (a missing intermediate time takes the next one's).
    const steps: { to: WorkOrderState; atMs: number | undefined }[] = [
      {
        to: 'assigned',
        atMs: h.assignedAtMs ?? (h.technicianId ? (h.acknowledgedAtMs ?? h.enRouteAtMs ?? h.onSiteAtMs) : undefined),
      },
      {
        to: 'acknowledged',
        atMs: h.acknowledgedAtMs ?? (h.onSiteAtMs !== undefined ? (h.enRouteAtMs ?? h.onSiteAtMs) : undefined),
      },
      { to: 'en_route', atMs: h.enRouteAtMs ?? h.onSiteAtMs },
      { to: 'on_site', atMs: h.onSiteAtMs },
      { to: closedBy, atMs: closedBy === 'resolved' ? h.resolvedAtMs : h.cancelledAtMs },
    ];
    const taken = steps.filter((s): s is { to: WorkOrderState; atMs: number } => s.atMs !== undefined);
    let last = h.createdAtMs;
    for (const s of taken) {
      if (!Number.isFinite(s.atMs) || s.atMs < last) throw fail(`time of '${s.to}' is before the step before it`);
      last = s.atMs;
    }
    if (h.survey && (h.survey.answeredAtMs < last || closedBy !== 'resolved'))
      throw fail('a survey is answered after the job was resolved');

    const sla = slaDeadlines(device.contractTier, h.severity, h.createdAtMs);
    const evidence: HealthReport = {
      deviceId: h.deviceId,
      tsMs: h.createdAtMs,
      score: 0,
      state: 'watch',
      mode: h.mode,
      evidence: {},
      // Without a note of its own, the dashboard says this in the viewer's language (rule below).
      ...(h.note ? {} : { rule: 'history-import' }),
      explanation: h.note ?? 'imported from the service history',
    };
    let wo = stores.orders.insert(
      {
        deviceId: h.deviceId,
        mode: h.mode,
        severity: h.severity,
        evidence,
        predictedFailureAtMs: h.predictedFailureAtMs ?? null,
        slaRespondByMs: sla.respondByMs,
        slaResolveByMs: sla.resolveByMs,
        warrantyCovered: h.createdAtMs <= device.warrantyEndMs,
        source: h.source ?? 'import',
        note: h.note ?? null,
      },
      'import',
      h.createdAtMs,
    );
    if (h.stockOut && h.partSku) stores.network.recordStockOut(h.partSku, wo.id, h.createdAtMs);
    try {
      wo = replaySteps(stores, h, wo.id, taken);
      if (h.survey) {
        const token = stores.surveys.issue(wo.id, last);
        stores.surveys.answer(token, h.survey, h.survey.answeredAtMs);
      }
    } catch (err) {
      throw err instanceof Error ? fail(err.message) : err;
    }
    ids.push(wo.id);
  });
  return ids;
}

/** Replays the lifecycle steps with their own times; the lifecycle rules still apply to each. */
function replaySteps(
  stores: HistoryStores,
  h: HistoricalWorkOrder,
  id: string,
  taken: readonly { to: WorkOrderState; atMs: number }[],
): ServiceWorkOrder {
  let wo = stores.orders.require(id);
  for (const s of taken) {
    const patch: WorkOrderPatch = {};
    if (s.to === 'assigned') Object.assign(patch, { technician_id: h.technicianId ?? null, assigned_at_ms: s.atMs });
    if (s.to === 'on_site') patch.on_site_at_ms = s.atMs;
    if (s.to === 'cancelled') patch.cancelled_at_ms = s.atMs;
    if (s.to === 'resolved') {
      Object.assign(patch, { resolved_at_ms: s.atMs, resolution_code: h.resolutionCode });
      if (h.partSku && h.resolutionCode === 'fault_confirmed_part_replaced')
        Object.assign(patch, { part_sku: h.partSku, part_depot_id: h.partDepotId ?? null, part_status: 'consumed' });
    }
    const actor = s.to === 'assigned' || s.to === 'cancelled' ? 'import' : `technician:${h.technicianId}`;
    wo = stores.orders.transition(wo.id, s.to, { actor, nowMs: s.atMs, patch, note: 'imported' });
  }
  return wo;
}
