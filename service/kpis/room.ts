// The KPIs room as callers see it (`service.kpis`): the figures of a period and their trend.

import type { Clock } from '../../core/clock.ts';
import type { ServiceKpis } from '../../core/types.ts';
import type { ServiceStores } from '../stores.ts';
import { computeKpis, computeKpiTrend } from './kpis.ts';

export class KpisRoom {
  readonly #stores: ServiceStores;
  readonly #clock: Clock;

  constructor(stores: ServiceStores, clock: Clock) {
    this.#stores = stores;
    this.#clock = clock;
  }

  kpis(fromMs: number, toMs: number): ServiceKpis {
    return computeKpis(this.#stores.db, fromMs, toMs, this.#clock.nowMs());
  }
  /** The KPIs per consecutive bucket of [fromMs, toMs) for the trend charts; at most 366 buckets. */
  kpiTrend(fromMs: number, toMs: number, bucketMs: number): ServiceKpis[] {
    return computeKpiTrend(this.#stores.db, fromMs, toMs, bucketMs, this.#clock.nowMs());
  }
}
