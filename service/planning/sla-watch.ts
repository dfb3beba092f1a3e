import type { Clock } from '../../core/clock.ts';
import type { EventBus } from '../../core/event-bus.ts';
import type { Logger } from '../../core/log.ts';
import type { CustomerNotices } from '../customers/notices.ts';
import { inTransaction } from '../db.ts';
import type { ServiceStores } from '../stores.ts';
import type { ServiceWorkOrder } from '../types.ts';

/** Breaches marked per SLA check: bounds one pass (the rest are marked a minute later). */
const SLA_CHECK_MAX = 200;
/** A response deadline this close, and nobody on the way yet: the customer hears the visit may be late. */
export const AT_RISK_HORIZON_MS = 60 * 60_000;

export interface SlaWatchOptions {
  stores: ServiceStores;
  /** Tells the customer's contacts that the visit is late (once per job). */
  notices: CustomerNotices;
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
        if (
          order.slaRespondBreachedAtMs == null &&
          order.onSiteAtMs == null &&
          order.slaRespondByMs != null &&
          order.slaRespondByMs < now
        ) {
          order = orders.markSlaBreach(order.id, 'respond', order.slaRespondByMs, now);
          missed.push('respond');
        }
        if (order.slaResolveBreachedAtMs == null && order.slaResolveByMs != null && order.slaResolveByMs < now) {
          order = orders.markSlaBreach(order.id, 'resolve', order.slaResolveByMs, now);
          missed.push('resolve');
        }
        notifier.enqueue(
          'workOrder.slaBreached',
          { missed, workOrder: order },
          order.technicianId ? [order.technicianId] : [],
        );
        if (missed.includes('respond')) this.#o.notices.delayed(order, 'respond', order.slaRespondByMs, now);
        else this.#o.notices.delayed(order, 'resolve', order.slaResolveByMs, now);
        out.push(order);
      }
      // Before the deadline passes: nobody on the way an hour before it, tell the customer now.
      for (const wo of orders.atRiskOfLateArrival(now, AT_RISK_HORIZON_MS, SLA_CHECK_MAX))
        this.#o.notices.delayed(wo, 'at_risk', wo.slaRespondByMs, now);
      return out;
    });
    for (const order of marked) {
      log.warn(
        { workOrder: order.id, device: order.deviceId, state: order.state, technician: order.technicianId },
        'SLA deadline missed',
      );
      bus.emit('workOrder', order);
    }
    return marked;
  }
}
