// The work-order lifecycle: opening a job, each step along core's TRANSITIONS with the inputs
// and stock effects it carries, severity escalation, and the version check of optimistic
// concurrency. Runs inside the caller's transaction; returns changes, never touches the bus.

import type { DispatchRequest, FailureMode, HealthReport } from '../../core/types.ts';
import { TRANSITIONS, type WorkOrderState } from '../../core/work-order-states.ts';
import type { JobType } from '../../core/job-types.ts';
import { checklistFor } from '../../core/product-catalogue.ts';
import { jobSlaDeadlines, severityOf, slaDeadlines } from '../planning/sla.ts';
import type { ServiceStores } from '../stores.ts';
import { badRequest, conflict, notFound, type ResolutionCode, type ServiceWorkOrder, type Severity } from '../types.ts';
import type { WorkOrderPatch } from './store.ts';

/** One changed work order and who held it before (both technicians hear of a reassignment). */
export interface Change {
  order: ServiceWorkOrder;
  prevTechnicianId: string | null;
}

export interface TransitionInput {
  to: WorkOrderState;
  /** The version the caller last saw; a mismatch is a 409 (someone else changed it). */
  version?: number;
  actor: string;
  technicianId?: string;
  resolutionCode?: ResolutionCode;
  note?: string;
  /** A cancellation that dismisses the job as a false alarm: analytics holds the mode off (commands.ts). */
  falseAlarm?: boolean;
}

/** How a false-alarm dismissal reads in the work order's history. */
export const FALSE_ALARM_NOTE_PREFIX = 'dismissed as a false alarm';

export interface OpenInput {
  deviceId: string;
  mode: FailureMode;
  health: HealthReport;
  predictedFailureAtMs: number | null;
  /** Who asked: 'analytics' or 'planner'. */
  source: string;
  actor: string;
  severity?: Severity;
  note?: string;
  /** The customer's own words, for a job they reported. */
  customerReport?: string;
  /** The catalogue version analytics judged by; absent: the device's model's current version. */
  model?: { id: string; version: number };
  /** Default: predicted_failure from analytics, customer_reported from anyone else. */
  jobType?: JobType;
  /** Planned maintenance: when the plan says it is due (its SLA). */
  dueAtMs?: number | null;
}

/** Why `from → to` is not allowed, or null when it is. */
export function transitionError(from: WorkOrderState, to: WorkOrderState): string | null {
  if (TRANSITIONS[from].includes(to)) return null;
  if (from === 'resolved' || from === 'cancelled') return `work order is ${from}: no further transitions`;
  if (from === 'on_site' && to === 'cancelled')
    return 'technician is on site: resolve with a resolution code (no_fault_found if nothing was wrong) instead of cancelling';
  return `cannot move a work order from ${from} to ${to} (allowed: ${TRANSITIONS[from].join(', ')})`;
}

/** Optimistic concurrency: a writer that read an older version gets a 409 instead of overwriting. */
export function requireVersion(wo: ServiceWorkOrder, expected: number | undefined): void {
  if (expected !== undefined && expected !== wo.version) {
    throw conflict(
      `version mismatch: work order ${wo.id} is at version ${wo.version}, not ${expected}; reload and retry`,
    );
  }
}

const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** What another room does when a job opens, inside its transaction and before it is planned (billing quotes a paid repair). */
export type OpenHook = (opened: ServiceWorkOrder, nowMs: number) => void;

export class Lifecycle {
  readonly #s: ServiceStores;
  readonly #openHooks: readonly OpenHook[];

  constructor(stores: ServiceStores, openHooks: readonly OpenHook[] = []) {
    this.#s = stores;
    this.#openHooks = openHooks;
  }

  /** Opens a job with its severity, SLA deadlines from the contract tier and warranty as of now. */
  open(input: OpenInput, now: number): ServiceWorkOrder {
    const device = this.#s.registry.getDevice(input.deviceId);
    // Analytics' own jobs are predicted failures; one a person or a customer opened, their report.
    const jobType = input.jobType ?? (input.source === 'analytics' ? 'predicted_failure' : 'customer_reported');
    const severity = input.severity ?? severityOf(input.health, input.predictedFailureAtMs, now);
    const sla = jobSlaDeadlines(jobType, device?.contractTier ?? 'standard', severity, now, input.dueAtMs);
    const current = device ? this.#s.catalogue.current(device.modelId) : undefined;
    const order = this.#s.orders.insert(
      {
        deviceId: input.deviceId,
        jobType,
        mode: input.mode,
        severity,
        evidence: input.health,
        predictedFailureAtMs: input.predictedFailureAtMs,
        slaRespondByMs: sla.respondByMs,
        slaResolveByMs: sla.resolveByMs,
        warrantyCovered: device ? now <= device.warrantyEndMs : false,
        source: input.source,
        note: input.note ?? (device ? null : 'device not in the registry: default contract terms, no warranty'),
        customerReport: input.customerReport ?? null,
        model: input.model ?? (current ? { id: current.id, version: current.version } : null),
      },
      input.actor,
      now,
    );
    if (current) this.#s.checklists.add(order.id, order.deviceId, checklistFor(current, jobType, order.mode));
    for (const hook of this.#openHooks) hook(order, now);
    // Read again: a hook may have changed what the record says (a pending quote).
    return this.#openHooks.length ? this.#s.orders.require(order.id) : order;
  }

  /**
   * A repeated dispatch for an active job whose severity has risen (the forecast moved closer,
   * the health state worsened): raise the severity and recompute the SLA deadlines from the time
   * the job opened, as if it had been reported at this severity. Lower or equal: nothing changes,
   * so analytics repeating itself does not bump versions under the technician's feet.
   */
  escalate(wo: ServiceWorkOrder, req: DispatchRequest, now: number): Change | null {
    const severity = severityOf(req.health, req.predictedFailureAtMs ?? wo.predictedFailureAtMs, now);
    if (SEVERITY_RANK[severity] <= SEVERITY_RANK[wo.severity]) return null;
    const tier = this.#s.registry.getDevice(wo.deviceId)?.contractTier ?? 'standard';
    const sla = slaDeadlines(tier, severity, wo.createdAtMs);
    const order = this.#s.orders.patch(
      wo.id,
      {
        severity,
        sla_respond_by_ms: sla.respondByMs,
        sla_resolve_by_ms: sla.resolveByMs,
        predicted_failure_at_ms: req.predictedFailureAtMs ?? wo.predictedFailureAtMs,
        evidence_json: JSON.stringify(req.health),
      },
      { actor: 'analytics', nowMs: now, note: `escalated ${wo.severity} → ${severity}: ${req.health.explanation}` },
    );
    return { order, prevTechnicianId: wo.technicianId ?? null };
  }

  /**
   * Gives an assigned job to another technician (a planner's call: sickness, a closer
   * colleague). Only before anyone acknowledged it: once a technician has accepted or set off,
   * they decline it (back to open) and it is planned again.
   */
  reassign(wo: ServiceWorkOrder, input: { technicianId: string; actor: string; note?: string }, now: number): Change {
    if (wo.state !== 'assigned')
      throw conflict(
        `work order is ${wo.state}: only an assigned work order can be reassigned${wo.state === 'open' ? ' (assign it instead)' : ''}`,
      );
    if (wo.technicianId === input.technicianId)
      throw conflict(`work order is already assigned to ${input.technicianId}`);
    this.#requireAvailable(input.technicianId);
    const note = `reassigned from ${wo.technicianId ?? 'nobody'} to ${input.technicianId}${input.note ? `: ${input.note}` : ''}`;
    const order = this.#s.orders.patch(
      wo.id,
      { technician_id: input.technicianId, assigned_at_ms: now },
      { actor: input.actor, nowMs: now, note },
    );
    return { order, prevTechnicianId: wo.technicianId ?? null };
  }

  #requireAvailable(technicianId: string): void {
    const tech = this.#s.network.getTechnician(technicianId);
    if (!tech) throw notFound('technician', technicianId);
    if (!tech.active) throw conflict(`technician ${tech.id} is not active`);
    if (tech.openJobs >= tech.maxOpenJobs)
      throw conflict(`technician ${tech.id} is at capacity (${tech.openJobs}/${tech.maxOpenJobs} open jobs)`);
  }

  /** Validates the step's extra inputs, applies it and its stock effects. */
  apply(wo: ServiceWorkOrder, input: TransitionInput, now: number): Change {
    // The lifecycle verdict (409) comes before the step's own inputs (400).
    const reason = transitionError(wo.state, input.to);
    if (reason) throw conflict(reason);
    if (input.falseAlarm && input.to !== 'cancelled')
      throw badRequest('falseAlarm applies only to a cancellation (to: cancelled)');
    const patch: WorkOrderPatch = {};
    switch (input.to) {
      case 'assigned': {
        if (!input.technicianId) throw badRequest('technicianId is required to assign a work order');
        if (this.#s.billing.awaitingApproval(wo.id))
          throw conflict(`work order ${wo.id} waits for the customer's approval of its quote`);
        this.#requireAvailable(input.technicianId);
        patch.technician_id = input.technicianId;
        patch.assigned_at_ms = now;
        break;
      }
      case 'open':
        patch.technician_id = null;
        patch.assigned_at_ms = null;
        break;
      case 'on_site':
        patch.on_site_at_ms = now;
        break;
      case 'resolved': {
        if (!input.resolutionCode) throw badRequest('resolutionCode is required to resolve a work order');
        const open = this.#s.checklists.problems(wo.id);
        if (open.length) throw conflict(`checklist not complete: ${open.join('; ')}`);
        patch.resolution_code = input.resolutionCode;
        patch.resolved_at_ms = now;
        if (input.resolutionCode === 'fault_confirmed_part_replaced') {
          // Every part fitted: the reserved ones leave their depots' stock (a backordered one came some other way).
          for (const p of wo.parts)
            if (p.status === 'reserved' && p.depotId) this.#s.network.consume(p.depotId, p.sku, wo.id, now, p.quantity);
          if (wo.parts.length)
            this.#s.orders.saveParts(
              wo.id,
              wo.parts.map((p) => ({ ...p, status: 'consumed' })),
            );
          if (wo.partSku) patch.part_status = 'consumed';
        } else {
          this.#releasePart(wo, now, patch);
        }
        break;
      }
      case 'cancelled':
        patch.cancelled_at_ms = now;
        this.#releasePart(wo, now, patch);
        break;
      default:
        break;
    }
    const note = input.falseAlarm
      ? `${FALSE_ALARM_NOTE_PREFIX}${input.note ? `: ${input.note}` : ''}`
      : (input.note ?? null);
    const order = this.#s.orders.transition(wo.id, input.to, { actor: input.actor, nowMs: now, note, patch });
    return { order, prevTechnicianId: wo.technicianId ?? null };
  }

  /** Every part reserved for the job back to its depot's free stock; backordered ones no longer wanted. */
  #releasePart(wo: ServiceWorkOrder, now: number, patch: WorkOrderPatch): void {
    const open = wo.parts.filter((p) => p.status === 'reserved' || p.status === 'backorder');
    if (!open.length) return;
    for (const p of open)
      if (p.status === 'reserved' && p.depotId) this.#s.network.release(p.depotId, p.sku, wo.id, now, p.quantity);
    this.#s.orders.saveParts(
      wo.id,
      wo.parts.map((p) => (p.status === 'reserved' || p.status === 'backorder' ? { ...p, status: 'released' } : p)),
    );
    patch.part_status = 'released';
  }
}
