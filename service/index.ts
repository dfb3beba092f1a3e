import type { DatabaseSync } from 'node:sqlite';
import { systemClock, type Clock } from '../core/clock.ts';
import type { EventBus } from '../core/event-bus.ts';
import type { Logger } from '../core/log.ts';
import type { DispatchCancel, DispatchRequest, HealthReport, WorkOrderState } from '../core/types.ts';
import { inTransaction, openServiceDb } from './db.ts';
import { Registry } from './registry.ts';
import { severityOf, slaDeadlines } from './sla.ts';
import {
  ServiceError,
  type DeviceRecord,
  type ResolutionCode,
  type ServiceWorkOrder,
  type WorkOrderEvent,
  type WorkOrderFilter,
} from './types.ts';
import { transitionError, WorkOrderStore, type WorkOrderPatch } from './work-orders.ts';

export * from './types.ts';

export interface ServiceOptions {
  bus: EventBus;
  log: Logger;
  clock?: Clock;
  /** SQLite file of the service data, e.g. data/service.db, or ':memory:'. */
  dbPath: string;
}

export interface TransitionInput {
  to: WorkOrderState;
  /** The version the caller last saw; a mismatch is a 409 (someone else changed it). */
  version?: number;
  actor: string;
  technicianId?: string;
  resolutionCode?: ResolutionCode;
  note?: string;
}

/** Actor name of changes the service domain makes by itself. */
const SYSTEM = 'system:service';

/**
 * The after-sales service domain: owns the service store and turns analytics' dispatch
 * requests into work orders. Everything it changes goes out on the bus as `workOrder` with the
 * full record, so the dashboard (and its technician rooms) never polls.
 */
export class ServiceDomain {
  readonly #bus: EventBus;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #dbPath: string;
  #db: DatabaseSync | null = null;
  #registry: Registry | null = null;
  #orders: WorkOrderStore | null = null;
  #unsubscribe: (() => void)[] = [];

  constructor(opts: ServiceOptions) {
    this.#bus = opts.bus;
    this.#log = opts.log;
    this.#clock = opts.clock ?? systemClock;
    this.#dbPath = opts.dbPath;
  }

  start(): void {
    if (this.#db) return;
    const db = openServiceDb(this.#dbPath);
    this.#db = db;
    this.#registry = new Registry(db, () => this.#clock.nowMs());
    this.#orders = new WorkOrderStore(db);
    this.#registry.syncDeviceModels();
    this.#unsubscribe.push(
      this.#bus.on('dispatch', (req) => this.#guard('dispatch', () => this.handleDispatch(req))),
      this.#bus.on('dispatchCancel', (c) => this.#guard('dispatchCancel', () => this.handleDispatchCancel(c))),
    );
    this.#log.info({ db: this.#dbPath }, 'service domain started');
  }

  stop(): void {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#db?.close();
    this.#db = null;
    this.#registry = null;
    this.#orders = null;
  }

  // ── devices ──────────────────────────────────────────────────────────────

  /** Idempotent upsert; fields not given keep their stored values (see Registry.upsertDevices). */
  registerDevices(devices: { deviceId: string; modelId: string; siteId?: string }[]): void {
    this.#reg().upsertDevices(devices);
  }

  listDevices(): DeviceRecord[] {
    return this.#reg().listDevices();
  }

  getDevice(id: string): DeviceRecord | undefined {
    return this.#reg().getDevice(id);
  }

  get registry(): Registry {
    return this.#reg();
  }

  // ── work orders ──────────────────────────────────────────────────────────

  listWorkOrders(filter?: WorkOrderFilter): ServiceWorkOrder[] {
    return this.#wo().list(filter);
  }

  getWorkOrder(id: string): ServiceWorkOrder | undefined {
    return this.#wo().get(id);
  }

  workOrderHistory(id: string): WorkOrderEvent[] {
    this.#wo().require(id);
    return this.#wo().history(id);
  }

  /**
   * Opens a work order for a dispatch request, unless one is already open for the same device
   * and failure mode (analytics repeats its request while the condition lasts: one job, not many).
   * Returns the open work order either way, and whether it was created now.
   */
  handleDispatch(req: DispatchRequest): { order: ServiceWorkOrder; created: boolean } {
    const db = this.#dbOrThrow();
    const now = this.#clock.nowMs();
    const result = inTransaction(db, () => {
      const existing = this.#wo().findActive(req.deviceId, req.mode);
      if (existing) return { order: existing, created: false };
      return { order: this.#open(req.deviceId, req.mode, req.health, req.predictedFailureAtMs ?? null, 'analytics', SYSTEM, now), created: true };
    });
    if (result.created) {
      this.#log.info({ workOrder: result.order.id, device: req.deviceId, mode: req.mode, severity: result.order.severity }, 'work order opened');
      this.#emit(result.order);
    }
    return result;
  }

  /**
   * Analytics withdrew its request (the device recovered). Cancel only while nobody has set off:
   * open, assigned or acknowledged. Once a technician is en route the visit goes ahead and ends
   * with a resolution code — the field verdict is worth more than the detector's second thought.
   */
  handleDispatchCancel(c: DispatchCancel): ServiceWorkOrder | null {
    const now = this.#clock.nowMs();
    const order = inTransaction(this.#dbOrThrow(), () => {
      const wo = this.#wo().findActive(c.deviceId, c.mode);
      if (!wo || !['open', 'assigned', 'acknowledged'].includes(wo.state)) return null;
      return this.#applyTransition(wo, { to: 'cancelled', actor: 'analytics', note: `dispatch withdrawn: ${c.reason}` }, now);
    });
    if (order) {
      this.#log.info({ workOrder: order.id, device: c.deviceId, mode: c.mode }, 'work order cancelled: dispatch withdrawn');
      this.#emit(order);
    }
    return order;
  }

  /** A lifecycle step requested by a person or API client. Throws ServiceError 404/409/400. */
  transition(id: string, input: TransitionInput): ServiceWorkOrder {
    const now = this.#clock.nowMs();
    const order = inTransaction(this.#dbOrThrow(), () => {
      const wo = this.#wo().require(id);
      if (input.version !== undefined && input.version !== wo.version) {
        throw new ServiceError(409, 'Conflict', `version mismatch: work order ${id} is at version ${wo.version}, not ${input.version}; reload and retry`);
      }
      return this.#applyTransition(wo, input, now);
    });
    this.#log.info({ workOrder: id, state: order.state, actor: input.actor }, 'work order transition');
    this.#emit(order);
    return order;
  }

  // ── internals ────────────────────────────────────────────────────────────

  #open(deviceId: string, mode: DispatchRequest['mode'], health: HealthReport, predictedFailureAtMs: number | null, source: string, actor: string, now: number): ServiceWorkOrder {
    const device = this.#reg().getDevice(deviceId);
    const severity = severityOf(health, predictedFailureAtMs, now);
    const sla = slaDeadlines(device?.contractTier ?? 'standard', severity, now);
    return this.#wo().insert(
      {
        deviceId,
        mode,
        severity,
        evidence: health,
        predictedFailureAtMs,
        slaRespondByMs: sla.respondByMs,
        slaResolveByMs: sla.resolveByMs,
        warrantyCovered: device ? now <= device.warrantyEndMs : false,
        source,
        note: device ? null : 'device not in the registry: default contract terms, no warranty',
      },
      actor,
      now,
    );
  }

  /** Validates the step's extra inputs and applies it (inside the caller's transaction). */
  #applyTransition(wo: ServiceWorkOrder, input: TransitionInput, now: number): ServiceWorkOrder {
    // The lifecycle verdict (409) comes before the step's own inputs (400).
    const reason = transitionError(wo.state, input.to);
    if (reason) throw new ServiceError(409, 'Conflict', reason);
    const patch: WorkOrderPatch = {};
    switch (input.to) {
      case 'assigned':
        if (!input.technicianId) throw new ServiceError(400, 'Bad Request', 'technicianId is required to assign a work order');
        patch.technician_id = input.technicianId;
        patch.assigned_at_ms = now;
        break;
      case 'open':
        patch.technician_id = null;
        patch.assigned_at_ms = null;
        break;
      case 'on_site':
        patch.on_site_at_ms = now;
        break;
      case 'resolved':
        if (!input.resolutionCode) throw new ServiceError(400, 'Bad Request', 'resolutionCode is required to resolve a work order');
        patch.resolution_code = input.resolutionCode;
        patch.resolved_at_ms = now;
        break;
      case 'cancelled':
        patch.cancelled_at_ms = now;
        break;
      default:
        break;
    }
    return this.#wo().transition(wo.id, input.to, { actor: input.actor, nowMs: now, note: input.note ?? null, patch });
  }

  #emit(order: ServiceWorkOrder): void {
    this.#bus.emit('workOrder', order);
  }

  /** A bus listener must not throw into the emitter (it would break the emitting part). */
  #guard(event: string, fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err, event }, 'service domain failed to handle event');
    }
  }

  #dbOrThrow(): DatabaseSync {
    if (!this.#db) throw new Error('ServiceDomain not started');
    return this.#db;
  }

  #reg(): Registry {
    this.#dbOrThrow();
    return this.#registry!;
  }

  #wo(): WorkOrderStore {
    this.#dbOrThrow();
    return this.#orders!;
  }
}
