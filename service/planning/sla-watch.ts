import type { Clock } from '../../core/clock.ts';
import type { EventBus } from '../../core/event-bus.ts';
import type { Logger } from '../../core/log.ts';
import { inTransaction } from '../db.ts';
import type { ServiceStores } from '../stores.ts';
import type { ServiceWorkOrder } from '../types.ts';

/** Breaches marked per SLA check: bounds one pass (the rest are marked a minute later). */
const SLA_CHECK_MAX = 200;

export interface SlaWatchOptions {
  stores: ServiceStores;
  bus: EventBus;
  log: Logger;
  clock: Clock;
  /** How often to check, ms (real time); 0 = never by itself (tests call check()). */
  everyMs: number;
}

/**
 * The SLA watch: marks active jobs that passed a deadline (nobody on site by the response
 * deadline; not resolved by the resolution deadline), once per deadline, and tells the CRM
 * (`workOrder.slaBreached`), the assigned technician and the board (bus `workOrder`) while
 * there is still something to do about it. The KPI judges compliance from the timestamps
 * anyway; this is the early warning.
 */
export class SlaWatch {
  readonly #o: SlaWatchOptions;
  #timer: NodeJS.Timeout | null = null;

  constructor(opts: SlaWatchOptions) {
    this.#o = opts;
  }

  start(): void {
    if (this.#o.everyMs <= 0 || this.#timer) return;
    this.#timer = setInterval(() => {
      try {
        this.check();
      } catch (err) {
        this.#o.log.error({ err, event: 'checkSla' }, 'service domain failed to handle event');
      }
    }, this.#o.everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One pass; returns the jobs it marked. */
  check(): ServiceWorkOrder[] {
    const { stores, bus, log, clock } = this.#o;
    const { orders, notifier } = stores;
    const now = clock.nowMs();
    const marked = inTransaction(stores.db, () => {
      const out: ServiceWorkOrder[] = [];
      for (const wo of orders.unmarkedSlaBreaches(now, SLA_CHECK_MAX)) {
        let order = wo;
        const missed: ('respond' | 'resolve')[] = [];
        if (order.slaRespondBreachedAtMs == null && order.onSiteAtMs == null && order.slaRespondByMs != null && order.slaRespondByMs < now) {
          order = orders.markSlaBreach(order.id, 'respond', order.slaRespondByMs, now);
          missed.push('respond');
        }
        if (order.slaResolveBreachedAtMs == null && order.slaResolveByMs != null && order.slaResolveByMs < now) {
          order = orders.markSlaBreach(order.id, 'resolve', order.slaResolveByMs, now);
          missed.push('resolve');
        }
        notifier.enqueue('workOrder.slaBreached', { missed, workOrder: order }, order.technicianId ? [order.technicianId] : []);
        out.push(order);
      }
      return out;
    });
    for (const order of marked) {
      log.warn({ workOrder: order.id, device: order.deviceId, state: order.state, technician: order.technicianId }, 'SLA deadline missed');
      bus.emit('workOrder', order);
    }
    return marked;
  }
}
