// The commands that change work orders. Each runs in one transaction: the lifecycle and the
// dispatcher do the work and return the changes, an outbox row per change is queued for the
// webhooks and technicians concerned, and only after the commit does the bus hear of it.

import { checklistFor } from '../../core/product-catalogue.ts';
import type { Clock } from '../../core/clock.ts';
import type { EventBus } from '../../core/event-bus.ts';
import type { Logger } from '../../core/log.ts';
import { isFailureJob, type JobType } from '../../core/job-types.ts';
import {
  CUSTOMER_REPORTED_MODE,
  type DispatchCancel,
  type DispatchRequest,
  type FailureMode,
  type HealthReport,
} from '../../core/types.ts';
import { statesBefore } from '../../core/work-order-states.ts';
import type { CustomerNotices } from '../customers/notices.ts';
import type { SurveyLinks } from '../customers/survey-links.ts';
import { inTransaction } from '../db.ts';
import { isUniqueViolation } from '../../sql/sql-db.ts';
import type { Dispatcher } from '../planning/dispatcher.ts';
import type { ServiceStores } from '../stores.ts';
import { badRequest, conflict, notFound, type ServiceWorkOrder, type Severity } from '../types.ts';
import { requireVersion, type Change, type Lifecycle, type OpenInput, type TransitionInput } from './lifecycle.ts';

/** A job opened by a person or by the planned-work rooms (installation, maintenance). */
export interface NewJobInput {
  deviceId: string;
  /** Default customer_reported: a person opening a job by hand is most often passing on a customer's call. */
  jobType?: JobType;
  /** Required for a failure job; left out for planned work. */
  mode?: FailureMode;
  severity?: Severity;
  note?: string;
  actor: string;
  /** Default 'planner'. */
  source?: string;
  /** Planned maintenance: when it is due (its SLA). */
  dueAtMs?: number | null;
  /**
   * The customer's own words, kept as they gave them; required with mode customer_reported (a
   * job they reported whose failure nobody has diagnosed yet).
   */
  customerReport?: string;
}

/** Actor name of changes the service domain makes by itself. */
const SYSTEM = 'system:service';

export interface WorkOrderCommandsOptions {
  stores: ServiceStores;
  lifecycle: Lifecycle;
  dispatcher: Dispatcher;
  surveys: SurveyLinks;
  /** What the customer's contacts are told as the job moves (customers/notices.ts). */
  notices: CustomerNotices;
  bus: EventBus;
  log: Logger;
  clock: Clock;
  /** Plan (technician, part) as soon as a work order opens, and sweep the backlog. */
  autoDispatch: boolean;
  /** What other rooms do when a job resolves (installation commissions its device, maintenance records the service). */
  resolutionHooks?: readonly ResolutionHook[];
}

/**
 * Something a room does when a job resolves: its writes run inside the resolution's
 * transaction (a failure undoes the resolution); the function it returns, if any, runs after
 * the commit (its bus events).
 */
export type ResolutionHook = (order: ServiceWorkOrder, nowMs: number) => (() => void) | undefined;

/** Runs `fn`, logging instead of throwing: a bus listener must not throw into the emitter, a follow-up must not undo its cause. */
export function logFailure(log: Logger, event: string, fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    log.error({ err, event }, 'service domain failed to handle event');
  }
}

export class WorkOrderCommands {
  readonly #o: WorkOrderCommandsOptions;

  constructor(opts: WorkOrderCommandsOptions) {
    this.#o = opts;
  }

  /**
   * Opens a work order for a dispatch request, unless one is already open for the same device
   * and failure mode (analytics repeats its request while the condition lasts: one job, not many;
   * a more urgent repeat escalates it), and — with autoDispatch — plans it at once.
   */
  handleDispatch(req: DispatchRequest): { order: ServiceWorkOrder; created: boolean } {
    try {
      return this.#handleDispatchOnce(req);
    } catch (err) {
      // Another worker opened the job for this device and mode between this one's look and its
      // insert (PostgreSQL, READ COMMITTED): the database's one-active-job index refused the
      // second; looked at again, it is the existing job, as a repeated request is.
      if (!isUniqueViolation(err)) throw err;
      return this.#handleDispatchOnce(req);
    }
  }

  #handleDispatchOnce(req: DispatchRequest): { order: ServiceWorkOrder; created: boolean } {
    const now = this.#o.clock.nowMs();
    const result = this.#commit(() => {
      this.#fence(req.fencing, req.deviceId, now);
      const existing = this.#o.stores.orders.findActive(req.deviceId, req.mode);
      if (existing) {
        const escalated = this.#o.lifecycle.escalate(existing, req, now);
        return { order: escalated?.order ?? existing, created: false, changes: escalated ? [escalated] : [] };
      }
      const changes = this.#openAndPlan(
        {
          deviceId: req.deviceId,
          mode: req.mode,
          health: req.health,
          predictedFailureAtMs: req.predictedFailureAtMs ?? null,
          source: 'analytics',
          actor: SYSTEM,
          model: req.model,
        },
        now,
      );
      return { order: changes[changes.length - 1].order, created: true, changes };
    });
    const { order, created } = result;
    if (created)
      this.#o.log.info(
        {
          workOrder: order.id,
          device: req.deviceId,
          mode: req.mode,
          severity: order.severity,
          technician: order.technicianId,
        },
        'work order opened',
      );
    else if (result.changes.length)
      this.#o.log.warn({ workOrder: order.id, device: req.deviceId, severity: order.severity }, 'work order escalated');
    return { order, created };
  }

  /**
   * A planner opens a job by hand: a customer's report (the default) or any planned kind. A
   * failure job names a failure mode of the device's model; a planned one none (its mode is its
   * type). Planned like an analytics one.
   */
  create(input: NewJobInput): ServiceWorkOrder {
    return this.createWith(input, () => {});
  }

  /**
   * As `create`, with `then` run on the opened job inside the same transaction, before it is
   * planned (an installation's device registered with it, a maintenance visit's other devices).
   */
  createWith(input: NewJobInput, then: (opened: ServiceWorkOrder) => void): ServiceWorkOrder {
    const now = this.#o.clock.nowMs();
    const jobType = input.jobType ?? 'customer_reported';
    const device = this.#o.stores.registry.getDevice(input.deviceId);
    if (!device) throw notFound('device', input.deviceId);
    let mode: FailureMode;
    if (isFailureJob(jobType)) {
      if (!input.mode) throw badRequest(`mode: is required for a ${jobType} job (a failure mode of ${device.modelId})`);
      const wrongMode = this.#o.stores.catalogue.modeProblem(device.modelId, input.mode);
      if (wrongMode) throw badRequest(`mode: ${wrongMode}`);
      mode = input.mode;
    } else if (input.mode === CUSTOMER_REPORTED_MODE) {
      throw badRequest(`mode: customer_reported is for a customer_reported job, not ${jobType}`);
    } else {
      if (input.mode && input.mode !== jobType)
        throw badRequest(`mode: a ${jobType} job has no failure mode (leave mode out)`);
      mode = jobType;
    }
    const report = input.customerReport?.trim() || undefined;
    if (mode === CUSTOMER_REPORTED_MODE && !report)
      throw badRequest("customerReport: a job the customer reported keeps the customer's own words");
    const health: HealthReport = {
      deviceId: input.deviceId,
      tsMs: now,
      score: 100,
      state: 'watch',
      mode,
      evidence: {},
      explanation: report
        ? // The customer's words, in no language of ours: the board and the technician's card show them as they are.
          `“${report}”`
        : `opened by ${input.actor}${input.note ? `: ${input.note}` : ''}`,
    };
    const { changes } = this.#commit(() => {
      if (this.#o.stores.orders.findActive(input.deviceId, mode))
        throw conflict(`device ${input.deviceId} already has an active ${mode} work order`);
      const opened = this.#o.lifecycle.open(
        {
          deviceId: input.deviceId,
          mode,
          jobType,
          health,
          predictedFailureAtMs: null,
          source: input.source ?? 'planner',
          actor: input.actor,
          severity:
            input.severity ?? (isFailureJob(jobType) ? undefined : jobType === 'installation' ? 'medium' : 'low'),
          note: input.note,
          dueAtMs: input.dueAtMs,
          customerReport: report,
        },
        now,
      );
      then(opened);
      return {
        changes: [
          { order: opened, prevTechnicianId: null },
          ...(this.#o.autoDispatch ? this.#o.dispatcher.plan(opened, now) : []),
        ],
      };
    });
    return changes[changes.length - 1].order;
  }

  /** Re-runs the dispatcher on an open work order (after a decline, or when technicians come on shift). */
  dispatch(id: string, opts: { version?: number; actor: string }): ServiceWorkOrder {
    const now = this.#o.clock.nowMs();
    return this.#commit(() => {
      const wo = this.#o.stores.orders.require(id);
      requireVersion(wo, opts.version);
      if (wo.state !== 'open') throw conflict(`work order is ${wo.state}: only an open work order can be dispatched`);
      if (this.#o.stores.billing.awaitingApproval(wo.id))
        throw conflict(`work order ${wo.id} waits for the customer's approval of its quote`);
      const changes = this.#o.dispatcher.plan(wo, now);
      return { order: changes.length ? changes[changes.length - 1].order : wo, changes };
    }).order;
  }

  /**
   * Analytics withdrew its request (the device recovered). Cancel only while nobody has set off:
   * open, assigned or acknowledged. Once a technician is en route the visit goes ahead and ends
   * with a resolution code — the field verdict is worth more than the detector's second thought.
   */
  handleDispatchCancel(c: DispatchCancel): ServiceWorkOrder | null {
    const now = this.#o.clock.nowMs();
    const { changes } = this.#commit(() => {
      if (!this.#o.stores.fences.admit(c.fencing, now)) {
        this.#o.log.warn(
          { device: c.deviceId, fencing: c.fencing },
          'dispatch cancel refused: its lease is not the newest',
        );
        return { changes: [] };
      }
      const wo = this.#o.stores.orders.findActive(c.deviceId, c.mode);
      if (!wo || !statesBefore('en_route').includes(wo.state)) return { changes: [] };
      return {
        changes: [
          this.#o.lifecycle.apply(
            wo,
            { to: 'cancelled', actor: 'analytics', note: `dispatch withdrawn: ${c.reason}` },
            now,
          ),
        ],
      };
    });
    if (!changes.length) return null;
    this.#o.log.info(
      { workOrder: changes[0].order.id, device: c.deviceId, mode: c.mode },
      'work order cancelled: dispatch withdrawn',
    );
    logFailure(this.#o.log, 'sweepBacklog', () => this.sweepBacklog());
    return changes[0].order;
  }

  /** A lifecycle step requested by a person or API client. Throws ServiceError 400/404/409. */
  transition(id: string, input: TransitionInput): ServiceWorkOrder {
    const now = this.#o.clock.nowMs();
    const afterCommit: (() => void)[] = [];
    const [{ order }] = this.#commit(() => {
      const wo = this.#o.stores.orders.require(id);
      requireVersion(wo, input.version);
      const change = this.#o.lifecycle.apply(wo, input, now);
      if (change.order.state === 'resolved')
        for (const hook of this.#o.resolutionHooks ?? []) {
          const after = hook(change.order, now);
          if (after) afterCommit.push(after);
        }
      return { changes: [change] };
    }).changes;
    for (const after of afterCommit) logFailure(this.#o.log, 'afterResolution', after);
    this.#o.log.info({ workOrder: id, state: order.state, actor: input.actor }, 'work order transition');
    if (order.state === 'resolved') this.#afterResolution(order, now);
    // After the cancellation's own event: analytics, which just closed its request, holds the mode off.
    if (order.state === 'cancelled' && input.falseAlarm) {
      this.#o.bus.emit('falseAlarm', {
        deviceId: order.deviceId,
        mode: order.mode,
        tsMs: now,
        workOrderId: order.id,
        score: order.evidence.score,
      });
    }
    // A finished job frees a technician (and a cancelled one its part): staff what was waiting.
    if (order.state === 'resolved' || order.state === 'cancelled')
      logFailure(this.#o.log, 'sweepBacklog', () => this.sweepBacklog());
    return order;
  }

  /** A planner gives an assigned job to another technician; both hear of it (the outbox). */
  reassign(
    id: string,
    input: { technicianId: string; version?: number; actor: string; note?: string },
  ): ServiceWorkOrder {
    const now = this.#o.clock.nowMs();
    const [{ order }] = this.#commit(() => {
      const wo = this.#o.stores.orders.require(id);
      requireVersion(wo, input.version);
      return { changes: [this.#o.lifecycle.reassign(wo, input, now)] };
    }).changes;
    this.#o.log.info({ workOrder: id, technician: order.technicianId, actor: input.actor }, 'work order reassigned');
    return order;
  }

  /**
   * What a customer-reported job turned out to be: its mode becomes one of the device's model
   * (the customer's words stay on the job). An open job is planned again for it, so the part and
   * skill the catalogue lists for the mode are what the dispatcher looks for; a job already
   * assigned keeps its technician and its plan (the technician on site brings or orders the part).
   * 409 unless the job is an active customer_reported one, or when the device already has an
   * active job of that mode.
   */
  diagnose(id: string, input: { mode: FailureMode; version?: number; actor: string; note?: string }): ServiceWorkOrder {
    const now = this.#o.clock.nowMs();
    const { stores } = this.#o;
    const result = this.#commit(() => {
      const wo = stores.orders.require(id);
      requireVersion(wo, input.version);
      if (wo.mode !== CUSTOMER_REPORTED_MODE)
        throw conflict(`work order ${id} is ${wo.mode}: only a customer_reported job is diagnosed`);
      if (wo.state === 'resolved' || wo.state === 'cancelled') throw conflict(`work order ${id} is ${wo.state}`);
      if (input.mode === CUSTOMER_REPORTED_MODE) throw badRequest('mode: name what the fault is');
      const device = stores.registry.getDevice(wo.deviceId);
      const wrong = device ? stores.catalogue.modeProblem(device.modelId, input.mode) : null;
      if (wrong) throw badRequest(`mode: ${wrong}`);
      if (stores.orders.findActive(wo.deviceId, input.mode))
        throw conflict(`device ${wo.deviceId} already has an active ${input.mode} work order`);
      const diagnosed = stores.orders.patch(
        id,
        { mode: input.mode },
        {
          actor: input.actor,
          nowMs: now,
          note: `diagnosed: ${input.mode} (reported by the customer)${input.note ? `: ${input.note}` : ''}`,
        },
      );
      // What repairing that fault takes, when the catalogue lists it for the mode (added after what is there).
      const model = device ? stores.catalogue.current(device.modelId) : undefined;
      const modeList = model?.failureModes.find((f) => f.id === input.mode)?.checklist;
      if (modeList) stores.checklists.add(id, wo.deviceId, checklistFor(model!, 'customer_reported', input.mode));
      const replanned =
        diagnosed.state === 'open' && this.#o.autoDispatch ? this.#o.dispatcher.plan(diagnosed, now) : [];
      return { changes: [{ order: diagnosed, prevTechnicianId: null }, ...replanned] };
    });
    const order = result.changes[result.changes.length - 1].order;
    this.#o.log.info({ workOrder: id, mode: input.mode, actor: input.actor }, 'work order diagnosed');
    return order;
  }

  /**
   * Staffs or supplies work waiting on the network (see Dispatcher.sweep). Runs after a job
   * frees a technician, and should run after stock or technicians change.
   */
  sweepBacklog(): ServiceWorkOrder[] {
    if (!this.#o.autoDispatch) return [];
    const now = this.#o.clock.nowMs();
    const { changes } = this.#commit(() => ({ changes: this.#o.dispatcher.sweep(now) }));
    if (changes.length)
      this.#o.log.info({ changed: changes.length }, 'backlog sweep staffed or supplied waiting work orders');
    return changes.map((c) => c.order);
  }

  /**
   * Refuses (409, nothing written) a dispatch made under a lease older than the newest its
   * partition has dispatched under: the worker that made it lost the partition meanwhile.
   */
  #fence(token: DispatchRequest['fencing'], deviceId: string, now: number): void {
    if (this.#o.stores.fences.admit(token, now)) return;
    const newest = token ? this.#o.stores.fences.newest(token.partition) : null;
    throw conflict(
      `dispatch for ${deviceId} from ${token?.workerId} under partition ${token?.partition} revision ${token?.revision} refused: ${newest?.workerId} dispatched under revision ${newest?.revision}`,
    );
  }

  /** Opens a job and, with autoDispatch, plans it (inside the caller's transaction). */
  #openAndPlan(input: OpenInput, now: number): Change[] {
    const opened = this.#o.lifecycle.open(input, now);
    return [
      { order: opened, prevTechnicianId: null },
      ...(this.#o.autoDispatch ? this.#o.dispatcher.plan(opened, now) : []),
    ];
  }

  /**
   * One command, one transaction: the writes, then an outbox row per changed job for webhooks
   * and the technicians concerned (new and previous) and the notice its customer's contacts get;
   * after the commit, the bus.
   */
  #commit<T extends { changes: Change[] }>(fn: () => T): T {
    const { stores, bus, notices, clock } = this.#o;
    const result = inTransaction(stores.db, () => {
      const out = fn();
      for (const c of out.changes) {
        const techs = [c.order.technicianId, c.prevTechnicianId].filter((t): t is string => !!t);
        stores.notifier.enqueue(`workOrder.${c.order.state}`, c.order, techs);
        notices.afterChange(c.order, clock.nowMs());
      }
      return out;
    });
    for (const c of result.changes) bus.emit('workOrder', c.order);
    return result;
  }

  /** After a resolution: restart the replaced component's baseline, ask the customer how it went. */
  #afterResolution(wo: ServiceWorkOrder, now: number): void {
    if (wo.resolutionCode === 'fault_confirmed_part_replaced')
      this.#o.bus.emit('baselineReset', { deviceId: wo.deviceId, mode: wo.mode, tsMs: now });
    try {
      inTransaction(this.#o.stores.db, () => this.#o.surveys.request(wo, now));
    } catch (err) {
      this.#o.log.error({ err, workOrder: wo.id }, 'could not issue the customer survey');
    }
  }
}
